/**
 * WGSL plumbing shared by every loss's WebGPU programs (the softmax and sigmoid families): binding and
 * uniform declarations laid out as program.ts dispatch() fills them, bit tests for non-finite values,
 * the workgroup index in program.ts's grid, a workgroup tree reduction, and the last-workgroup step
 * that sums every workgroup's partial result inside the same dispatch.
 *
 * WGSL lets an implementation assume that no NaN or infinity occurs, so non-finite values are found on
 * their bits (a NaN compares false to everything, and a compiler may fold x != x away), and the values
 * themselves come from tfjs's uniforms (a constant NaN or infinity does not compile).
 */
import type {Access, Bound, Uniform} from './program.js';
import {tfjsUniformWords, WORKGROUP_SIZE} from './program.js';

/** A bound tensor as the shader sees it. */
export interface Binding {name: string; access: Access; type: 'f32' | 'i32' | 'atomic<u32>' | 'vec4<f32>' | 'vec4<i32>'}

/** The tensors for `bindings`, by binding name, in binding order (what program.ts dispatch() binds). */
export function bind(bindings: Binding[], tensors: Record<string, Bound['tensor'] | undefined>): Bound[] {
  return bindings.map((b) => {
    const tensor = tensors[b.name];
    if (tensor === undefined) throw new Error(`internal: no tensor for WebGPU binding '${b.name}'`);
    return {tensor, access: b.access};
  });
}

/**
 * Binding and uniform declarations, and `WG` (threads per workgroup). tfjs's recordAndSubmit fills the
 * uniform buffer with its own words first (NaN, Infinity, then a shape and a stride per bound tensor),
 * so the struct starts with as many padding words and ends with `uniforms`; all are 4-byte scalars, so
 * WGSL lays them out back to back as tfjs writes them.
 */
export function declare(bindings: Binding[], uniforms: Uniform[]): string {
  const words = tfjsUniformWords(bindings.length);
  const pad = Array.from({length: words - 2}, (_, i) => `  tfjs${i}: i32,`).join('\n');
  const ours = uniforms.map((u) => `  ${u.name}: ${u.type},`).join('\n');
  return `${bindings.map((b, i) =>
    `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`).join('\n')}
struct Uniforms {
  nanValue: f32,   // tfjs's NaN and Infinity: WGSL has no constant for either
  infinity: f32,
${pad}
${ours}
};
@group(0) @binding(${bindings.length}) var<uniform> u: Uniforms;
const WG: u32 = ${WORKGROUP_SIZE}u;
`;
}

/**
 * NaN and ±∞ from the uniforms, and bit tests for them, on f32 and (the `4` names) on vec4<f32>; needs
 * declare()'s `u`.
 */
export const NON_FINITE = `
fn negInf() -> f32 { return -u.infinity; }
fn posInf() -> f32 { return u.infinity; }
fn nan() -> f32 { return u.nanValue; }
fn isNaN(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isNegInf(x: f32) -> bool { return bitcast<u32>(x) == 0xff800000u; }
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn isNaN4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }
fn isNegInf4(x: vec4<f32>) -> vec4<bool> { return bitcast<vec4<u32>>(x) == vec4<u32>(0xff800000u); }
fn isInf4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) == vec4<u32>(0x7f800000u); }
`;

/** The workgroup's index in a grid of u.groupsX columns (program.ts grid()); `wg` is workgroup_id. */
export const GROUP_INDEX = 'wg.x + wg.y * u.groupsX';

/**
 * WGSL that reduces each group of `lanes` consecutive threads' values in workgroup memory into the
 * group's first thread: a 16-way tree (2 levels for 256 lanes), so 3 workgroup barriers where a binary
 * tree takes 9. A barrier is cheap on a GPU but not on a CPU implementation: SwiftShader switches every
 * 4 threads of the workgroup at each one. `combine` merges the values at index `o` into the local
 * copies `take` loaded at index `lid` and stores them back with `store`; `lanes` must be uniform, a
 * power of 2 up to WG. Every thread of the workgroup must run it (it has barriers).
 */
export function tree(lanes: string, take: string, combine: string, store: string): string {
  return `for (var span = 1u; span < ${lanes}; span = span * 16u) {
    workgroupBarrier();
    if ((lid & (${lanes} - 1u)) % (span * 16u) == 0u) {
      ${take}
      for (var j = 1u; j < 16u && (lid & (${lanes} - 1u)) + j * span < ${lanes}; j = j + 1u) {
        let o = lid + j * span;
        ${combine}
      }
      ${store}
    }
  }
  workgroupBarrier();`;
}

/**
 * The last-workgroup step. WebGPU has no barrier across workgroups, so a sum over every workgroup's
 * partial is made by the last workgroup to finish: each one publishes its partial with an atomic store
 * (before this step), then counts itself with atomicAdd on `counter` (an atomic<u32> that starts at 0);
 * the one that counts last goes on, the others return. WGSL's atomics are relaxed, so that a published
 * partial is visible to the workgroup counting after it rests on the storage barrier between the two
 * atomics and on atomics going to device memory, as they do on GPUs and on SwiftShader; WGSL's memory
 * model does not promise it across workgroups. Needs LAST_FLAG declared, `lid` and u.groups (the
 * workgroups that count); every thread must run it.
 */
export function returnUnlessLast(counter: string): string {
  return `storageBarrier();
  if (lid == 0u) { lastFlag = select(0u, 1u, atomicAdd(${counter}, 1u) == u.groups - 1u); }
  if (workgroupUniformLoad(&lastFlag) == 0u) { return; }`;
}

/** The workgroup variable returnUnlessLast() uses. */
export const LAST_FLAG = 'var<workgroup> lastFlag: u32;';

/**
 * The last workgroup's sum of the u.groups published partials, `partial(k)` (a WGSL expression in k),
 * into `red[0]` (`red`: a workgroup array<f32, WG>): each thread adds k = lid, lid + WG, ... in order,
 * then the 16-way tree; the same order every run, so the same bits. Every thread must run it.
 */
export function sumPartials(partial: (k: string) => string, red: string): string {
  return `var sum = 0.0;
  for (var k = lid; k < u.groups; k = k + WG) { sum = sum + ${partial('k')}; }
  workgroupBarrier();
  ${red}[lid] = sum;
  ${tree('WG', `var t = ${red}[lid];`, `t = t + ${red}[o];`, `${red}[lid] = t;`)}`;
}
