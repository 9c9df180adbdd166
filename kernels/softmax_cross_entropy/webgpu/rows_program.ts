/**
 * The row program: the forward kernel in one dispatch, and loss-and-grad in one dispatch. Each row's
 * threads (wgsl.ts layout) make the row's passes over its logits:
 *
 *   1. max and sum: an online pass, M = max_c s_c and S = Σ_c exp(s_c − M), L = log S, lse = M + L,
 *      saved as the float32 pair hi = M + L, lo = (M − hi) + L;
 *   2. loss (spread terms only: smoothing or probabilities): A' = Σ_c a'_c and B = Σ_c a'_c·(s_c − M) ≤ 0
 *      over the spread coefficients a'_c, so ℓ = A'·L − B + a_y·((M − s_y) + L) + λ·lse², every term ≥ 0
 *      (no cancellation); a_y = (1 − ε)·w_y is the class-id target, read at one logit;
 *   3. gradient (loss-and-grad only): (1/T)·dy·[(A + 2λ·lse)·p_c − a_c] with p_c = exp((s_c − hi) − lo).
 *
 * The options (contract.ts) change only their own programs (wgsl.ts Variant):
 *   - focal (γ > 0): pass 1 sums S − 1 (the row without one class at its max), so L = log1p(S − 1)
 *     keeps 1 − p of a dominant class to its own precision (a confident row's q is below float32's ulp
 *     of 1); pass 2 adds a_c·q_c^γ·((M − s_c) + L) and B = Σ_c b_c, and saves B where A was; pass 3
 *     writes (1/T)·dy·[(B + 2λ·lse − b_c)·p_c − b_c·q_c], the same value without the cancellation at
 *     p ≈ 1. Their exps are math.ts's (1 ulp; WGSL's erred 1e-6 at −20 on SwiftShader).
 *   - softcap: s = c·tanh(z/c)/T wherever s is formed, and the gradient's factor sech²(z/c).
 *   - 'others': spreadCoef leaves the row's class id out (wgsl.ts rowY).
 *
 * Sums over rows (the reduced loss; the denominator D) need every workgroup's rows. WebGPU has no
 * barrier across workgroups, so the last workgroup to finish does them (backends/webgpu/wgsl.ts
 * returnUnlessLast and sumPartials): each workgroup publishes its partial loss with an atomic store
 * and counts itself on a counter; the one that counts last adds the published partials in a fixed
 * order (the same bits every run). The forward's counter is its denominator output itself (uploaded
 * as 0, then overwritten with D).
 * Loss-and-grad's gradient needs D before it is written, so there each workgroup sums D itself: N
 * label reads per workgroup, cheap next to its rows' K logits each (the 'mean' of class ids only).
 */
import {LAST_FLAG, returnUnlessLast, sumPartials, tree} from '../../../backends/webgpu/wgsl.js';
import {Binding, commonBindings, declarations, focalEntry, GROUP_INDEX, helpers, load, scaled, Variant, variantKey} from './wgsl.js';

export type RowsMode = 'forward' | 'lossAndGrad';

/**
 * Bindings. forward: loss (per row for 'none' or when `rowLosses`, else one value), lse, lseLow,
 * denominator (the counter), mass, then the common inputs, then the partials when the loss is reduced
 * here. lossAndGrad: gradient, loss, the common inputs, and for a reduced loss a scratch [counter,
 * partial per workgroup].
 */
