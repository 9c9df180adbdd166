/**
 * tfjs-layers losses for the rest of the softmax family, for model.compile({loss}) with probability
 * targets [N, K] (one-hot or soft): Keras' categorical focal loss and KL divergence. As the other
 * layers losses, the model outputs logits by default (fromLogits: true).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {LayersLoss} from './layers.js';
import {logitsOf, splitFromLogits} from './layers_common.js';
import {klDivergence} from './kl_divergence.js';
import {klAttrs, KLDivergenceOptions} from './divergence_options.js';
import {SoftmaxCrossEntropyOptions, toAttrs} from './options.js';
import {softmaxCrossEntropy} from './softmax_cross_entropy.js';

/** Options of {@link categoricalFocalCrossentropy}: Keras' names for γ and α, and softmaxCrossEntropy's others. */
export interface FocalLayersLossOptions extends Pick<SoftmaxCrossEntropyOptions,
    'reduction' | 'labelSmoothing' | 'temperature' | 'zLoss' | 'softcap'> {
  /** γ ≥ 0, the focusing parameter. Default 2 (Keras'). */
  gamma?: number;
  /** α: one constant factor for every class (default 0.25, Keras'), or one per class (length K). */
  alpha?: number | number[];
  /** true (default): the model outputs logits; false: probabilities (a softmax layer), clipped to [1e-7, 1 − 1e-7]. */
  fromLogits?: boolean;
}

/** Options of {@link kullbackLeiblerDivergence}. */
export interface KLLayersLossOptions extends Pick<KLDivergenceOptions, 'reduction' | 'temperature'> {
  /** true (default): the model outputs logits; false: probabilities (a softmax layer), clipped to [1e-7, 1 − 1e-7]. */
  fromLogits?: boolean;
}

function floatTargets(yTrue: tf.Tensor): tf.Tensor {
  return yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32');
}

/**
 * Keras' CategoricalFocalCrossentropy on the fused kernels: per row Σ_c α_c·(1 − p_c)^γ·y_c·(−log p_c),
 * with y the (smoothed) targets, averaged over the rows by default. The fused loss does not clip p to
 * [1e-7, 1 − 1e-7] as Keras does: it is exact where p rounds to 0 or 1.
 *
 * @param options gamma (default 2), alpha (default 0.25, or one per class), fromLogits (default true),
 *     and softmaxCrossEntropy's reduction, labelSmoothing, temperature, zLoss and softcap.
 */
export function categoricalFocalCrossentropy(options: FocalLayersLossOptions = {}): LayersLoss {
  const op = 'layers.categoricalFocalCrossentropy';
  const {fromLogits, rest} = splitFromLogits(op, options);
  const {gamma = 2, alpha = 0.25, ...others} = rest;
  const known = ['reduction', 'labelSmoothing', 'temperature', 'zLoss', 'softcap'];
  for (const key of Object.keys(others)) {
    if (!known.includes(key)) {
      throw new Error(`${op}: unknown option '${key}'; expected one of gamma, alpha, fromLogits, ${known.join(', ')}.`);
    }
  }
  if (typeof alpha === 'number' ? !Number.isFinite(alpha) || alpha < 0
      : !Array.isArray(alpha) || !alpha.every((a) => typeof a === 'number' && Number.isFinite(a) && a >= 0)) {
    throw new Error(`${op}: options.alpha must be a finite number >= 0 or an array of them (one per class); ` +
        `got ${Array.isArray(alpha) ? `[${alpha.join(', ')}]` : String(alpha)}.`);
  }
  const base: SoftmaxCrossEntropyOptions = {...others, focalGamma: gamma};
  toAttrs(op, base, false);  // every option checked now, naming it, not at the first training step
  return (yTrue, yPred) => tf.tidy(() => {
    const logits = logitsOf(yPred, fromLogits);
    const K = logits.shape[logits.rank - 1];
    if (Array.isArray(alpha) && alpha.length !== K) {
      throw new Error(`${op}: options.alpha has ${alpha.length} entries; the model outputs ${K} classes.`);
    }
    const classWeights = Array.isArray(alpha) ? alpha : new Array<number>(K).fill(alpha);
    return softmaxCrossEntropy(logits, floatTargets(yTrue), {...base, classWeights});
  });
}

/**
 * Keras' KLDivergence on the fused kernels: per row Σ_c y_c·(log y_c − log p_c) of the targets y
 * (probabilities, [N, K]) from the model's softmax p, averaged over the rows by default. Exact where
 * Keras clips: a zero target adds 0 (0·log 0 = 0), not ε·log(ε/p).
 *
 * @param options fromLogits (default true), reduction (default 'mean' over rows) and temperature.
 */
export function kullbackLeiblerDivergence(options: KLLayersLossOptions = {}): LayersLoss {
  const op = 'layers.kullbackLeiblerDivergence';
  const {fromLogits, rest} = splitFromLogits(op, options);
  for (const key of Object.keys(rest)) {
    if (key !== 'reduction' && key !== 'temperature') {
      throw new Error(`${op}: unknown option '${key}'; expected one of fromLogits, reduction, temperature ` +
          `(the targets are probabilities).`);
    }
  }
  klAttrs(op, rest);  // checked now, naming the option
  return (yTrue, yPred) => tf.tidy(() => klDivergence(logitsOf(yPred, fromLogits), floatTargets(yTrue), rest));
}
