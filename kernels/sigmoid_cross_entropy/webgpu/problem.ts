/**
 * The sigmoid WebGPU kernels' view of one call: the number of entries, the layout of the entry
 * program's threads, the program variant and the uniform values (wgsl.ts UNIFORMS).
 *
 * Layout: every entry is its own problem, so the entries are one flat array, read four a load (vec4)
 * when their number M is a multiple of 4, one otherwise. A workgroup of WG threads takes WG·PER
 * consecutive elements (vec4s or floats); thread t takes elements t, t + WG, ..., so neighbouring
 * threads read neighbouring elements on every step.
 */
import {TensorInfo, util} from '@tensorflow/tfjs-core';
import {grid, onSwiftShader, storedAs, WebGPUBackend, WORKGROUP_SIZE} from '../../../backends/webgpu/program.js';
import {columns, entryScale, SigmoidCrossEntropyAttrs, SigmoidCrossEntropyInputs} from '../contract.js';
import {Columns, Mode, UNIFORMS, Variant, WHOLE_GAMMA_MAX} from './wgsl.js';

/**
 * Elements (vec4s or floats) per thread, at least: a thread's setup costs about as much as a few
 * elements. On SwiftShader the backward kernel at [65536, 80] ran 0.9–1.1× the time of a copy with 16,
 * 1.2–1.6× with 4, 0.9–1.1× with 64 (two runs each, interleaved with the copy).
 */
export const MIN_PER_THREAD = 16;

/**
 * The most workgroups a program with a reduced loss is given; past that, each thread takes more
 * elements (a loop with a stride of the workgroup). Its workgroups meet at barriers (the tree, the
 * count), and SwiftShader, which runs a workgroup that does as coroutines, pays about a millisecond
 * for each such workgroup while it runs them on a thread per core. So there the cap is two workgroups
 * per core: on this 2-core machine loss-and-grad at [1048576, 1] took 50–72 ms with 32 workgroups,
 * 34–48 with 16, 21–38 with 8, 24–30 with 4 and 25–30 with 2 (copy: 13–22), and at [65536, 80] 94–111
 * ms with 4 where 16 took 143–175 (copy: 70–96); with 1280 (four elements a thread) it had taken
 * 1065 ms. A GPU pays nothing of the kind and needs many workgroups to keep its cores busy: there the
 * cap is a few workgroups per core of a large GPU, not measured (no GPU here).
 */
export const MAX_REDUCING_GROUPS = {
  swiftShaderPerCore: 2,
  gpu: 1024,
};

/** CPU cores, as the page sees them (2 where unknown). */
const cores = () => (globalThis as {navigator?: {hardwareConcurrency?: number}}).navigator?.hardwareConcurrency ?? 2;

export interface Problem {
  /** Entries, and columns of the last axis (posWeight and classWeights have C each). */
  M: number;
  C: number;
  /** Elements of the bound per-entry arrays: M / 4 for vec4, else M. */
  elements: number;
  /** Elements per thread, and workgroups of the dispatch. */
  perThread: number;
  groups: number;
  variant: Variant;
  attrs: SigmoidCrossEntropyAttrs;
  inputs: SigmoidCrossEntropyInputs;
}

/** What the layout and the variant take from the backend (deviceOf). */
export interface Device {
  /** program.ts onSwiftShader */
  swiftShader: boolean;
  /** program.ts storedAs */
  storedAs(t: TensorInfo): 'float32' | 'int32';
}

/** The Device view of a backend. */
export const deviceOf = (backend: WebGPUBackend): Device =>
  ({swiftShader: onSwiftShader(backend), storedAs: (t) => storedAs(backend, t)});

/** How a weight's column is found: one weight, four consecutive columns a vec4, or one per lane. */
function columnsKind(C: number, vec4: boolean): Columns {
  if (C === 1) return 'one';
  return vec4 && C % 4 === 0 ? 'vec4' : 'gather';
}

/**
 * Elements per thread and workgroups for `elements` elements: MIN_PER_THREAD a thread, and for a
 * program that reduces the loss no more than MAX_REDUCING_GROUPS workgroups (on SwiftShader or not).
 */
export function layoutFor(elements: number, reduces: boolean, swiftShader: boolean): {perThread: number, groups: number} {
  const cap = swiftShader ? MAX_REDUCING_GROUPS.swiftShaderPerCore * cores() : MAX_REDUCING_GROUPS.gpu;
  let perThread = MIN_PER_THREAD;
  if (reduces) perThread = Math.max(perThread, Math.ceil(elements / (WORKGROUP_SIZE * cap)));
  return {perThread, groups: Math.max(1, Math.ceil(elements / (WORKGROUP_SIZE * perThread)))};
}

/** The problem of one call of the kernel of `mode`. */
export function describe(inputs: SigmoidCrossEntropyInputs, attrs: SigmoidCrossEntropyAttrs, mode: Mode,
    device: Device): Problem {
  const M = util.sizeFromShape(inputs.logits.shape);
  const C = columns(inputs.logits.shape);
  const vec4 = M % 4 === 0;
  const elements = vec4 ? M / 4 : M;
  const variant: Variant = {
    reduction: attrs.reduction, vec4, focal: attrs.focalGamma > 0,
    wholeGamma: Number.isInteger(attrs.focalGamma) && attrs.focalGamma <= WHOLE_GAMMA_MAX ? attrs.focalGamma : 0,
    alpha: attrs.focalAlpha >= 0,
    posWeighted: attrs.posWeighted, classWeighted: attrs.classWeighted, columns: columnsKind(C, vec4),
    intInputs: (['logits', 'labels', 'posWeight', 'classWeights'] as const)
        .filter((n) => device.storedAs(inputs[n]) === 'int32'),
  };
  return {M, C, elements, ...layoutFor(elements, mode !== 'backward' && attrs.reduction !== 'none', device.swiftShader),
    variant, attrs, inputs};
}

/** v rounded to its first `bits` significant bits (0 stays 0). */
function leadingBits(v: number, bits: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const step = 2 ** (Math.floor(Math.log2(Math.abs(v))) - (bits - 1));
  return Math.round(v / step) * step;
}

/** The uniform values, in UNIFORMS' order. */
export function uniformValues(p: Problem): number[] {
  const {M, C, elements, groups, attrs, variant} = p;
  const eps = attrs.labelSmoothing;
  const alpha = attrs.focalAlpha >= 0 ? attrs.focalAlpha : 1;
  const values: Record<string, number> = {
    numElems: elements, count: M, numCols: C,
    // columns advance by WG elements between a thread's steps
    colStep: (WORKGROUP_SIZE * (variant.vec4 ? 4 : 1)) % C,
    perThread: p.perThread, groups, groupsX: grid(groups)[0],
    keep: 1 - eps, half: eps / 2, gamma: attrs.focalGamma, alpha, alphaC: 1 - alpha,
    gammaHi: leadingBits(attrs.focalGamma, 7), gammaLo: attrs.focalGamma - leadingBits(attrs.focalGamma, 7),
    gradScale: entryScale(attrs.reduction, M),
  };
  return UNIFORMS.map((u) => values[u.name]);
}

/** The tensors the programs may bind, by binding name (wgsl.ts entryBindings). */
export function tensorsOf(p: Problem): Record<string, TensorInfo> {
  const {logits, labels, posWeight, classWeights} = p.inputs;
  return {logits, labels, posWeight, classWeights};
}
