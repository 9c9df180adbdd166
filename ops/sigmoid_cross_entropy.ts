/** sigmoidCrossEntropy: logits in, loss out, differentiable through the fused backward kernel. */
import * as tf from '@tensorflow/tfjs-core';
import {FusedSigmoidCrossEntropy, SIGMOID_KERNEL_NAMES, SigmoidCrossEntropyAttrs}
  from '../kernels/sigmoid_cross_entropy/contract.js';
import {hasFusedKernels, validateUnitLabels} from './run.js';
import {sigmoidCompositeGrads, sigmoidCompositeLoss} from './sigmoid_composite.js';
import {checkSigmoidInputs, columnWeights, SigmoidCrossEntropyOptions, toSigmoidAttrs} from './sigmoid_options.js';

/** What both public ops do first: check everything, then make the kernel inputs (inside a tidy). */
export function prepareSigmoid(op: string, logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options: SigmoidCrossEntropyOptions) {
  const inputs = checkSigmoidInputs(op, logits, labels);
  const attrs = toSigmoidAttrs(op, options);
  const posWeight = columnWeights(op, 'posWeight', options.posWeight, inputs.columns);
  const classWeights = columnWeights(op, 'classWeights', options.classWeights, inputs.columns);
  if (options.validateLabels) validateUnitLabels(op, inputs.labels);
  return {logits: inputs.logits, labels: inputs.labels, posWeight, classWeights, attrs,
    fused: hasFusedKernels(SIGMOID_KERNEL_NAMES)};
}

/**
 * Sigmoid (binary, multi-label) cross-entropy of `logits` against `labels`: every entry is its own
 * two-class problem, loss −P·y·log σ(x) − (1 − y)·log(1 − σ(x)), with optional label smoothing,
 * positive and column weights and a focal term, reduced as `options.reduction` says.
 *
 * @param logits float32 of any shape; columns (for posWeight and classWeights) are its last axis.
 * @param labels the logits' shape: float32 in [0, 1] (soft labels allowed), or int32 / bool 0/1.
 * @param options reduction (default 'mean': over every entry), labelSmoothing, posWeight,
 *     classWeights, focalGamma, focalAlpha, validateLabels.
 * @returns a scalar (typed tf.Scalar), or for reduction 'none' one loss per entry (logits' shape).
 *
 * Works with tf.grad, tf.valueAndGrad, tf.variableGrads and optimizer.minimize: the gradient with
 * respect to the logits is one run of the fused backward kernel; labels, posWeight and classWeights
 * tensors are differentiable too.
 */
export function sigmoidCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options: SigmoidCrossEntropyOptions & {reduction: 'none'}): tf.Tensor;
export function sigmoidCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options?: SigmoidCrossEntropyOptions & {reduction?: 'sum' | 'mean'}): tf.Scalar;
export function sigmoidCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options?: SigmoidCrossEntropyOptions): tf.Tensor;
export function sigmoidCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: tf.Tensor | tf.TensorLike,
    options: SigmoidCrossEntropyOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const p = prepareSigmoid('sigmoidCrossEntropy', logits, labels, options);
    if (!p.fused) return composite(p.logits, p.labels, p.posWeight, p.classWeights, p.attrs);
    const [loss] = tf.engine().runKernel(FusedSigmoidCrossEntropy,
        {logits: p.logits, labels: p.labels, posWeight: p.posWeight, classWeights: p.classWeights},
        p.attrs) as tf.Tensor[];
    return loss;
  });
}

/** The fallback: stock tfjs ops, with the same gradient rules as the kernels (via customGrad). */
function composite(logits: tf.Tensor, labels: tf.Tensor, posWeight: tf.Tensor, classWeights: tf.Tensor,
    attrs: SigmoidCrossEntropyAttrs): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, pw, w, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y, pw, w]);
    return {
      value: sigmoidCompositeLoss(x, y, pw, w, attrs),
      gradFunc: (dy: tf.Tensor, [x, y, pw, w]: tf.Tensor[]) => {
        const g = sigmoidCompositeGrads(x, y, pw, w, dy, attrs);
        return [g.logits, g.labels, g.posWeight, g.classWeights];
      },
    };
  });
  return (f as (...t: tf.Tensor[]) => tf.Tensor)(logits, labels, posWeight, classWeights);
}
