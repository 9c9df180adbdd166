/**
 * The float64 reference checked against itself: its focal gradient (the b/B formula of the contract)
 * and its softcap factor against central finite differences of its own loss, so a slip in either
 * formula cannot hide behind a kernel that makes the same slip. Also the limits the formulas state:
 * γ = 0 and no cap give plain cross-entropy exactly, 'others' with K = 1 is no smoothing.
 */
import {CASES, materialize} from './cases';
import {reference, RefOptions} from './reference';

/** d(Σ loss)/d(x_j) by central differences, in float64. */
function finiteDifference(f: (x: number[]) => number[], x: number[], h: number): number[] {
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  return x.map((_, j) => {
    const up = [...x];
    const down = [...x];
    up[j] += h;
    down[j] -= h;
    return (sum(f(up)) - sum(f(down))) / (2 * h);
  });
}

function worst(got: number[], want: number[]): number {
  const scale = Math.max(1e-3, ...want.map(Math.abs));
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]) / scale));
}

const OPTIONS: RefOptions[] = [
  {focalGamma: 0.5}, {focalGamma: 1}, {focalGamma: 2}, {focalGamma: 5},
  {focalGamma: 2, labelSmoothing: 0.2, temperature: 1.7, zLoss: 0.05, classWeights: [1, 0.5, 2, 0, 1.5]},
  {focalGamma: 0.5, labelSmoothing: 0.1, labelSmoothingOver: 'others', reduction: 'sum'},
  {labelSmoothing: 0.3, labelSmoothingOver: 'others', classWeights: [1, 0.5, 2, 0, 1.5], reduction: 'none'},
  {softcap: 2}, {softcap: 2, temperature: 0.7, zLoss: 0.1},
  {focalGamma: 2, softcap: 3, labelSmoothing: 0.1, labelSmoothingOver: 'others', temperature: 1.3, zLoss: 0.01},
];

describe('reference gradient = finite differences of the reference loss', () => {
  const base = materialize({name: 'reference fd', shape: [4, 5], labels: 'ids'});
  const probs = materialize({name: 'reference fd probs', shape: [4, 5], labels: 'probs'});
  const z = Array.from(base.logits);
  test.each(OPTIONS)('class ids %j', (o) => {
    const fd = finiteDifference((x) => reference(x, 5, base.labels, true, o).loss, z, 1e-5);
    expect(worst(reference(z, 5, base.labels, true, o).grad, fd)).toBeLessThan(1e-8);
  });
  test.each(OPTIONS.filter((o) => o.labelSmoothingOver !== 'others'))('probabilities %j', (o) => {
    const fd = finiteDifference((x) => reference(x, 5, probs.labels, false, o).loss, Array.from(probs.logits), 1e-5);
    expect(worst(reference(Array.from(probs.logits), 5, probs.labels, false, o).grad, fd)).toBeLessThan(1e-8);
  });
  // q^γ with γ < 1 is not smooth at q = 0; a confident row (q ≈ 1e-4) still is, at a step below q
  test('focal 0.5 at a confident row', () => {
    const x = [9, 0.5, -1, 0.25];
    const o = {focalGamma: 0.5, reduction: 'sum' as const};
    const fd = finiteDifference((v) => reference(v, 4, [0], true, o).loss, x, 1e-7);
    expect(worst(reference(x, 4, [0], true, o).grad, fd)).toBeLessThan(1e-6);
  });
});

describe('reference limits', () => {
  const ids = CASES.filter((c) => c.labels === 'ids' && c.shape[0] !== 0 && c.options?.focalGamma === undefined &&
      c.options?.softcap === undefined && c.options?.labelSmoothingOver === undefined);
  test('focal γ = 0, softcap 0 and smoothing over all are cross-entropy exactly', () => {
    for (const c of ids) {
      const {logits, labels, K} = materialize(c);
      const plain = reference(logits, K, labels, true, c.options);
      const explicit = reference(logits, K, labels, true,
          {...c.options, focalGamma: 0, softcap: 0, labelSmoothingOver: 'all'});
      expect(explicit).toEqual(plain);
    }
  });
  test("'others' with K = 1 is no smoothing; with K = 2 the other class gets all of ε", () => {
    const one = reference([0.3, -2, 5], 1, [0, 0, 0], true, {labelSmoothing: 0.4, labelSmoothingOver: 'others'});
    expect(one.loss).toEqual([0]);
    expect(one.grad).toEqual([0, 0, 0]);
    const two = reference([1, 2], 2, [0], true, {labelSmoothing: 0.25, labelSmoothingOver: 'others'});
    const lse = Math.log(Math.exp(1) + Math.exp(2));
    expect(two.loss[0]).toBeCloseTo(0.75 * (lse - 1) + 0.25 * (lse - 2), 14);
  });
  test('focal: a confident row keeps 1 − p_y below float32 resolution exact', () => {
    // R = e^-30·2: 1 − p_y = R/(1 + R); the loss is q^γ·(−log p_y) = q^γ·log1p(R)
    const R = 2 * Math.exp(-30);
    const r = reference([30, 0, 0], 3, [0], true, {focalGamma: 2, reduction: 'sum'});
    const q = R / (1 + R);
    expect(Math.abs(r.loss[0] / (q * q * Math.log1p(R)) - 1)).toBeLessThan(1e-12);
  });
  test('softcap: −∞ stays impossible, |z| ≫ c has no gradient', () => {
    const r = reference([-Infinity, 1e4, -1e4, 0.5], 4, [1], true, {softcap: 30, reduction: 'sum'});
    expect(r.grad[0]).toBe(0);
    expect(Math.abs(r.grad[1])).toBeLessThan(1e-280);  // sech²(1e4/30) ≈ 4e^-667
    expect(Math.abs(r.grad[2])).toBeLessThan(1e-280);
    const lse = Math.log(Math.exp(30) + Math.exp(-30) + Math.exp(30 * Math.tanh(0.5 / 30)));
    expect(r.loss[0]).toBeCloseTo(lse - 30, 12);
  });
});
