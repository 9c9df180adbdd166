/**
 * The fused softmax divergence kernel contract: KL divergence (to probabilities or to a teacher's
 * logits, distillation included) and entropy, written once for every backend (the anatomy of
 * ../softmax_cross_entropy/contract.ts). One family, because all three need the same row machinery:
 * online log-sum-exps of one or two rows and a P-weighted mean of a difference of logs, max-shifted.
 *
 *   FusedSoftmaxDivergence        forward:        logits, targets -> [loss, lse, lseLow, aux, auxLow]
 *   FusedSoftmaxDivergenceGrad    backward:       logits, targets, lse, lseLow, aux, auxLow, dy -> dlogits
 *   SoftmaxDivergenceWithLogits   loss-and-grad:  logits, targets -> [loss, dlogits]
 *
 * Shapes: logits float32 [..., K] (leading axes are N rows, K ≥ 1 classes on the last axis); targets
 * float32 of the same shape: probabilities P, a teacher's logits t, or (entropy) the logits themselves,
 * passed again by the op so that every kernel has one input signature (no copy: the same tensor).
 *
 * Math (docs/semantics.md is the source of truth; this is its derivation in one place). With
 * s = z / T, lse = log Σ_c exp(s_c), log p_c = s_c − lse:
 *
 *   kind 'klProbabilities':  KL = Σ_c P_c·(log P_c − log p_c)
 *       a term with P_c = 0 is 0 (0·log 0 = 0, even where s_c = −∞); P_c > 0 = p_c gives +∞.
 *       ∂KL/∂z_j = (1/T)·[(Σ_c P_c)·p_j − P_j]          (cross-entropy's gradient with a = P)
 *   kind 'klLogits':  the same with P = softmax(u), u = t / T_t (T_t = targetTemperature), taken in log
 *       space, log P_c = u_c − lse_u, never the log of a rounded probability; Σ_c P_c = 1, so
 *       ∂KL/∂z_j = (1/T)·(p_j − P_j). The teacher is a constant (the registered gradient gives zeros).
 *       A term with u_c = −∞ is 0; u_c finite where s_c = −∞ gives +∞ (P_c > 0 = p_c).
 *   kind 'entropy':  H = −Σ_c p_c·log p_c = lse − Σ_c p_c·s_c,
 *       ∂H/∂s_j = −p_j·(s_j − Σ_c p_c·s_c) = −p_j·(log p_j + H), so ∂H/∂z_j = −(1/T)·p_j·(log p_j + H)
 *       (0 at s_j = −∞: p log p → 0).
 *
 * Every loss is multiplied by `scale` (T² for distillation, Hinton et al.'s T²·KL(softmax(t/T) ‖
 * softmax(s/T)); 1/ln 2 for entropy in bits; 1 otherwise), and so is its gradient.
 *
 * One read of each row, max-shifted (teacher logits near 1e4, or rows offset by 1000, stay exact): an
 * online pass keeps, per row, m_s and S_s (the student's max and Σ exp(s_c − m_s)), m_u and S_u (the
 * target's), and W = Σ_c e_c·d_c with e_c = exp(u_c − m_u) and d_c = (u_c − m_u) − (s_c − m_s). Then
 *
 *   KL = W / S_u − log S_u + log S_s,        since log P_c − log p_c = d_c − log S_u + log S_s.
 *
 * A new target max m_u' = m_u + δ rescales: W ← e^(−δ)·(W − δ·S_u), S_u ← e^(−δ)·S_u (every e_c shrinks,
 * every d_c drops by δ); a new student max m_s' = m_s + δ adds: W ← W + δ·S_u. Two partial states merge
 * the same way (GPU trees). Entropy is the case u = s, d = s_c − m (one max, one sum):
 * H = log S − V / S with V = Σ_c e_c·(s_c − m), and V ← e^(−δ)·(V − δ·S) on a new max. Where the
 * max entry dominates (one-hot-like rows) S = 1 + S_rest with S_rest tiny, and log S must be
 * log1p(S_rest), the sum kept without the max's own 1 (it would round S_rest away): float64 backends
 * keep S_rest, float32 ones at least form log S as log1p(S − 1) from the block sums they have.
 *
 * Non-finite input: a NaN anywhere in a row (logits or targets) makes its loss and gradient NaN, and
 * so does a +∞ logit, a +∞ teacher logit, a row of all −∞ (student, or teacher for 'klLogits'), and
 * a NaN or negative probability. Nothing is ignored: there are no class ids.
 *
 * Reductions: 'none' (shape logits.shape[:-1]), 'sum', 'mean' = sum / N (rows, not entries: PyTorch's
 * kl_div 'batchmean'; N = 0 gives 0). The backward kernel's dy is per row for 'none', else a scalar,
 * divided by N for 'mean'.
 *
 * Saved for the backward kernel (all [...], O(N)): lse as a float32 pair (lse, lseLow: lse + lseLow is
 * good to 2^-48 relative, so p = exp(s − lse) stays exact at |lse| ≈ 1e4), and aux, auxLow, by kind:
 *   'klLogits'         the target's lse_u, a float32 pair (P_c = exp(u_c − lse_u) in the backward)
 *   'klProbabilities'  Σ_c P_c in aux (auxLow 0); float64 backends may re-sum it, as cross-entropy's A
 *   'entropy'          the row's H (unscaled nats) as a float32 pair
 */
