/**
 * The composite fallback on a backend without fused kernels: one console warning per backend, and
 * the same results as the fused cpu kernels (the parity table checks every case; this checks the
 * warning and that the fallback really runs stock kernels, not ours).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {FusedSoftmaxCrossEntropy, softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../index';
import {BACKENDS} from './backends';

const composite = BACKENDS.find((b) => b.name.startsWith('composite'))!;

test('warns once per backend and runs no fused kernel', async () => {
  await composite.setup();
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const z = tf.tensor2d([[1, 2, 3], [0, 0, 1]]);
    const y = tf.tensor1d([2, 0], 'int32');
    const profile = await tf.profile(() => {
      tf.dispose(softmaxCrossEntropy(z, y));
      tf.dispose(softmaxCrossEntropyWithGrad(z, y));
      tf.dispose(tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, y))(z));
    });
    expect(profile.kernels.map((k) => k.name)).not.toContain(FusedSoftmaxCrossEntropy);
    // (tfjs itself may warn too: its "running in Node.js" banner)
    const ours = warn.mock.calls.filter(([m]) => /tfjs-fused-cross-entropy/.test(String(m)));
    expect(ours).toHaveLength(1);
    expect(String(ours[0][0])).toMatch(/no fused kernels for the 'cpu-composite' backend/);
    tf.dispose([z, y]);
  } finally {
    warn.mockRestore();
  }
});
