/**
 * rows_general.ts's sweeps on two float64 lanes, for the SIMD builds: the same float64 arithmetic
 * (s, its slope, exp(s − m) and exp(s − lse), a_c, every sum), two entries per vector, four per
 * iteration (two independent chains). Numbered as in every backend:  1. row max and sum  2. loss
 * 3. gradient. Float32 lanes would not do: an ulp of a capped s ≈ 30 is 2e-6, a relative error of every
 * p (rows_general.ts).
 *
 * What stays scalar (rows_general.ts): the focal terms (expm1, a power, a log per term), taken lane by
 * lane where a_c ≠ 0 (one entry per row for one-hot probabilities, every entry with smoothing or soft
 * labels); rows whose loss has one term (class ids without smoothing: O(1)); the target's gradient
 * entry, rewritten last from the same b_y rowLoss summed into B; K % 4 tail entries; NaN rows and K = 1.
 */
import {log64} from '../../../../backends/wasm/assembly/math';
import {expNeg2, scaled2, slope2} from './lanes';
import * as general from './rows_general';
import {classes, classId, eps, gamma, probsPtr, rowPtr, sparse, wBase} from './problem';
import {maxOf} from './rows_simd';

// @ts-ignore: decorator
@inline function low2(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function high2(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)); }
// @ts-ignore: decorator
@inline function sum2(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/**
 * 1. row max and sum: the largest logit by float32 lanes (NaN if any; s is increasing in z, so the
 * largest s is its s), then Σ_c exp(s_c − m) on float64 lanes. NaN for a row with a NaN, a +∞, or only
 * −∞. Two reads of the row, the first one cheap.
 */
export function logSumExp(i: i32): f64 {
  const K = classes;
  const z = rowPtr(i);
  const mz = maxOf(z, K);
  if (mz != mz || mz == Infinity || mz == -Infinity) return NaN;
  const m = f64x2.extract_lane(scaled2(f64x2.splat(<f64>mz), false), 0);  // the lanes' own s of the max
  const vm = f64x2.splat(m);
  let s0 = f64x2.splat(0), s1 = s0;
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const zv = v128.load(z + (<usize>c << 2));
    s0 = f64x2.add(s0, expNeg2(f64x2.sub(scaled2(low2(zv), false), vm)));
    s1 = f64x2.add(s1, expNeg2(f64x2.sub(scaled2(high2(zv), false), vm)));
  }
  let sum = sum2(f64x2.add(s0, s1));
  for (; c < K; c++) {
    const s = general.scaled(<f64>load<f32>(z + (<usize>c << 2)));
    sum += f64x2.extract_lane(expNeg2(f64x2.splat(s - m)), 0);
  }
  return m + log64(sum);
}

/**
 * Two lanes' a_c: class ids a_y at the target lane (idx = the lanes' class indices), σ·w_c elsewhere;
 * probabilities w_c·((1 − ε)·P_c + ε/K) from the lanes' P and w.
 */
// @ts-ignore: decorator
@inline function coefficients2(w: v128, P: v128, idx: v128, y: v128, ay: v128, u: v128, keep: v128): v128 {
  if (sparse) return v128.bitselect(ay, f64x2.mul(u, w), i64x2.eq(idx, y));
  return f64x2.mul(w, f64x2.add(f64x2.mul(keep, P), u));
}

// b of the two lanes of the last terms2 call
let termB0: f64 = 0;
let termB1: f64 = 0;
/** The b of the last terms2 call as a vector. */
// @ts-ignore: decorator
@inline function terms2B(): v128 { return f64x2.replace_lane(f64x2.splat(termB0), 1, termB1); }

/**
 * The loss terms of two lanes (rows_general.ts term): without focal a·(lse − s) where a ≠ 0 (0 where
 * a = 0, even at s = −∞; b = a is the caller's); with focal lane by lane where a ≠ 0 (rows_general.ts
 * term), their b in termB0 and termB1 (0 where a = 0).
 */
// @ts-ignore: decorator
@inline function terms2(a: v128, s: v128, lse: f64): v128 {
  const zero = f64x2.splat(0);
  const nonzero = f64x2.ne(a, zero);
  if (gamma == 0) return v128.and(f64x2.mul(a, f64x2.sub(f64x2.splat(lse), s)), nonzero);
  termB0 = 0;
  termB1 = 0;
  if (!v128.any_true(nonzero)) return zero;
  let l0: f64 = 0, l1: f64 = 0;
  const a0 = f64x2.extract_lane(a, 0), a1 = f64x2.extract_lane(a, 1);
  if (a0 != 0) {
    l0 = general.term(a0, f64x2.extract_lane(s, 0), lse);
    termB0 = general.termB;
  }
  if (a1 != 0) {
    l1 = general.term(a1, f64x2.extract_lane(s, 1), lse);
    termB1 = general.termB;
  }
  return f64x2.replace_lane(f64x2.splat(l0), 1, l1);
}

