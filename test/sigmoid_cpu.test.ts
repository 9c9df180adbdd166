/**
 * The sigmoid cpu kernels, their registered gradient and the composite fallback, on what the parity
 * table does not reach: the hand-derived gradients with respect to the labels, posWeight and
 * classWeights (against central differences of a float64 loss written here, sharing nothing with the
 * code under test), the kernels' float64 accuracy on every loop variant (weights by column, one
 * column, none), ±∞ and NaN entries through the composite, and empty inputs. tfjs-core alone: the
 * composite's gradients are forward computations and need no stock-op gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../backends/cpu/register';
import {registerGradientOnce} from '../backends/register_once';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyGrad, SigmoidCrossEntropyAttrs,
  SigmoidCrossEntropyWithLogits} from '../kernels/sigmoid_cross_entropy/contract';
import {fusedSigmoidCrossEntropyGradConfig} from '../kernels/sigmoid_cross_entropy/gradient';
import {sigmoidCompositeGrads, sigmoidCompositeLoss} from '../ops/sigmoid_composite';

registerGradientOnce(fusedSigmoidCrossEntropyGradConfig, tf.registerGradient);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Reduction = 'none' | 'sum' | 'mean';
interface Options {reduction: Reduction; eps: number; gamma: number; alpha?: number}

/** One entry's loss in float64, straight from the semantics (log σ written with Math's log1p/exp). */
function entryLoss(x: number, y: number, P: number, w: number, o: Options): number {
  const yp = (1 - o.eps) * y + o.eps / 2;
  const sp = (u: number) => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
  const sig = (u: number) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));
  const bce = P * yp * sp(-x) + (1 - yp) * sp(x);
  const at = o.alpha === undefined ? 1 : o.alpha * yp + (1 - o.alpha) * (1 - yp);
  const q = yp * sig(-x) + (1 - yp) * sig(x);
  return w * at * (o.gamma === 0 ? 1 : Math.pow(q, o.gamma)) * bce;
}

/**
 * ∂ℓ/∂x of one entry in float64, the contract's formula written out here:
 * w·α_t·[γ·q^(γ−1)·(1 − 2y')·σ(x)σ(−x)·bce + q^γ·((1 − y')·σ(x) − P·y'·σ(−x))], for finite x.
 */
function entryGrad(x: number, y: number, P: number, w: number, o: Options): number {
  const yp = (1 - o.eps) * y + o.eps / 2;
  const sp = (u: number) => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
  const sig = (u: number) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));
  const bce = P * yp * sp(-x) + (1 - yp) * sp(x);
  const dbce = (1 - yp) * sig(x) - P * yp * sig(-x);
  const at = o.alpha === undefined ? 1 : o.alpha * yp + (1 - o.alpha) * (1 - yp);
  const q = yp * sig(-x) + (1 - yp) * sig(x);
  if (o.gamma === 0) return w * at * dbce;
  const focal = o.gamma * Math.pow(q, o.gamma - 1) * (1 - 2 * yp) * sig(x) * sig(-x) * bce;
  return w * at * (focal + Math.pow(q, o.gamma) * dbce);
}

/** Σ_e dy_e·ℓ_e (dy_e: the entry's upstream gradient), the scalar every gradient here is of. */
function weightedLoss(x: number[], y: number[], P: number[], w: number[], C: number, o: Options, dy: number[]): number {
  const M = x.length;
  let s = 0;
  for (let e = 0; e < M; e++) {
    const d = o.reduction === 'none' ? dy[e] : o.reduction === 'sum' ? dy[0] : dy[0] / M;
    s += d * entryLoss(x[e], y[e], P[e % C], w[e % C], o);
  }
  return s;
}

/** Central differences of f with respect to each entry of v. */
function centralDiff(v: number[], f: (v: number[]) => number, h = 1e-6): number[] {
  return v.map((_, i) => {
    const a = v.slice();
    const b = v.slice();
    a[i] += h;
    b[i] -= h;
    return (f(a) - f(b)) / (2 * h);
  });
}

function attrsOf(o: Options, posWeighted: boolean, classWeighted: boolean): SigmoidCrossEntropyAttrs {
  return {reduction: o.reduction, labelSmoothing: o.eps, focalGamma: o.gamma, focalAlpha: o.alpha ?? -1,
    posWeighted, classWeighted};
}

let seed = 12345;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const f32 = Math.fround;

/** A small [N, C] problem: logits in ±6, hard and soft labels, weights per column. */
function problem(N: number, C: number) {
  const x: number[] = [];
  const y: number[] = [];
  for (let e = 0; e < N * C; e++) {
    x.push(f32((rnd() - 0.5) * 12));
    y.push(e % 3 === 0 ? f32(rnd()) : e % 3 === 1 ? 1 : 0);
  }
  const P = Array.from({length: C}, () => f32(0.25 + 3 * rnd()));
  const w = Array.from({length: C}, () => f32(0.1 + 2 * rnd()));
  return {x, y, P, w};
}

