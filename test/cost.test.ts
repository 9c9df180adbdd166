/**
 * The cost contract, checked structurally (kernel lists and tracked bytes, never time): no [N, K]
 * temporaries, no zeros [N, K] dy during backprop, the fused kernels and nothing else on the tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, softmaxCrossEntropy, SoftmaxCrossEntropyWithLogits,
  softmaxCrossEntropyWithGrad} from '../index';

const N = 64;
const K = 1000;
const nk = N * K * 4;  // bytes of one [N, K] float32 buffer
// room for the O(N) outputs (loss, lse, lseLow, denominator, targetMass, their dys) and the O(K) default
// class weights
const small = 16 * N * 4 + 2 * K * 4;

beforeAll(async () => { await tf.setBackend('cpu'); });

describe.each(['mean', 'none'] as const)('reduction %s', (reduction) => {
  const z = tf.randomNormal([N, K], 0, 3, 'float32', 3);
  const y = tf.randomUniformInt([N], 0, K, 3);

  test('tf.valueAndGrad runs the forward and backward kernels once each, and holds no other [N, K] buffer', async () => {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => {
      const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, {reduction}))(z);
      tf.dispose([value, grad]);
    });
    const names = info.kernels.map((k) => k.name).filter((n) => n !== 'Identity');
    expect(names).toEqual([FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad]);
    // tfjs counts the saved logits (an Identity sharing their buffer) as one more [N, K]; nothing else
    expect(info.peakBytes - before).toBeLessThanOrEqual(nk + nk + small);
  });

  test('softmaxCrossEntropyWithGrad runs one kernel and allocates only the gradient', async () => {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => tf.dispose(softmaxCrossEntropyWithGrad(z, y, {reduction})));
    expect(info.kernels.map((k) => k.name)).toEqual([SoftmaxCrossEntropyWithLogits]);
    expect(info.peakBytes - before).toBeLessThanOrEqual(nk + small);
  });
});
