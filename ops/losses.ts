/**
 * losses.softmaxCrossEntropy and losses.sigmoidCrossEntropy: tf.losses' signatures, results and errors,
 * on the fused kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import {sumOrZero} from './composite.js';
import {toTensor} from './convert.js';
import {sigmoidCrossEntropy as fusedSigmoid} from './sigmoid_cross_entropy.js';
import {softmaxCrossEntropy as fused} from './softmax_cross_entropy.js';

const OP = 'softmaxCrossEntropy';
const SIGMOID_OP = 'sigmoidCrossEntropy';
const REDUCTIONS = [tf.Reduction.NONE, tf.Reduction.MEAN, tf.Reduction.SUM, tf.Reduction.SUM_BY_NONZERO_WEIGHTS];

/**
 * A drop-in for tf.losses.softmaxCrossEntropy: same arguments, same results and gradients, same error
 * messages, same default reduction (tf.Reduction.SUM_BY_NONZERO_WEIGHTS), on the fused kernels.
 * Label smoothing spreads ε over the last axis (tfjs uses shape[1], the same for the usual [N, K] logits).
 *
 * @param onehotLabels probabilities (usually one-hot) of logits' shape.
 * @param logits [..., K], any numeric dtype (read as float32).
 * @param weights optional weights that broadcast against the per-row losses.
 * @param labelSmoothing ε: when ε > 0 the labels become labels·(1 − ε) + ε/K. Default 0.
 * @param reduction a tf.Reduction. Default SUM_BY_NONZERO_WEIGHTS.
 */
export function softmaxCrossEntropy<T extends tf.Tensor, O extends tf.Tensor>(
    onehotLabels: T | tf.TensorLike, logits: T | tf.TensorLike, weights?: tf.Tensor | tf.TensorLike,
    labelSmoothing = 0, reduction: tf.Reduction = tf.Reduction.SUM_BY_NONZERO_WEIGHTS): O {
  return tf.tidy(() => {
    // tfjs's checks, in tfjs's order, with tfjs's messages
    let labels = toTensor(onehotLabels, 'onehotLabels', OP);
    let z = toTensor(logits, 'logits', OP);
    const w = weights == null ? null : toTensor(weights, 'weights', OP);
    tf.util.assertShapesMatch(labels.shape, z.shape, 'Error in softmaxCrossEntropy: ');
    if (!REDUCTIONS.includes(reduction)) throw new Error(`Unknown reduction: ${reduction}`);
    const K = z.rank === 0 ? 0 : z.shape[z.rank - 1];
    // What the fused kernels do not take (scalar logits, no classes) gets tfjs's own result or error.
    if (K === 0) return tf.losses.softmaxCrossEntropy(labels, z, w ?? undefined, labelSmoothing, reduction) as O;
    if (z.dtype !== 'float32') z = tf.cast(z, 'float32');
    if (labels.dtype !== 'float32') labels = tf.cast(labels, 'float32');
    // tfjs smooths only when ε > 0, and with any ε > 0; the kernels take ε in [0, 1], so a larger one
    // smooths the labels first, exactly as tfjs does
    let eps = labelSmoothing > 0 ? labelSmoothing : 0;
    if (eps > 1) {
      labels = tf.add(tf.mul(labels, 1 - eps), eps / K);
      eps = 0;
    }
    if (w == null && reduction !== tf.Reduction.NONE) {
      // Without weights SUM_BY_NONZERO_WEIGHTS and MEAN both divide by N, the fused 'mean' for
      // probabilities (whose mean of no rows is 0, not tfjs's 0/0).
      return fused(z, labels, {labelSmoothing: eps, reduction: reduction === tf.Reduction.SUM ? 'sum' : 'mean'}) as O;
    }
    return weightedLoss(fused(z, labels, {labelSmoothing: eps, reduction: 'none'}), w, reduction) as O;
  });
}

