/**
 * exp and log for the wasm kernels, written here because AssemblyScript's Math.log and Math.exp read
 * lookup tables from data segments, and this module may own no bytes of the memory it shares with
 * tfjs. No tables: range reduction and polynomials only.
 *
 * expf4 (SIMD builds), four float32 lanes, for x ≤ 88 (the kernels ask only for exp(s − max) and
 * exp(s − lse), both ≤ ~1e-6; above 88.3, where 2^k leaves float32's exponent range, the result is
 * not specified):
 *   exp(x) = 2^y, y = x·log2 e = k + f, k = round(y) (by adding and subtracting 1.5·2^23, which
 *   leaves k in the low mantissa bits of the sum), |f| ≤ 1/2; 2^f = e^(f·ln 2) by its degree-7 Taylor
 *   polynomial (truncation (ln2/2)^8/8! < 5.2e-9, a tenth of a float32 ulp), evaluated by Estrin's
 *   scheme (short dependency chains: V8 does not unroll, so latency is what the loop waits on);
 *   2^k enters by adding k to the exponent bits.
 *   Error (test/wasm_math.test.ts, dense sweeps): 2^y within 2 float32 ulp for y in [−125, 0]; e^x
 *   within 3·2^-24 + |x|·1e-7 relative, the second term from rounding y = x·log2 e to float32. For
 *   the kernels that term is an absolute error of at most max_x e^x·|x|·1e-7 < 4e-8 on a probability.
 *   Below y = −125 (x = −86.64, e^x = 2.4e-38) the result is flushed to exactly 0, so e^−∞ = 0 and a
 *   masked class has probability 0. NaN gives NaN (the kernels do not rely on it: they find NaN rows
 *   in their max sweep). The kernels fold 1/T into log2 e and call exp2f4 on y directly: one
 *   multiply less per vector, and one more float32 rounding of y, inside the |x|·1e-7 term.
 *
 * exp64 (scalar builds, and once-per-row terms in every build): e^x = 2^k·e^r, |r| ≤ ln2/2 (Cody–Waite,
 *   ln 2 in two parts), degree-12 Taylor polynomial (truncation |r|^13/13!·e^|r| < 2.4e-16): within
 *   2 float64 ulp (tested); 0 below −708.39 (where float64 results turn subnormal, far below
 *   float32's range), +∞ above 709.78.
 *
 * log64: once per row (lse = max + log Σ), so it is scalar in every build: a vector log would run N
 *   times per call against exp's N·K, and buy nothing. x = 2^k·m, m ∈ [√½, √2), f = m − 1,
 *   u = f / (2 + f), log m = 2·atanh u = 2u·Σ_j u^(2j)/(2j+1), |u| < 0.1716, 11 terms (truncation
 *   < 1e-19): within 2.5 float64 ulp (tested). log(0) = −∞, log(x < 0) = NaN, log(+∞) = +∞.
 */

export const LOG2E: f64 = 1.4426950408889634;
const ROUND32: f32 = 12582912.0;            // 1.5·2^23
// (ln 2)^j / j!, the Taylor coefficients of 2^f
const C1: f64 = 0.6931471805599453;
const C2: f64 = 0.2402265069591007;
const C3: f64 = 0.055504108664821576;
const C4: f64 = 0.009618129107628477;
const C5: f64 = 0.0013333558146428441;
const C6: f64 = 0.00015403530393381606;
const C7: f64 = 0.000015252733804059838;
export const LN2_HI: f64 = 0.6931471803691238;     // ln 2 with the low 32 bits of its mantissa zeroed
export const LN2_LO: f64 = 1.9082149292705877e-10; // ln 2 − LN2_HI

/** 2^y on four float32 lanes (see the header); the kernels call it with y = (s − max)·log2 e directly. */
// @ts-ignore: decorator
@inline
export function exp2f4(y: v128): v128 {
  const t = f32x4.add(y, f32x4.splat(ROUND32));
  const f = f32x4.sub(y, f32x4.sub(t, f32x4.splat(ROUND32)));
  // 2^f = Σ_j (f·ln2)^j / j!, j ≤ 7, as (a + f²·b) + f⁴·(c + f²·d), each of a..d linear in f
  const f2 = f32x4.mul(f, f);
  const a = f32x4.add(f32x4.splat(1.0), f32x4.mul(f, f32x4.splat(<f32>C1)));
  const b = f32x4.add(f32x4.splat(<f32>C2), f32x4.mul(f, f32x4.splat(<f32>C3)));
  const c = f32x4.add(f32x4.splat(<f32>C4), f32x4.mul(f, f32x4.splat(<f32>C5)));
  const d = f32x4.add(f32x4.splat(<f32>C6), f32x4.mul(f, f32x4.splat(<f32>C7)));
  const p = f32x4.add(f32x4.add(a, f32x4.mul(f2, b)), f32x4.mul(f32x4.mul(f2, f2), f32x4.add(c, f32x4.mul(f2, d))));
  // k sits in t's low mantissa bits; << 23 moves it into the exponent field of p (2^k·p). Below
  // y = −125 that would leave the normal range (and at −∞ or NaN-free huge |y| the rounding trick
  // itself fails), so those lanes are flushed to 0 instead: no clamp needed before.
  const e = i32x4.add(p, i32x4.shl(t, 23));
  return v128.andnot(e, f32x4.lt(y, f32x4.splat(-125.0)));
}

