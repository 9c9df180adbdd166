/**
 * The backward program: one dispatch, no reduction over a row (the forward saved lse as hi + lo, the
 * target mass A and D):
 *
 *   ∂L/∂z_c = dy_i·(1/T)·[(A + 2λ·lse)·p_c − a_c],   p_c = exp((s_c − hi) − lo)
 *
 * with dy_i = dy[i] ('none'), dy ('sum') or dy / D ('mean', 0 when D = 0). Ignored rows and rows whose
 * dy_i is 0 get 0; a −∞ logit gets 0; a row whose lse is NaN (NaN or +∞ in it, all −∞, or an invalid
 * class id) gets NaN. Rows are laid out as in the row program (wgsl.ts); a long row is also split into
 * column tiles (problem.ts), as nothing here needs the whole row.
 *
 * Class ids without smoothing need no class weights: a_c is then A at the target and 0 elsewhere
 * (A = w_y). Only smoothing and probabilities read w_c, so only they bind the weights.
 *
 * With focal (γ > 0) a → b and A → B (the forward saved B as the mass): b_c = a_c·q_c^γ·(1 − γ·r_c) from
 * s_c alone (wgsl.ts focal), and the entry is formed as [(coef − b_c)·p_c − b_c·q_c] (wgsl.ts focalEntry).
 * Under a softcap s = c·tanh(z/c)/T, and the entry gains the factor sech²(z/c).
 */
import type {Access} from '../../../backends/webgpu/program.js';
import {Binding, commonBindings, declarations, focalEntry, GROUP_INDEX, helpers, load, scaled, Variant, variantKey} from './wgsl.js';

/**
 * Where dy_i comes from: per row ('none'), one value ('sum'), one value over D ('mean'), or `folded`:
 * dy / D computed beforehand into one value (reduce_program.ts), when binding D and dy both would pass
 * the device's storage buffer limit.
 */
export type DySource = 'none' | 'sum' | 'mean' | 'folded';

/**
 * The variant the gradient reads: weights only with spread terms; γ's value only with them too (without
 * them b is B, the saved mass, at the target and 0 elsewhere: no q^γ to form, one program for every γ).
 */
export const gradientVariant = (v: Variant): Variant => {
  const weighted = v.weighted && v.spread;
  return {...v, weighted, wholeGamma: v.spread ? v.wholeGamma : 0,
    intInputs: v.intInputs.filter((n) => n !== 'weights' || weighted)};
};

/** Bindings: gradient, the common inputs, lse, lseLow, mass, D (mean), dy (absent: dy = 1, loss-and-grad). */
export function gradientBindings(v: Variant, dy: DySource | null, vec4: boolean): Binding[] {
  const read = (name: string): Binding => ({name, access: 'read' as Access, type: 'f32'});
  return [
    {name: 'grad', access: 'read_write', type: vec4 ? 'vec4<f32>' : 'f32'},
    ...commonBindings(gradientVariant(v), vec4),
    read('lse'), read('lseLow'), read('mass'),
    ...(dy === 'mean' ? [read('den')] : []),
    ...(dy !== null ? [read('dy')] : []),
  ];
}

export const gradientKey = (v: Variant, dy: DySource | null, vec4: boolean) =>
  `fusedCE-gradient-${variantKey(gradientVariant(v))}-${dy}${vec4 ? '-vec4' : ''}`;

/**
 * `vec4` (K a multiple of 4, so every row starts on a vec4): each thread takes four consecutive classes
 * a step, read and written as vec4s: a quarter of the loads, stores and loop steps (on SwiftShader the
 * program ran about 1.6× as fast).
 */
