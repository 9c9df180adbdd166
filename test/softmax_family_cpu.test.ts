/**
 * The cpu kernels of the softmax family's additions (focal, smoothing over the others, softcap; KL,
 * distillation and entropy) on what the parity tables do not reach: the inlined float64 math they use,
 * the defaults' bits against the kernels from before the additions, the float64 backward's own B and
 * ΣP (the saved float32 values left unread), one-hot-like entropy, teacher logits near 1e4, K = 1 and
 * N = 0 exactly, the NaN rules, and every gradient through tf.grad (the registered gradients) against
 * central differences of the float64 references' losses.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../index';
import {fastExpm1, oneMinusExp} from '../backends/cpu/math/expm1';
import {fastSech2, fastTanh, tanhWithSlope} from '../backends/cpu/math/tanh';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, SoftmaxCrossEntropyAttrs,
  SoftmaxCrossEntropyWithLogits} from '../kernels/softmax_cross_entropy/contract';
import {DivergenceKind, FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, SoftmaxDivergenceAttrs,
  SoftmaxDivergenceWithLogits} from '../kernels/softmax_divergence/contract';
import {divergenceReference} from './divergence_reference';
import {reference, RefOptions} from './reference';
import {randn, rng} from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CE_DEFAULTS: SoftmaxCrossEntropyAttrs = {reduction: 'mean', labelSmoothing: 0, ignoreIndex: -100,
  temperature: 1, zLoss: 0, classWeighted: false, focalGamma: 0, labelSmoothingOver: 'all', softcap: 0};

/** The defaults with some attrs changed. */
const ce = (extra: Partial<SoftmaxCrossEntropyAttrs>) => ({...CE_DEFAULTS, ...extra}) as SoftmaxCrossEntropyAttrs;

/** The reference's options for these kernel attrs (and weights). */
function refOptions(a: SoftmaxCrossEntropyAttrs, w?: ArrayLike<number>): RefOptions {
  return {reduction: a.reduction, labelSmoothing: a.labelSmoothing, ignoreIndex: a.ignoreIndex,
    temperature: a.temperature, zLoss: a.zLoss, focalGamma: a.focalGamma, labelSmoothingOver: a.labelSmoothingOver,
    softcap: a.softcap, classWeights: w === undefined ? undefined : Array.from(w)};
}

/** |got − want| ≤ rel·|want| + abs, entry by entry (NaN and ±∞ must match exactly). */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs = 0): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (!Number.isFinite(w)) {
      expect(`${i}: ${g}`).toBe(`${i}: ${w}`);
    } else if (!(Math.abs(g - w) <= rel * Math.abs(w) + abs)) {
      throw new Error(`entry ${i}: got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > ${rel * Math.abs(w) + abs})`);
    }
  }
}

const maxAbs = (v: ArrayLike<number>) =>
  Array.from(v).reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 0);

/** Central differences of a float64 loss f over every entry of x (a step relative to the entry). */
function centralDifferences(x: ArrayLike<number>, f: (x: number[]) => number): number[] {
  const base = Array.from(x);
  return base.map((v, j) => {
    const h = 1e-6 * Math.max(1, Math.abs(v));
    const up = base.slice();
    const down = base.slice();
    up[j] = v + h;
    down[j] = v - h;
    return (f(up) - f(down)) / (2 * h);
  });
}

const total = (v: number[]) => v.reduce((a, b) => a + b, 0);

