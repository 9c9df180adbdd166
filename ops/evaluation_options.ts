/**
 * Options shared by the evaluation ops (perplexity, expectedCalibrationError, fitTemperature) and the
 * reading of their inputs: logits [..., K] flattened to rows, labels as class ids (or probabilities where
 * the op takes them), checked with the messages softmaxCrossEntropy gives.
 */
import * as tf from '@tensorflow/tfjs-core';
import {checkInputs, LabelsLike} from './inputs.js';
import {show, positive} from './option_checks.js';
import {DEFAULT_IGNORE_INDEX} from './options.js';

/** options.temperature (default 1): T > 0. */
export function temperatureOf(op: string, v: unknown): number {
  return positive(op, 'temperature', v ?? 1);
}

/** An integer ignoreIndex (default −100). */
export function ignoreIndexOf(op: string, v: unknown): number {
  const i = v ?? DEFAULT_IGNORE_INDEX;
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new Error(`${op}: options.ignoreIndex must be an integer; got ${show(i)}.`);
  }
  return i;
}

/** Logits and labels as rows: logits [N, K], labels int32 [N] (sparse) or float32 [N, K]. Call inside tf.tidy. */
export interface Rows {
  logits: tf.Tensor2D;
  labels: tf.Tensor;
  sparse: boolean;
  N: number;
  K: number;
}

/**
 * Checks logits and labels (as softmaxCrossEntropy does) and flattens the leading axes. `allowProbabilities`
 * false: the op takes class ids only, and says so.
 */
export function rowsOf(op: string, logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    allowProbabilities: boolean): Rows {
  const x = checkInputs(op, logits, labels);
  if (!x.sparse && !allowProbabilities) {
    const rows = x.logits.shape.slice(0, -1);
    throw new Error(`${op}: labels must be int32 class ids of shape [${rows.join(',')}]; got probabilities ` +
        `of shape [${x.labels.shape.join(',')}].`);
  }
  const K = x.logits.shape[x.logits.rank - 1];
  const N = x.logits.size / K;
  return {
    logits: tf.reshape(x.logits, [N, K]) as tf.Tensor2D,
    labels: x.sparse ? tf.reshape(x.labels, [N]) : tf.reshape(x.labels, [N, K]),
    sparse: x.sparse,
    N,
    K,
  };
}

/** A tensor's values as float64 numbers, read back asynchronously (webgpu's way; every backend takes it). */
export async function read(t: tf.Tensor): Promise<Float64Array> {
  try {
    return Float64Array.from(await t.data() as ArrayLike<number>);
  } finally {
    t.dispose();
  }
}
