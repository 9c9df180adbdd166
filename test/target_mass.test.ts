/**
 * The forward kernel's fifth output, targetMass: A_i = Σ_c a_ic per row (0 on ignored rows), which a
 * float32 backend's backward kernel reads instead of summing a row (cpu and wasm re-sum it). Checked
 * at the kernel level (runKernel) against a_ic written from docs/semantics.md's table, on every
 * backend that registers the kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {FusedSoftmaxCrossEntropy, SoftmaxCrossEntropyAttrs} from '../kernels/softmax_cross_entropy/contract';
import {CPU, WASM} from './backends';
import {randn, rng} from './rng';

const SHAPE = [2, 3, 13];  // rank 3 (rows are the leading axes), odd K (SIMD tails)
const K = 13;
const N = 6;
const W = Array.from({length: K}, (_, c) => [0.5, 2, 0, 1.25][c % 4]);  // a zero weight included
const ATTRS: SoftmaxCrossEntropyAttrs = {reduction: 'mean', labelSmoothing: 0.2, ignoreIndex: -100, classWeighted: true, temperature: 1.7,
  zLoss: 1e-2, focalGamma: 0, labelSmoothingOver: 'all', softcap: 0};

/** The forward kernel's outputs for these labels; returns targetMass's shape and values. */
function targetMass(logits: Float32Array, labels: tf.Tensor): {shape: number[], values: Float32Array} {
  const z = tf.tensor(logits, SHAPE);
  const w = tf.tensor1d(W);
  const outs = tf.engine().runKernel(FusedSoftmaxCrossEntropy, {logits: z, labels, classWeights: w},
      ATTRS) as tf.Tensor[];
  expect(outs).toHaveLength(5);  // [loss, lse, lseLow, denominator, targetMass]
  const r = {shape: outs[4].shape, values: outs[4].dataSync() as Float32Array};
  tf.dispose([z, w, ...outs]);
  return r;
}

function expectClose(got: Float32Array, want: number[]) {
  want.forEach((a, i) => expect(Math.abs(got[i] - a)).toBeLessThanOrEqual(1e-6 * Math.abs(a)));
}

describe.each([CPU, WASM])('$name', (b) => {
  beforeAll(() => b.setup());
  const next = rng(7);
  const logits = randn(next, N * K, 3);
  const eps = ATTRS.labelSmoothing;

  test('probabilities: targetMass_i = Σ_c w_c·((1 − ε)·P_ic + ε/K)', () => {
    const P = new Float32Array(N * K);
    for (let i = 0; i < N; i++) {
      const u = Array.from({length: K}, next);
      const s = u.reduce((x, y) => x + y, 0);
      u.forEach((v, c) => { P[i * K + c] = v / s; });
    }
    const want = Array.from({length: N}, (_, i) =>
      W.reduce((sum, w, c) => sum + w * ((1 - eps) * P[i * K + c] + eps / K), 0));
    const y = tf.tensor(P, SHAPE);
    const got = targetMass(logits, y);
    y.dispose();
    expect(got.shape).toEqual(SHAPE.slice(0, -1));
    expectClose(got.values, want);
  });

  test('class ids: targetMass_i = (1 − ε)·w_y + (ε/K)·Σ_c w_c, and 0 on ignored rows', () => {
    const ids = [3, -100, 0, 12, -100, 2];
    const wSum = W.reduce((x, y) => x + y, 0);
    const want = ids.map((y) => (y === -100 ? 0 : (1 - eps) * W[y] + (eps / K) * wSum));
    const y = tf.tensor(ids, SHAPE.slice(0, -1), 'int32');
    const got = targetMass(logits, y);
    y.dispose();
    expectClose(got.values, want);
  });
});
