/**
 * Options shared by the evaluation ops (perplexity, expectedCalibrationError, fitTemperature) and the
 * reading of their inputs: logits [..., K] flattened to rows, labels as class ids (or probabilities where
 * the op takes them), checked with the messages softmaxCrossEntropy gives.
 */
import * as tf from '@tensorflow/tfjs-core';
import {checkInputs, LabelsLike} from './inputs.js';
import {DEFAULT_IGNORE_INDEX} from './options.js';

/** A value as an error message shows it: strings quoted. */
export function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** Throws on a key not in `known`, naming it and the ones expected. */
export function checkKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}'; expected one of ${known.join(', ')}.`);
  }
}

/** A temperature T > 0 (default 1). */
export function temperatureOf(op: string, v: unknown): number {
  const T = v ?? 1;
  if (typeof T !== 'number' || !Number.isFinite(T) || !(T > 0)) {
    throw new Error(`${op}: options.temperature must be a finite number > 0; got ${show(T)}.`);
  }
  return T;
}

/** A logarithm base > 1 (default Math.E): Math.E for nats, 2 for bits. */
export function baseOf(op: string, v: unknown): number {
  const b = v ?? Math.E;
  if (typeof b !== 'number' || !Number.isFinite(b) || !(b > 1)) {
    throw new Error(`${op}: options.base must be a finite number > 1 (Math.E for nats, 2 for bits); got ${show(b)}.`);
  }
  return b;
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