export function rowsBindings(v: Variant, mode: RowsMode, rowLosses: boolean, vec4: boolean): Binding[] {
  const reduced = v.reduction !== 'none' && !rowLosses;
  if (mode === 'forward') {
    return [
      {name: 'loss', access: 'read_write', type: 'f32'},
      {name: 'lse', access: 'read_write', type: 'f32'},
      {name: 'lseLow', access: 'read_write', type: 'f32'},
      {name: 'den', access: 'read_write', type: 'atomic<u32>'},
      {name: 'mass', access: 'read_write', type: 'f32'},
      ...commonBindings(v, vec4),
      ...(reduced ? [{name: 'partials', access: 'read_write' as const, type: 'atomic<u32>' as const}] : []),
    ];
  }
  return [
    {name: 'grad', access: 'read_write', type: vec4 ? 'vec4<f32>' : 'f32'},
    {name: 'loss', access: 'read_write', type: 'f32'},
    ...commonBindings(v, vec4),
    ...(reduced ? [{name: 'partials', access: 'read_write' as const, type: 'atomic<u32>' as const}] : []),
  ];
}

export const rowsKey = (v: Variant, mode: RowsMode, rowLosses: boolean, vec4: boolean) =>
  `fusedCE-rows-${mode}-${variantKey(v)}${rowLosses ? '-rowlosses' : ''}${vec4 ? '-vec4' : ''}`;


/**
 * Pass 2's loop over a block of the row with focal (γ > 0): pb sums the loss terms a_c·q_c^γ·(lse − s_c)
 * (each ≥ 0: no cancellation), pa the b_c (B), over the spread coefficients a_c. A −∞ logit with
 * a_c ≠ 0 makes the loss +∞ and has b_c = a_c (p = 0: q = 1, r = 0).
 */
function focalSpread(v: Variant, vec4: boolean): string {
  const term = (a: string, s: string) => `if (${a} != 0.0) {
          if (isNegInf(${s})) { infinite = 1u; pa = pa + ${a}; }
          else {
            let d = (${s} - hi) - lo;
            let f = focal(d);
            pb = pb + (${a} * f.x) * ((M - ${s}) + L);
            pa = pa + ${a} * f.y;
          }
        }`;
  return vec4 ? `for (var k = 0; k < 8 && c < (K / 4); k = k + 1) {
        let a4 = spreadCoef4(c, at + c);
        let s4 = ${scaled(v, load(v, 'logits', 'at + c', true), true)};
        for (var j = 0; j < 4; j = j + 1) {
          let a = a4[j];
          let s = s4[j];
          ${term('a', 's')}
        }
        c = c + lanesI;
      }` : `for (var k = 0; k < 32 && c < K; k = k + 1) {
        let a = spreadCoef(c, base + c);
        if (a != 0.0) {
          let s = ${scaled(v, load(v, 'logits', 'base + c', false))};
          ${term('a', 's')}
        }
        c = c + lanesI;
      }`;
}

/**
 * `vec4` (K a multiple of 4): the per-class inputs are bound as vec4s and each thread takes four
 * consecutive classes a step (a quarter of the loads and loop steps; on SwiftShader the forward ran
 * about 1.5× as fast).
 */
