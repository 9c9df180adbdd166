/** The sigmoid cpu kernels' log1p: its stated error bound on dense sweeps of [0, 1], and its edges. */
import {fastLog1p} from '../backends/cpu/math/log1p';

const rel = (u: number) => {
  const want = Math.log1p(u);
  return want === 0 ? Math.abs(fastLog1p(u)) : Math.abs(fastLog1p(u) / want - 1);
};

test('relative error < 1e-15 on [0, 1], uniformly and log-spaced down to the smallest subnormal', () => {
  let worst = 0;
  const steps = 2_000_000;
  for (let i = 0; i <= steps; i++) worst = Math.max(worst, rel(i / steps));
  // exp(−|x|) for |x| in [0, 745]: the softplus's arguments, where relative accuracy near 0 is the point
  for (let i = 0; i <= steps; i++) worst = Math.max(worst, rel(Math.exp((-745 * i) / steps)));
  // around every table point j/1024 (r ≈ ±2^−11, the polynomial's widest reach, and r ≈ 0)
  for (let j = 0; j <= 1024; j++) {
    for (const d of [-1 / 2048, -1e-7, -1e-12, 0, 1e-12, 1e-7, 1 / 2048 - 1e-12]) {
      const u = j / 1024 + d;
      if (u >= 0 && u <= 1) worst = Math.max(worst, rel(u));
    }
  }
  expect(worst).toBeLessThan(1e-15);
});

test('exact points, tiny arguments, monotonicity across a table boundary, and NaN', () => {
  expect(fastLog1p(0)).toBe(0);
  expect(fastLog1p(1)).toBe(Math.LN2);
  expect(fastLog1p(5e-324)).toBe(5e-324);  // log1p(u) = u below u²/2's reach
  expect(fastLog1p(1e-300)).toBe(1e-300);
  expect(fastLog1p(NaN)).toBeNaN();
  const b = 3 / 2048;  // halfway between the table points 1/1024 and 2/1024
  expect(fastLog1p(b - 1e-15)).toBeLessThan(fastLog1p(b + 1e-15));
  for (let i = 1; i < 1000; i++) {
    const u = i / 1000;
    expect(fastLog1p(u)).toBeGreaterThan(fastLog1p(u - 1e-9));
  }
});
