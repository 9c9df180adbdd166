/**
 * The sigmoid kernels' own math, on top of the module's shared exp and log
 * (backends/wasm/assembly/math.ts). Tables-free like it (the module owns no data segment).
 *
 * The softmax kernels only ever take exp of arguments near 0 (s − max, s − lse); these take e^−|x| of
 * any logit, whose relative error is the relative error of σ(−|x|) and of log1p(e^−|x|), so of a
 * confident entry's loss and gradient. Hence an exp whose error does not grow with |x| (Cody–Waite,
 * not 2^(x·log2 e) with x·log2 e rounded), subnormal results rounded, not flushed, and a log1p good
 * to float32 precision relative to itself for tiny arguments.
 *
 * Float32 lanes (SIMD builds):
 *   expNegf4(x)  e^x for x ≤ 0: k = round(x·log2 e), r = (x − k·C1) − k·C2 (ln 2 = C1 + C2, C1 with
 *                9 significant bits so k·C1 is exact for |k| ≤ 150), e^r by a degree-6 polynomial
 *                fitted on |r| ≤ ln2/2 + 0.002 (Chebyshev fit, 2.0e-9), times 2^(k+64) (always a normal
 *                float: k ≥ −150) and then 2^−64, so a subnormal result is rounded once, correctly.
 *                x < −104 (e^x < 2^−150: rounds to 0) is clamped to −104, which gives 0; −∞ gives 0.
 *                NaN: unspecified (the kernels find NaN entries themselves). Measured: within
 *                2.04·2^-24 relative (2.5 asserted), subnormal results within half a step more.
 *   log1pf4(e)   log(1 + e) for e in [0, 1]: 2·atanh(s), s = e / (2 + e) in [0, 1/3], as u·g(u²/4)
 *                with u = 2s = 2e / (2 + e) (not e/(2 + e) doubled: halving a subnormal e rounds),
 *                g(t) = atanh(√t)/√t by a degree-4 polynomial fitted on t in [0, 1/9] (4.2e-9), its
 *                coefficients divided by 4^i to take u² directly. No 1 + e is rounded before the log,
 *                so tiny e keep their precision (log1p(e) = e·(1 − e/2 + …)), subnormal ones too.
 *                Measured: within 4.52·2^-24 relative over [0, 1] (5 asserted).
 *   powUnitf4(q) q^γ for q in [0, 1], γ > 0: log2 q = k + log2 m (k exact, m in [√½, √2), log m =
 *                2·atanh((m − 1)/(m + 1)), degree 3 in t ≤ 0.0295, 7e-10), and γ·log2 q formed as
 *                γ_hi·k (exact: γ_hi has 12 significant bits, |k| ≤ 150) + (γ_lo·k + γ·log2 m), so the
 *                large part of the exponent carries no rounding; 2^(hi + lo) = 2^n·2^((hi − n) + lo),
 *                n = round(hi + lo), by the shared exp2f4 and an exponent shift (with the same 2^64
 *                detour for subnormal results). 0^γ = 0; results below 2^−150 are 0. Measured: within
 *                (3 + 1.3γ)·2^-24 relative for γ from 0.01 to 13 (18.8 at γ = 13, 8.3 at 5, 4.4 at 2).
 *                The kernels use it for γ that are not multiples of 1/2 (q^γ is products and a √ else).
 *
 * Float64 (scalar builds): as exact as exp64 and log64 (the build's promise is cpu's precision, down
 * to gradients that cancel: σ(x) − y' for labels the model fits needs σ to a float64 ulp), with short
 * dependency chains and no branch but one, which measured twice their speed in the sweeps (loss-and-
 * grad 144 → 75 ns per four entries):
 *   expNeg64(x)  e^x for x ≤ 0 (and a rounding above): k = round(x·log2 e), r = x − k·ln 2 (ln 2 in
 *                two parts), e^r by a degree-11 polynomial fitted on |r| ≤ ln2/2 + 0.002 (3.4e-18),
 *                by Estrin's scheme, times 2^k; 0 below x = −200 (e^x < 1e-86, 0 as a float32), so
 *                e^−∞ = 0. NaN: unspecified.
 *   log1p64(e)   log(1 + e) for e in [0, 1]: the float32 log1pf4's form, u·g(u²/4) with u = 2e/(2 + e),
 *                g by a degree-9 polynomial (4.9e-17).
 *   Measured: within 2.0 (expNeg64) and 3.0 (log1p64) float64 ulps, 2^-52, relative.
 *
 * The dense sweeps behind these figures, and their asserted bounds: test/wasm_math.test.ts.
 */
import {exp2f4, LN2_HI, LN2_LO, LOG2E as LOG2E64} from '../../../../backends/wasm/assembly/math';

