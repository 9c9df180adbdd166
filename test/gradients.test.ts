/**
 * Gradients: the fused kernels' logits gradient against central finite differences of the float64
 * reference loss (independent of both gradient formulas); gradients with respect to probability
 * labels and class weights; and the tfjs training entry points (variableGrads, optimizer.minimize).
 */
import * as tf from '@tensorflow/tfjs';
import {softmaxCrossEntropy} from '../index';
import {CASES, materialize} from './cases';
import {reference, RefOptions} from './reference';

/** d(reference loss summed over its outputs)/d(x_j), central differences in float64. */
function finiteDifference(f: (x: number[]) => number[], x: number[], h = 1e-5): number[] {
  return x.map((_, j) => {
    const up = [...x];
    const down = [...x];
    up[j] += h;
    down[j] -= h;
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    return (sum(f(up)) - sum(f(down))) / (2 * h);
  });
}

function expectClose(got: ArrayLike<number>, want: number[], tol: number) {
  const scale = Math.max(1e-3, ...want.map(Math.abs));
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= tol * scale)) throw new Error(`[${i}] = ${got[i]}, expected ${w}`);
  });
}

const small = CASES.filter((c) => {
  const size = c.shape.reduce((a, b) => a * b, 1);
  return size > 0 && size <= 64 && (c.scale ?? 3) < 100 && !c.logits;  // finite, smooth points only
});

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('logits gradient matches finite differences of the reference loss', () => {
  test.each(small)('$name', (c) => {
    const {logits, labels, K} = materialize(c);
    const sparse = c.labels === 'ids';
    const fd = finiteDifference((x) => reference(x, K, labels, sparse, c.options).loss, Array.from(logits));
    const z = tf.tensor(logits, c.shape);
    const y = sparse ? tf.tensor(labels, c.shape.slice(0, -1), 'int32') : tf.tensor(labels, c.shape);
    const g = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, y, c.options))(z);
    expectClose(g.dataSync(), fd, 1e-5);
    tf.dispose([z, y, g]);
  });
});

describe('gradients with respect to probability labels and class weights', () => {
  const shape = [5, 4];
  const K = 4;
  const {logits, labels: P} = materialize({name: 'labels grad', shape, labels: 'probs'});
  const {labels: ids} = materialize({name: 'weights grad', shape, labels: 'ids', ids: [[2, -100]]});
  const w = [0.5, 1.5, 1, 2];
  const opts: RefOptions[] = [
    {reduction: 'mean'}, {reduction: 'sum', labelSmoothing: 0.2}, {reduction: 'none', temperature: 1.5, zLoss: 0.1},
    // focal, softcap: the composite's gradients for labels and weights (ops/composite.ts) carry them too
    {reduction: 'mean', focalGamma: 2}, {reduction: 'sum', focalGamma: 0.5, labelSmoothing: 0.1, softcap: 2},
    {reduction: 'none', focalGamma: 5, temperature: 1.5, zLoss: 0.1, softcap: 3},
  ];
  // 'others' applies to class ids only
  const idOpts: RefOptions[] = [...opts, {reduction: 'mean', labelSmoothing: 0.2, labelSmoothingOver: 'others'},
    {reduction: 'sum', labelSmoothing: 0.1, labelSmoothingOver: 'others', focalGamma: 2, softcap: 2}];

  test.each(opts)('probabilities, %j', (o) => {
    const fd = finiteDifference((p) => reference(logits, K, p, false, {...o, classWeights: w}).loss, P);
    const y = tf.tensor(P, shape);
    const g = tf.grad((p: tf.Tensor) => softmaxCrossEntropy(tf.tensor(logits, shape), p, {...o, classWeights: w}))(y);
    expectClose(g.dataSync(), fd, 1e-5);
    tf.dispose([y, g]);
  });

  test.each(idOpts)('class weights with class ids, %j', (o) => {
    const fd = finiteDifference((ww) => reference(logits, K, ids, true, {...o, classWeights: ww}).loss, w);
    const z = tf.tensor(logits, shape);
    const y = tf.tensor(ids, [5], 'int32');
    const g = tf.grad((ww: tf.Tensor) => softmaxCrossEntropy(z, y, {...o, classWeights: ww as tf.Tensor1D}))(tf.tensor1d(w));
    expectClose(g.dataSync(), fd, 1e-5);
    tf.dispose([z, y, g]);
  });

  test.each(opts)('class weights with probabilities, %j', (o) => {
    const fd = finiteDifference((ww) => reference(logits, K, P, false, {...o, classWeights: ww}).loss, w);
    const z = tf.tensor(logits, shape);
    const y = tf.tensor(P, shape);
    const g = tf.grad((ww: tf.Tensor) => softmaxCrossEntropy(z, y, {...o, classWeights: ww as tf.Tensor1D}))(tf.tensor1d(w));
    expectClose(g.dataSync(), fd, 1e-5);
    tf.dispose([z, y, g]);
  });
});

describe('training entry points', () => {
  /** A linear classifier trained a few SGD steps with a given loss; returns the losses and final weights. */
  function train(loss: (logits: tf.Tensor, ids: tf.Tensor) => tf.Scalar, useMinimize: boolean) {
    const {logits: x} = materialize({name: 'features', shape: [32, 6], labels: 'ids'});
    const {labels: y} = materialize({name: 'targets', shape: [32, 5], labels: 'ids'});
    const X = tf.tensor(x, [32, 6]);
    const Y = tf.tensor(y, [32], 'int32');
    // tidy frees the initial values; variables survive it
    const [W, b] = tf.tidy(() => [tf.variable(tf.tensor(Array.from({length: 30}, (_, i) => Math.sin(i) / 4), [6, 5])),
      tf.variable(tf.zeros([5]))]);
    const opt = tf.train.sgd(0.1);
    const losses: number[] = [];
    const f = () => loss(tf.add(tf.matMul(X, W), b), Y);
    for (let step = 0; step < 10; step++) {
      if (useMinimize) {
        const l = opt.minimize(f, true) as tf.Scalar;
        losses.push(l.dataSync()[0]);
        l.dispose();
      } else {
        const {value, grads} = tf.variableGrads(f);
        losses.push(value.dataSync()[0]);
        opt.applyGradients(grads);
        tf.dispose([value, grads]);
      }
    }
    const out = {losses, W: Array.from(W.dataSync())};
    tf.dispose([X, Y, W, b]);
    opt.dispose();
    return out;
  }
  const builtin = (z: tf.Tensor, y: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 5), z) as tf.Scalar;
  const fused = (z: tf.Tensor, y: tf.Tensor) => softmaxCrossEntropy(z, y) as tf.Scalar;

  test.each([true, false])('optimizer.minimize / variableGrads (minimize: %s) trains like the built-in loss', (m) => {
    const before = tf.memory().numTensors;
    const a = train(fused, m);
    const b = train(builtin, m);
    expect(a.losses[9]).toBeLessThan(a.losses[0]);
    expectClose(a.losses, b.losses, 1e-5);
    expectClose(a.W, b.W, 1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
