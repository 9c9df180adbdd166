/**
 * Tensor-or-TensorLike arguments, converted the way tfjs's own ops convert them and refused with
 * tfjs's own error messages: the drop-ins (ops/losses.ts) must fail exactly as tf.losses fails.
 * tfjs-core does not export its converter (convertToTensor), so this follows its rules:
 *   - a dtype is inferred first (from the first leaf of an array), and a string is refused as not numeric;
 *   - a Tensor passes as it is; a number, boolean, array or Float32/Int32/Uint8(Clamped) array becomes one
 *     (tf.tensor infers the same dtype);
 *   - anything else (an object, null, a Float64Array) is refused, naming the argument and the function.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `x` as a tensor, or tfjs's error for argument `argName` of `functionName`. Call inside tf.tidy: a
 * tensor made here is freed with the scope; a user's tensor is returned as it is.
 */
export function toTensor(x: unknown, argName: string, functionName: string): tf.Tensor {
  assertTensorLike(x, argName, functionName);
  return x instanceof tf.Tensor ? x : tf.tensor(x as tf.TensorLike);
}

/** Throws tfjs's error unless `x` is a numeric Tensor or a numeric TensorLike (see above). */
export function assertTensorLike(x: unknown, argName: string, functionName: string): void {
  const isString = x instanceof tf.Tensor ? x.dtype === 'string' : typeof firstLeaf(x) === 'string';
  if (isString) {
    throw new Error(`Argument '${argName}' passed to '${functionName}' must be numeric tensor, but got ` +
        `string tensor`);
  }
  const tensorLike = x instanceof tf.Tensor || typeof x === 'number' || typeof x === 'boolean' ||
      Array.isArray(x) || x instanceof Float32Array || x instanceof Int32Array || x instanceof Uint8Array ||
      x instanceof Uint8ClampedArray;
  if (!tensorLike) {
    const type = x == null ? 'null' : (x as object).constructor?.name;
    throw new Error(`Argument '${argName}' passed to '${functionName}' must be a Tensor or TensorLike, ` +
        `but got '${type}'`);
  }
}

/** The first non-array element of a (nested) array, or x itself: what tfjs infers a dtype from. */
function firstLeaf(x: unknown): unknown {
  while (Array.isArray(x)) x = x[0];
  return x;
}