export function rowsSource(v: Variant, mode: RowsMode, rowLosses: boolean, vec4: boolean): string {
  const grad = mode === 'lossAndGrad';
  const reduced = v.reduction !== 'none' && !rowLosses;
  const perRowLoss = !reduced;
  // the cross-workgroup step: the forward always (D), loss-and-grad for a reduced loss
  const last = !grad || reduced;
  const counter = grad ? '&partials[0]' : '&den[0]';
  const partialAt = grad ? '1u + g' : 'g';
  // loss-and-grad's row weight dy: 1, or 1/D for the mean (D summed by this workgroup)
  const meanGrad = grad && v.reduction === 'mean';
  // one thread's step: a class, or four (vec4)
  const n = vec4 ? '(K / 4)' : 'K';
  return `${declarations(rowsBindings(v, mode, rowLosses, vec4), v)}
${helpers(v, vec4)}
fn logitAt(f: i32) -> f32 { return ${vec4 ? `${load(v, 'logits', 'f / 4', true)}[f % 4]` : load(v, 'logits', 'f', false)}; }
fn poisons4(z: vec4<f32>) -> bool {
  let b = bitcast<vec4<u32>>(z);
  return any((b & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u)) || any(b == vec4<u32>(0x7f800000u));
}
var<workgroup> redM: array<f32, WG>;
var<workgroup> redS: array<f32, WG>;
var<workgroup> redB: array<f32, WG>;
var<workgroup> redA: array<f32, WG>;
var<workgroup> redFlag: array<u32, WG>;
var<workgroup> redInf: array<u32, WG>;  // pass 2's flags: redFlag may still be read by the row's lanes
var<workgroup> rowLoss: array<f32, WG>;
${LAST_FLAG}

${v.focal ? `// merges (m2, s2) into (m, s): two partial maxes and sums of exp(x − max) without one class at the
// max (pass 1); a max of −∞ has nothing
fn merge(m: ptr<function, f32>, s: ptr<function, f32>, m2: f32, s2: f32) {
  if (isNegInf(m2)) { return; }
  if (isNegInf(*m)) { *m = m2; *s = s2; return; }
  if (m2 > *m) { *s = (*s + 1.0) * expf(*m - m2) + s2; *m = m2; }
  else { *s = *s + (s2 + 1.0) * expf(m2 - *m); }
}` : `// merges (m2, s2) into (m, s): two partial max-and-sums of exp(x − max); a sum of 0 has max −∞
fn merge(m: ptr<function, f32>, s: ptr<function, f32>, m2: f32, s2: f32) {
  if (isNegInf(m2)) { return; }
  if (isNegInf(*m)) { *m = m2; *s = s2; return; }
  if (m2 > *m) { *s = *s * exp(*m - m2) + s2; *m = m2; }
  else { *s = *s + s2 * exp(m2 - *m); }
}`}

// Σ over the workgroup's 256 values in redS (left at redS[0]); every thread must call it
fn sumAll(lid: u32) {
  ${tree('WG', 'var t = redS[lid];', 't = t + redS[o];', 'redS[lid] = t;')}
}

${meanGrad || !grad ? `// D of the 'mean': Σ w_y over counted rows for class ids, N for probabilities; all threads call it
fn denominator(lid: u32) -> f32 {
  ${v.ids ? `var d = 0.0;
  for (var i = i32(lid); i < u.numRows; i = i + i32(WG)) {
    if (!ignored(i) && !invalid(i)) { d = d + weight(labels[i]); }
  }
  workgroupBarrier();
  redS[lid] = d;
  sumAll(lid);
  let total = redS[0];
  workgroupBarrier();
  return total;` : 'return f32(u.numRows);'}
}` : ''}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = ${GROUP_INDEX};
  if (g >= u.groups) { return; }  // the grid's tail (the same for the whole workgroup)
  let lanes = 1u << u.shift;
  let lane = i32(lid & (lanes - 1u));
  let lanesI = i32(lanes);
  let r = lid >> u.shift;
  let head = r << u.shift;  // the row's first thread: where its reductions end
  let row = i32(g * (WG >> u.shift) + r);
  let K = u.numClasses;
  let base = row * K;  // the row's first class
  let at = row * ${n};  // ... and its first element of the per-class arrays as bound (vec4s or floats)
  let exists = row < u.numRows;
  let skip = !exists || ignored(row);  // ignored rows: all zeros
  let bad = exists && !skip && invalid(row);

  // 1. row max and sum, this thread's share: an online pass in blocks of 32 classes (rounding grows
  // with 32 + n/32 rather than n), exp(−|s − max|) the one exp per class
  var m = negInf();
  var total = 0.0;
  var flags = 0u;  // 1: a NaN or +∞ logit
  if (!skip && !bad) {
    var c = lane;
    loop {
      if (c >= ${n}) { break; }
      var bm = negInf();
      var part = 0.0;
      ${vec4 ? `for (var k = 0; k < 8 && c < ${n}; k = k + 1) {
        let z = ${load(v, 'logits', 'at + c', true)};
        c = c + lanesI;
        if (poisons4(z)) { flags = 1u; }
        let s = ${scaled(v, 'z', true)};
        let top = max(max(s.x, s.y), max(s.z, s.w));
        if (!isNegInf(top)) {  // all four −∞: probability 0 (and −∞ − −∞ would be NaN)
          let up = isNegInf(bm) || top > bm;
          let pivot = select(bm, top, up);
          ${v.focal ? `// a −∞ class adds exactly 0; classes at the pivot exactly 1 each, and a new max leaves one of
          // them out of the sum (and the old max's 1 joins it)
          let atPivot = s == vec4<f32>(pivot);
          let e = select(select(expf4(s - pivot), vec4<f32>(0.0), isNegInf4(s)), vec4<f32>(0.0), atPivot);
          let ones = dot(select(vec4<f32>(0.0), vec4<f32>(1.0), atPivot), vec4<f32>(1.0));
          let sum4 = (e.x + e.y) + (e.z + e.w);
          part = select(part + (sum4 + ones),
              select((part + 1.0) * expf(bm - top), 0.0, isNegInf(bm)) + (sum4 + (ones - 1.0)), up);` : `// a −∞ class adds exactly 0, whatever exp(−∞) gives where infinities are not assumed
          let e = select(exp(s - pivot), vec4<f32>(0.0), isNegInf4(s));
          let sum4 = (e.x + e.y) + (e.z + e.w);
          part = select(part + sum4, select(part * exp(bm - top), 0.0, isNegInf(bm)) + sum4, up);`}
          bm = pivot;
        }
      }` : `for (var k = 0; k < 32 && c < K; k = k + 1) {
        let z = ${load(v, 'logits', 'base + c', false)};
        c = c + lanesI;
        if (poisons(z)) { flags = 1u; }
        let s = ${scaled(v, 'z')};
        if (!isNegInf(s)) {  // probability 0 (and −∞ − −∞ would be NaN)
          let d = s - bm;
          let x = ${v.focal ? 'expf' : 'exp'}(-abs(d));
          let up = d > 0.0;
          ${v.focal ? `// the sum leaves the class at the max out: a new max brings the old one's 1 in
          part = select(part + x, select((part + 1.0) * x, 0.0, isNegInf(bm)), up);` : 'part = select(part + x, part * x + 1.0, up);'}
          bm = select(bm, s, up);
        }
      }`}
      merge(&m, &total, bm, part);
    }
  }
  redM[lid] = m;
  redS[lid] = total;
  redFlag[lid] = flags;
  ${tree(`lanes`, `var m1 = redM[lid];
      var s1 = redS[lid];
      var f1 = redFlag[lid];`,
    `merge(&m1, &s1, redM[o], redS[o]);
        f1 = f1 | redFlag[o];`,
    `redM[lid] = m1;
      redS[lid] = s1;
      redFlag[lid] = f1;`)}
  let M = redM[head];
  let L = ${v.focal ? 'lnOnePlus(redS[head]);  // redS: the sum without the max\'s 1 (math.ts)' : 'log(redS[head]);'}
  // NaN or +∞ in the row, all −∞, or an invalid class id: a NaN row
  let poisoned = bad || (!skip && (redFlag[head] != 0u || isNegInf(M)));
  let live = !skip && !poisoned;
  let hi = M + L;
  let lo = (M - hi) + L;  // what hi lost; exact when |M| ≥ |L|, where it matters

  // 2. loss: spread terms over the row, then the class-id target at one logit
  var ell = 0.0;   // the row's loss
  var am = 0.0;    // its target mass A${v.focal ? ' (B = Σ_c b_c with focal)' : ''}${v.others ? `
  if (live) { rowY = classId(row); }` : ''}
  ${v.spread ? `var B = 0.0;
  var A = 0.0;
  var infinite = 0u;  // a_c > 0 at a −∞ logit: the loss is +∞
  if (live) {
    var c = lane;
    loop {
      if (c >= ${n}) { break; }
      var pb = 0.0;
      var pa = 0.0;
      ${v.focal ? focalSpread(v, vec4) : vec4 ? `for (var k = 0; k < 8 && c < ${n}; k = k + 1) {
        let a = spreadCoef4(c, at + c);
        let s = ${scaled(v, load(v, 'logits', 'at + c', true), true)};
        let minus = isNegInf4(s);
        if (any(minus & (a != vec4<f32>(0.0)))) { infinite = 1u; }
        let t = select(a * (s - M), vec4<f32>(0.0), minus | (a == vec4<f32>(0.0)));
        pb = pb + ((t.x + t.y) + (t.z + t.w));
        pa = pa + ((a.x + a.y) + (a.z + a.w));
        c = c + lanesI;
      }` : `for (var k = 0; k < 32 && c < K; k = k + 1) {
        let a = spreadCoef(c, base + c);
        if (a != 0.0) {
          let s = ${scaled(v, load(v, 'logits', 'base + c', false))};
          if (isNegInf(s)) { infinite = 1u; } else { pb = pb + a * (s - M); }
        }
        pa = pa + a;
        c = c + lanesI;
      }`}
      B = B + pb;
      A = A + pa;
    }
  }
  redB[lid] = B;
  redA[lid] = A;
  redInf[lid] = infinite;
  ${tree(`lanes`, `var b1 = redB[lid];
      var a1 = redA[lid];
      var f1 = redInf[lid];`,
    `b1 = b1 + redB[o];
        a1 = a1 + redA[o];
        f1 = f1 | redInf[o];`,
    `redB[lid] = b1;
      redA[lid] = a1;
      redInf[lid] = f1;`)}
  am = redA[head];
  ${v.focal ? 'ell = redB[head];' : 'ell = am * L - redB[head];'}
  let spreadInfinite = redInf[head] != 0u;` : 'let spreadInfinite = false;'}
  ${v.ids ? `var y = 0;
  var ty = 0.0;  // a_y, the class-id target's coefficient
  if (live) { y = classId(row); ty = targetCoef(y); }
  var targetInfinite = false;
  ${v.focal ? `if (ty != 0.0) {
    let sy = ${scaled(v, 'logitAt(base + y)')};
    if (isNegInf(sy)) { targetInfinite = true; am = am + ty; }  // p_y = 0: q = 1, r = 0, b_y = a_y
    else {
      let d = (sy - hi) - lo;
      let f = focal(d);
      ell = ell + (ty * f.x) * ((M - sy) + L);
      am = am + ty * f.y;
    }
  }` : `if (ty != 0.0) {
    let sy = ${scaled(v, 'logitAt(base + y)')};
    if (isNegInf(sy)) { targetInfinite = true; } else { ell = ell + ty * ((M - sy) + L); }
  }
  am = am + ty;`}` : 'let targetInfinite = false;'}
  if (spreadInfinite || targetInfinite) { ell = posInf(); }
  ${v.zLoss ? 'ell = ell + u.zLossCoef * (hi + lo) * (hi + lo);' : ''}
  if (!live) {
    ell = select(0.0, nan(), poisoned);
    am = ell;
  }
  let rowHi = select(select(hi, nan(), poisoned), 0.0, skip);
  let rowLo = select(select(lo, nan(), poisoned), 0.0, skip);
  ${grad ? '' : `if (exists && lane == 0) {
    lse[row] = rowHi;
    lseLow[row] = rowLo;
    mass[row] = am;
  }`}
  ${perRowLoss ? 'if (exists && lane == 0) { loss[row] = ell; }' : ''}
  if (lane == 0) { rowLoss[r] = select(0.0, ell, exists); }

  ${grad ? `// 3. gradient of the row
  ${meanGrad ? `let D = denominator(lid);
  let dyRow = select(1.0 / D, 0.0, D == 0.0);  // every row ignored: 0, never NaN` : 'let dyRow = 1.0;'}
  if (exists) {
    let coef = am${v.zLoss ? ' + 2.0 * u.zLossCoef * (hi + lo)' : ''};
    let scale = dyRow * u.invTemp;
    ${vec4 ? `for (var c = lane; c < ${n}; c = c + lanesI) {
      var out = vec4<f32>(0.0);
      if (poisoned) { out = vec4<f32>(nan()); }
      else if (!skip && dyRow != 0.0) {
        ${v.softcap ? `let cz = capBoth4(${load(v, 'logits', 'at + c', true)});
        let s = cz.s;` : `let s = ${scaled(v, load(v, 'logits', 'at + c', true), true)};`}
        let classes = vec4<i32>(4 * c) + vec4<i32>(0, 1, 2, 3);
        ${v.focal ? `let d = (s - hi) - lo;
        ${focalEntry(v, true, `${v.ids ? 'select(vec4<f32>(0.0), vec4<f32>(ty), classes == vec4<i32>(y))' : 'vec4<f32>(0.0)'} + spreadCoef4(c, at + c)`,
          'classes == vec4<i32>(y)')}
        // an impossible class (−∞ logit): probability 0, gradient 0
        out = select(scale * ((coef - b) * p - b * q)${v.softcap ? ' * cz.slope' : ''}, vec4<f32>(0.0), isNegInf4(s));` : `let p = exp((s - hi) - lo);
        let a = ${v.ids ? 'select(vec4<f32>(0.0), vec4<f32>(ty), classes == vec4<i32>(y))' : 'vec4<f32>(0.0)'}${v.spread ? ' + spreadCoef4(c, at + c)' : ''};
        // an impossible class (−∞ logit): probability 0, gradient 0
        out = select(scale * (coef * p - a)${v.softcap ? ' * cz.slope' : ''}, vec4<f32>(0.0), isNegInf4(s));`}
      }
      grad[at + c] = out;
    }` : `for (var c = lane; c < K; c = c + lanesI) {
      var out = 0.0;
      if (poisoned) { out = nan(); }
      else if (!skip && dyRow != 0.0) {
        ${v.softcap ? `let cz = capBoth(${load(v, 'logits', 'base + c', false)});
        let s = cz.x;` : `let s = ${scaled(v, load(v, 'logits', 'base + c', false))};`}
        if (!isNegInf(s)) {  // an impossible class: probability 0, gradient 0
          ${v.focal ? `let d = (s - hi) - lo;
          ${focalEntry(v, false, `${v.ids ? 'select(0.0, ty, c == y)' : '0.0'} + spreadCoef(c, base + c)`, 'c == y')}
          out = scale * ((coef - b) * p - b * q)${v.softcap ? ' * cz.y' : ''};` : `let p = exp((s - hi) - lo);
          let a = ${v.ids ? 'select(0.0, ty, c == y)' : '0.0'}${v.spread ? ' + spreadCoef(c, base + c)' : ''};
          out = scale * (coef * p - a)${v.softcap ? ' * cz.y' : ''};`}
        }
      }
      grad[base + c] = out;
    }`}
  }` : ''}

  ${last ? `// the sums over rows, by the workgroup that finishes last
  ${reduced ? `workgroupBarrier();
  if (lid == 0u) {
    var part = 0.0;
    for (var k = 0u; k < (WG >> u.shift); k = k + 1u) { part = part + rowLoss[k]; }
    atomicStore(&partials[${partialAt}], bitcast<u32>(part));
  }` : ''}
  ${returnUnlessLast(counter)}
  ${grad ? '' : 'let D = denominator(lid);'}
  ${reduced ? `${sumPartials((k) => `bitcast<f32>(atomicLoad(&partials[${grad ? `1u + ${k}` : k}]))`, 'redS')}
  if (lid == 0u) {
    ${v.reduction === 'mean' ? 'loss[0] = select(redS[0] / D, 0.0, D == 0.0);  // every row ignored: 0, never NaN'
    : 'loss[0] = redS[0];'}
  }` : ''}
  ${grad ? '' : 'if (lid == 0u) { atomicStore(&den[0], bitcast<u32>(D)); }'}` : ''}
}
`;
}
