/** softmaxCrossEntropyWithGrad: loss and d(loss)/d(logits) from one kernel call, no autodiff tape. */
import * as tf from '@tensorflow/tfjs-core';
import {SoftmaxCrossEntropyWithLogits} from '../kernels/softmax_cross_entropy/contract.js';
import {compositeRows, logitsGradient, reduce} from './composite.js';
import {LabelsLike} from './inputs.js';
import {SoftmaxCrossEntropyOptions} from './options.js';
import {prepare} from './softmax_cross_entropy.js';

/**
 * The result of {@link softmaxCrossEntropyWithGrad} (a type alias, so tf.dispose(result) accepts it).
 * `L` is tf.Scalar for a reduced loss and tf.Tensor for reduction 'none'.
 */
export type LossAndGrad<L extends tf.Tensor = tf.Tensor> = {
  /** As softmaxCrossEntropy returns it: a scalar, or one loss per row for reduction 'none'. */
  loss: L;
  /** d(loss)/d(logits), shape logits.shape; for reduction 'none', the gradient of the summed losses. */
  grad: tf.Tensor;
};

/**
 * The loss and its gradient with respect to the logits in one fused kernel call: each logit row is
 * read once and the gradient written once. Use it in a hand-written training step (apply `grad` to
 * the layer that produced the logits); the arguments are those of softmaxCrossEntropy.
 */
export function softmaxCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: SoftmaxCrossEntropyOptions & {reduction: 'none'}): LossAndGrad<tf.Tensor>;
export function softmaxCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options?: SoftmaxCrossEntropyOptions & {reduction?: 'sum' | 'mean'}): LossAndGrad<tf.Scalar>;
export function softmaxCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options?: SoftmaxCrossEntropyOptions): LossAndGrad;
export function softmaxCrossEntropyWithGrad(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: SoftmaxCrossEntropyOptions = {}): LossAndGrad {
  return tf.tidy(() => {
    const p = prepare('softmaxCrossEntropyWithGrad', logits, labels, options);
    if (p.fused) {
      const [loss, grad] = tf.engine().runKernel(SoftmaxCrossEntropyWithLogits,
          {logits: p.logits, labels: p.labels, classWeights: p.classWeights}, p.attrs) as tf.Tensor[];
      return {loss, grad};
    }
    const r = compositeRows(p.logits, p.labels, p.classWeights, p.attrs);
    const loss = reduce(r, p.attrs.reduction);
    return {loss, grad: logitsGradient(r, p.logits, tf.onesLike(loss), p.attrs)};
  });
}
