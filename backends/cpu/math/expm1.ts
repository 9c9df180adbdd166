/**
 * expm1 for the cpu kernels' hot loops: focal loss's q = 1 − p = −expm1(s − lse), which must keep its
 * relative accuracy where p ≈ 1 (q tiny: the confident entries focal loss is about), and the softcap's
 * tanh (tanh.ts). V8's Math.expm1 is a call into C (~9 ns, as Math.exp); this one inlines and is
 * float64-accurate: |fastExpm1(x) / expm1(x) − 1| < 3e-15 (test/softmax_family_cpu.test.ts sweeps it).
 *
 *   |x| < ln 2 / 2:  the Taylor polynomial x + x²/2! + … + x^13/13!; the first term left out,
 *                    x^14/14!, is below 1.2e-17 of the result, and no step cancels (each term is at most
 *                    |x|/n of the one before, and x itself is added last, exactly)
 *   elsewhere:       fastExp(x) − 1, where |e^x − 1| ≥ 0.29 so exp's 1e-15 grows at most 2.5-fold
 * −∞ gives −1 (fastExp's clamp gives 0), +∞ gives +∞, NaN fails the first compare and propagates.
 */
import {fastExp} from './exp.js';

const HALF_LN2 = 0.34657359027997264;

// 1/n!, n = 2 … 13
const C2 = 1 / 2, C3 = 1 / 6, C4 = 1 / 24, C5 = 1 / 120, C6 = 1 / 720, C7 = 1 / 5040, C8 = 1 / 40320;
const C9 = 1 / 362880, C10 = 1 / 3628800, C11 = 1 / 39916800, C12 = 1 / 479001600, C13 = 1 / 6227020800;

export function fastExpm1(x: number): number {
  if (x > -HALF_LN2 && x < HALF_LN2) {
    // x + x²·(C2 + C3·x + … + C13·x^11) by Estrin's scheme: pairs, then powers x², x⁴, x⁸, so the
    // dependency chain is 6 products deep, not Horner's 13 (which ran at a third of the speed here)
    const x2 = x * x;
    const x4 = x2 * x2;
    const q0 = (C2 + C3 * x) + (C4 + C5 * x) * x2;
    const q1 = (C6 + C7 * x) + (C8 + C9 * x) * x2;
    const q2 = (C10 + C11 * x) + (C12 + C13 * x) * x2;
    return x + x2 * (q0 + x4 * (q1 + x4 * q2));
  }
  return fastExp(x) - 1;
}

/**
 * −expm1(x) = 1 − e^x for a caller that already has ex = fastExp(x) (focal loss's p and q = 1 − p
 * from one exp): 1 − ex where that does not cancel, the polynomial where it would. The same value as
 * −fastExpm1(x), one exp cheaper.
 */
export function oneMinusExp(x: number, ex: number): number {
  return x > -HALF_LN2 && x < HALF_LN2 ? -fastExpm1(x) : 1 - ex;
}
