/** The options of linearCrossEntropy and their checks; the loss options are softmaxCrossEntropy's. */
import * as tf from '@tensorflow/tfjs-core';
import {atRows, Head} from '../kernels/linear_cross_entropy/chunked.js';
import {planChunks} from '../kernels/linear_cross_entropy/plan.js';
import {assertTensorLike} from './convert.js';
import {checkKeys, show} from './option_checks.js';
import {classWeightsTensor, SoftmaxCrossEntropyOptions, toAttrs} from './options.js';
import {validateClassIds} from './run.js';

/** Options of {@link linearCrossEntropy} and {@link linearCrossEntropyWithGrad}. */
export interface LinearCrossEntropyOptions extends SoftmaxCrossEntropyOptions {
  /** b, float32 [V] (a tensor or a tf.Variable): the logits are hidden·W + b. Default: no bias. */
  bias?: tf.Tensor;
  /** true: weight is [V, H] (a tied embedding matrix) and the logits are hidden·weightᵀ. Default false ([H, V]). */
  transposeWeight?: boolean;
  /** Rows per chunk (an integer ≥ 1). Default: from chunkBytes, at least H rows, within the backend's limits. */
  chunkRows?: number;
  /** The memory budget of one chunk's logits in bytes (rows = ⌊chunkBytes / 4V⌋, at least 1). Default 32 MiB. */
  chunkBytes?: number;
}

const HEAD_KEYS = ['bias', 'transposeWeight', 'chunkRows', 'chunkBytes'];
const LOSS_KEYS = ['reduction', 'labelSmoothing', 'classWeights', 'ignoreIndex', 'temperature', 'zLoss',
  'validateLabels', 'focalGamma', 'labelSmoothingOver', 'softcap'];

const shape = (s: readonly number[]) => `[${s.join(',')}]`;

/** A float32 tensor from a tensor or an array (a conversion only: no kernel runs). */
export function asTensor(op: string, name: string, t: unknown): tf.Tensor {
  if (!(t instanceof tf.Tensor)) assertTensorLike(t, name, op);
  const x = t instanceof tf.Tensor ? t : tf.tensor(t as tf.TensorLike, undefined, 'float32');
  if (x.dtype !== 'float32') {
    throw new Error(`${op}: ${name} must be a float32 tensor; got ${x.dtype}. Cast it with tf.cast(${name}, 'float32').`);
  }
  return x;
}

/**
 * Checks every input and option (errors name the argument and what was expected) and returns the
 * head flattened to rows. Call inside tf.tidy: arrays become tensors the scope frees.
 */
export function prepareHead(op: string, hiddenIn: tf.Tensor | tf.TensorLike, weightIn: tf.Tensor | tf.TensorLike,
    labelsIn: tf.Tensor | tf.TensorLike, options: LinearCrossEntropyOptions) {
  checkKeys(op, options, [...HEAD_KEYS, ...LOSS_KEYS]);
  const hidden = asTensor(op, 'hidden', hiddenIn);
  const weight = asTensor(op, 'weight', weightIn);
  const {transposeWeight = false} = options;
  if (typeof transposeWeight !== 'boolean') {
    throw new Error(`${op}: options.transposeWeight must be a boolean; got ${show(transposeWeight)}.`);
  }
  if (hidden.rank < 1) throw new Error(`${op}: hidden must have rank >= 1 ([..., H]); got a scalar.`);
  const H = hidden.shape[hidden.rank - 1] as number;
  const expectW = transposeWeight ? `[V, ${H}] (transposeWeight: true)` : `[${H}, V]`;
  if (weight.rank !== 2 || weight.shape[transposeWeight ? 1 : 0] !== H) {
    throw new Error(`${op}: weight must be ${expectW} to match hidden ${shape(hidden.shape)}; got ` +
        `${shape(weight.shape)}.${weight.rank === 2 && weight.shape[transposeWeight ? 0 : 1] === H
          ? ` Pass transposeWeight: ${!transposeWeight} for this layout.` : ''}`);
  }
  const V = weight.shape[transposeWeight ? 0 : 1] as number;
  if (V === 0) throw new Error(`${op}: weight must have at least one class (V >= 1); got ${shape(weight.shape)}.`);
  const rows = hidden.shape.slice(0, -1);
  let labels: tf.Tensor;
  if (labelsIn instanceof tf.Tensor) {
    labels = labelsIn;
  } else {
    assertTensorLike(labelsIn, 'labels', op);
    labels = tf.tensor(labelsIn as tf.TensorLike, undefined, 'int32');
  }
  if (labels.dtype !== 'int32' || !tf.util.arraysEqual(labels.shape, rows)) {
    throw new Error(`${op}: labels must be int32 class ids of shape ${shape(rows)} (hidden's leading axes); got ` +
        `${labels.dtype} ${shape(labels.shape)}.${labels.dtype !== 'int32' ? ' Cast them with tf.cast(labels, \'int32\').' : ''}`);
  }
  let bias: tf.Tensor1D | undefined;
  if (options.bias !== undefined) {
    const b = asTensor(op, 'options.bias', options.bias);
    if (b.rank !== 1 || b.shape[0] !== V) {
      throw new Error(`${op}: options.bias must be float32 [${V}] (one per class); got ${shape(b.shape)}.`);
    }
    bias = b as tf.Tensor1D;
  }
  const count = (name: 'chunkRows' | 'chunkBytes') => {
    const v = options[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new Error(`${op}: options.${name} must be an integer >= 1; got ${show(v)}.`);
    }
    return v;
  };
  const chunkRows = count('chunkRows');
  const chunkBytes = count('chunkBytes');
  if (chunkRows !== undefined && chunkBytes !== undefined) {
    throw new Error(`${op}: give options.chunkRows or options.chunkBytes, not both.`);
  }
  const loss: SoftmaxCrossEntropyOptions = {};
  for (const key of LOSS_KEYS) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) (loss as Record<string, unknown>)[key] = v;
  }
  const attrs = toAttrs(op, loss, true);
  const classWeights = classWeightsTensor(op, loss.classWeights, V);
  const N = labels.size;
  if (loss.validateLabels) atRows(op, 0, () => validateClassIds(labels, V, attrs.ignoreIndex));
  const head: Head = {
    op,
    hidden: tf.reshape(hidden, [N, H]),
    weight: weight as tf.Tensor2D,
    bias,
    labels: tf.reshape(labels, [N]),
    transposeWeight,
    // The weights go to the chunks as one tensor (not re-uploaded per chunk), and only when given:
    // unweighted GPU kernels skip reading them.
    loss: {...loss, ...(loss.classWeights !== undefined ? {classWeights: classWeights as tf.Tensor1D} : {}),
      validateLabels: false},
    plan: planChunks(N, H, V, {chunkRows, chunkBytes}),
  };
  return {head, attrs, hidden, weight, rows, classWeights, classWeighted: loss.classWeights !== undefined};
}

export type Prepared = ReturnType<typeof prepareHead>;
