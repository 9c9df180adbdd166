/**
 * The computations the sigmoid rows time, value-and-grad only, on one [N, C] problem: tfjs's two
 * built-in losses and ours for sigmoid cross-entropy, and for the focal loss (γ = 2, α = 0.25) the
 * formula in tfjs ops and ours. Every method gets its own copy of the same logits and labels (see
 * sigmoidMethods()).
 */
import * as tf from '@tensorflow/tfjs';
import {sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad} from '../dist/cjs/index.js';
import type {Method, Step} from './methods';

/** RetinaNet's focal loss, torchvision's defaults. */
export const FOCAL = {focalGamma: 2, focalAlpha: 0.25};

export interface SigmoidInputs {
  /** float32 [N, C], normal with σ = 3 */
  logits: tf.Tensor;
  /** float32 [N, C], each entry 0 or 1 with probability 1/2: multi-label targets */
  labels: tf.Tensor;
}

export function sigmoidInputs(N: number, C: number, seed: number): SigmoidInputs {
  return tf.tidy(() => ({logits: tf.randomNormal([N, C], 0, 3, 'float32', seed),
    labels: tf.cast(tf.less(tf.randomUniform([N, C], 0, 1, 'float32', seed + 1), 0.5), 'float32')}));
}

/**
 * torchvision.ops.sigmoid_focal_loss(reduction='mean') in tfjs ops, as a user without a focal loss
 * would write it: p = σ(x); ce = BCE with logits (tf.losses.sigmoidCrossEntropy, no reduction);
 * p_t = p·y + (1 − p)(1 − y); loss = ce·(1 − p_t)^γ; α_t = α·y + (1 − α)(1 − y); mean of α_t·loss.
 */
function focalInTfjsOps(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const {focalGamma: gamma, focalAlpha: alpha} = FOCAL;
  const p = tf.sigmoid(logits);
  const ce = tf.losses.sigmoidCrossEntropy(labels, logits, undefined, 0, tf.Reduction.NONE);
  const pT = tf.add(tf.mul(p, labels), tf.mul(tf.sub(1, p), tf.sub(1, labels)));
  const loss = tf.mul(ce, tf.pow(tf.sub(1, pT), gamma));
  const alphaT = tf.add(tf.mul(alpha, labels), tf.mul(1 - alpha, tf.sub(1, labels)));
  return tf.mean(tf.mul(alphaT, loss));
}

/**
 * The methods of one loss, baseline first. Each reads its own copy of the logits and of the labels: a
 * GPU backend uploads a tensor in the layout of the first program that reads it (packed for tfjs's
 * ops, unpacked for ours), and keeps it so. Returns the methods and the copies to free.
 */
export async function sigmoidMethods(x: SigmoidInputs, loss: 'sigmoid' | 'focal'): Promise<[Method[], tf.Tensor[]]> {
  const [logits, labels] = await Promise.all([x.logits.data(), x.labels.data()]);
  const copies: tf.Tensor[] = [];
  const own = (): [tf.Tensor, tf.Tensor] => {
    copies.push(tf.tensor(logits, x.logits.shape, 'float32'), tf.tensor(labels, x.labels.shape, 'float32'));
    return [copies[copies.length - 2], copies[copies.length - 1]];
  };
  const withGrad = (f: (y: tf.Tensor, z: tf.Tensor) => tf.Tensor): Step => {
    const [z, y] = own();
    const vg = tf.valueAndGrad((t: tf.Tensor) => f(y, t));
    return () => {
      const {value, grad} = vg(z);
      return [value, grad];
    };
  };
  const lossAndGrad = (options: object): Step => {
    const [z, y] = own();
    return () => {
      const {loss: value, grad} = sigmoidCrossEntropyWithGrad(z, y, options);
      return [value, grad];
    };
  };
  const vg = 'value-and-grad' as const;
  if (loss === 'focal') {
    return [[
      {kind: vg, method: 'tfjs ops', label: 'tf.valueAndGrad of torchvision\'s sigmoid_focal_loss in tfjs ops ' +
          '(γ = 2, α = 0.25, mean)', step: withGrad(focalInTfjsOps)},
      {kind: vg, method: 'fused tape', label: 'fused tf.valueAndGrad of sigmoidCrossEntropy (focalGamma 2, focalAlpha 0.25)',
        step: withGrad((y, z) => sigmoidCrossEntropy(z, y, FOCAL))},
      {kind: vg, method: 'fused loss-and-grad', label: 'fused sigmoidCrossEntropyWithGrad (focalGamma 2, focalAlpha 0.25)',
        step: lossAndGrad(FOCAL)},
    ], copies];
  }
  return [[
    {kind: vg, method: 'tf.losses', label: 'tf.valueAndGrad of tf.losses.sigmoidCrossEntropy (sum / entries)',
      step: withGrad((y, z) => tf.losses.sigmoidCrossEntropy(y, z))},
    {kind: vg, method: 'tfjs-layers', label: 'tf.valueAndGrad of tf.mean(tf.metrics.binaryCrossentropy(labels, ' +
        'tf.sigmoid(logits))) (tfjs-layers\' binaryCrossentropy)', step: withGrad((y, z) =>
      tf.mean(tf.metrics.binaryCrossentropy(y, tf.sigmoid(z))))},
    {kind: vg, method: 'fused tape', label: 'fused tf.valueAndGrad of sigmoidCrossEntropy (mean)',
      step: withGrad((y, z) => sigmoidCrossEntropy(z, y))},
    {kind: vg, method: 'fused loss-and-grad', label: 'fused sigmoidCrossEntropyWithGrad (mean)', step: lossAndGrad({})},
  ], copies];
}
