/** losses.softmaxCrossEntropy: tf.losses.softmaxCrossEntropy's signature and results, on the fused kernels. */
import * as tf from '@tensorflow/tfjs-core';
import {softmaxCrossEntropy as fused} from './softmax_cross_entropy.js';

/**
 * A drop-in for tf.losses.softmaxCrossEntropy: same arguments, same results, same default reduction
 * (tf.Reduction.SUM_BY_NONZERO_WEIGHTS). Label smoothing spreads ε over the last axis (tfjs uses
 * shape[1], the same for the usual [N, K] logits).
 *
 * @param onehotLabels probabilities (usually one-hot) of logits' shape.
 * @param logits float32 [..., K].
 * @param weights optional weights that broadcast against the per-row losses.
 * @param labelSmoothing ε in [0, 1]. Default 0.
 * @param reduction a tf.Reduction. Default SUM_BY_NONZERO_WEIGHTS.
 */
export function softmaxCrossEntropy<T extends tf.Tensor, O extends tf.Tensor>(
    onehotLabels: T | tf.TensorLike, logits: T | tf.TensorLike, weights?: tf.Tensor | tf.TensorLike,
    labelSmoothing = 0, reduction: tf.Reduction = tf.Reduction.SUM_BY_NONZERO_WEIGHTS): O {
  return tf.tidy(() => {
    const z = logits instanceof tf.Tensor ? logits : tf.tensor(logits, undefined, 'float32');
    let labels = onehotLabels instanceof tf.Tensor ? onehotLabels : tf.tensor(onehotLabels, undefined, 'float32');
    tf.util.assertShapesMatch(labels.shape, z.shape, 'Error in softmaxCrossEntropy: ');
    if (labels.dtype !== 'float32') labels = tf.cast(labels, 'float32');
    if (weights == null && reduction !== tf.Reduction.NONE) {
      // Without weights SUM_BY_NONZERO_WEIGHTS and MEAN both divide by N, the fused 'mean' for probabilities.
      return fused(z, labels, {labelSmoothing, reduction: reduction === tf.Reduction.SUM ? 'sum' : 'mean'}) as O;
    }
    const perRow = fused(z, labels, {labelSmoothing, reduction: 'none'});
    return tf.losses.computeWeightedLoss(perRow, weights ?? undefined, reduction) as O;
  });
}