/** |got − want| ≤ rtol·max(|want|, floor) for every entry (NaN only against NaN). */
function expectClose(got: ArrayLike<number>, want: number[], rtol: number, floor = 0) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) {
      expect(got[i]).toBeNaN();
    } else if (!Number.isFinite(want[i])) {
      expect(got[i]).toBe(want[i]);
    } else {
      const err = Math.abs(got[i] - want[i]);
      if (err > rtol * Math.max(Math.abs(want[i]), floor)) {
        throw new Error(`entry ${i}: got ${got[i]}, want ${want[i]} (error ${err})`);
      }
    }
  }
}

const GAMMAS = [0, 0.5, 2];
const VARIANTS: Array<Omit<Options, 'gamma' | 'reduction'> & {pos: boolean}> = [
  {eps: 0, pos: false}, {eps: 0, alpha: 0.25, pos: false}, {eps: 0.1, pos: true}, {eps: 0.2, alpha: 0.6, pos: true},
];

describe.each(GAMMAS)('γ = %p', (gamma) => {
  test.each(['none', 'sum', 'mean'] as Reduction[])(
      'gradients of labels, posWeight, classWeights and logits against central differences (%s)', (reduction) => {
    const N = 3;
    const C = 4;
    for (const v of VARIANTS) {
      const o: Options = {reduction, eps: v.eps, gamma, alpha: v.alpha};
      const {x, y, P: P0, w} = problem(N, C);
      const P = v.pos ? P0 : P0.map(() => 1);
      const dy = reduction === 'none' ? Array.from({length: N * C}, () => f32(0.5 + rnd())) : [f32(1.7)];
      const attrs = attrsOf(o, v.pos, true);
      const loss = (xs = x, ys = y, Ps = P, ws = w) => weightedLoss(xs, ys, Ps, ws, C, o, dy);
      const want = {
        logits: centralDiff(x, (t) => loss(t)), labels: centralDiff(y, (t) => loss(x, t)),
        posWeight: centralDiff(P, (t) => loss(x, y, t)), classWeights: centralDiff(w, (t) => loss(x, y, P, t)),
      };
      tf.tidy(() => {
        const X = tf.tensor(x, [N, C]);
        const Y = tf.tensor(y, [N, C]);
        const PT = tf.tensor1d(P);
        const WT = tf.tensor1d(w);
        const DY = reduction === 'none' ? tf.tensor(dy, [N, C]) : tf.scalar(dy[0]);
        // the registered gradient (logits by the backward kernel, the rest from the composite)
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => (tf.engine().runKernel(
            FusedSigmoidCrossEntropy, {logits: a, labels: b, posWeight: c, classWeights: d}, attrs) as tf.Tensor[])[0];
        const registered = tf.grads(f)([X, Y, PT, WT], DY);
        const composite = sigmoidCompositeGrads(X, Y, PT, WT, DY, attrs);
        const names = ['logits', 'labels', 'posWeight', 'classWeights'] as const;
        names.forEach((name, i) => {
          const scale = Math.max(...want[name].map(Math.abs));
          // float32 results against float64 differences (whose own error is ~1e-9 relative)
          expectClose(registered[i].dataSync(), want[name], name === 'logits' ? 1e-6 : 2e-5, 1e-3 * scale);
          expectClose(composite[name].dataSync(), want[name], 2e-5, 1e-3 * scale);
        });
      });
    }
  });
});

