/**
 * With only @tensorflow/tfjs-core and the cpu backend (no stock gradients registered, unlike
 * @tensorflow/tfjs), tf.grad still works through the op: the package registers its own gradient and
 * the op puts no stock kernel on the tape (no reshape, no reduction ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {softmaxCrossEntropy} from '../index';
import {materialize} from './cases';
import {reference} from './reference';

beforeAll(async () => { await tf.setBackend('cpu'); });

test('no stock gradient is registered in this suite', () => {
  expect(tf.getGradient('Reshape')).toBeUndefined();
  expect(tf.getGradient('Sum')).toBeUndefined();
});

test.each(['none', 'sum', 'mean'] as const)('tf.grad through rank-3 logits, reduction %s', (reduction) => {
  const shape = [2, 3, 5];
  const {logits, labels, K} = materialize({name: 'core only', shape, labels: 'ids'});
  const ref = reference(logits, K, labels, true, {reduction});
  const z = tf.tensor(logits, shape);
  const y = tf.tensor(labels, [2, 3], 'int32');
  const g = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, y, {reduction}))(z);
  const got = g.dataSync();
  ref.grad.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6));
  tf.dispose([z, y, g]);
});
