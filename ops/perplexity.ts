/**
 * perplexity and createPerplexity: exp of the mean cross-entropy over class-id rows, on the fused
 * softmax cross-entropy kernel, for one batch or streamed over a whole evaluation set.
 */
import * as tf from '@tensorflow/tfjs-core';
import {ignoreIndexOf, read, rowsOf, temperatureOf} from './evaluation_options.js';
import {baseOf, checkKeys} from './option_checks.js';
import type {LabelsLike} from './inputs.js';
import {classWeightsTensor} from './options.js';
import {softmaxCrossEntropy} from './softmax_cross_entropy.js';

/** Options of {@link perplexity} and {@link createPerplexity}. */
export interface PerplexityOptions {
  /** Rows with this class id are left out (their loss and their count). Default −100. */
  ignoreIndex?: number;
  /** T > 0: the perplexity of softmax(logits / T). Default 1. */
  temperature?: number;
  /** A weight per class, length K: the mean is then Σ w_y·loss / Σ w_y (softmaxCrossEntropy's). Default: all 1. */
  classWeights?: tf.Tensor1D | number[];
  /**
   * The base the streaming result's `loss` is reported in: Math.E (default, nats) or 2 (bits). The
   * perplexity is the same number in every base (e^nats = 2^bits).
   */
  base?: number;
  /** Read the class ids back and throw on one out of range. Default false. */
  validateLabels?: boolean;
}

const KNOWN = ['ignoreIndex', 'temperature', 'classWeights', 'base', 'validateLabels'];

/** Checks every option; returns softmaxCrossEntropy's options (loss) and the base. */
function settings(op: string, options: PerplexityOptions) {
  checkKeys(op, options, KNOWN);
  temperatureOf(op, options.temperature);
  const {ignoreIndex, temperature, classWeights, validateLabels} = options;
  return {loss: {ignoreIndex, temperature, classWeights, validateLabels}, base: baseOf(op, options.base)};
}

/**
 * The perplexity exp(mean cross-entropy) of `logits` against class ids: the effective number of classes
 * the model hesitates between. The mean is softmaxCrossEntropy's (over the rows not ignored, weighted by
 * the class weights if given); an empty batch or one whose every row is ignored has perplexity 1.
 *
 * @param logits float32 [..., K].
 * @param labels int32 class ids of shape logits.shape[:-1].
 * @returns a scalar tensor.
 */
export function perplexity(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: PerplexityOptions = {}): tf.Scalar {
  const op = 'perplexity';
  const o = settings(op, options).loss;
  return tf.tidy(() => {
    const x = rowsOf(op, logits, labels, false);
    return tf.exp(softmaxCrossEntropy(x.logits, x.labels, {...o, reduction: 'mean'}));
  });
}

/** What a streamed perplexity reports. */
export interface PerplexityResult {
  /** exp(loss in nats): 1 when no row counted. */
  perplexity: number;
  /** The mean cross-entropy in `base` units (nats by default, bits for base 2): 0 when no row counted. */
  loss: number;
  /** The mean's denominator: the rows that counted (their class weights' sum, with classWeights). */
  count: number;
}

/** A perplexity over an evaluation set, batch by batch: it keeps two float64 numbers, no logits. */
export interface PerplexityAccumulator {
  /**
   * Adds a batch. The batch's loss sum and count are computed on the backend before this returns, so the
   * caller may dispose `logits` and `labels` at once; their two numbers are read back asynchronously
   * (the returned promise; result() waits for it too).
   */
  update(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike): Promise<void>;
  /** The perplexity of every batch added so far (waits for the pending updates). */
  result(): Promise<PerplexityResult>;
  /** Forgets every batch. */
  reset(): void;
}

/**
 * A streaming perplexity: `update(logits, labels)` per batch, then `result()`. Holds no logits between
 * batches: per batch the fused kernel's loss sum and the count (two float32 numbers, added in float64).
 */
export function createPerplexity(options: PerplexityOptions = {}): PerplexityAccumulator {
  const op = 'createPerplexity';
  const {loss: o, base} = settings(op, options);
  const ignoreIndex = ignoreIndexOf(op, options.ignoreIndex);
  let sum = 0;
  let count = 0;
  let pending: Array<Promise<void>> = [];
  let generation = 0;
  return {
    update(logits, labels) {
      const pair: tf.Tensor | undefined = tf.tidy((): tf.Tensor | undefined => {
        const x = rowsOf('createPerplexity.update', logits, labels, false);
        if (x.N === 0) return undefined;  // nothing to add (and tfjs-backend-wasm's sum of nothing is not 0)
        const s = softmaxCrossEntropy(x.logits, x.labels, {...o, reduction: 'sum'});
        const counts = tf.cast(tf.notEqual(x.labels, tf.scalar(ignoreIndex, 'int32')), 'float32');
        let d: tf.Tensor;
        if (o.classWeights === undefined) {
          d = tf.sum(counts);
        } else {
          const w = classWeightsTensor(op, o.classWeights, x.K);
          d = tf.sum(tf.mul(tf.gather(w, tf.clipByValue(x.labels, 0, x.K - 1)), counts));
        }
        return tf.stack([s, d]);
      });
      if (pair === undefined) return Promise.resolve();
      const g = generation;
      const done = read(pair).then((v) => {
        if (g !== generation) return;
        sum += v[0];
        count += v[1];
      });
      pending.push(done);
      return done;
    },
    async result() {
      await Promise.all(pending);
      pending = [];
      const nats = count === 0 ? 0 : sum / count;
      return {perplexity: Math.exp(nats), loss: nats / Math.log(base), count};
    },
    reset() {
      generation++;
      sum = 0;
      count = 0;
      pending = [];
    },
  };
}
