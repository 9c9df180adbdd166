/** distillationLoss and distillationLossWithGrad: Hinton et al.'s T²·KL(softmax(t/T) ‖ softmax(s/T)). */
import * as tf from '@tensorflow/tfjs-core';
import {divergenceLoss, divergenceWithGrad} from './divergence.js';
import {distillationAttrs, divergenceInputs, DistillationOptions} from './divergence_options.js';
import type {LossAndGrad} from './softmax_cross_entropy_with_grad.js';

/**
 * Knowledge distillation: T²·KL(softmax(teacher / T) ‖ softmax(student / T)) per row (the T² keeps the
 * gradient's scale independent of T), reduced as `options.reduction` says (default 'mean' over rows).
 * The fused kernel reads both rows once, with two max-shifted online log-sum-exps: no teacher softmax
 * tensor, no log of rounded probabilities.
 *
 * @param studentLogits float32 [..., K]: the model being trained.
 * @param teacherLogits float32 [..., K]: a constant (its gradient is zeros, as a frozen teacher's).
 * @returns a scalar, or one value per row for reduction 'none'.
 */
export function distillationLoss(studentLogits: tf.Tensor | tf.TensorLike, teacherLogits: tf.Tensor | tf.TensorLike,
    options: DistillationOptions & {reduction: 'none'}): tf.Tensor;
export function distillationLoss(studentLogits: tf.Tensor | tf.TensorLike, teacherLogits: tf.Tensor | tf.TensorLike,
    options?: DistillationOptions & {reduction?: 'sum' | 'mean'}): tf.Scalar;
export function distillationLoss(studentLogits: tf.Tensor | tf.TensorLike, teacherLogits: tf.Tensor | tf.TensorLike,
    options?: DistillationOptions): tf.Tensor;
export function distillationLoss(studentLogits: tf.Tensor | tf.TensorLike, teacherLogits: tf.Tensor | tf.TensorLike,
    options: DistillationOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const op = 'distillationLoss';
    const attrs = distillationAttrs(op, options);
    const x = divergenceInputs(op, studentLogits, 'studentLogits', teacherLogits, 'teacherLogits');
    return divergenceLoss(x.logits, x.targets, attrs);
  });
}

/**
 * The distillation loss and its gradient with respect to the student's logits, T·(p − P), from one fused
 * kernel call; the arguments are those of {@link distillationLoss}.
 */
export function distillationLossWithGrad(studentLogits: tf.Tensor | tf.TensorLike,
    teacherLogits: tf.Tensor | tf.TensorLike, options: DistillationOptions & {reduction: 'none'}): LossAndGrad<tf.Tensor>;
export function distillationLossWithGrad(studentLogits: tf.Tensor | tf.TensorLike,
    teacherLogits: tf.Tensor | tf.TensorLike, options?: DistillationOptions & {reduction?: 'sum' | 'mean'}):
    LossAndGrad<tf.Scalar>;
export function distillationLossWithGrad(studentLogits: tf.Tensor | tf.TensorLike,
    teacherLogits: tf.Tensor | tf.TensorLike, options?: DistillationOptions): LossAndGrad;
export function distillationLossWithGrad(studentLogits: tf.Tensor | tf.TensorLike,
    teacherLogits: tf.Tensor | tf.TensorLike, options: DistillationOptions = {}): LossAndGrad {
  return tf.tidy(() => {
    const op = 'distillationLossWithGrad';
    const attrs = distillationAttrs(op, options);
    const x = divergenceInputs(op, studentLogits, 'studentLogits', teacherLogits, 'teacherLogits');
    return divergenceWithGrad(x.logits, x.targets, attrs);
  });
}