const LOG2E: f32 = 1.44269504;
const ROUND64: f32 = 12582976.0;     // 1.5·2^23 + 64: adding it leaves round(y) + 64 in the low mantissa bits
const C1: f32 = 0.693359375;         // ln 2 = C1 + C2, C1 = 355/512
const C2: f32 = -2.12194440e-4;
const TWO_M64: f32 = 5.421010862427522e-20;  // 2^−64
// e^r ≈ 1 + r·(P1 + r·(P2 + … r·P6)), fitted on |r| ≤ 0.3486
const P1: f32 = 1.0000000390424306;
const P2: f32 = 0.5000000048774232;
const P3: f32 = 0.16666409658840883;
const P4: f32 = 0.04166634558299033;
const P5: f32 = 0.008375611167895937;
const P6: f32 = 0.0013941713888376969;
// atanh(√t)/√t ≈ Σ_i c_i·t^i on t in [0, 1/9], taken at t = v/4: G_i = c_i / 4^i, a polynomial in v = u²
const G0: f32 = 1.0000000038408794;
const G1: f32 = 0.08333290205172221;
const G2: f32 = 0.01250768600959492;
const G3: f32 = 0.0021847779488435365;
const G4: f32 = 0.0005499566086544743;
// the same on t in [0, 0.0296] (m in [√½, √2))
const H0: f32 = 0.9999999993061968;
const H1: f32 = 0.333334084415729;
const H2: f32 = 0.1998733777296985;
const H3: f32 = 0.1496457167087578;

/** e^x on four float32 lanes for x ≤ 0 (see the header). */
// @ts-ignore: decorator
@inline
export function expNegf4(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.splat(-104.0), x);
  const y = f32x4.mul(xc, f32x4.splat(LOG2E));
  const t = f32x4.add(y, f32x4.splat(ROUND64));  // for the exponent bits, off the critical path
  const k = f32x4.nearest(y);                     // = t − ROUND64, one instruction sooner
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, f32x4.splat(C1))), f32x4.mul(k, f32x4.splat(C2)));
  // (1 + r·P1) + r²·[(P2 + r·P3) + r²·(P4 + r·P5) + r⁴·P6]: Estrin, short chains
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.splat(P2), f32x4.mul(r, f32x4.splat(P3)));
  const b = f32x4.add(f32x4.splat(P4), f32x4.mul(r, f32x4.splat(P5)));
  const q = f32x4.add(f32x4.add(a, f32x4.mul(r2, b)), f32x4.mul(f32x4.mul(r2, r2), f32x4.splat(P6)));
  const p = f32x4.add(f32x4.add(f32x4.splat(1.0), f32x4.mul(r, f32x4.splat(P1))), f32x4.mul(r2, q));
  // t's low mantissa bits hold k + 64 (two's complement): << 23 adds it to p's exponent
  return f32x4.mul(i32x4.add(p, i32x4.shl(t, 23)), f32x4.splat(TWO_M64));
}

/** log(1 + e) on four float32 lanes for e in [0, 1] (see the header). */
// @ts-ignore: decorator
@inline
export function log1pf4(e: v128): v128 {
  const u = f32x4.div(f32x4.add(e, e), f32x4.add(e, f32x4.splat(2.0)));
  const v = f32x4.mul(u, u);
  // Estrin: (G0 + v·G1) + v²·((G2 + v·G3) + v²·G4), short chains (the loops are latency-bound)
  const v2 = f32x4.mul(v, v);
  const lo = f32x4.add(f32x4.splat(G0), f32x4.mul(v, f32x4.splat(G1)));
  const hi = f32x4.add(f32x4.add(f32x4.splat(G2), f32x4.mul(v, f32x4.splat(G3))), f32x4.mul(v2, f32x4.splat(G4)));
  return f32x4.mul(u, f32x4.add(lo, f32x4.mul(v2, hi)));
}

/**
 * q^γ on four float32 lanes for q in [0, 1] and γ > 0, given as γ (vg), its leading 12 bits (vhi) and
 * the rest (vlo) (see the header). Results below 2^−150 are 0.
 */
