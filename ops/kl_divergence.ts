/** klDivergence and klDivergenceWithGrad: KL(P ‖ softmax(logits / T)) on the fused divergence kernels. */
import * as tf from '@tensorflow/tfjs-core';
import {divergenceLoss, divergenceWithGrad} from './divergence.js';
import {divergenceInputs, klAttrs, KLDivergenceOptions} from './divergence_options.js';
import type {LossAndGrad} from './softmax_cross_entropy_with_grad.js';

/**
 * The KL divergence KL(P ‖ p) = Σ_c P_c·(log P_c − log p_c) of p = softmax(logits / T) from a target
 * distribution P, per row of the last axis, reduced as `options.reduction` says (default 'mean' over rows,
 * PyTorch's 'batchmean').
 *
 * @param logits float32 [..., K].
 * @param targets float32 [..., K]: probabilities (default), or a teacher's logits with
 *     `targetFormat: 'logits'` (P = softmax(targets / targetTemperature), in log space, exact for large
 *     logits). 0·log 0 = 0; mass on a class whose logit is −∞ gives +∞.
 * @returns a scalar, or one value per row for reduction 'none'.
 *
 * Differentiable with tf.grad and friends: the logits through the fused backward kernel; probability
 * targets through log P − log p + 1 (stock ops, only when asked); teacher logits are constants (zeros).
 */
export function klDivergence(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options: KLDivergenceOptions & {reduction: 'none'}): tf.Tensor;
export function klDivergence(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options?: KLDivergenceOptions & {reduction?: 'sum' | 'mean'}): tf.Scalar;
export function klDivergence(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options?: KLDivergenceOptions): tf.Tensor;
export function klDivergence(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options: KLDivergenceOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const op = 'klDivergence';
    const attrs = klAttrs(op, options);
    const x = divergenceInputs(op, logits, 'logits', targets, 'targets');
    return divergenceLoss(x.logits, x.targets, attrs);
  });
}

/**
 * The KL divergence and its gradient with respect to the logits, (1/T)·[(Σ P)·p − P], from one fused
 * kernel call; the arguments are those of {@link klDivergence}.
 */
export function klDivergenceWithGrad(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options: KLDivergenceOptions & {reduction: 'none'}): LossAndGrad<tf.Tensor>;
export function klDivergenceWithGrad(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options?: KLDivergenceOptions & {reduction?: 'sum' | 'mean'}): LossAndGrad<tf.Scalar>;
export function klDivergenceWithGrad(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options?: KLDivergenceOptions): LossAndGrad;
export function klDivergenceWithGrad(logits: tf.Tensor | tf.TensorLike, targets: tf.Tensor | tf.TensorLike,
    options: KLDivergenceOptions = {}): LossAndGrad {
  return tf.tidy(() => {
    const op = 'klDivergenceWithGrad';
    const attrs = klAttrs(op, options);
    const x = divergenceInputs(op, logits, 'logits', targets, 'targets');
    return divergenceWithGrad(x.logits, x.targets, attrs);
  });
}
