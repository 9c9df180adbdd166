/**
 * The divergence WebGPU kernels' view of one call: sizes, the row layout chosen by K, the program
 * variant and the uniform values (wgsl.ts UNIFORMS).
 *
 * Row layout (every program, as the softmax programs'): a workgroup of 256 threads takes 256 / L
 * consecutive rows with L = 2^shift threads per row, lane l of a row reads classes l, l + L, ...
 * (neighbouring threads read neighbouring floats, or vec4s), and a row's L partial states meet in
 * workgroup memory. A long row's gradient is also split into column tiles, as nothing there needs the
 * whole row.
 */
import {TensorInfo, util} from '@tensorflow/tfjs-core';
import {grid, storedAs, WebGPUBackend, WORKGROUP_SIZE} from '../../../backends/webgpu/program.js';
import type {SoftmaxDivergenceAttrs, SoftmaxDivergenceInputs} from '../contract.js';
import {UNIFORMS, Variant} from './wgsl.js';

/**
 * Classes per thread aimed at when choosing L = 2^⌈log2(K / CLASSES_PER_THREAD)⌉ (1 to 256): K = 32 000
 * takes 16 threads a row (16 rows a workgroup). What costs on SwiftShader (where this is measured: no
 * GPU here) is a workgroup's barriers and its threads' setup more than the classes; the softmax
 * programs measured 2048 the better of 256 and 2048, and these rows do the same reads and twice the exps.
 */
const CLASSES_PER_THREAD = 2048;

/** Classes per workgroup in the gradient program for rows that take a whole workgroup (K > 262 144). */
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
  attrs: SoftmaxDivergenceAttrs;
}

export function layoutFor(N: number, K: number): Layout {
  const perRow = Math.min(WORKGROUP_SIZE, Math.max(1, Math.ceil(K / CLASSES_PER_THREAD)));
  const shift = Math.ceil(Math.log2(perRow));
  const rowsPerGroup = WORKGROUP_SIZE >> shift;
  const tiles = shift === Math.log2(WORKGROUP_SIZE) && K > GRADIENT_TILE ? Math.ceil(K / GRADIENT_TILE) : 1;
  return {shift, rowsPerGroup, groups: Math.ceil(N / rowsPerGroup), tiles, tileLen: tiles > 1 ? GRADIENT_TILE : K};
}

export function describe(backend: WebGPUBackend, inputs: SoftmaxDivergenceInputs, attrs: SoftmaxDivergenceAttrs): Problem {
  const {logits, targets} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : util.sizeFromShape(logits.shape) / K;
  const variant: Variant = {
    kind: attrs.kind, reduction: attrs.reduction, vec4: K % 4 === 0,
    intLogits: storedAs(backend, logits) === 'int32',
    intTargets: attrs.kind !== 'entropy' && storedAs(backend, targets) === 'int32',
  };
  return {N, K, layout: layoutFor(N, K), variant, attrs};
}

/** Uniform values for a dispatch of `workgroups` workgroups (the grid comes from program.ts grid()). */
export function uniformValues(p: Problem, workgroups: number): number[] {
  const {N, K, layout, attrs} = p;
  const gradScale = attrs.scale / attrs.temperature / (attrs.reduction === 'mean' ? N : 1);
  const values: Record<string, number> = {
    numRows: N, numClasses: K, shift: layout.shift, groups: workgroups, groupsX: grid(workgroups)[0],
    tiles: layout.tiles, tileLen: layout.tileLen, invTemp: 1 / attrs.temperature,
    invTargetTemp: 1 / attrs.targetTemperature, scale: attrs.scale, count: N, gradScale,
  };
  return UNIFORMS.map((u) => values[u.name]);
}

/** The inputs by binding name (entropy binds no targets: they are the logits). */
export const inputTensors = (inputs: SoftmaxDivergenceInputs): Record<string, TensorInfo> =>
  ({logits: inputs.logits, targets: inputs.targets});