/**
 * A drop-in for tf.losses.sigmoidCrossEntropy: same arguments, same results and gradients, same error
 * messages, same default reduction (tf.Reduction.SUM_BY_NONZERO_WEIGHTS), on the fused kernels. One
 * deliberate difference: at logits of ±∞ tfjs's formula gives NaN (∞ − ∞); this gives the limits
 * (a loss of 0 or +∞ and a finite gradient). An empty input's reduced loss is 0 (see weightedLoss).
 *
 * @param multiClassLabels labels of logits' shape (0/1, or soft).
 * @param logits any shape, any numeric dtype (read as float32).
 * @param weights optional weights that broadcast against the per-entry losses.
 * @param labelSmoothing ε: when ε > 0 the labels become labels·(1 − ε) + ε/2. Default 0.
 * @param reduction a tf.Reduction. Default SUM_BY_NONZERO_WEIGHTS.
 */
export function sigmoidCrossEntropy<T extends tf.Tensor, O extends tf.Tensor>(
    multiClassLabels: T | tf.TensorLike, logits: T | tf.TensorLike, weights?: tf.Tensor | tf.TensorLike,
    labelSmoothing = 0, reduction: tf.Reduction = tf.Reduction.SUM_BY_NONZERO_WEIGHTS): O {
  return tf.tidy(() => {
    // tfjs's checks, in tfjs's order, with tfjs's messages
    let labels = toTensor(multiClassLabels, 'multiClassLabels', SIGMOID_OP);
    let z = toTensor(logits, 'logits', SIGMOID_OP);
    const w = weights == null ? null : toTensor(weights, 'weights', SIGMOID_OP);
    tf.util.assertShapesMatch(labels.shape, z.shape, 'Error in sigmoidCrossEntropy: ');
    if (z.dtype !== 'float32') z = tf.cast(z, 'float32');
    if (labels.dtype !== 'float32') labels = tf.cast(labels, 'float32');
    // tfjs smooths with any ε > 0; the kernels take ε in [0, 1], so a larger one smooths the labels
    // first, exactly as tfjs does
    let eps = labelSmoothing > 0 ? labelSmoothing : 0;
    if (eps > 1) {
      labels = tf.add(tf.mul(labels, 1 - eps), 0.5 * eps);
      eps = 0;
    }
    // tfjs checks the reduction only once the losses exist (computeWeightedLoss), after multiplying
    // them by the weights: weights that do not broadcast fail first, with tfjs's message
    if (!REDUCTIONS.includes(reduction)) {
      if (w != null) tf.mul(labels, w);
      throw new Error(`Unknown reduction: ${reduction}`);
    }
    if (w == null && reduction !== tf.Reduction.NONE) {
      // Without weights SUM_BY_NONZERO_WEIGHTS and MEAN both divide by the number of entries: the fused 'mean'.
      return fusedSigmoid(z, labels, {labelSmoothing: eps, reduction: reduction === tf.Reduction.SUM ? 'sum' : 'mean'}) as O;
    }
    return weightedLoss(fusedSigmoid(z, labels, {labelSmoothing: eps, reduction: 'none'}), w, reduction) as O;
  });
}

/**
 * tf.losses.computeWeightedLoss's reductions of the per-row losses, with its results, except for an
 * empty batch: its sums are exactly 0 on every backend and stay on the tape (composite.ts sumOrZero),
 * and its MEAN and SUM_BY_NONZERO_WEIGHTS are 0, as the fused ops' mean of no rows, where tfjs divides
 * 0 by 0 (NaN on cpu, 1 on webgl, whose division returns 1 when a == b).
 */
function weightedLoss(losses: tf.Tensor, weights: tf.Tensor | null, reduction: tf.Reduction): tf.Tensor {
  const weighted = weights == null ? losses : tf.mul(losses, weights);
  if (reduction === tf.Reduction.NONE) return weighted;
  const total = sumOrZero(weighted);
  if (reduction === tf.Reduction.SUM || losses.size === 0) return total;
  if (reduction === tf.Reduction.MEAN) {
    if (weights == null) return tf.div(total, losses.size);
    const result = tf.div(total, sumOrZero(weights));
    const broadcastFactor = losses.size / weights.size;
    return broadcastFactor > 1 ? tf.div(result, broadcastFactor) : result;
  }
  // SUM_BY_NONZERO_WEIGHTS: the number of nonzero weights once broadcast to the losses' shape
  if (weights == null) return tf.div(total, losses.size);
  const nonZero = sumOrZero(tf.cast(tf.notEqual(tf.mul(weights, tf.ones(losses.shape)), 0), 'float32'));
  return tf.div(total, nonZero);
}
