/**
 * What every divergence op does (klDivergence, distillationLoss, entropy, and their WithGrad forms):
 * run the fused kernel on the active backend, or the composite of stock ops where it has none.
 */
import * as tf from '@tensorflow/tfjs-core';
import {DIVERGENCE_KERNEL_NAMES, FusedSoftmaxDivergence, SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits}
  from '../kernels/softmax_divergence/contract.js';
import {divergenceLogitsGradient, divergenceRows, divergenceTargetsGradient, reduceDivergence}
  from './divergence_composite.js';
import {hasFusedKernels} from './run.js';
import type {LossAndGrad} from './softmax_cross_entropy_with_grad.js';

/** The loss, differentiable with respect to the logits (and to probability targets). Inside tf.tidy. */
export function divergenceLoss(logits: tf.Tensor, targets: tf.Tensor, attrs: SoftmaxDivergenceAttrs): tf.Tensor {
  if (hasFusedKernels(DIVERGENCE_KERNEL_NAMES)) {
    const [loss] = tf.engine().runKernel(FusedSoftmaxDivergence, {logits, targets}, attrs) as tf.Tensor[];
    return loss;
  }
  // Entropy's targets are the logits themselves: one input, so the tape sees the logits once.
  if (attrs.kind === 'entropy') {
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([z]);
      return {
        value: reduceDivergence(divergenceRows(z, z, attrs), attrs),
        gradFunc: (dy: tf.Tensor, [z]: tf.Tensor[]) => divergenceLogitsGradient(divergenceRows(z, z, attrs), z, dy, attrs),
      };
    });
    return (f as (z: tf.Tensor) => tf.Tensor)(logits);
  }
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([z, t]);
    return {
      value: reduceDivergence(divergenceRows(z, t, attrs), attrs),
      gradFunc: (dy: tf.Tensor, [z, t]: tf.Tensor[]) => {
        const r = divergenceRows(z, t, attrs);
        return [divergenceLogitsGradient(r, z, dy, attrs),
          attrs.kind === 'klLogits' ? tf.zerosLike(t) : divergenceTargetsGradient(r, dy, attrs)];
      },
    };
  });
  return (f as (z: tf.Tensor, t: tf.Tensor) => tf.Tensor)(logits, targets);
}

/** The loss and its gradient with respect to the logits from one kernel call. Inside tf.tidy. */
export function divergenceWithGrad(logits: tf.Tensor, targets: tf.Tensor, attrs: SoftmaxDivergenceAttrs): LossAndGrad {
  if (hasFusedKernels(DIVERGENCE_KERNEL_NAMES)) {
    const [loss, grad] = tf.engine().runKernel(SoftmaxDivergenceWithLogits, {logits, targets}, attrs) as tf.Tensor[];
    return {loss, grad};
  }
  const r = divergenceRows(logits, targets, attrs);
  const loss = reduceDivergence(r, attrs);
  return {loss, grad: divergenceLogitsGradient(r, logits, tf.onesLike(loss), attrs)};
}
