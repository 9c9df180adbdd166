/** sigmoidCrossEntropyWithGrad: loss and d(loss)/d(logits) from one kernel call, no autodiff tape. */
import * as tf from '@tensorflow/tfjs-core';
import {SigmoidCrossEntropyWithLogits} from '../kernels/sigmoid_cross_entropy/contract.js';
import {sigmoidCompositeGrads, sigmoidCompositeLoss} from './sigmoid_composite.js';
import {prepareSigmoid} from './sigmoid_cross_entropy.js';
import {SigmoidCrossEntropyOptions} from './sigmoid_options.js';
import type {LossAndGrad} from './softmax_cross_entropy_with_grad.js';

/**
 * The sigmoid cross-entropy and its gradient with respect to the logits in one fused kernel call: each
 * logit and label is read once and the gradient written once. The arguments are those of
 * sigmoidCrossEntropy; `grad` has the logits' shape (for reduction 'none', the gradient of the summed
 * losses).
 */
export function sigmoidCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options: SigmoidCrossEntropyOptions & {reduction: 'none'}): LossAndGrad<tf.Tensor>;
export function sigmoidCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options?: SigmoidCrossEntropyOptions & {reduction?: 'sum' | 'mean'}): LossAndGrad<tf.Scalar>;
export function sigmoidCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options?: SigmoidCrossEntropyOptions): LossAndGrad;
export function sigmoidCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options: SigmoidCrossEntropyOptions = {}): LossAndGrad {
  return tf.tidy(() => {
    const p = prepareSigmoid('sigmoidCrossEntropyWithGrad', logits, labels, options);
    if (p.fused) {
      const [loss, grad] = tf.engine().runKernel(SigmoidCrossEntropyWithLogits,
          {logits: p.logits, labels: p.labels, posWeight: p.posWeight, classWeights: p.classWeights},
          p.attrs) as tf.Tensor[];
      return {loss, grad};
    }
    const loss = sigmoidCompositeLoss(p.logits, p.labels, p.posWeight, p.classWeights, p.attrs);
    const grad = sigmoidCompositeGrads(p.logits, p.labels, p.posWeight, p.classWeights, tf.onesLike(loss), p.attrs).logits;
    return {loss, grad};
  });
}
