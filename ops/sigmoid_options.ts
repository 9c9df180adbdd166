/** The public options of sigmoidCrossEntropy, their validation into kernel attributes, and its inputs. */
import * as tf from '@tensorflow/tfjs-core';
import {columns, SigmoidCrossEntropyAttrs} from '../kernels/sigmoid_cross_entropy/contract.js';
import type {Reduction} from '../kernels/softmax_cross_entropy/contract.js';
import {assertTensorLike} from './convert.js';

/** Options of {@link sigmoidCrossEntropy} and {@link sigmoidCrossEntropyWithGrad}. */
export interface SigmoidCrossEntropyOptions {
  /** 'none' (one loss per entry, logits' shape), 'sum', or 'mean' (default): the sum over the number of entries. */
  reduction?: Reduction;
  /** ε in [0, 1]: each label becomes (1 − ε)·y + ε/2, as tf.losses and Keras smooth. Default 0. */
  labelSmoothing?: number;
  /**
   * PyTorch's pos_weight: the weight of the positive term, P·y·(−log σ(x)); one number for every
   * column, or one per column of the last axis (a float32 Tensor1D or numbers). Default 1.
   */
  posWeight?: number | number[] | tf.Tensor1D;
  /** A weight per column of the last axis (a float32 Tensor1D or numbers), on the whole entry's loss. Default: all 1. */
  classWeights?: number[] | tf.Tensor1D;
  /** γ ≥ 0: Lin et al.'s focal term (1 − p_t)^γ on every entry. Default 0 (plain cross-entropy). */
  focalGamma?: number;
  /** α in [0, 1]: weighs positives by α and negatives by 1 − α (α-balanced; RetinaNet's 0.25). Default: none. */
  focalAlpha?: number;
  /** Read the labels back and throw on one outside [0, 1], on every backend. Default false. */
  validateLabels?: boolean;
}

const KNOWN = ['reduction', 'labelSmoothing', 'posWeight', 'classWeights', 'focalGamma', 'focalAlpha',
  'validateLabels'];

/** How a bad option value is shown: a string quoted with its type, so '2' is not mistaken for 2. */
const show = (v: unknown) => (typeof v === 'string' ? `the string '${v}'` : String(v));

function finite(op: string, name: string, v: unknown, what: string, ok: (x: number) => boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new Error(`${op}: options.${name} must be ${what}; got ${show(v)}.`);
  }
  return v;
}

/** Checks every option (throws naming it) and returns the kernel attributes. */
export function toSigmoidAttrs(op: string, options: SigmoidCrossEntropyOptions): SigmoidCrossEntropyAttrs {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new Error(`${op}: unknown option '${key}'; expected one of ${KNOWN.join(', ')}.`);
    }
  }
  const {reduction = 'mean', labelSmoothing = 0, focalGamma = 0} = options;
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean') {
    throw new Error(`${op}: options.reduction must be 'none', 'sum' or 'mean'; got ${show(reduction)}.`);
  }
  if (options.validateLabels !== undefined && typeof options.validateLabels !== 'boolean') {
    throw new Error(`${op}: options.validateLabels must be a boolean; got ${show(options.validateLabels)}.`);
  }
  return {
    reduction,
    labelSmoothing: finite(op, 'labelSmoothing', labelSmoothing, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
    focalGamma: finite(op, 'focalGamma', focalGamma, 'a finite number >= 0', (x) => x >= 0),
    focalAlpha: options.focalAlpha === undefined ? -1
        : finite(op, 'focalAlpha', options.focalAlpha, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
    posWeighted: options.posWeight !== undefined,
    classWeighted: options.classWeights !== undefined,
  };
}

/**
 * posWeight or classWeights as a float32 [C] tensor (ones when not given; a number, for posWeight,
 * fills every column). Call inside tf.tidy: a tensor made here is disposed with the scope, the user's
 * own is returned as is (so a gradient can reach it).
 */
export function columnWeights(op: string, name: 'posWeight' | 'classWeights', w: SigmoidCrossEntropyOptions['posWeight'],
    C: number): tf.Tensor {
  if (w === undefined) return tf.ones([C]);
  if (name === 'posWeight' && typeof w === 'number') {
    finite(op, name, w, 'a finite number, or one per column of the last axis', () => true);
    return tf.fill([C], w);
  }
  if (w instanceof tf.Tensor) {
    if (w.dtype !== 'float32' || w.rank !== 1 || w.shape[0] !== C) {
      throw new Error(`${op}: options.${name} must be a float32 tensor of shape [${C}] (one weight per column ` +
          `of the last axis); got ${w.dtype} [${w.shape}].`);
    }
    return w;
  }
  const what = name === 'posWeight' ? `a finite number or ${C} finite numbers` : `${C} finite numbers`;
  if (!Array.isArray(w) || w.length !== C) {
    throw new Error(`${op}: options.${name} must be ${what} (one per column of the last axis); got ` +
        `${Array.isArray(w) ? `an array of length ${w.length}` : show(w)}.`);
  }
  const bad = w.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) {
    throw new Error(`${op}: options.${name} must be ${what} (one per column of the last axis); entry ${bad} ` +
        `is ${show(w[bad])}.`);
  }
  return tf.tensor1d(w, 'float32');
}

const shape = (s: readonly number[]) => `[${s.join(',')}]`;

/**
 * Converts and checks logits and labels (call inside tf.tidy). Logits: float32 of any shape. Labels:
 * the same shape, float32 (soft labels allowed), or int32 / bool 0/1, which are cast to float32.
 */
export function checkSigmoidInputs(op: string, logitsIn: tf.Tensor | tf.TensorLike,
    labelsIn: tf.Tensor | tf.TensorLike): {logits: tf.Tensor, labels: tf.Tensor, columns: number} {
  if (logitsIn instanceof tf.Tensor && logitsIn.dtype !== 'float32') {
    throw new Error(`${op}: logits must be a float32 tensor; got ${logitsIn.dtype}. ` +
        `Cast it with tf.cast(logits, 'float32').`);
  }
  if (!(logitsIn instanceof tf.Tensor)) assertTensorLike(logitsIn, 'logits', op);
  const logits = logitsIn instanceof tf.Tensor ? logitsIn : tf.tensor(logitsIn as tf.TensorLike, undefined, 'float32');
  const expected = `labels must be a float32, int32 or bool tensor of the logits' shape ${shape(logits.shape)}`;
  if (labelsIn == null) throw new Error(`${op}: ${expected}; got ${String(labelsIn)}.`);
  if (!(labelsIn instanceof tf.Tensor)) assertTensorLike(labelsIn, 'labels', op);
  let labels = labelsIn instanceof tf.Tensor ? labelsIn : tf.tensor(labelsIn as tf.TensorLike);
  if (!tf.util.arraysEqual(labels.shape, logits.shape) ||
      (labels.dtype !== 'float32' && labels.dtype !== 'int32' && labels.dtype !== 'bool')) {
    throw new Error(`${op}: ${expected}; got ${labels.dtype} ${shape(labels.shape)}.`);
  }
  if (labels.dtype !== 'float32') labels = tf.cast(labels, 'float32');
  return {logits, labels, columns: columns(logits.shape)};
}
