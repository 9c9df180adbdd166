/**
 * tanh and sech² for the softcap (s = c·tanh(z/c), ∂s/∂z = sech²(z/c)) in the cpu kernels' hot loops,
 * inlined and float64-accurate like exp.ts (V8's Math.tanh is a call into C). With a = |x|, e = e^(−2a):
 *
 *   tanh(a) = (1 − e)/(1 + e) = −m/(2 + m),   m = expm1(−2a) ∈ (−1, 0]
 *     the second form (expm1.ts's polynomial) where 2a < ln 2 / 2, so a small a keeps its relative
 *     accuracy; the first elsewhere, where 1 − e ≥ 0.29 does not cancel. Within 3e-15 relative.
 *   sech²(a) = 1 − tanh²(a) = 4e/(1 + e)²
 *     the first form only where a is small (tanh² < 0.03: no cancellation); 1 − t² would cancel to
 *     nothing where |t| → 1, and the gradient there is e-sized, not 0. Within 2e-15 relative; 0 for
 *     a ≳ 373 (e underflows), 1 at x = 0.
 * ±∞ give ±1 and 0; NaN propagates. tanhWithSlope computes both from one exp or one polynomial.
 */
import {fastExp} from './exp.js';
import {fastExpm1} from './expm1.js';

const SMALL = 0.34657359027997264 / 2;  // 2a below expm1.ts's ln 2 / 2: its polynomial, no exp

/** tanh(x); the same value as tanhWithSlope's (the forward kernel's s must be the backward's). */
export function fastTanh(x: number): number {
  const a = Math.abs(x);
  let t: number;
  if (a < SMALL) {
    const m = fastExpm1(-2 * a);
    t = (0 - m) / (2 + m);
  } else {
    const e = fastExp(-2 * a);
    t = (1 - e) * (1 / (1 + e));
  }
  return x < 0 ? -t : t;
}

export function fastSech2(x: number): number {
  const e = fastExp(-2 * Math.abs(x));
  const d = 1 + e;
  return (4 * e) / (d * d);
}

/** tanh(x), returned, and sech²(x), written to slope[j]: one exp (or one polynomial) and one division. */
export function tanhWithSlope(x: number, slope: Float64Array, j: number): number {
  const a = Math.abs(x);
  let t: number;
  if (a < SMALL) {
    const m = fastExpm1(-2 * a);
    t = (0 - m) / (2 + m);
    slope[j] = 1 - t * t;
  } else {
    const e = fastExp(-2 * a);
    const inv = 1 / (1 + e);
    t = (1 - e) * inv;
    slope[j] = 4 * e * inv * inv;
  }
  return x < 0 ? -t : t;
}
