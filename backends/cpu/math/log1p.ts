/**
 * log1p for the cpu kernels' hot loops, on u ∈ [0, 1]: the softplus's log1p(exp(−|x|)). V8's
 * Math.log1p is a call into C (~9 ns, as Math.exp); this one inlines and is float64-accurate, like
 * exp.ts: |fastLog1p(u) / log1p(u) − 1| < 1e-15 on [0, 1]
 * (test/log1p.test.ts checks it on a dense sweep). Relative accuracy near u = 0 is the point: a
 * confident, correct entry's loss is log1p(e^−|x|) ≈ e^−|x| itself (2e-9 at |x| = 20), where
 * log(1 + u) would round 1 + u to 1 and give 0.
 *
 *   u = c_j + d,   c_j = j/1024,   j = round(1024·u),   |d| ≤ 1/2048
 *   log1p(u) = log1p(c_j) + log1p(r),   r = d / (1 + c_j),   |r| ≤ 2^−11
 * log1p(c_j) is tabulated (from Math.log1p, within an ulp), 1/(1 + c_j) too, and log1p(r) is its
 * degree-5 Taylor polynomial: the first term left out, r^6/6, is below 5e-18 of the result. d is exact
 * (c_j has 10 fraction bits and lies within a factor 2 of u, or is 0), and for j = 0 so is r = u, so
 * small arguments lose nothing to the reduction. Rounding j to the nearest (not down) halves |r|, one
 * polynomial degree fewer; where r < 0 the sum T_j + p cancels at most half of T_j (j = 1).
 *
 * Outside [0, 1] the table has no entry and the result is NaN; NaN propagates (j = 0, d = NaN).
 */

const N = 1024;
const LOG1P = new Float64Array(N + 1).map((_, j) => Math.log1p(j / N));
const INV = new Float64Array(N + 1).map((_, j) => 1 / (1 + j / N));
const ROUND = 6755399441055744;  // 1.5·2^52: (v + ROUND) − ROUND rounds v to an integer, no Math.round call

/** log(1 + u) for u ∈ [0, 1], within 1e-15 relative. */
export function fastLog1p(u: number): number {
  const jf = (u * N + ROUND) - ROUND;
  const j = jf | 0;
  const r = (u - jf * (1 / N)) * INV[j];
  return LOG1P[j] + r * (1 - r * (1 / 2 - r * (1 / 3 - r * (1 / 4 - r * (1 / 5)))));
}

