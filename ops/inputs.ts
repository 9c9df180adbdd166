/** Checks logits and labels and tells class ids from probabilities. */
import * as tf from '@tensorflow/tfjs-core';
import {assertTensorLike} from './convert.js';

export type LabelsLike = tf.Tensor | tf.TensorLike;

export interface Inputs {
  logits: tf.Tensor;
  labels: tf.Tensor;
  /** true: int32 class ids of shape logits.shape[:-1]; false: float32 probabilities of logits.shape. */
  sparse: boolean;
}

const shape = (s: readonly number[]) => `[${s.join(',')}]`;

/**
 * Converts and checks the inputs (call inside tf.tidy: arrays become tensors that the scope frees).
 * A plain array of labels is read as class ids when its shape is logits.shape[:-1], else as
 * probabilities.
 */
export function checkInputs(op: string, logitsIn: tf.Tensor | tf.TensorLike, labelsIn: LabelsLike): Inputs {
  if (logitsIn instanceof tf.Tensor && logitsIn.dtype !== 'float32') {
    throw new Error(`${op}: logits must be a float32 tensor; got ${logitsIn.dtype}. ` +
        `Cast it with tf.cast(logits, 'float32').`);
  }
  if (!(logitsIn instanceof tf.Tensor)) assertTensorLike(logitsIn, 'logits', op);
  const logits = logitsIn instanceof tf.Tensor ? logitsIn : tf.tensor(logitsIn as tf.TensorLike, undefined, 'float32');
  if (logits.rank < 1) {
    throw new Error(`${op}: logits must have rank >= 1 with classes on the last axis; got a scalar.`);
  }
  const K = logits.shape[logits.rank - 1];
  if (K === 0) {
    throw new Error(`${op}: logits must have at least one class on the last axis; got shape ${shape(logits.shape)}.`);
  }
  const rows = logits.shape.slice(0, -1);
  const expected = `labels must be int32 class ids of shape ${shape(rows)} or float32 probabilities of ` +
      `shape ${shape(logits.shape)}`;
  let labels: tf.Tensor;
  if (labelsIn instanceof tf.Tensor) {
    labels = labelsIn;
  } else {
    if (labelsIn == null) throw new Error(`${op}: ${expected}; got ${String(labelsIn)}.`);
    assertTensorLike(labelsIn, 'labels', op);
    labels = tf.tensor(labelsIn as tf.TensorLike, undefined, 'float32');
    if (tf.util.arraysEqual(labels.shape, rows)) {
      const v = labels.dataSync();
      const bad = v.findIndex((x) => !Number.isInteger(x));
      if (bad >= 0) throw new Error(`${op}: class ids must be integers; row ${bad} has ${v[bad]}.`);
      labels = tf.cast(labels, 'int32');
    }
  }
  const sparse = tf.util.arraysEqual(labels.shape, rows) && !tf.util.arraysEqual(labels.shape, logits.shape);
  if (sparse && labels.dtype !== 'int32') {
    throw new Error(`${op}: ${expected}; got ${labels.dtype} ${shape(labels.shape)}. Class ids must be int32: ` +
        `cast them with tf.cast(labels, 'int32').`);
  }
  if (!sparse && (!tf.util.arraysEqual(labels.shape, logits.shape) || labels.dtype !== 'float32')) {
    throw new Error(`${op}: ${expected}; got ${labels.dtype} ${shape(labels.shape)}.`);
  }
  return {logits, labels, sparse};
}