import type {NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';
import type {Reduction} from '../softmax_cross_entropy/contract.js';

export type {Reduction};

export const FusedSoftmaxDivergence = 'FusedSoftmaxDivergence';
export const FusedSoftmaxDivergenceGrad = 'FusedSoftmaxDivergenceGrad';
export const SoftmaxDivergenceWithLogits = 'SoftmaxDivergenceWithLogits';

export const DIVERGENCE_KERNEL_NAMES = [
  FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, SoftmaxDivergenceWithLogits,
] as const;

export type DivergenceKind = 'klProbabilities' | 'klLogits' | 'entropy';

export interface SoftmaxDivergenceInputs {
  logits: TensorInfo;   // float32 [..., K]
  targets: TensorInfo;  // float32 [..., K]: probabilities, teacher logits, or the logits (entropy)
}

export type FusedSoftmaxDivergenceInputs = SoftmaxDivergenceInputs;
export type SoftmaxDivergenceWithLogitsInputs = SoftmaxDivergenceInputs;

export interface FusedSoftmaxDivergenceGradInputs extends SoftmaxDivergenceInputs {
  lse: TensorInfo;     // float32 [...], the forward's second output
  lseLow: TensorInfo;  // float32 [...], the third
  aux: TensorInfo;     // float32 [...], the fourth (by kind, above)
  auxLow: TensorInfo;  // float32 [...], the fifth
  dy: TensorInfo;      // float32: [...] for 'none', [] otherwise
}

/** Attributes shared by the three kernels; the op layer has validated them. */
export interface SoftmaxDivergenceAttrs extends NamedAttrMap {
  kind: DivergenceKind;
  reduction: Reduction;
  temperature: number;        // T > 0, dividing the logits
  targetTemperature: number;  // T_t > 0, dividing teacher logits ('klLogits'; ignored otherwise)
  scale: number;              // > 0, multiplies loss and gradient (T² for distillation, 1/ln 2 for bits)
}

export function divergenceRowShape(logitsShape: readonly number[]): number[] {
  return logitsShape.slice(0, -1);
}

export function divergenceLossShape(logitsShape: readonly number[], reduction: Reduction): number[] {
  return reduction === 'none' ? divergenceRowShape(logitsShape) : [];
}

/** The upstream gradient of row i (before `scale`): dy per row for 'none', dy for 'sum', dy / N for 'mean'. */
export function divergenceRowDy(reduction: Reduction, dy: ArrayLike<number>, rows: number, i: number): number {
  if (reduction === 'none') return dy[i];
  if (reduction === 'sum') return dy[0];
  return rows === 0 ? 0 : dy[0] / rows;
}