// @ts-ignore: decorator
@inline
export function powUnitf4(q: v128, vg: v128, vhi: v128, vlo: v128): v128 {
  // q·2^24 is normal for every q ≥ 2^−149 (exact: a power of two); its exponent is taken relative to
  // √½, so that m = q·2^(24−k') lands in [√½, √2)
  const bits = i32x4.add(f32x4.mul(q, f32x4.splat(16777216.0)), i32x4.splat(0x3f800000 - 0x3f3504f3));
  const k = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(bits, 23), i32x4.splat(127 + 24)));
  const m = i32x4.add(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const s = f32x4.div(f, f32x4.add(f, f32x4.splat(2.0)));
  const t = f32x4.mul(s, s);
  let h = f32x4.add(f32x4.splat(H2), f32x4.mul(t, f32x4.splat(H3)));
  h = f32x4.add(f32x4.splat(H1), f32x4.mul(t, h));
  h = f32x4.add(f32x4.splat(H0), f32x4.mul(t, h));
  const log2m = f32x4.mul(f32x4.mul(f32x4.add(s, s), h), f32x4.splat(LOG2E));
  // γ·log2 q = hi + lo, hi = γ_hi·k exact; n = round(hi + lo) by the 1.5·2^23 (+ 64) trick, as in
  // expNegf4, and hi − n is exact, so 2^((hi − n) + lo) has only lo's roundings
  const hi = f32x4.mul(vhi, k);
  const lo = f32x4.add(f32x4.mul(vlo, k), f32x4.mul(vg, log2m));
  const tn = f32x4.add(f32x4.add(hi, lo), f32x4.splat(ROUND64));
  const n = f32x4.sub(tn, f32x4.splat(ROUND64));
  const p = exp2f4(f32x4.add(f32x4.sub(hi, n), lo));
  const r = f32x4.mul(i32x4.add(p, i32x4.shl(tn, 23)), f32x4.splat(TWO_M64));
  // n < −153: below 2^−150 (p < 1.42), and n + 64 would leave the exponent range; q = 0: 0
  return v128.andnot(r, v128.or(f32x4.lt(n, f32x4.splat(-153.0)), f32x4.eq(q, f32x4.splat(0))));
}

/** γ's leading 12 significant bits (so γ_hi·k is exact for |k| < 2^12), as float32. */
export function gammaHigh(g: f64): f32 {
  return reinterpret<f32>(reinterpret<u32>(<f32>g) & 0xfffff000);
}

// e^r ≈ Σ_i E_i·r^i on |r| ≤ 0.3486 (E_0 = 1; fitted error 3.4e-18)
const E1: f64 = 0.99999999999999999975;
const E2: f64 = 0.50000000000000194749;
const E3: f64 = 0.16666666666666681643;
const E4: f64 = 0.041666666666479678928;
const E5: f64 = 0.0083333333333189533913;
const E6: f64 = 0.0013888888954544190597;
const E7: f64 = 0.0001984126989176148961;
const E8: f64 = 0.000024801483109624075301;
const E9: f64 = 2.7557239094022716408e-6;
const E10: f64 = 2.7633512554086247796e-7;
const E11: f64 = 2.5110708856325415588e-8;
// atanh(√t)/√t at t = v/4 ≈ Σ_i D_i·v^i, v = u² in [0, 4/9] (fitted error 4.9e-17)
const D0: f64 = 0.99999999999999995579;
const D1: f64 = 0.083333333333353217909;
const D2: f64 = 0.012499999998527375002;
const D3: f64 = 0.0022321428993482156423;
const D4: f64 = 0.0004340271652606696101;
const D5: f64 = 0.000088783495119501518346;
const D6: f64 = 0.000018754487608510295726;
const D7: f64 = 4.1477372697692547106e-6;
const D8: f64 = 7.5384437933080949713e-7;
const D9: f64 = 3.391411557409916476e-7;

/** e^x in float64 for x ≤ 0 (see the header). */
// @ts-ignore: decorator
@inline
export function expNeg64(x: f64): f64 {
  // 0 at −∞ exactly (the kernels' σ(−x)σ(x) = 0 at x = ±∞ puts 0, not 1e-87·∞, against an infinite bce)
  if (x < -200) return 0;
  const k = nearest(x * LOG2E64);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  // Estrin: pairs (E_i + r·E_i+1), then r², r⁴, r⁸ (short chains: the build is latency-bound)
  const r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const p = ((1.0 + r * E1) + r2 * (E2 + r * E3)) + r4 * ((E4 + r * E5) + r2 * (E6 + r * E7)) +
      r8 * ((E8 + r * E9) + r2 * (E10 + r * E11));
  return p * reinterpret<f64>((<i64>k + 1023) << 52);
}

/** log(1 + e) in float64 for e in [0, 1] (see the header). */
// @ts-ignore: decorator
@inline
export function log1p64(e: f64): f64 {
  const u = (e + e) / (e + 2.0);
  const v = u * u, v2 = v * v, v4 = v2 * v2, v8 = v4 * v4;
  return u * (((D0 + v * D1) + v2 * (D2 + v * D3)) + v4 * ((D4 + v * D5) + v2 * (D6 + v * D7)) +
      v8 * (D8 + v * D9));
}
