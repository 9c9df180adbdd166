/**
 * The ops' types, checked by the compiler (ts-jest and `npm run typecheck` fail on a type error): a
 * reduced loss is a tf.Scalar, so it goes straight into optimizer.minimize and tf.valueAndGrad; a
 * reduction 'none' loss is a tf.Tensor, which must not pass for a scalar. The runtime assertions check
 * that the types tell the truth.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad, SigmoidCrossEntropyOptions, softmaxCrossEntropy,
  softmaxCrossEntropyWithGrad, SoftmaxCrossEntropyOptions} from '../index';

beforeAll(async () => { await tf.setBackend('cpu'); });

test('reduced losses are tf.Scalar, reduction none is tf.Tensor, as typed', () => {
  const z = tf.variable(tf.zeros([3, 4]));
  const y = tf.tensor1d([0, 1, 3], 'int32');
  const byDefault: tf.Scalar = softmaxCrossEntropy(z, y);
  const mean: tf.Scalar = softmaxCrossEntropy(z, y, {reduction: 'mean', labelSmoothing: 0.1});
  const sum: tf.Scalar = softmaxCrossEntropyWithGrad(z, y, {reduction: 'sum'}).loss;
  const perRow: tf.Tensor = softmaxCrossEntropy(z, y, {reduction: 'none'});
  // @ts-expect-error: one loss per row is not a scalar
  const notScalar: tf.Scalar = softmaxCrossEntropy(z, y, {reduction: 'none'});
  // @ts-expect-error: nor is its loss-and-grad loss
  const notScalar2: tf.Scalar = softmaxCrossEntropyWithGrad(z, y, {reduction: 'none'}).loss;
  // options typed as the whole interface: the reduction is unknown, so the loss is a tf.Tensor
  const options: SoftmaxCrossEntropyOptions = {reduction: 'sum'};
  const unknown: tf.Tensor = softmaxCrossEntropy(z, y, options);
  // the README's training loop: minimize takes () => tf.Scalar
  const loss = tf.train.sgd(0.1).minimize(() => softmaxCrossEntropy(z, y), true);
  const vg = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y))(z);
  for (const s of [byDefault, mean, sum, unknown, loss as tf.Scalar, vg.value]) expect(s.rank).toBe(0);
  expect(perRow.shape).toEqual([3]);
  expect(notScalar.shape).toEqual([3]);
  expect(notScalar2.shape).toEqual([3]);
  tf.dispose([z, y, byDefault, mean, sum, perRow, notScalar, notScalar2, unknown, loss as tf.Scalar, vg.value, vg.grad]);
});

test('the sigmoid ops follow the same rule: reduced losses are tf.Scalar, reduction none is tf.Tensor', () => {
  const z = tf.variable(tf.zeros([3, 4]));
  const y = tf.ones([3, 4]);
  const byDefault: tf.Scalar = sigmoidCrossEntropy(z, y);
  const sum: tf.Scalar = sigmoidCrossEntropyWithGrad(z, y, {reduction: 'sum', focalGamma: 2}).loss;
  const perEntry: tf.Tensor = sigmoidCrossEntropy(z, y, {reduction: 'none'});
  // @ts-expect-error: one loss per entry is not a scalar
  const notScalar: tf.Scalar = sigmoidCrossEntropyWithGrad(z, y, {reduction: 'none'}).loss;
  const options: SigmoidCrossEntropyOptions = {reduction: 'mean'};
  const unknown: tf.Tensor = sigmoidCrossEntropy(z, y, options);
  const loss = tf.train.sgd(0.1).minimize(() => sigmoidCrossEntropy(z, y, {posWeight: 2}), true);
  for (const s of [byDefault, sum, unknown, loss as tf.Scalar]) expect(s.rank).toBe(0);
  expect(perEntry.shape).toEqual([3, 4]);
  expect(notScalar.shape).toEqual([3, 4]);
  tf.dispose([z, y, byDefault, sum, perEntry, notScalar, unknown, loss as tf.Scalar]);
});
