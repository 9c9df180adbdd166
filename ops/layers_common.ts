/** What the softmax-family tfjs-layers losses share: the fromLogits option and the logits it implies. */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs-layers' epsilon: probabilities are clipped to [ε, 1 − ε] before their log. */
const EPSILON = 1e-7;

/** Splits `fromLogits` (default true, checked) from the rest of a layers loss's options. */
export function splitFromLogits<O extends {fromLogits?: boolean}>(op: string, options: O):
    {fromLogits: boolean, rest: Omit<O, 'fromLogits'>} {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  const {fromLogits = true, ...rest} = options;
  if (typeof fromLogits !== 'boolean') {
    throw new Error(`${op}: options.fromLogits must be a boolean; got ${String(fromLogits)}.`);
  }
  return {fromLogits, rest};
}

/** The model's outputs as logits: as they are, or the log of clipped probabilities (softmax outputs). */
export function logitsOf(yPred: tf.Tensor, fromLogits: boolean): tf.Tensor {
  return fromLogits ? yPred : tf.log(tf.clipByValue(yPred, EPSILON, 1 - EPSILON));
}
