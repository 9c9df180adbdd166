/**
 * expectedCalibrationError and createCalibrationError: top-label calibration over equal-width confidence
 * bins, on the fused softmax cross-entropy kernel. A row's confidence is its top softmax probability,
 * max_c p_c = exp(−ℓ) with ℓ the cross-entropy against its own argmax (one fused forward, no softmax
 * tensor); the bins then need only N numbers per batch, read back, and O(bins) between batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import {ignoreIndexOf, read, rowsOf, temperatureOf} from './evaluation_options.js';
import {checkKeys, show} from './option_checks.js';
import type {LabelsLike} from './inputs.js';
import {softmaxCrossEntropy} from './softmax_cross_entropy.js';

/** Options of {@link expectedCalibrationError} and {@link createCalibrationError}. */
export interface CalibrationOptions {
  /** The number of equal-width confidence bins (lower, upper] over (0, 1]. Default 15 (Guo et al.). */
  bins?: number;
  /** T > 0: the calibration of softmax(logits / T). Default 1. */
  temperature?: number;
  /** Class-id rows with this label are left out. Default −100. */
  ignoreIndex?: number;
}

/** One bin of a reliability diagram. Empty bins have accuracy and confidence 0. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  /** Rows whose confidence is in (lower, upper] (the first bin also takes a confidence of 0). */
  count: number;
  /** The fraction of those rows whose argmax is the label. */
  accuracy: number;
  /** Their mean confidence. */
  confidence: number;
}

/** What expectedCalibrationError reports. */
export interface CalibrationResult {
  /** Σ_b (count_b / N)·|accuracy_b − confidence_b|; 0 for no rows; NaN if a row's confidence is NaN. */
  ece: number;
  /** The largest |accuracy_b − confidence_b| over the bins that hold a row; 0 for no rows. */
  mce: number;
  bins: CalibrationBin[];
}

/** A calibration error over an evaluation set, batch by batch: O(bins) numbers between batches. */
export interface CalibrationAccumulator {
  /**
   * Adds a batch. Its confidences are computed on the backend before this returns, so the caller may
   * dispose `logits` and `labels` at once; they are read back asynchronously (result() waits too).
   */
  update(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike): Promise<void>;
  /** The calibration of every batch added so far. */
  result(): Promise<CalibrationResult>;
  /** Forgets every batch. */
  reset(): void;
}

const KNOWN = ['bins', 'temperature', 'ignoreIndex'];

function settings(op: string, options: CalibrationOptions) {
  checkKeys(op, options, KNOWN);
  const bins = options.bins ?? 15;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1) {
    throw new Error(`${op}: options.bins must be an integer >= 1; got ${show(bins)}.`);
  }
  return {bins, temperature: temperatureOf(op, options.temperature), ignoreIndex: ignoreIndexOf(op, options.ignoreIndex)};
}

/**
 * The bin of confidence c in (0, 1]: b with b/B < c ≤ (b+1)/B, the edges compared in float64 as written
 * (c·B alone would put 0.2 in bin 3 of 15: 0.2·15 = 3.0000000000000004).
 */
export function binOf(c: number, B: number): number {
  let b = Math.min(B - 1, Math.max(0, Math.ceil(c * B) - 1));
  while (b > 0 && c <= b / B) b--;
  while (b < B - 1 && c > (b + 1) / B) b++;
  return b;
}

/**
 * Per batch, on the backend: the confidence's −log (cross-entropy against the argmax), whether the argmax
 * is the label, and whether the row counts; as one [3, N] tensor.
 */
function batchColumns(op: string, logits: tf.Tensor | tf.TensorLike, labels: LabelsLike, temperature: number,
    ignoreIndex: number): tf.Tensor {
  return tf.tidy(() => {
    const x = rowsOf(op, logits, labels, true);
    if (x.N === 0) return tf.zeros([3, 0]);
    const predicted = tf.argMax(x.logits, 1);
    const negLogConfidence = softmaxCrossEntropy(x.logits, predicted, {reduction: 'none', temperature});
    const truth = x.sparse ? x.labels : tf.argMax(x.labels, 1);
    const correct = tf.cast(tf.equal(predicted, truth), 'float32');
    const counts = x.sparse ? tf.cast(tf.notEqual(x.labels, tf.scalar(ignoreIndex, 'int32')), 'float32') :
      tf.onesLike(correct);
    return tf.stack([negLogConfidence, correct, counts]);
  });
}

/**
 * A streaming top-label calibration error (ECE, MCE and the reliability diagram's bins): `update(logits,
 * labels)` per batch, then `result()`. Labels are class ids, or probabilities / one-hot rows (their argmax
 * is the label).
 */
export function createCalibrationError(options: CalibrationOptions = {}): CalibrationAccumulator {
  return accumulator('createCalibrationError', options);
}

function accumulator(op: string, options: CalibrationOptions): CalibrationAccumulator {
  const {bins: B, temperature, ignoreIndex} = settings(op, options);
  let count = new Float64Array(B);
  let correct = new Float64Array(B);
  let confidence = new Float64Array(B);
  let invalid = 0;
  let pending: Array<Promise<void>> = [];
  let generation = 0;
  return {
    update(logits, labels) {
      const name = op === 'createCalibrationError' ? `${op}.update` : op;
      const columns = batchColumns(name, logits, labels, temperature, ignoreIndex);
      const N = columns.shape[1] as number;
      const g = generation;
      const done = read(columns).then((v) => {
        if (g !== generation) return;
        for (let i = 0; i < N; i++) {
          if (v[2 * N + i] === 0) continue;
          const c = Math.min(1, Math.exp(-v[i]));
          if (c !== c) {
            invalid++;
            continue;
          }
          const b = binOf(c, B);
          count[b]++;
          correct[b] += v[N + i];
          confidence[b] += c;
        }
      });
      pending.push(done);
      return done;
    },
    async result() {
      await Promise.all(pending);
      pending = [];
      let total = 0;
      for (let b = 0; b < B; b++) total += count[b];
      let ece = 0;
      let mce = 0;
      const bins: CalibrationBin[] = [];
      for (let b = 0; b < B; b++) {
        const n = count[b];
        const accuracy = n === 0 ? 0 : correct[b] / n;
        const meanConfidence = n === 0 ? 0 : confidence[b] / n;
        if (n > 0) {
          const gap = Math.abs(accuracy - meanConfidence);
          ece += (n / total) * gap;
          mce = Math.max(mce, gap);
        }
        bins.push({lower: b / B, upper: (b + 1) / B, count: n, accuracy, confidence: meanConfidence});
      }
      return invalid > 0 ? {ece: NaN, mce: NaN, bins} : {ece, mce, bins};
    },
    reset() {
      generation++;
      count = new Float64Array(B);
      correct = new Float64Array(B);
      confidence = new Float64Array(B);
      invalid = 0;
      pending = [];
    },
  };
}

/**
 * The top-label expected calibration error of `logits` (Guo et al. 2017): rows are put in `bins`
 * equal-width bins (lower, upper] by their confidence max_c softmax(logits / T)_c, and the ECE is the
 * row-weighted mean gap between each bin's accuracy and mean confidence; the MCE its largest gap.
 *
 * @param logits float32 [..., K].
 * @param labels int32 class ids of shape logits.shape[:-1], or float32 probabilities (their argmax counts).
 */
export async function expectedCalibrationError(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: CalibrationOptions = {}): Promise<CalibrationResult> {
  const acc = accumulator('expectedCalibrationError', options);
  await acc.update(logits, labels);
  return acc.result();
}
