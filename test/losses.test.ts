/** losses.softmaxCrossEntropy against tf.losses.softmaxCrossEntropy: values and logits gradients. */
import * as tf from '@tensorflow/tfjs';
import {losses} from '../index';
import {randn, rng} from './rng';

beforeAll(async () => { await tf.setBackend('cpu'); });

const N = 12;
const K = 7;
const next = rng(42);
const logits = tf.tensor(randn(next, N * K, 4), [N, K]);
const onehot = tf.oneHot(tf.tensor1d(Array.from({length: N}, () => Math.floor(next() * K)), 'int32'), K).toFloat();
const soft = tf.softmax(tf.tensor(randn(next, N * K), [N, K]));
const weightChoices: Array<[string, () => tf.Tensor | undefined]> = [
  ['no weights', () => undefined],
  ['per-row weights with zeros', () => tf.tensor1d(Array.from({length: N}, (_, i) => (i % 4 === 0 ? 0 : 0.5 + next())))],
  ['scalar weight', () => tf.scalar(2.5)],
];
const reductions = [tf.Reduction.NONE, tf.Reduction.SUM, tf.Reduction.MEAN, tf.Reduction.SUM_BY_NONZERO_WEIGHTS];

function close(a: tf.Tensor, b: tf.Tensor, tol: number) {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  y.forEach((v, i) => expect(Math.abs(x[i] - v)).toBeLessThanOrEqual(tol * scale));
}

describe.each(weightChoices)('%s', (_, makeWeights) => {
  describe.each([['one-hot', onehot], ['soft labels', soft]] as const)('%s', (__, labels) => {
    test.each(reductions.flatMap((r) => [0, 0.1].map((s) => [r, s] as const)))(
        'reduction %s, labelSmoothing %s', (reduction, smoothing) => {
          const w = makeWeights();
          const before = tf.memory().numTensors;
          const ours = losses.softmaxCrossEntropy(labels, logits, w, smoothing, reduction);
          const theirs = tf.losses.softmaxCrossEntropy(labels, logits, w, smoothing, reduction);
          close(ours, theirs, 2e-6);  // tfjs computes in float32: a few ulps of the loss
          const gradOf = (f: typeof losses.softmaxCrossEntropy) =>
            tf.grad((z: tf.Tensor) => tf.sum(f(labels, z, w, smoothing, reduction)))(logits);
          const g1 = gradOf(losses.softmaxCrossEntropy);
          const g2 = gradOf(tf.losses.softmaxCrossEntropy);
          close(g1, g2, 2e-6);
          tf.dispose([ours, theirs, g1, g2]);
          expect(tf.memory().numTensors).toBe(before);
          tf.dispose(w);
        });
  });
});

test('the default reduction is SUM_BY_NONZERO_WEIGHTS, as in tfjs', () => {
  const w = tf.tensor1d(Array.from({length: N}, (_, i) => (i % 3 === 0 ? 0 : 1)));
  close(losses.softmaxCrossEntropy(onehot, logits, w), tf.losses.softmaxCrossEntropy(onehot, logits, w), 2e-6);
});

test('mismatched shapes throw as tfjs does', () => {
  expect(() => losses.softmaxCrossEntropy(tf.zeros([3, 4]), tf.zeros([3, 5]))).toThrow(/softmaxCrossEntropy/);
});
