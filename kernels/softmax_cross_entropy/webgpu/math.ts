/**
 * f32 math for the focal and softcap options (contract.ts), which WGSL's builtins do not give to the
 * accuracy they need: WGSL has no expm1 or log1p, and asks of exp and log only 3 + 2·|x| ulp and 2^-21
 * absolute near 1. Included only in programs of those options (wgsl.ts helpers), so the plain
 * cross-entropy programs keep their source.
 *
 * - expm1Poly(r), |r| ≤ ln2/2: the Taylor series to r^8 (the first term left out is under 1.2e-9 of
 *   the sum), so relative accuracy holds down to r → 0: q = −expm1(d) for p ≈ 1 is where focal acts.
 * - y = n·ln 2 + r with ln 2 in two parts (n·LN2_HI exact for |n| < 2^15), 2^n from its bits; then
 *   e^y − 1 = 2^n·expm1(r) + (2^n − 1), each part exact but the sum (one rounding), and
 *   e^y = 2^n·(1 + expm1(r)) (scaled last: 2^n·expm1(r) may be subnormal, which SwiftShader flushes
 *   to 0). Below −87 (e^y < 2^-125) e^y is taken as 0 and e^y − 1 as −1. WGSL's own exp erred up to
 *   1.1e-6 relative at −20 and 3.9e-6 at −87 on SwiftShader; this one 1 ulp.
 * - ln1p(z), z in [−0.5, 1]: 2·atanh(t), t = z / (2 + z) in [−1/3, 1/3], its odd series to t^13.
 * - powq(q, p) = q^γ for q in (0, 1] with p = 1 − q formed apart: ln q = H + t, H = k·LN2_HI exact
 *   (q = m·2^k, m in [√½, √2)) and t = ln1p(m − 1) − k·LN2_LO, or, where q > ½, H = 0 and
 *   t = ln1p(−p). γ·H is formed exactly from γ's first 7 bits (u.gammaHi, problem.ts), so the rounding
 *   of γ·ln q (up to γ·|ln q| half-ulps of the result) is not lost.
 * - tanhSech(x) = (tanh x, sech² x) from e = e^(−2|x|): tanh|x| = −expm1(−2|x|) / (2 + expm1(−2|x|))
 *   (no 1 − e cancellation for small |x|) and sech² x = 4e / (1 + e)² (no 1 − tanh² cancellation for
 *   large |x|, where it is far below 1 but not 0).
 */
export const MATH = `
const LN2_HI: f32 = 0.693359375;        // ln 2 = LN2_HI − LN2_LO; LN2_HI has 9 significant bits
const LN2_LO: f32 = 2.12194440e-4;
const LOG2_E: f32 = 1.44269504;
fn expm1Poly(r: f32) -> f32 {
  var t = 1.0 / 40320.0;
  t = t * r + 1.0 / 5040.0;
  t = t * r + 1.0 / 720.0;
  t = t * r + 1.0 / 120.0;
  t = t * r + 1.0 / 24.0;
  t = t * r + 1.0 / 6.0;
  t = t * r + 0.5;
  return (t * r) * r + r;
}
// 2^n for a whole n in [−126, 127]
fn pow2(n: f32) -> f32 { return bitcast<f32>(u32(i32(n) + 127) << 23u); }
// (e^y, e^y − 1) for y ≤ 0 given as a + b, a exact and large, b small (the reduction takes each apart)
fn expBoth(a: f32, b: f32) -> vec2<f32> {
  let y = a + b;
  let n = round(max(y, -87.0) * LOG2_E);
  let r = (a - n * LN2_HI) + (b + n * LN2_LO);
  let t = pow2(n);
  let em = expm1Poly(r);
  let under = y < -87.0;
  return vec2<f32>(select(t * (1.0 + em), 0.0, under), select(t * em + (t - 1.0), -1.0, under));
}
fn expf(y: f32) -> f32 { return expBoth(y, 0.0).x; }
fn ln1p(z: f32) -> f32 {
  let t = z / (2.0 + z);
  let t2 = t * t;
  var s = 1.0 / 13.0;
  s = s * t2 + 1.0 / 11.0;
  s = s * t2 + 1.0 / 9.0;
  s = s * t2 + 1.0 / 7.0;
  s = s * t2 + 1.0 / 5.0;
  s = s * t2 + 1.0 / 3.0;
  return 2.0 * t + (2.0 * t) * (t2 * s);
}
// log(1 + x) for x ≥ 0
fn lnOnePlus(x: f32) -> f32 { return select(log(1.0 + x), ln1p(x), x <= 1.0); }
fn powq(q: f32, p: f32) -> f32 {
  let f = frexp(q);
  let low = f.fract < 0.70710678;
  let m = select(f.fract, 2.0 * f.fract, low);
  let k = f32(f.exp) - select(0.0, 1.0, low);
  let near1 = p < 0.5;
  let H = select(k * LN2_HI, 0.0, near1);
  let t = ln1p(select(m - 1.0, -p, near1)) - select(k * LN2_LO, 0.0, near1);
  return expBoth(u.gammaHi * H, u.gammaLo * H + u.gamma * t).x;
}
fn tanhSech(x: f32) -> vec2<f32> {
  let y = -2.0 * abs(x);
  let both = expBoth(y, 0.0);
  let onePlusE = 2.0 + both.y;
  let th = -both.y / onePlusE;
  return vec2<f32>(select(-th, th, x >= 0.0), 4.0 * both.x / (onePlusE * onePlusE));
}
`;
