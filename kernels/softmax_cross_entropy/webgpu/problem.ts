/**
 * The WebGPU kernels' view of one call: sizes, the workgroup layout chosen by K, the program variant
 * and the uniform values (wgsl.ts UNIFORMS).
 */
import {TensorInfo, util} from '@tensorflow/tfjs-core';
import {grid, storedAs, WebGPUBackend, WORKGROUP_SIZE} from '../../../backends/webgpu/program.js';
import type {SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';
import {InputName, UNIFORMS, Variant, WHOLE_GAMMA_MAX} from './wgsl.js';

/**
 * Classes per thread aimed at when choosing the threads per row L = 2^⌈log2(K / 2048)⌉ (1 to 256): K ≤ 2048
 * takes one thread per row (256 rows per workgroup), K = 32 000 takes 16 (16 rows per workgroup: 16
 * workgroups at N = 256), K = 262 144 takes 128. Measured on SwiftShader, where what costs is the
 * workgroup barriers of a row's reduction (its threads switch at each one) and per-thread setup, not
 * the classes: value-and-grad at [256, 32000] ran 1.7× as fast with 2048 classes per thread as with 256,
 * and [65 536, 10] 1.9×. A GPU would take more threads per row for long rows; this package is measured
 * where it is tested (no GPU here), so the constant says what that measurement chose.
 */
const CLASSES_PER_THREAD = 2048;

/**
 * Classes per workgroup in the gradient program for rows that take a whole workgroup (K > 262 144): its
 * rows need no reduction, so a long row is split into column tiles that run in parallel.
 */
const GRADIENT_TILE = WORKGROUP_SIZE * 256;

export interface Layout {
  /** log2 of the threads per row. */
  shift: number;
  /** Rows per workgroup (256 >> shift) and workgroups over all rows. */
  rowsPerGroup: number;
  groups: number;
  /** Gradient program: column tiles per row group and their length. */
  tiles: number;
  tileLen: number;
}

export interface Problem {
  N: number;
  K: number;
  layout: Layout;
  variant: Variant;
  /** The logits, labels, and class weights if the variant reads them (wgsl.ts commonBindings). */
  common: TensorInfo[];
  attrs: SoftmaxCrossEntropyAttrs;
}

export function layoutFor(N: number, K: number): Layout {
  const perRow = Math.min(WORKGROUP_SIZE, Math.max(1, Math.ceil(K / CLASSES_PER_THREAD)));
  const shift = Math.ceil(Math.log2(perRow));
  const rowsPerGroup = WORKGROUP_SIZE >> shift;
  const tiles = shift === Math.log2(WORKGROUP_SIZE) && K > GRADIENT_TILE ? Math.ceil(K / GRADIENT_TILE) : 1;
  return {shift, rowsPerGroup, groups: Math.ceil(N / rowsPerGroup), tiles, tileLen: tiles > 1 ? GRADIENT_TILE : K};
}

export function describe(inputs: SoftmaxCrossEntropyInputs, attrs: SoftmaxCrossEntropyAttrs,
    backend: WebGPUBackend): Problem {
  const {logits, labels} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : util.sizeFromShape(logits.shape) / K;
  const ids = labels.dtype === 'int32';
  const weighted = attrs.classWeighted !== false;
  const spread = !ids || attrs.labelSmoothing > 0;
  // attributes a caller of runKernel may leave out mean their defaults (off)
  const gamma = attrs.focalGamma ?? 0;
  const focal = gamma > 0;
  const float: Array<[InputName, TensorInfo, boolean]> =
    [['logits', logits, true], ['labels', labels, !ids], ['weights', inputs.classWeights, weighted]];
  const variant: Variant = {
    ids, weighted, spread, zLoss: attrs.zLoss > 0, reduction: attrs.reduction,
    focal, wholeGamma: focal && Number.isInteger(gamma) && gamma <= WHOLE_GAMMA_MAX ? gamma : 0,
    others: ids && spread && attrs.labelSmoothingOver === 'others', softcap: (attrs.softcap ?? 0) > 0,
    intInputs: float.filter(([, t, bound]) => bound && storedAs(backend, t) === 'int32').map(([name]) => name),
  };
  const common = [logits, labels, ...(variant.weighted ? [inputs.classWeights] : [])];
  return {N, K, layout: layoutFor(N, K), variant, common, attrs};
}

/** v rounded to its first `bits` significant bits (math.ts powq forms γ's part times ln q exactly). */
function leadingBits(v: number, bits: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const step = 2 ** (Math.floor(Math.log2(Math.abs(v))) - (bits - 1));
  return Math.round(v / step) * step;
}

/** Uniform values for a dispatch of `workgroups` workgroups (the grid comes from program.ts grid()). */
export function uniformValues(p: Problem, workgroups: number): number[] {
  const {N, K, layout, attrs} = p;
  const values: Record<string, number> = {
    numRows: N, numClasses: K, shift: layout.shift, groups: workgroups, groupsX: grid(workgroups)[0],
    tiles: layout.tiles, tileLen: layout.tileLen, smoothing: attrs.labelSmoothing, invTemp: 1 / attrs.temperature,
    zLossCoef: attrs.zLoss, ignoreId: attrs.ignoreIndex,
    gamma: p.variant.focal ? attrs.focalGamma : 0, gammaHi: p.variant.focal ? leadingBits(attrs.focalGamma, 7) : 0,
    gammaLo: p.variant.focal ? attrs.focalGamma - leadingBits(attrs.focalGamma, 7) : 0,
    softcap: p.variant.softcap ? attrs.softcap : 0, invCap: p.variant.softcap ? 1 / attrs.softcap : 0,
  };
  return UNIFORMS.map((u) => values[u.name]);
}
