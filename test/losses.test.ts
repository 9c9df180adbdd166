/** losses.softmaxCrossEntropy against tf.losses.softmaxCrossEntropy: values and logits gradients. */
import * as tf from '@tensorflow/tfjs';
import {losses} from '../index';
import {randn, rng} from './rng';
import {expectSameOutcome} from './side_by_side';

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

/**
 * Bad and unusual input, side by side with tfjs: where tf.losses.softmaxCrossEntropy throws, the drop-in
 * throws the same message; where it returns, the drop-in returns the same value (NaN included).
 */
const l2 = () => tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
const z2 = () => tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
const SIDE_BY_SIDE: Array<[string, () => unknown[]]> = [
  ['onehotLabels {}', () => [{}, z2()]],
  ['logits {}', () => [l2(), {}]],
  ['weights {}', () => [l2(), z2(), {}]],
  ['tfjs\'s own test: {} labels with labelSmoothing = Reduction.MEAN', () => [{}, z2(), tf.ones([1, 2]), tf.Reduction.MEAN]],
  ['onehotLabels null', () => [null, z2()]],
  ['onehotLabels undefined', () => [undefined, z2()]],
  ['logits null', () => [l2(), null]],
  ['logits a Float64Array', () => [l2(), new Float64Array(6)]],
  ['onehotLabels a string', () => ['a', z2()]],
  ['logits a string tensor', () => [l2(), tf.tensor(['a', 'b', 'c', 'd', 'e', 'f'], [2, 3])]],
  ['weights a string', () => [l2(), z2(), 'x']],
  ['shapes that differ', () => [tf.zeros([3, 3]), z2()]],
  ['scalar logits', () => [tf.scalar(1), tf.scalar(2)]],
  ['no classes', () => [tf.zeros([2, 0]), tf.zeros([2, 0])]],
  ['weights that do not broadcast', () => [l2(), z2(), tf.ones([3])]],
  ['an unknown reduction', () => [l2(), z2(), undefined, 0, 7]],
  ['a null reduction', () => [l2(), z2(), undefined, 0, null]],
  ['int32 logits', () => [l2(), tf.tensor2d([[1, 2, 3], [0, 1, 0]], undefined, 'int32')]],
  ['bool labels', () => [tf.tensor2d([[0, 0, 1], [1, 0, 0]], undefined, 'bool'), z2()]],
  ['nested arrays', () => [[[0, 0, 1], [1, 0, 0]], [[1, 2, 3], [0, 1, 0]]]],
  ['labelSmoothing 1.5', () => [l2(), z2(), undefined, 1.5]],
  ['labelSmoothing -1', () => [l2(), z2(), undefined, -1]],
  ['labelSmoothing NaN', () => [l2(), z2(), undefined, NaN]],
  ['rank 1', () => [tf.tensor1d([0, 1]), tf.tensor1d([1, 2])]],
  ['an empty batch, SUM', () => [tf.zeros([0, 3]), tf.zeros([0, 3]), undefined, 0, tf.Reduction.SUM]],
  ['an empty batch with a scalar weight, MEAN', () => [tf.zeros([0, 3]), tf.zeros([0, 3]), tf.scalar(2), 0, tf.Reduction.MEAN]],
  ['an empty batch, NONE', () => [tf.zeros([0, 3]), tf.zeros([0, 3]), undefined, 0, tf.Reduction.NONE]],
];

test.each(SIDE_BY_SIDE)('%s: the same error or result as tf.losses.softmaxCrossEntropy', (_, args) => {
  expectSameOutcome(tf.losses.softmaxCrossEntropy, losses.softmaxCrossEntropy, args);
});

// The one place the drop-in does not follow tfjs: an empty batch's mean is 0 on every backend, with a
// gradient (test/empty_batch.test.ts runs every backend). tfjs's depends on the reduction and the backend:
// its MEAN without weights is tf.mean of nothing (0 on cpu), the others divide 0 by 0 (NaN on cpu, 1 on
// webgl, whose division returns 1 when a == b).
test.each([
  ['SUM_BY_NONZERO_WEIGHTS', undefined, tf.Reduction.SUM_BY_NONZERO_WEIGHTS],
  ['MEAN', undefined, tf.Reduction.MEAN],
  ['SUM_BY_NONZERO_WEIGHTS with weights', () => tf.ones([0]), tf.Reduction.SUM_BY_NONZERO_WEIGHTS],
  ['MEAN with weights', () => tf.ones([0]), tf.Reduction.MEAN],
] as const)('an empty batch, %s: exactly 0, with a gradient', (_, weights, reduction) => {
  const labels = tf.zeros([0, 3]);
  const z = tf.zeros([0, 3]);
  const w = weights?.();
  const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => losses.softmaxCrossEntropy(labels, x, w, 0, reduction))(z);
  expect([value.shape, value.dataSync()[0], grad.shape]).toEqual([[], 0, [0, 3]]);
});

test('the drop-in leaks nothing when it throws', () => {
  const labels = tf.zeros([2, 3]);
  const before = tf.memory().numTensors;
  expect(() => losses.softmaxCrossEntropy(labels, {} as tf.Tensor)).toThrow(/logits/);
  expect(() => losses.softmaxCrossEntropy([[0, 1]], [[0, 1]], {} as tf.Tensor)).toThrow(/weights/);
  expect(tf.memory().numTensors).toBe(before);
});
