/**
 * tfjs-layers losses on the fused sigmoid kernels, for model.compile({loss}) with [N, C] targets:
 * binary and multi-label classification, and Keras' binary focal loss. As tfjs-layers' and Keras'
 * losses, each first takes a row's mean over the last axis: reduction 'none' gives one loss per row
 * (shape [N]), 'mean' (default) the mean of those, 'sum' their sum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {LayersLoss} from './layers.js';
import {sigmoidCrossEntropy} from './sigmoid_cross_entropy.js';
import {SigmoidCrossEntropyOptions, toSigmoidAttrs} from './sigmoid_options.js';

/** Options of the binary tfjs-layers losses: sigmoidCrossEntropy's, and whether the model outputs logits. */
export interface BinaryLayersLossOptions extends SigmoidCrossEntropyOptions {
  /**
   * true (default): the model's last layer outputs logits (no sigmoid activation), the fused path.
   * false: it outputs probabilities (a sigmoid layer); they are clipped to [1e-7, 1 − 1e-7] and turned
   * back into logits log(p / (1 − p)), as tfjs-layers' binaryCrossentropy does.
   */
  fromLogits?: boolean;
}

/** tfjs-layers' epsilon: probabilities are clipped to [ε, 1 − ε] before they become logits. */
const EPSILON = 1e-7;

function split(op: string, options: BinaryLayersLossOptions) {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  const {fromLogits = true, ...rest} = options;
  if (typeof fromLogits !== 'boolean') {
    throw new Error(`${op}: options.fromLogits must be a boolean; got ${String(fromLogits)}.`);
  }
  toSigmoidAttrs(op, rest);  // every other option checked now, naming it, not at the first training step
  return {fromLogits, rest};
}

function binaryLoss(op: string, options: BinaryLayersLossOptions): LayersLoss {
  const {fromLogits, rest} = split(op, options);
  const reduction = rest.reduction ?? 'mean';
  return (yTrue, yPred) => tf.tidy(() => {
    if (!tf.util.arraysEqual(yTrue.shape, yPred.shape)) {
      throw new Error(`${op}: targets must have the outputs' shape [${yPred.shape}]; got [${yTrue.shape}].`);
    }
    const p = fromLogits ? yPred : tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    const logits = fromLogits ? yPred : tf.log(tf.div(p, tf.sub(1, p)));
    // the mean of the row means is the mean over every entry (rows have C entries each): the fused
    // 'mean', with no op after the kernel; 'sum' and 'none' divide by C
    if (reduction === 'mean') return sigmoidCrossEntropy(logits, yTrue, rest);
    const C = logits.rank === 0 ? 1 : logits.shape[logits.rank - 1];
    if (reduction === 'sum') return tf.div(sigmoidCrossEntropy(logits, yTrue, rest), C);
    const perEntry = sigmoidCrossEntropy(logits, yTrue, {...rest, reduction: 'none'});
    return logits.rank === 0 ? perEntry : tf.mean(perEntry, -1);
  });
}

/**
 * Binary (sigmoid) cross-entropy for model.compile: targets of the outputs' shape [N, C] (0/1 or
 * soft), outputs logits by default. The fused counterpart of tfjs-layers' 'binaryCrossentropy'.
 *
 * @param options sigmoidCrossEntropy's options (reduction over rows, default 'mean'; labelSmoothing,
 *   posWeight, classWeights, focalGamma, focalAlpha, validateLabels) and fromLogits (default true).
 */
export function binaryCrossentropy(options: BinaryLayersLossOptions = {}): LayersLoss {
  return binaryLoss('layers.binaryCrossentropy', options);
}

/**
 * Keras' BinaryFocalCrossentropy for model.compile: binaryCrossentropy with the focal term on by
 * default (focalGamma 2, as Keras' gamma). α-balancing is off unless focalAlpha is given (Keras'
 * apply_class_balancing=False default; focalAlpha: 0.25 is Keras' alpha and RetinaNet's).
 *
 * @param options binaryCrossentropy's options; focalGamma defaults to 2.
 */
export function binaryFocalCrossentropy(options: BinaryLayersLossOptions = {}): LayersLoss {
  const op = 'layers.binaryFocalCrossentropy';
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  return binaryLoss(op, {focalGamma: 2, ...options});
}
