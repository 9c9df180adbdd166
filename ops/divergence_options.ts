/**
 * The public options of klDivergence, distillationLoss and entropy, and their validation into the
 * divergence kernels' attributes (kernels/softmax_divergence/contract.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {DivergenceKind, Reduction, SoftmaxDivergenceAttrs} from '../kernels/softmax_divergence/contract.js';
import {assertTensorLike} from './convert.js';
import {baseOf, checkKeys, positive, show} from './option_checks.js';

/** Options of {@link klDivergence} and {@link klDivergenceWithGrad}. */
export interface KLDivergenceOptions {
  /**
   * What `targets` holds: 'probabilities' (default; P itself, [..., K], rows summing to 1 as a rule)
   * or 'logits' (a teacher's logits t: P = softmax(t / targetTemperature), taken in log space).
   */
  targetFormat?: 'probabilities' | 'logits';
  /** T > 0: the divergence is to softmax(logits / T). Default 1. */
  temperature?: number;
  /** T_t > 0, for targetFormat 'logits': P = softmax(targets / T_t). Default: `temperature`. */
  targetTemperature?: number;
  /**
   * 'none' (one value per row), 'sum', or 'mean' (default): the sum over the N rows, PyTorch's
   * kl_div(reduction='batchmean'); PyTorch's own 'mean' divides by the entries, N·K.
   */
  reduction?: Reduction;
}

/** Options of {@link distillationLoss} and {@link distillationLossWithGrad}. */
export interface DistillationOptions {
  /** T > 0, shared by student and teacher: the loss is T²·KL(softmax(t/T) ‖ softmax(s/T)). Default 1. */
  temperature?: number;
  /** 'none', 'sum', or 'mean' (default, over rows; PyTorch's 'batchmean'). */
  reduction?: Reduction;
}

/** Options of {@link entropy} and {@link entropyWithGrad}. */
export interface EntropyOptions {
  /** T > 0: the entropy of softmax(logits / T). Default 1. */
  temperature?: number;
  /** The logarithm's base: Math.E (default, nats) or 2 (bits); any finite base > 1 is allowed. */
  base?: number;
  /** 'none' (one entropy per row), 'sum', or 'mean' (default, over rows). */
  reduction?: Reduction;
}

function reductionOf(op: string, r: unknown): Reduction {
  if (r !== 'none' && r !== 'sum' && r !== 'mean') {
    throw new Error(`${op}: options.reduction must be 'none', 'sum' or 'mean'; got ${show(r)}.`);
  }
  return r;
}

function attrs(kind: DivergenceKind, reduction: Reduction, temperature: number, targetTemperature: number,
    scale: number): SoftmaxDivergenceAttrs {
  return {kind, reduction, temperature, targetTemperature, scale};
}

export function klAttrs(op: string, options: KLDivergenceOptions): SoftmaxDivergenceAttrs {
  checkKeys(op, options, ['targetFormat', 'temperature', 'targetTemperature', 'reduction']);
  const {targetFormat = 'probabilities', reduction = 'mean'} = options;
  if (targetFormat !== 'probabilities' && targetFormat !== 'logits') {
    throw new Error(`${op}: options.targetFormat must be 'probabilities' or 'logits'; got ${show(targetFormat)}.`);
  }
  const T = positive(op, 'temperature', options.temperature ?? 1);
  if (options.targetTemperature !== undefined && targetFormat !== 'logits') {
    throw new Error(`${op}: options.targetTemperature applies to targetFormat 'logits' only; these targets ` +
        `are probabilities.`);
  }
  const Tt = positive(op, 'targetTemperature', options.targetTemperature ?? T);
  return attrs(targetFormat === 'logits' ? 'klLogits' : 'klProbabilities', reductionOf(op, reduction), T, Tt, 1);
}

export function distillationAttrs(op: string, options: DistillationOptions): SoftmaxDivergenceAttrs {
  checkKeys(op, options, ['temperature', 'reduction']);
  const T = positive(op, 'temperature', options.temperature ?? 1);
  return attrs('klLogits', reductionOf(op, options.reduction ?? 'mean'), T, T, T * T);
}

export function entropyAttrs(op: string, options: EntropyOptions): SoftmaxDivergenceAttrs {
  checkKeys(op, options, ['temperature', 'base', 'reduction']);
  const T = positive(op, 'temperature', options.temperature ?? 1);
  const base = baseOf(op, options.base);
  return attrs('entropy', reductionOf(op, options.reduction ?? 'mean'), T, T, base === Math.E ? 1 : 1 / Math.log(base));
}

const shape = (s: readonly number[]) => `[${s.join(',')}]`;

/** `x` as a float32 tensor of rank ≥ 1 with K ≥ 1 (call inside tf.tidy), or an error naming `name`. */
function floatTensor(op: string, name: string, x: unknown): tf.Tensor {
  if (x instanceof tf.Tensor) {
    if (x.dtype !== 'float32') {
      throw new Error(`${op}: ${name} must be a float32 tensor; got ${x.dtype}. Cast it with tf.cast(${name}, 'float32').`);
    }
    return x;
  }
  if (x == null) throw new Error(`${op}: ${name} must be a float32 tensor [..., K]; got ${String(x)}.`);
  assertTensorLike(x, name, op);
  return tf.tensor(x as tf.TensorLike, undefined, 'float32');
}

/**
 * Checks and converts the logits and the targets (of the same shape) of a divergence op; entropy has
 * no targets (`targetsName` null) and passes the logits as its targets.
 */
export function divergenceInputs(op: string, logitsIn: unknown, logitsName: string, targetsIn: unknown,
    targetsName: string | null): {logits: tf.Tensor, targets: tf.Tensor} {
  const logits = floatTensor(op, logitsName, logitsIn);
  if (logits.rank < 1) {
    throw new Error(`${op}: ${logitsName} must have rank >= 1 with classes on the last axis; got a scalar.`);
  }
  if (logits.shape[logits.rank - 1] === 0) {
    throw new Error(`${op}: ${logitsName} must have at least one class on the last axis; got shape ${shape(logits.shape)}.`);
  }
  if (targetsName === null) return {logits, targets: logits};
  const targets = floatTensor(op, targetsName, targetsIn);
  if (!tf.util.arraysEqual(targets.shape, logits.shape)) {
    throw new Error(`${op}: ${targetsName} must have the shape of ${logitsName}, ${shape(logits.shape)}; got ` +
        `${shape(targets.shape)}.`);
  }
  return {logits, targets};
}
