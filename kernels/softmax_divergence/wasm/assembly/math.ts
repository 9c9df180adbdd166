/**
 * The divergence kernels' own math, on top of the module's shared exp and log
 * (backends/wasm/assembly/math.ts). Tables-free like it (the module owns no data segment).
 *
 * log64x2(x): the natural log on two float64 lanes, for 'klProbabilities' (Σ P_c·log P_c is the loss's
 *   own term, so log P_c is float64, as the loss is: a float32 log would err by an ulp of |log P_c|,
 *   which where P ≈ p is most of the KL). For x = P_c, a float32 widened (so normal, > 0 and finite:
 *   the kernels find NaN, negative and zero P_c themselves): x = 2^k·m, m ∈ [√½, √2) by the exponent
 *   bits (as log64), u = (m − 1)/(m + 1), log m = 2u·Σ_j u^(2j)/(2j + 1) for j ≤ 9 (|u| < 0.1716, so the
 *   truncation is below 0.0295^10/21 < 3e-17 of log m), by Estrin's scheme (short chains). Then
 *   k·ln 2 + log m with ln 2 in two parts. Within a few float64 ulps (test/wasm_math.test.ts does not
 *   cover it; the divergence parity table does, through the loss). x = 0 gives a finite number
 *   (−1023·ln 2), so 0·log 0 is 0 without a mask.
 */
import {LN2_HI, LN2_LO} from '../../../../backends/wasm/assembly/math';

/** log x on two float64 lanes, x > 0 finite (see the header; 0 gives −1023·ln 2). */
// @ts-ignore: decorator
@inline
export function log64x2(x: v128): v128 {
  // m in [√½, √2): the exponent taken relative to that interval's lower end
  const bits = i64x2.add(x, i64x2.splat(0x3ff0000000000000 - 0x3fe6a09e667f3bcd));
  // k + 1023 + 2^52 as a float64's bits (exponent 0x433), minus 2^52 + 1023: k exactly
  const kf = f64x2.sub(v128.or(i64x2.shr_u(bits, 52), i64x2.splat(0x4330000000000000)),
      f64x2.splat(4503599627370496.0 + 1023.0));
  const m = i64x2.add(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e667f3bcd));
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const u = f64x2.div(f, f64x2.add(f, f64x2.splat(2.0)));
  const v = f64x2.mul(u, u);
  const v2 = f64x2.mul(v, v), v4 = f64x2.mul(v2, v2);
  const p01 = f64x2.add(f64x2.splat(1.0), f64x2.mul(v, f64x2.splat(1.0 / 3)));
  const p23 = f64x2.add(f64x2.splat(1.0 / 5), f64x2.mul(v, f64x2.splat(1.0 / 7)));
  const p45 = f64x2.add(f64x2.splat(1.0 / 9), f64x2.mul(v, f64x2.splat(1.0 / 11)));
  const p67 = f64x2.add(f64x2.splat(1.0 / 13), f64x2.mul(v, f64x2.splat(1.0 / 15)));
  const q0 = f64x2.add(p01, f64x2.mul(v2, p23));
  const p89 = f64x2.add(f64x2.splat(1.0 / 17), f64x2.mul(v, f64x2.splat(1.0 / 19)));
  const q1 = f64x2.add(f64x2.add(p45, f64x2.mul(v2, p67)), f64x2.mul(v4, p89));
  const s = f64x2.add(q0, f64x2.mul(v4, q1));
  const lm = f64x2.mul(f64x2.add(u, u), s);
  return f64x2.add(f64x2.mul(kf, f64x2.splat(LN2_HI)), f64x2.add(f64x2.mul(kf, f64x2.splat(LN2_LO)), lm));
}

// 2^f ≈ 1 + f·(H1 + f·(H2 + … f·H6)) on |f| ≤ 1/2: a degree-6 minimax fit of the relative error
// (1.97e-9), coefficients rounded to float32
const H1: f32 = 0.6931471824645996;
const H2: f32 = 0.24022647738456726;
const H3: f32 = 0.055503323674201965;
const H4: f32 = 0.00961843691766262;
const H5: f32 = 0.0013398875016719103;
const H6: f32 = 0.00015353360504377633;
const ROUND32: f32 = 12582912.0;  // 1.5·2^23

/**
 * 2^y on four float32 lanes, y ≤ 0 (the kernels' exp(s − max), exp(s − lse)): exp2f4's reduction and
 * flush (k = round(y) in the low mantissa bits of y + 1.5·2^23, 2^k by the exponent bits, 0 below
 * y = −125) with a degree-6 minimax polynomial by Horner's rule in place of the degree-7 Taylor one by
 * Estrin's: four instructions fewer, which is what these sweeps (two exps per entry for distillation)
 * are bound by. Within 1.7·2^-24 relative over |f| ≤ 1/2 (a float32 simulation of the evaluation on
 * 2·10^6 points).
 */
// @ts-ignore: decorator
@inline
export function exp2h(y: v128): v128 {
  const t = f32x4.add(y, f32x4.splat(ROUND32));
  const f = f32x4.sub(y, f32x4.sub(t, f32x4.splat(ROUND32)));
  let p = f32x4.add(f32x4.splat(H5), f32x4.mul(f, f32x4.splat(H6)));
  p = f32x4.add(f32x4.splat(H4), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(H3), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(H2), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(H1), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(1.0), f32x4.mul(f, p));
  const e = i32x4.add(p, i32x4.shl(t, 23));
  return v128.andnot(e, f32x4.lt(y, f32x4.splat(-125.0)));
}
