/**
 * The fused sigmoid cross-entropy kernel contract, written once for every backend (the anatomy of
 * ../softmax_cross_entropy/contract.ts).
 *
 *   FusedSigmoidCrossEntropy       forward:        logits, labels, posWeight, classWeights -> [loss]
 *   FusedSigmoidCrossEntropyGrad   backward:       logits, labels, posWeight, classWeights, dy -> dlogits
 *   SigmoidCrossEntropyWithLogits  loss-and-grad:  logits, labels, posWeight, classWeights -> [loss, dlogits]
 *
 * The third keeps TensorFlow's name (tf.nn.sigmoid_cross_entropy_with_logits). Every entry is its own
 * two-class problem, so nothing is saved between forward and backward: the backward kernel reads each
 * logit, label and dy once and writes each dlogit once, with no pass over a row.
 *
 * Shapes: logits float32 of any shape (a scalar too); labels float32 of the same shape (the op casts
 * int32 and bool labels); the last axis holds C columns (C = 1 for a scalar), posWeight and
 * classWeights are float32 [C] (the op passes ones for an absent option and the *Weighted flags say so,
 * so a backend may skip reading them). Entry e is in column e mod C.
 *
 * Math (docs/semantics.md is the source of truth; this is its derivation in one place). Per entry,
 * with y' = (1 − ε)·y + ε/2, P = posWeight[col], w = classWeights[col]:
 *
 *   sp(u) = max(u, 0) + log1p(exp(−|u|))       (softplus, stable; sp(x) − sp(−x) = x)
 *   σ(x) = 1 / (1 + exp(−x)), formed from e = exp(−|x|) as 1/(1 + e) or e/(1 + e) (never 1 − σ)
 *   bce  = P·y'·sp(−x) + (1 − y')·sp(x)        (each term 0 where its coefficient is 0, even if sp = +∞)
 *   ∂bce/∂x = (1 − y')·σ(x) − P·y'·σ(−x)
 *       (= (P·y' + 1 − y')·σ(x) − P·y', written without σ(x) − 1, which float32 rounds to 0 for x > 17)
 *
 * Focal (γ = focalGamma ≥ 0; α = focalAlpha in [0, 1], or absent: α_t = 1):
 *
 *   q_t = y'·σ(−x) + (1 − y')·σ(x)             (1 − p_t from σ(±x), never 1 − p_t)
 *   α_t = α·y' + (1 − α)·(1 − y')
 *   ℓ   = w·α_t·q_t^γ·bce                      (0 where w·α_t·q_t^γ = 0, even if bce = +∞)
 *   ∂ℓ/∂x = w·α_t·[γ·q_t^(γ−1)·(1 − 2y')·σ(x)σ(−x)·bce + q_t^γ·∂bce/∂x]
 *       because ∂q_t/∂x = (1 − 2y')·σ(x)σ(−x). The first term is 0 where γ = 0, q_t = 0 or
 *       σ(x)σ(−x) = 0 (x = ±∞, or |x| past float underflow: its limit, as σσ' decays like e^−|x| and
 *       bce grows like |x|). q_t^γ is 1 for γ = 0 (0^0 = 1): γ = 0 runs no focal code at all, so its
 *       results are bit-identical to no focal option.
 *
 * Non-finite input: x = ±∞ give the limits (loss 0 or +∞, gradient finite); a NaN in x or y makes that
 * entry's loss and gradient NaN whatever its weights.
 *
 * Reductions (inside the kernels, as for softmax: no tfjs Sum/RealDiv programs after them):
 *   'none' the loss has logits' shape; dy has logits' shape
 *   'sum'  Σ_e ℓ_e, a scalar; dy a scalar
 *   'mean' Σ_e ℓ_e / M with M = the number of entries (PyTorch's, also with weights); dy a scalar,
 *          each entry's upstream gradient dy/M. An empty input's sum and mean are exactly 0.
 */
import type {NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';
import type {Reduction} from '../softmax_cross_entropy/contract.js';

export type {Reduction};

export const FusedSigmoidCrossEntropy = 'FusedSigmoidCrossEntropy';
export const FusedSigmoidCrossEntropyGrad = 'FusedSigmoidCrossEntropyGrad';
export const SigmoidCrossEntropyWithLogits = 'SigmoidCrossEntropyWithLogits';

/** Every sigmoid kernel name, for registration loops and the op layer's "has fused kernels" check. */
export const SIGMOID_KERNEL_NAMES = [
  FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyGrad, SigmoidCrossEntropyWithLogits,
] as const;

/** The shared inputs; posWeight and classWeights are always present (ones when the user gave none). */
export interface SigmoidCrossEntropyInputs {
  logits: TensorInfo;        // float32, any shape
  labels: TensorInfo;        // float32, logits' shape, values in [0, 1]
  posWeight: TensorInfo;     // float32 [C], C = logits' last axis (1 for a scalar)
  classWeights: TensorInfo;  // float32 [C]
}

export type FusedSigmoidCrossEntropyInputs = SigmoidCrossEntropyInputs;
export type SigmoidCrossEntropyWithLogitsInputs = SigmoidCrossEntropyInputs;

export interface FusedSigmoidCrossEntropyGradInputs extends SigmoidCrossEntropyInputs {
  dy: TensorInfo;  // float32, the forward loss's shape: logits' shape for 'none', [] otherwise
}

/** Attributes shared by the three kernels; the op layer has validated them. */
export interface SigmoidCrossEntropyAttrs extends NamedAttrMap {
  reduction: Reduction;
  labelSmoothing: number;  // ε in [0, 1]
  focalGamma: number;      // γ ≥ 0; 0 is no focal term
  focalAlpha: number;      // α in [0, 1], or −1 when absent (α_t = 1)
  posWeighted: boolean;    // false: posWeight is all ones, a backend may skip reading it
  classWeighted: boolean;  // false: classWeights is all ones, a backend may skip reading it
}

/** C: the number of columns the weights have, logits' last axis (1 for a scalar). */
export function columns(logitsShape: readonly number[]): number {
  return logitsShape.length === 0 ? 1 : logitsShape[logitsShape.length - 1];
}

/** The loss output's shape: logits' shape for 'none', [] otherwise. */
export function sigmoidLossShape(logitsShape: readonly number[], reduction: Reduction): number[] {
  return reduction === 'none' ? logitsShape.slice() : [];
}

/**
 * The factor the reduction puts on each entry's loss and on its upstream gradient (times dy for the
 * backward kernel): 1 for 'none' and 'sum', 1/M for 'mean', 0 for an empty mean (never NaN).
 */
export function entryScale(reduction: Reduction, entries: number): number {
  if (reduction !== 'mean') return 1;
  return entries === 0 ? 0 : 1 / entries;
}