test('the kernels are float64 inside: the loss and gradient within a float32 rounding on every loop variant', () => {
  // weights by column (C > 1, flagged), one column (C = 1, flagged: one weight for all), and unflagged
  for (const [N, C, pos, cls] of [[5, 7, true, true], [5, 7, true, false], [9, 1, true, true], [6, 3, false, false]] as const) {
    for (const gamma of GAMMAS) {
      for (const reduction of ['none', 'sum', 'mean'] as Reduction[]) {
        const o: Options = {reduction, eps: 0.1, gamma, alpha: 0.25};
        const {x, y, P: P0, w: w0} = problem(N, C);
        const P = pos ? P0 : P0.map(() => 1);
        const w = cls ? w0 : w0.map(() => 1);
        const attrs = attrsOf(o, pos, cls);
        const per = x.map((_, e) => entryLoss(x[e], y[e], P[e % C], w[e % C], o));
        const total = per.reduce((a, b) => a + b, 0);
        const wantLoss = reduction === 'none' ? per : [reduction === 'sum' ? total : total / per.length];
        const scale = reduction === 'mean' ? 1 / per.length : 1;
        const wantGrad = x.map((_, e) => scale * entryGrad(x[e], y[e], P[e % C], w[e % C], o));
        // the formula here against central differences of the loss here (their error is ~1e-9)
        const dy = reduction === 'none' ? per.map(() => 1) : [1];
        expectClose(centralDiff(x, (t) => weightedLoss(t, y, P, w, C, o, dy)), wantGrad, 1e-6, 1e-2);
        tf.tidy(() => {
          const inputs = {logits: tf.tensor(x, [N, C]), labels: tf.tensor(y, [N, C]), posWeight: tf.tensor1d(P),
            classWeights: tf.tensor1d(w)};
          const [loss] = tf.engine().runKernel(FusedSigmoidCrossEntropy, inputs, attrs) as tf.Tensor[];
          const [loss2, grad] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, attrs) as tf.Tensor[];
          const dyT = reduction === 'none' ? tf.ones([N, C]) : tf.scalar(1);
          const grad2 = tf.engine().runKernel(FusedSigmoidCrossEntropyGrad, {...inputs, dy: dyT}, attrs) as tf.Tensor;
          expectClose(loss.dataSync(), wantLoss, 1.2e-7);
          expect(Array.from(loss2.dataSync())).toEqual(Array.from(loss.dataSync()));
          expectClose(grad.dataSync(), wantGrad, 1.2e-7);
          expect(Array.from(grad2.dataSync())).toEqual(Array.from(grad.dataSync()));  // the same bits
        });
      }
    }
  }
});

test('±∞ and NaN entries: the limits, and NaN whatever the weights, in the kernels and the composite', () => {
  // [x, y, expected loss with P = 2, w = 1, no focal] — the limits of the contract
  const rows: Array<[number, number, number, number]> = [
    // x, y, loss, dloss/dx (mean over 1 entry = the entry)
    [Infinity, 1, 0, 0],
    [-Infinity, 0, 0, 0],
    [Infinity, 0, Infinity, 1],
    [-Infinity, 1, Infinity, -2],
    [NaN, 1, NaN, NaN],
    [1, NaN, NaN, NaN],
    [1e4, 1, 0, 0],
    [-1e4, 1, 2e4, -2],
  ];
  for (const [x, y, wantLoss, wantGrad] of rows) {
    for (const gamma of GAMMAS) {
      for (const w of [1, 0]) {
        const attrs = attrsOf({reduction: 'none', eps: 0, gamma}, true, true);
        // focal: q = 1 where the loss is +∞ here (y' = 1 at x = −∞, y' = 0 at +∞), so q^γ = 1
        const loss = Number.isNaN(wantLoss) ? NaN : w === 0 ? 0 : wantLoss;
        const grad = Number.isNaN(wantGrad) ? NaN : w === 0 ? 0 : wantGrad;
        tf.tidy(() => {
          const X = tf.tensor([x], [1, 1]);
          const Y = tf.tensor([y], [1, 1]);
          const P = tf.tensor1d([2]);
          const W = tf.tensor1d([w]);
          const inputs = {logits: X, labels: Y, posWeight: P, classWeights: W};
          const [l, g] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, attrs) as tf.Tensor[];
          const g2 = tf.engine().runKernel(FusedSigmoidCrossEntropyGrad, {...inputs, dy: tf.ones([1, 1])}, attrs) as tf.Tensor;
          const [l3] = tf.engine().runKernel(FusedSigmoidCrossEntropy, inputs, attrs) as tf.Tensor[];
          const c = sigmoidCompositeGrads(X, Y, P, W, tf.ones([1, 1]), attrs);
          const cl = sigmoidCompositeLoss(X, Y, P, W, attrs);
          for (const t of [l, l3, cl]) expectClose(t.dataSync(), [loss], 1e-6);
          for (const t of [g, g2, c.logits]) expectClose(t.dataSync(), [grad], 1e-6);
          if (Number.isNaN(loss)) {
            for (const t of [c.labels, c.posWeight, c.classWeights]) expect(t.dataSync()[0]).toBeNaN();
          }
        });
      }
    }
  }
});

test('a zero coefficient is 0 against an infinite softplus, also in the focal term and the weights\' gradients', () => {
  // x = +∞ with y = 1: (1 − y')·sp(x) = 0·∞ is 0; P = 0 at x = −∞, y = 1: P·y'·sp(−x) = 0·∞ is 0
  for (const gamma of GAMMAS) {
    tf.tidy(() => {
      const attrs = attrsOf({reduction: 'sum', eps: 0, gamma, alpha: 0.25}, true, true);
      const X = tf.tensor([Infinity, -Infinity], [1, 2]);
      const Y = tf.tensor([1, 1], [1, 2]);
      const P = tf.tensor1d([1, 0]);
      const W = tf.tensor1d([1, 1]);
      const inputs = {logits: X, labels: Y, posWeight: P, classWeights: W};
      const [l, g] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, attrs) as tf.Tensor[];
      expect(l.dataSync()[0]).toBe(0);
      const plus0 = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0);  // −0 and 0 alike
      expect(plus0(g)).toEqual([0, 0]);
      const c = sigmoidCompositeGrads(X, Y, P, W, tf.scalar(1), attrs);
      expect(sigmoidCompositeLoss(X, Y, P, W, attrs).dataSync()[0]).toBe(0);
      expect(plus0(c.logits)).toEqual([0, 0]);
      expect(plus0(c.classWeights)).toEqual([0, 0]);  // ∂ℓ/∂w = f·bce = 0
    });
  }
});

