/**
 * Float64 math on two lanes (v128 as f64x2) for the SIMD builds' general rows (rows_general_simd.ts),
 * and for the single entries rows_general.ts forms in those builds (an entry's s is then the very one
 * its vector neighbours would get: a row's max and its target see the same s).
 *
 * e^x (x ≤ 0) on two lanes: k = round(x·log2 e), r = (x − k·ln2_hi) − k·ln2_lo, e^r by its degree-13
 * Taylor polynomial (truncation |r|^14/14!·e^|r| < 1e-17 for |r| ≤ ln2/2) by Estrin's scheme, 2^k
 * added to the exponent bits (k ≥ −289: always normal); lanes below −200 (e^x < 1e-86, 0 in float32
 * after any product with a p ≤ 1), −∞ included, are 0. Arguments are never NaN (NaN and +∞ rows stop
 * at the row max). tanh on two lanes: math.ts tanh64's form (u = e^y − 1 for y = −2|x|,
 * t = −u/(2 + u), sech² = 4e/(1 + e)², one division for both as 2 + u = 1 + e), with u = e^r − 1 by its
 * own polynomial where k = 0 (|y| < ln2/2, where 1 − e would cancel) and e − 1 elsewhere.
 *
 * The module's globals are no place for vectors (the scalar build compiles them too), so second
 * results go through float64 globals, one per lane.
 */
import {LN2_HI, LN2_LO, LOG2E} from '../../../../backends/wasm/assembly/math';
import {cap, invCap, invT} from './problem';

const MAGIC: f64 = 6755399441055744.0;  // 1.5·2^52: k + MAGIC has k in its low mantissa bits

/** Σ_{j=0}^{13} r^j/j! (e^r), or with em1, Σ_{j=0}^{13} r^j/(j + 1)! ((e^r − 1)/r), by Estrin's scheme. */
// @ts-ignore: decorator
@inline function taylor2(r: v128, em1: bool): v128 {
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2), r8 = f64x2.mul(r4, r4);
  // coefficients c_j = 1/j! (e^r) or 1/(j + 1)! (the quotient), in pairs (c_j + r·c_j+1)
  const c0 = 1.0, c1 = em1 ? 1.0 / 2 : 1.0, c2 = em1 ? 1.0 / 6 : 1.0 / 2, c3 = em1 ? 1.0 / 24 : 1.0 / 6;
  const c4 = em1 ? 1.0 / 120 : 1.0 / 24, c5 = em1 ? 1.0 / 720 : 1.0 / 120;
  const c6 = em1 ? 1.0 / 5040 : 1.0 / 720, c7 = em1 ? 1.0 / 40320 : 1.0 / 5040;
  const c8 = em1 ? 1.0 / 362880 : 1.0 / 40320, c9 = em1 ? 1.0 / 3628800 : 1.0 / 362880;
  const c10 = em1 ? 1.0 / 39916800 : 1.0 / 3628800, c11 = em1 ? 1.0 / 479001600 : 1.0 / 39916800;
  const c12 = em1 ? 1.0 / 6227020800 : 1.0 / 479001600, c13 = em1 ? 1.0 / 87178291200 : 1.0 / 6227020800;
  const p01 = f64x2.add(f64x2.splat(c0), f64x2.mul(r, f64x2.splat(c1)));
  const p23 = f64x2.add(f64x2.splat(c2), f64x2.mul(r, f64x2.splat(c3)));
  const p45 = f64x2.add(f64x2.splat(c4), f64x2.mul(r, f64x2.splat(c5)));
  const p67 = f64x2.add(f64x2.splat(c6), f64x2.mul(r, f64x2.splat(c7)));
  const p89 = f64x2.add(f64x2.splat(c8), f64x2.mul(r, f64x2.splat(c9)));
  const p1011 = f64x2.add(f64x2.splat(c10), f64x2.mul(r, f64x2.splat(c11)));
  const p1213 = f64x2.add(f64x2.splat(c12), f64x2.mul(r, f64x2.splat(c13)));
  const q0 = f64x2.add(p01, f64x2.mul(r2, p23)), q1 = f64x2.add(p45, f64x2.mul(r2, p67));
  const q2 = f64x2.add(p89, f64x2.mul(r2, p1011));
  return f64x2.add(f64x2.add(q0, f64x2.mul(r4, q1)), f64x2.mul(r8, f64x2.add(q2, f64x2.mul(r4, p1213))));
}