export function gradientSource(v: Variant, dy: DySource | null, vec4: boolean): string {
  const gv = gradientVariant(v);
  const n = vec4 ? 4 : 1;  // classes per element of the per-class bindings
  return `${declarations(gradientBindings(v, dy, vec4), gv)}
${helpers(gv, vec4)}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let id = ${GROUP_INDEX};
  if (id >= u.groups) { return; }
  let tile = id % u.tiles;
  let g = id / u.tiles;
  let lanes = 1u << u.shift;
  let lane = i32(lid & (lanes - 1u));
  let row = i32(g * (WG >> u.shift) + (lid >> u.shift));
  if (row >= u.numRows) { return; }
  // in elements of the per-class bindings (vec4s or floats)
  let K = u.numClasses / ${n};
  let base = row * K;
  let c0 = i32(tile) * (u.tileLen / ${n});
  let c1 = min(K, c0 + u.tileLen / ${n});
  let dyRow = ${dyRowOf(dy)};
  let hi = lse[row];
  let lo = lseLow[row];
  let am = mass[row];
  let zero = ignored(row) || dyRow == 0.0;
  let poisoned = isNaN(hi);  // NaN or +∞ in the row, all −∞, or an invalid class id
  let y = ${v.ids ? 'classId(row)' : '0'};${gv.others ? `
  rowY = y;` : ''}
  let coef = am${v.zLoss ? ' + 2.0 * u.zLossCoef * (hi + lo)' : ''};
  let scale = dyRow * u.invTemp;
  for (var c = c0 + lane; c < c1; c = c + i32(lanes)) {
    ${vec4 ? step4(gv) : step1(gv)}
    grad[base + c] = out;
  }
}
`;
}

const dyRowOf = (dy: DySource | null) => (dy === null ? '1.0'
  : dy === 'none' ? 'dy[row]'
  : dy === 'mean' ? 'select(dy[0] / den[0], 0.0, den[0] == 0.0)'  // every row ignored: 0, never NaN
  : 'dy[0]');

/** One step of the loop over four classes (element c of the vec4 bindings): `out`, from s = logits/T. */
function step4(v: Variant): string {
  const target = !v.ids ? 'vec4<f32>(0.0)'
    : `select(vec4<f32>(0.0), vec4<f32>(${v.spread ? 'targetCoef(y)' : 'am'}), classes == vec4<i32>(y))`;
  return `var out = vec4<f32>(0.0);
    if (!zero) {
      ${v.softcap ? `let cz = capBoth4(${load(v, 'logits', 'base + c', true)});
      let s = cz.s;` : `let s = ${scaled(v, load(v, 'logits', 'base + c', true), true)};`}
      if (poisoned) { out = vec4<f32>(nan()); }
      else {
        let classes = vec4<i32>(4 * c) + vec4<i32>(0, 1, 2, 3);
        ${v.focal ? `let d = (s - hi) - lo;
        ${focalEntry(v, true, `${target} + spreadCoef4(c, base + c)`, 'classes == vec4<i32>(y)')}
        // an impossible class (−∞ logit): probability 0, gradient 0
        out = select(scale * ((coef - b) * p - b * q)${v.softcap ? ' * cz.slope' : ''}, vec4<f32>(0.0), bitcast<vec4<u32>>(s) == vec4<u32>(0xff800000u));` : `let p = exp((s - hi) - lo);
        let a = ${target}${v.spread ? ' + spreadCoef4(c, base + c)' : ''};
        // an impossible class (−∞ logit): probability 0, gradient 0
        out = select(scale * (coef * p - a)${v.softcap ? ' * cz.slope' : ''}, vec4<f32>(0.0), bitcast<vec4<u32>>(s) == vec4<u32>(0xff800000u));`}
      }
    }`;
}

/** One step of the loop over one class c: `out`. */
function step1(v: Variant): string {
  const target = v.ids ? (v.spread ? 'select(0.0, targetCoef(y), c == y)' : 'select(0.0, am, c == y)') : '0.0';
  return `var out = 0.0;
    if (!zero) {
      ${v.softcap ? `let cz = capBoth(${load(v, 'logits', 'base + c', false)});
      let s = cz.x;` : `let s = ${scaled(v, load(v, 'logits', 'base + c', false))};`}
      if (poisoned) { out = nan(); }
      else if (!isNegInf(s)) {  // an impossible class: probability 0, gradient 0
        ${v.focal ? `let d = (s - hi) - lo;
        ${focalEntry(v, false, `${target} + spreadCoef(c, base + c)`, 'c == y')}
        out = scale * ((coef - b) * p - b * q)${v.softcap ? ' * cz.y' : ''};` : `let p = exp((s - hi) - lo);
        let a = ${target}${v.spread ? ' + spreadCoef(c, base + c)' : ''};
        out = scale * (coef * p - a)${v.softcap ? ' * cz.y' : ''};`}
      }
    }`;
}