describe('float64 math (backends/cpu/math)', () => {
  test('expm1, tanh and sech² within 3e-15 relative on dense sweeps', () => {
    let worst = [0, 0, 0, 0];
    const slope = new Float64Array(1);
    const steps = 150_000;
    for (let i = 0; i <= steps; i++) {
      for (const x of [-40 + (80 * i) / steps, -1 + (2 * i) / steps, 1e-6 * ((2 * i) / steps - 1)]) {
        if (x === 0) continue;
        const c = Math.cosh(x);
        const t = tanhWithSlope(x, slope, 0);
        worst = [Math.max(worst[0], Math.abs(fastExpm1(x) / Math.expm1(x) - 1)),
          Math.max(worst[1], Math.abs(fastTanh(x) / Math.tanh(x) - 1), Math.abs(t / Math.tanh(x) - 1)),
          Math.max(worst[2], Math.abs(fastSech2(x) * c * c - 1), Math.abs(slope[0] * c * c - 1)),
          Math.max(worst[3], Math.abs(oneMinusExp(x, Math.exp(x)) / -Math.expm1(x) - 1))];
      }
    }
    worst.forEach((w) => expect(w).toBeLessThan(3e-15));
  });

  test('limits, zeros and NaN', () => {
    expect(fastExpm1(-Infinity)).toBe(-1);
    expect(fastExpm1(Infinity)).toBe(Infinity);
    expect(fastExpm1(0)).toBe(0);
    expect(fastExpm1(NaN)).toBeNaN();
    expect(fastExpm1(-1e-300)).toBe(-1e-300);  // relative accuracy down to the smallest arguments
    expect([fastTanh(Infinity), fastTanh(-Infinity), fastTanh(0)]).toEqual([1, -1, 0]);
    expect(fastTanh(NaN)).toBeNaN();
    expect([fastSech2(0), fastSech2(Infinity), fastSech2(-Infinity)]).toEqual([1, 0, 0]);
    expect(fastSech2(20)).toBeGreaterThan(0);  // 4e^-40, not 1 − tanh² = 0
    const slope = new Float64Array(1);
    expect(tanhWithSlope(3, slope, 0)).toBe(fastTanh(3));  // the forward's s is the backward's
    expect(tanhWithSlope(0.1, slope, 0)).toBe(fastTanh(0.1));
  });
});