/** e^x on four float32 lanes: 2^(x·log2 e). */
// @ts-ignore: decorator
@inline
export function expf4(x: v128): v128 {
  return exp2f4(f32x4.mul(x, f32x4.splat(<f32>LOG2E)));
}

/** exp in float64 (see the header): scalar, for the scalar builds and per-row terms. */
export function exp64(x: f64): f64 {
  if (x != x) return x;
  if (x < -708.39) return 0;
  if (x > 709.78) return Infinity;
  const kf = nearest(x * LOG2E);
  const r = (x - kf * LN2_HI) - kf * LN2_LO;
  let p = 1.0 / 479001600;
  p = 1.0 / 39916800 + r * p;
  p = 1.0 / 3628800 + r * p;
  p = 1.0 / 362880 + r * p;
  p = 1.0 / 40320 + r * p;
  p = 1.0 / 5040 + r * p;
  p = 1.0 / 720 + r * p;
  p = 1.0 / 120 + r * p;
  p = 1.0 / 24 + r * p;
  p = 1.0 / 6 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  // 2^k as two normal factors (k in [−1022, 1024])
  const k = <i64>kf;
  const h = k >> 1;
  return p * reinterpret<f64>((h + 1023) << 52) * reinterpret<f64>((k - h + 1023) << 52);
}

/** Natural log in float64 (see the header). */
export function log64(x: f64): f64 {
  if (x != x || x < 0) return NaN;
  if (x == 0) return -Infinity;
  if (x == Infinity) return x;
  let bits = reinterpret<u64>(x);
  let k: i64 = 0;
  if ((bits >> 52) == 0) {  // subnormal: scale into the normal range first
    bits = reinterpret<u64>(x * 18014398509481984.0);  // 2^54
    k = -54;
  }
  // m in [√½, √2): take the exponent relative to that interval's lower end
  bits += 0x3ff0000000000000 - 0x3fe6a09e667f3bcd;
  k += <i64>(bits >> 52) - 1023;
  bits = (bits & 0x000fffffffffffff) + 0x3fe6a09e667f3bcd;
  const f = reinterpret<f64>(bits) - 1.0;
  const u = f / (2.0 + f);
  const u2 = u * u;
  let s = 1.0 / 21;
  s = 1.0 / 19 + u2 * s;
  s = 1.0 / 17 + u2 * s;
  s = 1.0 / 15 + u2 * s;
  s = 1.0 / 13 + u2 * s;
  s = 1.0 / 11 + u2 * s;
  s = 1.0 / 9 + u2 * s;
  s = 1.0 / 7 + u2 * s;
  s = 1.0 / 5 + u2 * s;
  s = 1.0 / 3 + u2 * s;
  s = 1.0 + u2 * s;
  const kf = <f64>k;
  return kf * LN2_HI + (kf * LN2_LO + 2.0 * u * s);
}

/**
 * e^x − 1 in float64, for the softmax family's focal terms (q = 1 − p = −expm1(s − lse)), where
 * exp64(x) − 1 would keep only the bits of x above 2^-52 when x is near 0. For |x| ≤ ln2/2 its
 * degree-13 Taylor polynomial (truncation |x|^14/14!·e^|x| < 1.2e-17·|x|); beyond that exp64(x) − 1,
 * which cancels at most to 0.29 of exp's size there (a few ulp). expm1(−∞) = −1, expm1(+∞) = +∞.
 */
export function expm1_64(x: f64): f64 {
  if (!(abs(x) <= 0.34657359027997264)) return exp64(x) - 1.0;  // |x| > ln2/2, or NaN
  // x·Σ_j x^j/(j + 1)!, j ≤ 12
  let p = 1.0 / 6227020800;
  p = 1.0 / 479001600 + x * p;
  p = 1.0 / 39916800 + x * p;
  p = 1.0 / 3628800 + x * p;
  p = 1.0 / 362880 + x * p;
  p = 1.0 / 40320 + x * p;
  p = 1.0 / 5040 + x * p;
  p = 1.0 / 720 + x * p;
  p = 1.0 / 120 + x * p;
  p = 1.0 / 24 + x * p;
  p = 1.0 / 6 + x * p;
  p = 0.5 + x * p;
  p = 1.0 + x * p;
  return x * p;
}

// sech²(x) of the last tanh64 call
export let tanhSlope: f64 = 0;

/**
 * tanh(x) in float64, and its slope sech²(x) = 1 − tanh²(x) left in tanhSlope (the softcap's
 * gradient factor), both without cancellation: with e = e^(−2|x|), tanh|x| = (1 − e)/(1 + e), formed
 * as −u/(2 + u) from u = e − 1 = expm1(−2|x|) (exact near 0, where 1 − e is not), and
 * sech² = 4e/(1 + e)² (where 1 − t² would be all rounding as |t| nears 1). e itself comes from exp64
 * where it is below √½, so its relative accuracy holds as it goes to 0 (1 + u would lose it).
 * tanh(±∞) = ±1 with slope 0; NaN gives NaN.
 */
export function tanh64(x: f64): f64 {
  const y = -2.0 * abs(x);
  let e: f64, u: f64;
  if (y < -0.34657359027997264) {
    e = exp64(y);
    u = e - 1.0;
  } else {
    u = expm1_64(y);
    e = 1.0 + u;
  }
  const t = -u / (2.0 + u);
  const d = 1.0 + e;
  tanhSlope = 4.0 * e / (d * d);
  return x < 0 ? -t : t;
}
