/** The public options of softmaxCrossEntropy and their validation into kernel attributes. */
import * as tf from '@tensorflow/tfjs-core';
import type {Reduction, SoftmaxCrossEntropyAttrs} from '../kernels/softmax_cross_entropy/contract.js';
import {show} from './option_checks.js';

export type {Reduction};

/** Options of {@link softmaxCrossEntropy} and {@link softmaxCrossEntropyWithGrad}. */
export interface SoftmaxCrossEntropyOptions {
  /** 'none' (one loss per row), 'sum', or 'mean' (default): the sum over D, see the README. */
  reduction?: Reduction;
  /** ε in [0, 1]: the target mixes (1 − ε) of the labels with ε spread evenly over the K classes. Default 0. */
  labelSmoothing?: number;
  /** A weight per class, length K (a float32 Tensor1D or numbers). Default: all 1. */
  classWeights?: tf.Tensor1D | number[];
  /** Class-id rows with this label get loss 0 and a zero gradient, and are left out of the mean. Default −100. */
  ignoreIndex?: number;
  /** T > 0: the loss is taken of softmax(logits / T). Default 1. */
  temperature?: number;
  /** λ ≥ 0: adds λ·lse² per row (PaLM's z-loss), which keeps the log-normalizer near 0. Default 0. */
  zLoss?: number;
  /** Read the class ids back and throw on one out of range, on every backend. Default false. */
  validateLabels?: boolean;
  /**
   * γ ≥ 0: the focal loss of Lin et al., every term times (1 − p_c)^γ (the class weights act as its α).
   * Default 0: plain cross-entropy, bit for bit.
   */
  focalGamma?: number;
  /**
   * Where label smoothing puts ε: 'all' (default; ε/K on every class, as tf.losses and Keras) or
   * 'others' (fairseq's: the target keeps 1 − ε, each other class gets ε/(K − 1)). Class ids only.
   */
  labelSmoothingOver?: 'all' | 'others';
  /** c > 0: Gemma 2's logit softcap, logits → c·tanh(logits / c) before the temperature. Default: no cap. */
  softcap?: number;
}

const KNOWN = ['reduction', 'labelSmoothing', 'classWeights', 'ignoreIndex', 'temperature', 'zLoss',
  'validateLabels', 'focalGamma', 'labelSmoothingOver', 'softcap'];

export const DEFAULT_IGNORE_INDEX = -100;


function finite(op: string, name: string, v: unknown, what: string, ok: (x: number) => boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new Error(`${op}: options.${name} must be ${what}; got ${show(v)}.`);
  }
  return v;
}

/** Checks every option (throws naming it) and returns the kernel attributes. */
export function toAttrs(op: string, options: SoftmaxCrossEntropyOptions, sparse: boolean): SoftmaxCrossEntropyAttrs {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new Error(`${op}: unknown option '${key}'; expected one of ${KNOWN.join(', ')}.`);
    }
  }
  const {reduction = 'mean', labelSmoothing = 0, temperature = 1, zLoss = 0} = options;
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean') {
    throw new Error(`${op}: options.reduction must be 'none', 'sum' or 'mean'; got ${show(reduction)}.`);
  }
  if (options.ignoreIndex !== undefined && !sparse) {
    throw new Error(`${op}: options.ignoreIndex applies to class-id (int32) labels only; ` +
        `these labels are probabilities.`);
  }
  const {labelSmoothingOver = 'all'} = options;
  if (labelSmoothingOver !== 'all' && labelSmoothingOver !== 'others') {
    throw new Error(`${op}: options.labelSmoothingOver must be 'all' or 'others'; got ${show(labelSmoothingOver)}.`);
  }
  if (labelSmoothingOver === 'others' && !sparse) {
    throw new Error(`${op}: options.labelSmoothingOver 'others' applies to class-id (int32) labels only; ` +
        `these labels are probabilities (smooth them before passing them, or use 'all').`);
  }
  if (options.softcap !== undefined) {
    finite(op, 'softcap', options.softcap, 'a finite number > 0 (omit it for no cap)', (x) => x > 0);
  }
  if (options.validateLabels !== undefined && typeof options.validateLabels !== 'boolean') {
    throw new Error(`${op}: options.validateLabels must be a boolean; got ${String(options.validateLabels)}.`);
  }
  return {
    reduction,
    labelSmoothing: finite(op, 'labelSmoothing', labelSmoothing, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
    ignoreIndex: finite(op, 'ignoreIndex', options.ignoreIndex ?? DEFAULT_IGNORE_INDEX, 'an integer',
        Number.isInteger),
    temperature: finite(op, 'temperature', temperature, 'a finite number > 0', (x) => x > 0),
    zLoss: finite(op, 'zLoss', zLoss, 'a finite number >= 0', (x) => x >= 0),
    classWeighted: options.classWeights !== undefined,
    focalGamma: finite(op, 'focalGamma', options.focalGamma ?? 0, 'a finite number >= 0', (x) => x >= 0),
    labelSmoothingOver,
    softcap: options.softcap ?? 0,
  };
}

/** classWeights as a float32 [K] tensor (ones when not given). Call inside tf.tidy: a tensor made
 * here is disposed with the scope, the user's own is returned as is (so a gradient can reach it). */
export function classWeightsTensor(op: string, w: SoftmaxCrossEntropyOptions['classWeights'], K: number): tf.Tensor {
  if (w === undefined) return tf.ones([K]);
  if (w instanceof tf.Tensor) {
    if (w.dtype !== 'float32' || w.rank !== 1 || w.shape[0] !== K) {
      throw new Error(`${op}: options.classWeights must be a float32 tensor of shape [${K}] (one weight per ` +
          `class); got ${w.dtype} [${w.shape}].`);
    }
    return w;
  }
  if (!Array.isArray(w) || w.length !== K || !w.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${op}: options.classWeights must be ${K} finite numbers (one per class); got ` +
        `${Array.isArray(w) ? `an array of length ${w.length}` : String(w)}.`);
  }
  return tf.tensor1d(w, 'float32');
}