describe('cross-entropy', () => {
  const N = 5;
  const K = 37;
  /** The defaults' inputs: a −∞ logit, an ignored row, zero weights. */
  function defaultsInput(next: () => number) {
    const z = randn(next, N * K, 3);
    z[7] = -Infinity;
    const ids = Int32Array.from({length: N}, () => Math.floor(next() * K));
    ids[3] = -100;
    const P = new Float32Array(N * K);
    for (let i = 0; i < N; i++) {
      const u = Array.from({length: K}, next);
      const s = u.reduce((a, b) => a + b, 0);
      u.forEach((v, c) => { P[i * K + c] = v / s; });
    }
    const w = Float32Array.from({length: K}, (_, c) => [0.5, 2, 0, 1.25][c % 4]);
    return {z, ids, P, w};
  }

  test('γ = 0, no cap and \'others\' with ε = 0: the bits of the kernels before these attrs', () => {
    // FNV-1a of every output's bits (forward's five, backward's, loss-and-grad's two) over these
    // configurations, recorded from the cpu kernels at commit 584db5d (before focal, 'others', softcap)
    const configs: Array<{ids: boolean, attrs: Partial<SoftmaxCrossEntropyAttrs>}> = [
      {ids: true, attrs: {reduction: 'mean'}},
      {ids: true, attrs: {reduction: 'none', labelSmoothing: 0.1, classWeighted: true, temperature: 1.7, zLoss: 1e-3}},
      {ids: false, attrs: {reduction: 'sum', labelSmoothing: 0.2, classWeighted: true}},
      {ids: false, attrs: {reduction: 'none', temperature: 0.6, zLoss: 0.01}},
      {ids: true, attrs: {reduction: 'sum', labelSmoothingOver: 'others'}},
    ];
    const d = defaultsInput(rng(2024));
    let h = 2166136261;
    const fnv = (values: ArrayLike<number>) => {
      for (const b of new Uint32Array(Float32Array.from(values).buffer)) h = Math.imul(h ^ b, 16777619) >>> 0;
    };
    for (const cfg of configs) {
      const attrs = ce(cfg.attrs);
      const logits = tf.tensor2d(d.z, [N, K]);
      const labels = cfg.ids ? tf.tensor1d(d.ids, 'int32') : tf.tensor2d(d.P, [N, K]);
      const classWeights = tf.tensor1d(attrs.classWeighted ? d.w : new Float32Array(K).fill(1));
      const fw = tf.engine().runKernel(FusedSoftmaxCrossEntropy, {logits, labels, classWeights}, attrs) as tf.Tensor[];
      const dy = attrs.reduction === 'none' ? tf.fill([N], 1.5) : tf.scalar(1.5);
      const g = tf.engine().runKernel(FusedSoftmaxCrossEntropyGrad, {logits, labels, classWeights, lse: fw[1],
        lseLow: fw[2], denominator: fw[3], targetMass: fw[4], dy}, attrs) as tf.Tensor;
      const lg = tf.engine().runKernel(SoftmaxCrossEntropyWithLogits, {logits, labels, classWeights},
          attrs) as tf.Tensor[];
      for (const t of [...fw, g, ...lg]) fnv(t.dataSync());
      tf.dispose([logits, labels, classWeights, dy, g, ...fw, ...lg]);
    }
    expect(h.toString(16)).toBe('b118f04e');
  });

  // confident rows (1 − p_y down to 1e-13, below float32's ulp of 1), one class-id row smoothed
  const confident = (() => {
    const next = rng(5);
    const z = randn(next, 4 * 9, 1);
    const ids = [2, 0, 8, 5];
    ids.forEach((y, i) => { z[i * 9 + y] += [8, 16, 30, 4][i]; });
    return {z, ids};
  })();

  /** B = Σ_c b_c per row in float64, b_c = a_c·q_c^γ·(1 − γ·p_c·log p_c / q_c) (class ids, unit weights). */
  function focalMass(z: ArrayLike<number>, k: number, ids: number[], a: SoftmaxCrossEntropyAttrs): number[] {
    return ids.map((y, i) => {
      const s = Array.from({length: k}, (_, c) => z[i * k + c] / a.temperature);
      const m = Math.max(...s);
      const lse = m + Math.log(s.reduce((acc, v) => acc + Math.exp(v - m), 0));
      const eps = a.labelSmoothing;
      return s.reduce((B, sc, c) => {
        const ac = a.labelSmoothingOver === 'others' ? (c === y ? 1 - eps : eps / (k - 1))
            : (c === y ? 1 - eps : 0) + eps / k;
        const lp = sc - lse;
        const q = -Math.expm1(lp);
        return B + ac * q ** a.focalGamma * (1 - a.focalGamma * (q === 0 ? 0 : (Math.exp(lp) * lp) / q));
      }, 0);
    });
  }

  test.each([
    ['ids, focal 2', {focalGamma: 2}],
    ['ids, focal 0.5, smoothing 0.1 (b parked), temperature 1.3', {focalGamma: 0.5, labelSmoothing: 0.1, temperature: 1.3}],
    ['ids, focal 2, others 0.2, zLoss', {focalGamma: 2, labelSmoothing: 0.2, labelSmoothingOver: 'others', zLoss: 1e-3}],
  ] as Array<[string, Partial<SoftmaxCrossEntropyAttrs>]>)(
      '%s: the backward re-sums B in float64 and leaves targetMass unread', (_, extra) => {
        const attrs = ce({reduction: 'none', ...extra});
        const logits = tf.tensor2d(confident.z, [4, 9]);
        const labels = tf.tensor1d(confident.ids, 'int32');
        const classWeights = tf.ones([9]);
        const fw = tf.engine().runKernel(FusedSoftmaxCrossEntropy, {logits, labels, classWeights}, attrs) as tf.Tensor[];
        const dy = tf.ones([4]);
        const grad = (targetMass: tf.Tensor) => (tf.engine().runKernel(FusedSoftmaxCrossEntropyGrad, {logits, labels,
          classWeights, lse: fw[1], lseLow: fw[2], denominator: fw[3], targetMass, dy}, attrs) as tf.Tensor).dataSync();
        const g = grad(fw[4]);
        const zeros = tf.zeros([4]);
        expect(Array.from(grad(zeros))).toEqual(Array.from(g));
        // ... and the gradient is the float64 one, rounded once, also at the confident target entries
        // that are differences of nearly equal terms (B·p_y − b_y)
        const ref = reference(confident.z, 9, confident.ids, true, refOptions(attrs));
        expectNear(g, ref.grad, 1.2e-7, 1e-15 * maxAbs(ref.grad));
        // the forward's targetMass is B = Σ_c b_c (what float32 backends read)
        expectNear(fw[4].dataSync(), focalMass(confident.z, 9, confident.ids, attrs), 1.2e-7);
        tf.dispose([logits, labels, classWeights, dy, zeros, ...fw]);
      });

  test('softcap: |z| ≫ c gives a zero gradient entry, −∞ stays impossible', () => {
    const z = [1e4, -1e4, 0.5, -Infinity, 2, 1e4, -3, -Infinity];
    const attrs = ce({reduction: 'none', softcap: 30});
    const logits = tf.tensor2d(z, [2, 4]);
    const labels = tf.tensor1d([2, 3], 'int32');  // row 1's target is its −∞ class
    const classWeights = tf.ones([4]);
    const [loss, g] = (tf.engine().runKernel(SoftmaxCrossEntropyWithLogits, {logits, labels, classWeights},
        attrs) as tf.Tensor[]).map((t) => t.dataSync());
    expect(g[0]).toBe(0);  // sech²(1e4/30) underflows: the cap is flat there
    expect(g[1]).toBe(0);
    expect(g[3]).toBe(0);  // an impossible class: p = 0, no gradient
    expect(loss[1]).toBe(Infinity);
    expect(g[4 + 3]).toBe(0);
    expectNear(loss.slice(0, 1), reference(z.slice(0, 4), 4, [2], true, refOptions(attrs)).loss, 1.2e-7);
    tf.dispose([logits, labels, classWeights]);
  });

  test.each([
    ['ids: focal 1.5, softcap 4, others 0.2, weights, temperature 1.4, zLoss, mean', true,
      {focalGamma: 1.5, softcap: 4, labelSmoothing: 0.2, labelSmoothingOver: 'others', temperature: 1.4, zLoss: 0.01,
        classWeighted: true}],
    ['ids: focal 2, smoothing 0.1, ignored row, sum', true,
      {focalGamma: 2, labelSmoothing: 0.1, reduction: 'sum', classWeighted: true}],
    ['probabilities: focal 3, softcap 2.5, smoothing 0.1, weights, zLoss, sum', false,
      {focalGamma: 3, softcap: 2.5, labelSmoothing: 0.1, zLoss: 0.02, reduction: 'sum', classWeighted: true}],
  ] as Array<[string, boolean, Partial<SoftmaxCrossEntropyAttrs>]>)(
      'tf.grad of %s against central differences (logits, weights, probabilities)', (_, sparse, extra) => {
        const attrs = ce(extra);
        const n = 4;
        const k = 6;
        const next = rng(31);
        const z = Array.from(randn(next, n * k, 2));
        const ids = [1, 5, -100, 0];
        const P = Array.from({length: n}, () => {
          const u = Array.from({length: k}, next);
          const s = total(u);
          return u.map((v) => Math.fround(v / s));
        }).flat();
        const w = [1, 2, 0.5, 0.75, 3, 1.5];
        const labelsOf = sparse ? ids : P;
        const refLoss = (zz: number[], ww: number[], yy: number[]) =>
          total(reference(zz, k, yy, sparse, refOptions(attrs, ww)).loss);
        const logits = tf.tensor2d(z, [n, k]);
        const labels = sparse ? tf.tensor1d(ids, 'int32') : tf.tensor2d(P, [n, k]);
        const classWeights = tf.tensor1d(w);
        // (the gradient of 'none' is that of the sum: tf.grads' dy is ones)
        const f = (x: tf.Tensor, y: tf.Tensor, v: tf.Tensor) =>
          (tf.engine().runKernel(FusedSoftmaxCrossEntropy, {logits: x, labels: y, classWeights: v},
              attrs) as tf.Tensor[])[0];
        const [gz, gy, gw] = tf.grads(f)([logits, labels, classWeights]).map((t) => t.dataSync());
        const dz = centralDifferences(z, (zz) => refLoss(zz, w, labelsOf));
        const dw = centralDifferences(w, (ww) => refLoss(z, ww, labelsOf));
        expectNear(gz, dz, 1e-6, 1e-7 * maxAbs(dz));
        expectNear(gw, dw, 1e-6, 1e-7 * maxAbs(dw));
        if (!sparse) {
          const dP = centralDifferences(P, (yy) => refLoss(z, w, yy));
          expectNear(gy, dP, 1e-6, 1e-7 * maxAbs(dP));
        }
        tf.dispose([logits, labels, classWeights]);
      });
});

