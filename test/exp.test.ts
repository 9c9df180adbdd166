/** The cpu kernels' exp: its stated error bound on a dense sweep, and the values the kernels rely on. */
import {fastExp} from '../backends/cpu/math/exp';

test('relative error < 1e-15 wherever exp(x) is a normal float64', () => {
  let worst = 0;
  const steps = 2_000_000;
  for (let i = 0; i <= steps; i++) {
    const x = -708 + (i * 1417) / steps;  // [−708, 709]: normal results
    worst = Math.max(worst, Math.abs(fastExp(x) / Math.exp(x) - 1));
  }
  // and the range the kernels use most: s − max in [−104, 0], where float32 results are nonzero
  for (let i = 0; i <= steps; i++) {
    const x = -104 * (i / steps);
    worst = Math.max(worst, Math.abs(fastExp(x) / Math.exp(x) - 1));
  }
  expect(worst).toBeLessThan(1e-15);
});

test('underflow, −∞, NaN, overflow and exact points', () => {
  expect(fastExp(0)).toBe(1);
  expect(fastExp(-0)).toBe(1);
  expect(fastExp(-Infinity)).toBe(0);
  expect(fastExp(-746)).toBe(0);
  expect(fastExp(-1e300)).toBe(0);
  expect(fastExp(NaN)).toBeNaN();
  expect(fastExp(710)).toBe(Infinity);
  expect(fastExp(Infinity)).toBe(Infinity);
  // subnormal results: the same relative bound, plus the subnormal spacing (5e-324) they round to
  for (let x = -745; x < -708; x += 0.037) {
    expect(Math.abs(fastExp(x) - Math.exp(x))).toBeLessThanOrEqual(1e-15 * Math.exp(x) + 5e-324);
  }
  // monotone across a table boundary
  const a = fastExp(-Math.LN2 / 4096 - 1e-12);
  const b = fastExp(-Math.LN2 / 4096 + 1e-12);
  expect(a).toBeLessThanOrEqual(b);
});
