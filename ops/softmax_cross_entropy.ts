/** softmaxCrossEntropy: logits in, loss out, differentiable through the fused backward kernel. */
import * as tf from '@tensorflow/tfjs-core';
import {FusedSoftmaxCrossEntropy, SoftmaxCrossEntropyAttrs} from '../kernels/softmax_cross_entropy/contract.js';
import {compositeRows, logitsGradient, probabilitiesGradient, reduce, classWeightsGradient} from './composite.js';
import {checkInputs, LabelsLike} from './inputs.js';
import {classWeightsTensor, SoftmaxCrossEntropyOptions, toAttrs} from './options.js';
import {hasFusedKernels, validateClassIds} from './run.js';

/** What both public ops do first: check everything, then make the kernel inputs (inside a tidy). */
export function prepare(op: string, logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: SoftmaxCrossEntropyOptions) {
  const inputs = checkInputs(op, logits, labels);
  const attrs = toAttrs(op, options, inputs.sparse);
  const K = inputs.logits.shape[inputs.logits.rank - 1];
  const classWeights = classWeightsTensor(op, options.classWeights, K);
  const fused = hasFusedKernels();
  // The fallback reads ids back anyway; the fused kernels throw (cpu, wasm) or write NaN rows (GPUs).
  if (inputs.sparse && (options.validateLabels || !fused)) validateClassIds(inputs.labels, K, attrs.ignoreIndex);
  return {...inputs, classWeights, attrs, fused};
}

/**
 * Softmax cross-entropy of `logits` against `labels`, reduced as `options.reduction` says.
 *
 * @param logits float32 [..., K]: classes on the last axis, any number of leading (row) axes.
 * @param labels int32 class ids of shape logits.shape[:-1], or float32 probabilities of logits.shape.
 * @param options smoothing, class weights, ignoreIndex, temperature, z-loss, reduction (default 'mean').
 * @returns a scalar (typed tf.Scalar: what optimizer.minimize and tf.valueAndGrad take), or for
 *     reduction 'none' one loss per row (shape logits.shape[:-1]).
 *
 * Works with tf.grad, tf.valueAndGrad, tf.variableGrads and optimizer.minimize: the gradient with
 * respect to the logits is one run of the fused backward kernel.
 */
export function softmaxCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: SoftmaxCrossEntropyOptions & {reduction: 'none'}): tf.Tensor;
export function softmaxCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options?: SoftmaxCrossEntropyOptions & {reduction?: 'sum' | 'mean'}): tf.Scalar;
export function softmaxCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options?: SoftmaxCrossEntropyOptions): tf.Tensor;
export function softmaxCrossEntropy(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: SoftmaxCrossEntropyOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const p = prepare('softmaxCrossEntropy', logits, labels, options);
    if (!p.fused) return composite(p.logits, p.labels, p.classWeights, p.attrs);
    const [loss] = tf.engine().runKernel(FusedSoftmaxCrossEntropy,
        {logits: p.logits, labels: p.labels, classWeights: p.classWeights}, p.attrs) as tf.Tensor[];
    return loss;
  });
}

/** The fallback: stock tfjs ops, with the same gradient rules as the kernels (via customGrad). */
function composite(logits: tf.Tensor, labels: tf.Tensor, classWeights: tf.Tensor, attrs: SoftmaxCrossEntropyAttrs) {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [z, y, w, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([z, y, w]);
    return {
      value: reduce(compositeRows(z, y, w, attrs), attrs.reduction),
      gradFunc: (dy: tf.Tensor, [z, y, w]: tf.Tensor[]) => {
        const r = compositeRows(z, y, w, attrs);
        return [
          logitsGradient(r, z, dy, attrs),
          y.dtype === 'int32' ? tf.zeros(y.shape) : probabilitiesGradient(r, w, dy, attrs),
          classWeightsGradient(r, y, dy, attrs),
        ];
      },
    };
  });
  return (f as (...t: tf.Tensor[]) => tf.Tensor)(logits, labels, classWeights);
}