/**
 * 2. loss: ℓ = Σ_c a_c·q_c^γ·(lse − s_c) + λ·lse² on float64 lanes (terms2), the K % 4 tail by
 * rows_general.ts lossRange; rows with one term (class ids without smoothing) and NaN rows by
 * rows_general.ts rowLoss. Sets rows_general's rowMass.
 */
export function rowLoss(i: i32, lse: f64): f64 {
  if (lse - lse != 0 || (sparse && general.smoothingCoefficient() == 0)) return general.rowLoss(i, lse);
  const K = classes;
  const z = rowPtr(i);
  const P: usize = sparse ? 0 : probsPtr(i);
  const yi = sparse ? classId(i) : -1;
  const y = i64x2.splat(<i64>yi);
  const ay = f64x2.splat(sparse ? general.targetCoefficient(yi) : 0);
  const u = f64x2.splat(sparse ? general.smoothingCoefficient() : eps / <f64>K);
  const keep = f64x2.splat(1.0 - eps);
  let l0 = f64x2.splat(0), l1 = l0, m0 = l0, m1 = l0;
  let idx0 = i64x2(0, 1), idx1 = i64x2(2, 3);
  const four = i64x2.splat(4);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o), wv = v128.load(wBase + o);
    const pv = sparse ? f64x2.splat(0) : v128.load(P + o);
    const a0 = coefficients2(low2(wv), low2(pv), idx0, y, ay, u, keep);
    l0 = f64x2.add(l0, terms2(a0, scaled2(low2(zv), false), lse));
    m0 = f64x2.add(m0, gamma == 0 ? a0 : terms2B());
    const a1 = coefficients2(high2(wv), high2(pv), idx1, y, ay, u, keep);
    l1 = f64x2.add(l1, terms2(a1, scaled2(high2(zv), false), lse));
    m1 = f64x2.add(m1, gamma == 0 ? a1 : terms2B());
    idx0 = i64x2.add(idx0, four);
    idx1 = i64x2.add(idx1, four);
  }
  general.partLoss = sum2(f64x2.add(l0, l1));
  general.partMass = sum2(f64x2.add(m0, m1));
  general.lossRange(i, lse, c, K);
  return general.finishLoss(general.partLoss, general.partMass, lse);
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(M + 2λ·lse)·p_c − b_c]·h_c on float64 lanes, rounded to float32 once;
 * b_c = a_c (class ids: σ·w_c, the target rewritten last), or the focal b lane by lane where a_c ≠ 0
 * (terms2); 0 where z_c = −∞. NaN rows and K = 1 by rows_general.ts gradientStart, the K % 4 tail by
 * its gradientRange.
 */
export function rowGradient(i: i32, lse: f64, M: f64, dy: f64, g: usize): void {
  if (!general.gradientStart(i, lse, M, dy, g)) return;
  const K = classes;
  const z = rowPtr(i);
  const k = general.gradK;
  const vk = f64x2.splat(k), vc = f64x2.splat(general.gradCoef), vl = f64x2.splat(lse);
  const P: usize = sparse ? 0 : probsPtr(i);
  const y = i64x2.splat(-1);  // the target lane is rewritten below, so it takes σ·w_y here
  const zero = f64x2.splat(0);
  const u = f64x2.splat(sparse ? general.smoothingCoefficient() : eps / <f64>K);
  const keep = f64x2.splat(1.0 - eps);
  // focal rows of one term (class ids without smoothing) have b = 0 off the target
  const oneTerm = sparse && gamma != 0 && general.smoothingCoefficient() == 0;
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o), wv = v128.load(wBase + o);
    const pv = sparse ? zero : v128.load(P + o);
    const s0 = scaled2(low2(zv), true);
    const h0 = slope2();
    const a0 = coefficients2(low2(wv), low2(pv), zero, y, zero, u, keep);
    let b0 = a0;
    if (gamma != 0) {
      if (oneTerm) b0 = zero;
      else {
        terms2(a0, s0, lse);
        b0 = terms2B();
      }
    }
    const g0 = f64x2.mul(f64x2.sub(f64x2.mul(vc, expNeg2(f64x2.sub(s0, vl))), f64x2.mul(vk, b0)), h0);
    const s1 = scaled2(high2(zv), true);
    const h1 = slope2();
    const a1 = coefficients2(high2(wv), high2(pv), zero, y, zero, u, keep);
    let b1 = a1;
    if (gamma != 0) {
      if (oneTerm) b1 = zero;
      else {
        terms2(a1, s1, lse);
        b1 = terms2B();
      }
    }
    const g1 = f64x2.mul(f64x2.sub(f64x2.mul(vc, expNeg2(f64x2.sub(s1, vl))), f64x2.mul(vk, b1)), h1);
    const gv = v128.shuffle<f32>(f32x4.demote_f64x2_zero(g0), f32x4.demote_f64x2_zero(g1), 0, 1, 4, 5);
    v128.store(g + o, v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity))));
  }
  general.gradientRange(i, lse, M, g, c, K);
  // the target: its own b_y (a_y, or B itself for one term, or its focal b), as rowLoss summed it
  if (sparse) {
    const yi = classId(i);
    if (yi < c) general.gradientRange(i, lse, M, g, yi, yi + 1);
  }
}