/** k = round(x·log2 e) on two lanes. */
// @ts-ignore: decorator
@inline function roundK2(x: v128): v128 { return f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E))); }

/** r = x − k·ln 2 on two lanes (ln 2 in two parts). */
// @ts-ignore: decorator
@inline function reduce2(x: v128, kf: v128): v128 {
  return f64x2.sub(f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI))), f64x2.mul(kf, f64x2.splat(LN2_LO)));
}

/** v·2^k on two lanes (v·2^k normal), 0 where x < −200. */
// @ts-ignore: decorator
@inline function scale2(v: v128, kf: v128, x: v128): v128 {
  const k52 = i64x2.shl(f64x2.add(kf, f64x2.splat(MAGIC)), 52);
  return v128.andnot(i64x2.add(v, k52), f64x2.lt(x, f64x2.splat(-200.0)));
}

/** e^x on two float64 lanes for x ≤ 0 (up to a rounding above); see the header. */
// @ts-ignore: decorator
@inline export function expNeg2(x: v128): v128 {
  const kf = roundK2(x);
  return scale2(taylor2(reduce2(x, kf), false), kf, x);
}

// the slope sech²(z/c) of the last scaled2 call's two lanes (1 without a cap), when asked for
export let slope0: f64 = 1;
export let slope1: f64 = 1;

/**
 * s = c·tanh(z/c)/T on two lanes (z/T without a cap), and with withSlope its slope in slope0 and
 * slope1; non-finite z are not capped (−∞ stays an impossible class), as rows_general.ts scaled.
 */
// @ts-ignore: decorator
@inline export function scaled2(z: v128, withSlope: bool): v128 {
  if (cap == 0) {
    if (withSlope) {
      slope0 = 1;
      slope1 = 1;
    }
    return f64x2.mul(z, f64x2.splat(invT));
  }
  const x = f64x2.mul(z, f64x2.splat(invCap));
  const y = f64x2.mul(f64x2.abs(x), f64x2.splat(-2.0));
  const kf = roundK2(y);
  const r = reduce2(y, kf);
  const em1r = f64x2.mul(r, taylor2(r, true));  // e^r − 1
  const e = scale2(f64x2.add(em1r, f64x2.splat(1.0)), kf, y);
  // u = e^y − 1: e^r − 1 itself where k = 0, else e − 1 (no cancellation below e = √½)
  const u = v128.bitselect(em1r, f64x2.sub(e, f64x2.splat(1.0)), f64x2.eq(kf, f64x2.splat(0)));
  // 2 + u = 1 + e: one division for both t = −u/(1 + e) and sech² = 4e/(1 + e)²
  const inv = f64x2.div(f64x2.splat(1.0), f64x2.add(u, f64x2.splat(2.0)));
  const t = f64x2.mul(f64x2.neg(u), inv);
  const finite = f64x2.eq(f64x2.sub(z, z), f64x2.splat(0));
  if (withSlope) {
    const h = v128.bitselect(f64x2.mul(f64x2.mul(e, f64x2.splat(4.0)), f64x2.mul(inv, inv)), f64x2.splat(1), finite);
    slope0 = f64x2.extract_lane(h, 0);
    slope1 = f64x2.extract_lane(h, 1);
  }
  // t ≥ 0 carries x's sign
  const capped = f64x2.mul(v128.or(t, v128.and(x, f64x2.splat(-0.0))), f64x2.splat(cap * invT));
  return v128.bitselect(capped, f64x2.mul(z, f64x2.splat(invT)), finite);
}

/** The two slopes of the last scaled2(z, true) as a vector. */
// @ts-ignore: decorator
@inline export function slope2(): v128 { return f64x2.replace_lane(f64x2.splat(slope0), 1, slope1); }
