/**
 * The backward program: one dispatch, one read of each row and one write, no reduction over a row
 * (the forward saved lse and the auxiliary pair):
 *
 *   ∂L/∂z_c = dy_i·(scale/T)·g_c,  g_c = A·p_c − P_c  |  p_c − P_c  |  −p_c·(log p_c + H)
 *
 * with p_c = exp((s_c − hi) − lo), P_c = exp((u_c − lse_u hi) − lse_u lo) for teacher logits, and
 * dy_i = dy[i] ('none'), dy ('sum') or dy / N ('mean'). A −∞ logit gets 0; a row whose saved lse is
 * NaN (a poisoned row) gets NaN. Rows are laid out as in the row program (problem.ts); a long row is
 * also split into column tiles.
 */
import {GROUP_INDEX, NON_FINITE} from '../../../backends/webgpu/wgsl.js';
import {Binding, declarations, gradientTerm, inputBindings, MATH, reads, readsTargets, Variant, variantKey} from './wgsl.js';

/** Bindings: gradient, the inputs, lse, lseLow, aux, auxLow (not for probabilities: it is 0), dy. */
export function gradientBindings(v: Variant): Binding[] {
  const read = (name: string): Binding => ({name, access: 'read', type: 'f32'});
  return [
    {name: 'grad', access: 'read_write', type: v.vec4 ? 'vec4<f32>' : 'f32'},
    ...inputBindings(v),
    read('lse'), read('lseLow'), read('aux'),
    ...(v.kind !== 'klProbabilities' ? [read('auxLow')] : []),
    read('dy'),
  ];
}

export const gradientKey = (v: Variant) => `fusedDivergence-gradient-${variantKey(v)}`;

export function gradientSource(v: Variant): string {
  const T = v.vec4 ? 'vec4<f32>' : 'f32';
  const e = v.vec4 ? 4 : 1;  // classes per element of the per-class bindings
  const dyRow = v.reduction === 'none' ? 'dy[row]' : v.reduction === 'sum' ? 'dy[0]' : 'dy[0] / u.count';
  const target = v.kind === 'klLogits' ? 'tAt(base + c) * u.invTargetTemp' : 'tAt(base + c)';
  return `${declarations(gradientBindings(v))}
${NON_FINITE}
${MATH}
${reads(v)}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let id = ${GROUP_INDEX};
  if (id >= u.groups) { return; }
  let tile = id % u.tiles;
  let g0 = id / u.tiles;
  let lanes = 1u << u.shift;
  let lane = i32(lid & (lanes - 1u));
  let row = i32(g0 * (WG >> u.shift) + (lid >> u.shift));
  if (row >= u.numRows) { return; }
  // in elements of the per-class bindings (vec4s or floats)
  let K = u.numClasses / ${e};
  let base = row * K;
  let c0 = i32(tile) * (u.tileLen / ${e});
  let c1 = min(K, c0 + u.tileLen / ${e});
  let hi = lse[row];
  let lo = lseLow[row];
  let ahi = aux[row];
  let alo = ${v.kind !== 'klProbabilities' ? 'auxLow[row]' : '0.0'};
  let poisoned = isNaN(hi);  // NaN or +∞ in the row, a bad probability, all −∞
  let k = ${dyRow} * u.scale * u.invTemp;
  // 3. gradient
  for (var c = c0 + lane; c < c1; c = c + i32(lanes)) {
    var out = ${T}(nan());
    if (!poisoned) {
      let s = zAt(base + c) * u.invTemp;
      ${readsTargets(v) ? `let t = ${target};` : ''}
      ${gradientTerm(v.kind, T).replace(/\n/g, '\n      ')}
      // an impossible class (−∞ logit): probability 0, gradient 0
      out = select(k * g, ${T}(0.0), ${v.vec4 ? 'isNegInf4(s)' : 'isNegInf(s)'});
    }
    grad[base + c] = out;
  }
}
`;
}