describe('softmax divergence', () => {
  const attrsOf = (kind: DivergenceKind, o: Partial<SoftmaxDivergenceAttrs> = {}): SoftmaxDivergenceAttrs =>
    ({kind, reduction: 'none', temperature: 1, targetTemperature: 1, scale: 1, ...o}) as SoftmaxDivergenceAttrs;

  /** The three kernels on [n, k] rows: forward's loss, backward's gradient (dy ones), loss-and-grad's pair. */
  function runAll(z: ArrayLike<number>, t: ArrayLike<number>, shape: [number, number], attrs: SoftmaxDivergenceAttrs) {
    const logits = tf.tensor2d(Float32Array.from(z), shape);
    const targets = attrs.kind === 'entropy' ? logits : tf.tensor2d(Float32Array.from(t), shape);
    const fw = tf.engine().runKernel(FusedSoftmaxDivergence, {logits, targets}, attrs) as tf.Tensor[];
    const dy = attrs.reduction === 'none' ? tf.ones([shape[0]]) : tf.scalar(1);
    const g = tf.engine().runKernel(FusedSoftmaxDivergenceGrad, {logits, targets, lse: fw[1], lseLow: fw[2],
      aux: fw[3], auxLow: fw[4], dy}, attrs) as tf.Tensor;
    const lg = tf.engine().runKernel(SoftmaxDivergenceWithLogits, {logits, targets}, attrs) as tf.Tensor[];
    const r = {loss: fw[0].dataSync(), grad: g.dataSync(), lgLoss: lg[0].dataSync(), lgGrad: lg[1].dataSync()};
    tf.dispose([logits, targets, dy, g, ...fw, ...lg]);
    return r;
  }

  test('entropy of one-hot-like rows (H ≈ 1e-24, 1e-11): loss and gradient to float32 rounding', () => {
    const z = [60, 0.5, -1, 2, 0.25, -0.5, 1, 30, 0, 0.75, -2, 1.5];
    const attrs = attrsOf('entropy');
    const ref = divergenceReference(z, z, 6, attrs);
    expect(ref.loss[0]).toBeLessThan(1e-23);
    const r = runAll(z, z, [2, 6], attrs);
    for (const loss of [r.loss, r.lgLoss]) expectNear(loss, ref.loss, 1.2e-7);
    // the max entry's −p·(log p + H) is −V/S, 1e-24-sized: log p_max = −log1p(R) is kept by the saved pair
    for (const grad of [r.grad, r.lgGrad]) expectNear(grad, ref.grad, 2.4e-7, 1e-45);
  });

  test('teacher logits near ±1e4 and a student offset by 1000: KL as for the unshifted rows', () => {
    // multiples of 1/64 stay exact at 1e4 in float32, so the shifted rows are the same distributions
    const next = rng(77);
    const z = Array.from({length: 3 * 50}, () => Math.round(next() * 256 - 128) / 64);
    const t = Array.from({length: 3 * 50}, (_, j) => (j % 3 === 0 ? z[j] : Math.round(next() * 256 - 128) / 64));
    for (const [Tt, T] of [[1, 1], [2, 2], [1.5, 1]]) {
      const attrs = attrsOf('klLogits', {temperature: T, targetTemperature: Tt, scale: T * T});
      const base = runAll(z, t, [3, 50], attrs);
      const shifted = runAll(z.map((v) => v + 1000), t.map((v, j) => v + (j < 50 ? 1e4 : -1e4)), [3, 50], attrs);
      const ref = divergenceReference(z, t, 50, attrs);
      for (const r of [base, shifted]) {
        expectNear(r.loss, ref.loss, 1.2e-7);
        expectNear(r.lgLoss, ref.loss, 1.2e-7);
        expectNear(r.lgGrad, ref.grad, 1.2e-7, 1e-12 * maxAbs(ref.grad));
        // the backward's p and P come from float32 pairs of lse ≈ 1e4: 2^-48 of it, relative
        expectNear(r.grad, ref.grad, 1.2e-7, 1e-10 * maxAbs(ref.grad));
      }
    }
  });

  test.each(['klProbabilities', 'klLogits', 'entropy'] as DivergenceKind[])(
      '%s: K = 1 gives exactly 0 (loss and gradient, +0), N = 0 a mean and sum of exactly 0', (kind) => {
        for (const T of [1, 1.7]) {
          const targets = kind === 'klProbabilities' ? [1, 1] : [-2, 7];
          const r = runAll([3.25, -1e4], targets, [2, 1], attrsOf(kind, {temperature: T}));
          for (const v of [...r.loss, ...r.lgLoss, ...r.grad, ...r.lgGrad]) expect(Object.is(v, 0)).toBe(true);
          for (const reduction of ['mean', 'sum'] as const) {
            const e = runAll([], [], [0, 4], attrsOf(kind, {reduction, temperature: T}));
            expect([...e.loss, ...e.lgLoss]).toEqual([0, 0]);
          }
        }
      });

  test('non-finite rules: P > 0 at a −∞ logit, a negative P, a +∞ teacher logit', () => {
    // row 0: mass at an impossible class: +∞ loss, gradient 0 there, finite elsewhere; row 1: a
    // negative probability: NaN
    const kl = runAll([-Infinity, 1, 2, 0, 1, 2], [0.25, 0.5, 0.25, -0.1, 0.6, 0.5], [2, 3], attrsOf('klProbabilities'));
    for (const [loss, grad] of [[kl.loss, kl.grad], [kl.lgLoss, kl.lgGrad]]) {
      expect(loss[0]).toBe(Infinity);
      expect(grad[0]).toBe(0);
      expect(Number.isFinite(grad[1]) && Number.isFinite(grad[2])).toBe(true);
      expect(loss[1]).toBeNaN();
      expect(Array.from(grad.slice(3)).every(Number.isNaN)).toBe(true);
    }
    // a teacher's −∞ is a class without mass (0, even at the student's −∞); +∞ is a NaN row
    const t = runAll([-Infinity, 1, 2, 0, 1, 2], [-Infinity, 0, 1, Infinity, 0, 1], [2, 3], attrsOf('klLogits'));
    const ref = divergenceReference([-Infinity, 1, 2], [-Infinity, 0, 1], 3, attrsOf('klLogits'));
    for (const [loss, grad] of [[t.loss, t.grad], [t.lgLoss, t.lgGrad]]) {
      expectNear(loss.slice(0, 1), ref.loss, 1.2e-7);
      expectNear(grad.slice(0, 3), ref.grad, 1.2e-7, 1e-13);  // p = P here: 0 up to the saved pairs' 2^-48
      expect(loss[1]).toBeNaN();
      expect(Array.from(grad.slice(3)).every(Number.isNaN)).toBe(true);
    }
  });

  test.each([
    ['klProbabilities', {temperature: 1.3, scale: 2, reduction: 'mean'}],
    ['klLogits', {temperature: 2, targetTemperature: 3, scale: 4, reduction: 'sum'}],
    ['entropy', {temperature: 0.8, scale: 1 / Math.LN2, reduction: 'none'}],
  ] as Array<[DivergenceKind, Partial<SoftmaxDivergenceAttrs>]>)(
      '%s: tf.grad against central differences (logits, and probability targets)', (kind, o) => {
        const attrs = attrsOf(kind, o);
        const [n, k] = [3, 5];
        const next = rng(13);
        const z = Array.from(randn(next, n * k, 2));
        const t = kind === 'klProbabilities'
          ? Array.from({length: n}, () => {
            const u = Array.from({length: k}, next);
            const s = total(u);
            return u.map((v) => Math.fround(v / s));
          }).flat()
          : Array.from(randn(next, n * k, 2));
        const refLoss = (zz: number[], tt: number[]) => total(divergenceReference(zz, tt, k, attrs).loss);
        const logits = tf.tensor2d(z, [n, k]);
        const targets = tf.tensor2d(t, [n, k]);
        const run = (x: tf.Tensor, y: tf.Tensor) =>
          (tf.engine().runKernel(FusedSoftmaxDivergence, {logits: x, targets: y}, attrs) as tf.Tensor[])[0];
        if (kind === 'entropy') {
          // the op passes the logits as targets: the registered gradient counts them once
          const g = tf.grad((x: tf.Tensor) => run(x, x))(logits).dataSync();
          const dz = centralDifferences(z, (zz) => refLoss(zz, zz));
          expectNear(g, dz, 1e-6, 1e-7 * maxAbs(dz));
        } else {
          const [gz, gt] = tf.grads(run)([logits, targets]).map((x) => x.dataSync());
          const dz = centralDifferences(z, (zz) => refLoss(zz, t));
          expectNear(gz, dz, 1e-6, 1e-7 * maxAbs(dz));
          // probabilities get ∂/∂P; a teacher is a constant (zeros)
          const dt = kind === 'klProbabilities' ? centralDifferences(t, (tt) => refLoss(z, tt)) : t.map(() => 0);
          expectNear(gt, dt, 1e-6, 1e-7 * maxAbs(dt));
        }
        tf.dispose([logits, targets]);
      });
});