test('empty inputs: loss 0 (no NaN) for sum and mean, empty gradients, zero weight gradients', () => {
  for (const reduction of ['none', 'sum', 'mean'] as Reduction[]) {
    for (const gamma of GAMMAS) {
      tf.tidy(() => {
        const attrs = attrsOf({reduction, eps: 0.1, gamma, alpha: 0.25}, true, true);
        const X = tf.zeros([0, 3]);
        const Y = tf.zeros([0, 3]);
        const P = tf.ones([3]);
        const W = tf.ones([3]);
        const inputs = {logits: X, labels: Y, posWeight: P, classWeights: W};
        const dy = reduction === 'none' ? tf.zeros([0, 3]) : tf.scalar(1);
        const [l, g] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, attrs) as tf.Tensor[];
        const [l2] = tf.engine().runKernel(FusedSigmoidCrossEntropy, inputs, attrs) as tf.Tensor[];
        const g2 = tf.engine().runKernel(FusedSigmoidCrossEntropyGrad, {...inputs, dy}, attrs) as tf.Tensor;
        const cl = sigmoidCompositeLoss(X, Y, P, W, attrs);
        const c = sigmoidCompositeGrads(X, Y, P, W, dy, attrs);
        for (const t of [l, l2, cl]) {
          expect(t.shape).toEqual(reduction === 'none' ? [0, 3] : []);
          expect(Array.from(t.dataSync())).toEqual(reduction === 'none' ? [] : [0]);
        }
        for (const t of [g, g2, c.logits, c.labels]) expect(t.shape).toEqual([0, 3]);
        expect(Array.from(c.posWeight.dataSync())).toEqual([0, 0, 0]);
        expect(Array.from(c.classWeights.dataSync())).toEqual([0, 0, 0]);
      });
    }
  }
});

test('scalar logits: one column, weights [1]', () => {
  const o: Options = {reduction: 'none', eps: 0.1, gamma: 2, alpha: 0.25};
  const attrs = attrsOf(o, true, true);
  tf.tidy(() => {
    const inputs = {logits: tf.scalar(0.7), labels: tf.scalar(f32(0.3)), posWeight: tf.tensor1d([2]),
      classWeights: tf.tensor1d([3])};
    const want = entryLoss(0.7, f32(0.3), 2, 3, o);
    const [l, g] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, attrs) as tf.Tensor[];
    expect(l.shape).toEqual([]);
    expect(g.shape).toEqual([]);
    expectClose(l.dataSync(), [want], 1.2e-7);
    const cl = sigmoidCompositeLoss(inputs.logits, inputs.labels, inputs.posWeight, inputs.classWeights, attrs);
    expect(cl.shape).toEqual([]);
    expectClose(cl.dataSync(), [want], 1e-6);
    const c = sigmoidCompositeGrads(inputs.logits, inputs.labels, inputs.posWeight, inputs.classWeights, tf.scalar(1), attrs);
    expect(c.logits.shape).toEqual([]);
    expect(c.posWeight.shape).toEqual([1]);
  });
});

test('no tensors leak from the registered gradient or the composite', () => {
  const attrs = attrsOf({reduction: 'mean', eps: 0.1, gamma: 2, alpha: 0.25}, true, true);
  const X = tf.randomNormal([4, 5]);
  const Y = tf.randomUniform([4, 5]);
  const P = tf.ones([5]);
  const W = tf.ones([5]);
  const before = tf.memory().numTensors;
  const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => (tf.engine().runKernel(
      FusedSigmoidCrossEntropy, {logits: a, labels: b, posWeight: c, classWeights: d}, attrs) as tf.Tensor[])[0];
  const {value, grads} = tf.valueAndGrads(f)([X, Y, P, W]);
  const c = sigmoidCompositeGrads(X, Y, P, W, tf.scalar(1), attrs);
  const l = sigmoidCompositeLoss(X, Y, P, W, attrs);
  // value, four gradients, four composite gradients, the composite loss, and the scalar dy
  expect(tf.memory().numTensors - before).toBe(1 + 4 + 4 + 1 + 1);
  tf.dispose([value, ...grads, c.logits, c.labels, c.posWeight, c.classWeights, l]);
  tf.dispose([X, Y, P, W]);
});
