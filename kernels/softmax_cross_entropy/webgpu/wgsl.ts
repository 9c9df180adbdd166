/**
 * WGSL shared by the softmax WebGPU programs: this family's uniforms, the row layout, and the label
 * coefficients a_c (contract.ts has the math).
 *
 * Row layout (every program): a workgroup of 256 threads takes 256 / L consecutive rows with L = 2^shift
 * threads per row (L from K, problem.ts: 1 thread for K ≤ 16 up to 256 for K > 2048), lane l of a row
 * reads classes l, l + L, l + 2L, ...: neighbouring threads read neighbouring floats. A row's L partial
 * results meet in workgroup memory (a tree of log2 L steps). Sizes and option values are uniforms, so
 * one pipeline serves every shape; the source holds only the structure (label kind, which terms exist,
 * the reduction, which tensors are bound).
 *
 * The plumbing every loss shares (declarations, bit tests for NaN and ±∞, the workgroup index) is in
 * backends/webgpu/wgsl.ts.
 */
import type {Access, Uniform} from '../../../backends/webgpu/program.js';
import {Binding, declare, NON_FINITE} from '../../../backends/webgpu/wgsl.js';
import type {Reduction} from '../contract.js';

export type {Binding};
export {bind, GROUP_INDEX} from '../../../backends/webgpu/wgsl.js';

/** Our uniforms, the same list for every program (values: problem.ts). */
export const UNIFORMS: Uniform[] = [
  {name: 'numRows', type: 'i32'},      // N
  {name: 'numClasses', type: 'i32'},   // K
  {name: 'shift', type: 'u32'},        // log2 of the threads per row
  {name: 'groups', type: 'u32'},       // workgroups that do work in this dispatch
  {name: 'groupsX', type: 'u32'},      // the grid's x size (workgroup index = x + y · groupsX)
  {name: 'tiles', type: 'u32'},        // gradient program: workgroups per row group (column tiles)
  {name: 'tileLen', type: 'i32'},      // gradient program: classes per column tile
  {name: 'smoothing', type: 'f32'},    // ε
  {name: 'invTemp', type: 'f32'},      // 1 / T
  {name: 'zLossCoef', type: 'f32'},    // λ
  {name: 'ignoreId', type: 'i32'},     // ignoreIndex
];

/** Structural choices that select a program's source (one pipeline per distinct set and kernel). */
export interface Variant {
  ids: boolean;         // int32 class ids, else float32 probabilities
  weighted: boolean;    // class weights given (else all ones: not bound, not read)
  spread: boolean;      // per-class coefficients besides the class-id target: smoothing, or probabilities
  zLoss: boolean;
  reduction: Reduction;
}

export const variantKey = (v: Variant) =>
  `${v.ids ? 'ids' : 'probs'}-${v.weighted ? 'w' : 'nw'}-${v.spread ? 'spread' : 'target'}-${v.zLoss ? 'z' : 'noz'}-${v.reduction}`;

/**
 * The logits, labels and (if given) class weights, read by every program. `vec4`: the per-class ones
 * (logits, probabilities, weights) as vec4<f32>, four classes a read, for K a multiple of 4.
 */
export const commonBindings = (v: Variant, vec4 = false): Binding[] => {
  const perClass = vec4 ? 'vec4<f32>' as const : 'f32' as const;
  return [
    {name: 'logits', access: 'read', type: perClass},
    {name: 'labels', access: 'read', type: v.ids ? 'i32' : perClass},
    ...(v.weighted ? [{name: 'weights', access: 'read' as Access, type: perClass}] : []),
  ];
};

/** Binding and uniform declarations, with this family's uniforms (backends/webgpu/wgsl.ts declare()). */
export function declarations(bindings: Binding[]): string {
  return declare(bindings, UNIFORMS);
}

/** WGSL helpers every program uses; `v` selects the label kind and whether weights are bound, `vec4`
 * the binding types of commonBindings (spreadCoef4 then replaces spreadCoef). */
export function helpers(v: Variant, vec4 = false): string {
  return `
${NON_FINITE}// NaN and +∞ logits poison their row (docs/semantics.md: non-finite input)
fn poisons(z: f32) -> bool {
  let b = bitcast<u32>(z);
  return (b & 0x7fffffffu) > 0x7f800000u || b == 0x7f800000u;
}
fn weight(c: i32) -> f32 { return ${!v.weighted ? '1.0' : vec4 ? 'weights[c / 4][c % 4]' : 'weights[c]'}; }
// the row's class id (class ids only): read as an integer
fn classId(i: i32) -> i32 { return ${v.ids ? 'labels[i]' : '0'}; }
fn ignored(i: i32) -> bool { return ${v.ids ? 'labels[i] == u.ignoreId' : 'false'}; }
// a class id that is neither in [0, K) nor ignoreIndex: its row is NaN (the GPU does not read back)
fn invalid(i: i32) -> bool {
  ${v.ids ? 'let y = labels[i];\n  return y != u.ignoreId && (y < 0 || y >= u.numClasses);' : 'return false;'}
}
// (1 − ε)·w_y: the class-id target's coefficient (0 for probabilities)
fn targetCoef(y: i32) -> f32 { return ${v.ids ? '(1.0 - u.smoothing) * weight(y)' : '0.0'}; }
// a_c without the class-id target term: (ε/K)·w_c for class ids, w_c·((1 − ε)·P_c + ε/K) for
// probabilities; f is the flat index i·K + c (${vec4 ? 'in vec4s: classes 4c to 4c + 3' : 'one class'})
${vec4 ? `fn spreadCoef4(c: i32, f: i32) -> vec4<f32> {
  let even = u.smoothing / f32(u.numClasses);
  let w = ${v.weighted ? 'weights[c]' : 'vec4<f32>(1.0)'};
  return ${v.ids ? 'even * w' : 'w * ((1.0 - u.smoothing) * labels[f] + even)'};
}` : `fn spreadCoef(c: i32, f: i32) -> f32 {
  let even = u.smoothing / f32(u.numClasses);
  return ${v.ids ? 'even * weight(c)' : 'weight(c) * ((1.0 - u.smoothing) * labels[f] + even)'};
}`}
`;
}
