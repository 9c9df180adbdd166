/**
 * exp and log for the wasm kernels, written here because AssemblyScript's Math.log and Math.exp read
 * lookup tables from data segments, and this module may own no bytes of the memory it shares with
 * tfjs. No tables: range reduction and polynomials only.
 *
 * expf4 (SIMD builds), four float32 lanes:
 *   exp(x) = 2^k · e^r,  k = round(x / ln 2),  r = x − k·ln 2 (Cody–Waite: ln 2 split in a 9-bit head,
 *   so k·LN2_HI is exact, and a tail),  |r| ≤ ln 2 / 2,
 *   e^r by its degree-7 Taylor polynomial: truncation |r|^8/8!·e^|r| < 7.4e-9, an eighth of a float32
 *   ulp, so the float32 arithmetic dominates: test/wasm_math.test.ts measures ≤ 2 ulp over a dense sweep.
 *   2^k is a float32 built from its exponent bits and multiplied in, so a result below 2^-126 comes
 *   out as a correctly scaled subnormal. x is clamped to [−104, 88.37]: below −104 the result
 *   rounds to 0 (−∞ included), and above 88.37 (exp = 2.5e38, where k would reach 128) the result is
 *   +∞. The kernels only ask for exp(s − max) and exp(s − lse), arguments ≤ ~1e-6. NaN propagates
 *   (wasm's min/max return NaN for a NaN operand).
 *
 * exp64 (scalar builds, and once-per-row terms in every build): the same reduction in float64 with a
 *   degree-12 Taylor polynomial (truncation |r|^13/13!·e^|r| < 2.4e-16), so a few float64 ulps from
 *   rounding; 0 below −708.39 (where float64 results turn subnormal, far below float32's range), +∞
 *   above 709.78.
 *
 * log64: once per row (lse = max + log Σ), so it is scalar in every build: a vector log would run N
 *   times per call against exp's N·K, and buy nothing. x = 2^k·m, m ∈ [√½, √2), f = m − 1,
 *   u = f / (2 + f), log m = 2·atanh u = 2u·Σ_j u^(2j)/(2j+1), |u| < 0.1716, 11 terms (truncation
 *   < 1e-19). log(0) = −∞, log(x < 0) = NaN, log(+∞) = +∞.
 */

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI32: f32 = 0.693359375;          // 355/512: k·LN2_HI32 is exact for |k| < 2^15
const LN2_LO32: f32 = -2.12194440e-4;       // ln 2 − LN2_HI32
const LN2_HI: f64 = 0.6931471803691238;     // ln 2 with the low 32 bits of its mantissa zeroed
const LN2_LO: f64 = 1.9082149292705877e-10; // ln 2 − LN2_HI

// @ts-ignore: decorator
@inline
export function expf4(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(88.37));
  const kf = f32x4.nearest(f32x4.mul(xc, f32x4.splat(<f32>LOG2E)));
  let r = f32x4.sub(xc, f32x4.mul(kf, f32x4.splat(LN2_HI32)));
  r = f32x4.sub(r, f32x4.mul(kf, f32x4.splat(LN2_LO32)));
  // Horner, highest degree first: 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r(1/720 + r/5040))))))
  let p = f32x4.add(f32x4.splat(<f32>(1.0 / 720)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 5040))));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 120)), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 24)), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 6)), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.5), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1.0), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1.0), f32x4.mul(r, p));
  // 2^k for k in [−150, 127]: two factors 2^(k−h)·2^h, h = k >> 1, so each is a normal float32
  const k = i32x4.trunc_sat_f32x4_s(kf);
  const h = i32x4.shr_s(k, 1);
  const s1 = i32x4.shl(i32x4.add(h, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(k, h), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
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
