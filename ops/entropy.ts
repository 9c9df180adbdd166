/** entropy and entropyWithGrad: the entropy of softmax(logits / T) per row, on the fused divergence kernels. */
import * as tf from '@tensorflow/tfjs-core';
import {divergenceLoss, divergenceWithGrad} from './divergence.js';
import {divergenceInputs, entropyAttrs, EntropyOptions} from './divergence_options.js';
import type {LossAndGrad} from './softmax_cross_entropy_with_grad.js';

/**
 * The entropy H = −Σ_c p_c·log p_c of p = softmax(logits / T) per row of the last axis (nats, or bits with
 * `base: 2`), reduced as `options.reduction` says (default 'mean' over rows): a confidence penalty
 * (subtract β·entropy from a loss) or a diagnostic. Exact for rows far from 0 and for one-hot-like rows.
 *
 * @param logits float32 [..., K].
 * @returns a scalar, or one value per row for reduction 'none'. Differentiable with tf.grad and friends
 *     (−(1/T)·p·(log p + H), through the fused backward kernel).
 */
export function entropy(logits: tf.Tensor | tf.TensorLike, options: EntropyOptions & {reduction: 'none'}): tf.Tensor;
export function entropy(logits: tf.Tensor | tf.TensorLike, options?: EntropyOptions & {reduction?: 'sum' | 'mean'}):
    tf.Scalar;
export function entropy(logits: tf.Tensor | tf.TensorLike, options?: EntropyOptions): tf.Tensor;
export function entropy(logits: tf.Tensor | tf.TensorLike, options: EntropyOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const op = 'entropy';
    const attrs = entropyAttrs(op, options);
    const x = divergenceInputs(op, logits, 'logits', undefined, null);
    return divergenceLoss(x.logits, x.targets, attrs);
  });
}

/** The entropy and its gradient with respect to the logits from one fused kernel call. */
export function entropyWithGrad(logits: tf.Tensor | tf.TensorLike, options: EntropyOptions & {reduction: 'none'}):
    LossAndGrad<tf.Tensor>;
export function entropyWithGrad(logits: tf.Tensor | tf.TensorLike,
    options?: EntropyOptions & {reduction?: 'sum' | 'mean'}): LossAndGrad<tf.Scalar>;
export function entropyWithGrad(logits: tf.Tensor | tf.TensorLike, options?: EntropyOptions): LossAndGrad;
export function entropyWithGrad(logits: tf.Tensor | tf.TensorLike, options: EntropyOptions = {}): LossAndGrad {
  return tf.tidy(() => {
    const op = 'entropyWithGrad';
    const attrs = entropyAttrs(op, options);
    const x = divergenceInputs(op, logits, 'logits', undefined, null);
    return divergenceWithGrad(x.logits, x.targets, attrs);
  });
}
