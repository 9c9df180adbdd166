/**
 * The fused softmax cross-entropy kernel contract, written once for every backend.
 *
 * Three kernels, each a name constant plus Inputs/Attrs types (the tfjs kernel_names.ts style):
 *
 *   FusedSoftmaxCrossEntropy      forward:        logits, labels, classWeights
 *                                                 -> [loss, lse, lseLow, denominator, targetMass]
 *   FusedSoftmaxCrossEntropyGrad  backward:       logits, labels, classWeights, lse, lseLow, denominator,
 *                                                 targetMass, dy -> dlogits
 *   SoftmaxCrossEntropyWithLogits loss-and-grad:  logits, labels, classWeights -> [loss, dlogits]
 *
 * The third keeps TensorFlow's name: its SoftmaxCrossEntropyWithLogits op also returns the loss and
 * the backprop together. Labels pick the target kind by dtype: int32 class ids of shape logits.shape[:-1],
 * or float32 probabilities of shape logits.shape. Leading axes of logits are rows (N), the last is
 * classes (K).
 *
 * Math (docs/semantics.md is the source of truth; this is its derivation in one place):
 *
 *   s = z / T  (with a softcap c > 0: s = c·tanh(z/c) / T, cap first; a −∞ logit stays −∞)
 *   lse = log Σ_c exp(s_c),  p_c = exp(s_c − lse)
 *   class ids, labelSmoothingOver 'all':     a_c = (1 − ε)·w_y·[c = y] + (ε/K)·w_c
 *   class ids, labelSmoothingOver 'others':  a_c = (1 − ε)·w_y·[c = y] + (ε/(K − 1))·w_c·[c ≠ y]
 *                                            (fairseq's; K = 1 has no other class: a_0 = w_0, ε unused)
 *   probabilities:                           a_c = w_c·((1 − ε)·P_c + ε/K)   ('others' is refused)
 *   ℓ = Σ_c a_c·(lse − s_c) + λ·lse²            (a term with a_c = 0 is 0, even if s_c = −∞)
 *   ∂ℓ/∂s_c = (Σ_c a_c + 2λ·lse)·p_c − a_c      (because ∂lse/∂s_c = p_c)
 *   ∂ℓ/∂z_c = (1/T)·∂ℓ/∂s_c, times sech²(z_c/c) = 1 − tanh²(z_c/c) under a softcap (0 at z_c = −∞)
 *
 * Focal loss (γ = focalGamma ≥ 0; Lin et al., with the class weights as α): every term is modulated,
 *
 *   ℓ = Σ_c a_c·q_c^γ·(lse − s_c) + λ·lse²,   q_c = 1 − p_c = −expm1(s_c − lse)  (never 1 − p_c in float32)
 *
 * Derivation of its gradient: with ∂p_c/∂s_j = p_c·([c = j] − p_j), ∂(lse − s_c)/∂s_j = p_j − [c = j]
 * and ∂q_c^γ/∂s_j = −γ·q_c^(γ−1)·p_c·([c = j] − p_j), the product rule on each term gives
 *
 *   ∂ℓ/∂s_j = Σ_c a_c·(p_j − [c = j])·[q_c^γ − γ·q_c^(γ−1)·p_c·(lse − s_c)]
 *           = Σ_c b_c·(p_j − [c = j]) = B·p_j − b_j,
 *   b_c = a_c·q_c^γ·(1 − γ·r_c),  r_c = p_c·log p_c / q_c,  B = Σ_c b_c,
 *
 * then + 2λ·lse·p_j for the z-loss: cross-entropy's gradient with a → b and A → B, so the forward
 * saves B where it saves A (targetMass below). Limits: r_c = −1 where q_c = 0 (p log p ≈ −q as p → 1),
 * r_c = 0 where p_c = 0; 0^0 = 1, so γ = 0 gives b = a, and every backend runs its unmodified
 * cross-entropy code for γ = 0: bit for bit today's results (as for softcap 0, no cap).
 *
 * The reduction lives inside the kernels, not in tfjs ops after them: a mean built from tfjs Sum and
 * RealDiv kernels (and their gradients) would cost GPU backends four or five extra program runs per
 * step. So the forward kernel already returns the reduced loss, and the denominator D it divided by
 * (saved for the backward kernel, which then needs no pass over the labels).
 *
 * The forward kernel also saves each row's target mass A = Σ_c a_c (its loss sums the a_c anyway);
 * with γ > 0 it saves B = Σ_c b_c instead (the same role in the gradient).
 * With lse, D and A saved, each dlogits entry of the backward kernel needs only its own logit, label
 * and weight and per-row values: no reduction over a row. Without A, probability labels would cost
 * an O(K) pass per row there, which a GPU backend (one thread per output element) would run serially
 * for every element.
 *
 * Only float32 backends (the GPU ones) read the saved A. Float64 backends (cpu, wasm) accept the input
 * but re-sum A in float64 (O(1) per row for class ids, one pass for probabilities): where the model is
 * confident (p_y ≈ 1, or P ≈ p) the gradient (A + 2λ·lse)·p_c − a_c cancels, and A rounded to float32
 * (an error of ≈6e-8·A) would dominate the small remainder: 4e-6 of the largest entry instead of 1e-7.
 * Float32 backends lose as much in A·p_c and a_c anyway (test/backends.ts, perTerm).
 */
import type {NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';

export const FusedSoftmaxCrossEntropy = 'FusedSoftmaxCrossEntropy';
export const FusedSoftmaxCrossEntropyGrad = 'FusedSoftmaxCrossEntropyGrad';
export const SoftmaxCrossEntropyWithLogits = 'SoftmaxCrossEntropyWithLogits';

/** Every kernel name this package registers, for registration loops and tests. */
export const KERNEL_NAMES = [
  FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, SoftmaxCrossEntropyWithLogits,
] as const;

export type Reduction = 'none' | 'sum' | 'mean';

/** The shared inputs. classWeights is always present (the op passes ones when the user gave none),
 * so the registered gradient can save it by name and every backend has one input signature. */
export interface SoftmaxCrossEntropyInputs {
  logits: TensorInfo;        // float32 [..., K]
  labels: TensorInfo;        // int32 [...] class ids, or float32 [..., K] probabilities
  classWeights: TensorInfo;  // float32 [K]
}

export type FusedSoftmaxCrossEntropyInputs = SoftmaxCrossEntropyInputs;
export type SoftmaxCrossEntropyWithLogitsInputs = SoftmaxCrossEntropyInputs;

export interface FusedSoftmaxCrossEntropyGradInputs extends SoftmaxCrossEntropyInputs {
  lse: TensorInfo;          // float32 [...], the forward's second output
  lseLow: TensorInfo;       // float32 [...], the forward's third output
  denominator: TensorInfo;  // float32 [], the forward's fourth output
  // float32 [...], the forward's fifth output: A = Σ_c a_c per row (the weight on p; B = Σ_c b_c when
  // γ > 0). Read by float32 backends; float64 ones (cpu, wasm) recompute it, as the gradient cancels
  // against it (see above): for γ > 0 that costs a pass over the row (b_c needs p_c) where a row has
  // more than one nonzero a_c.
  targetMass: TensorInfo;
  dy: TensorInfo;           // float32, the shape of the forward's loss: [...] for 'none', [] otherwise
}

/** Attributes shared by the three kernels; the op layer has validated them. */
export interface SoftmaxCrossEntropyAttrs extends NamedAttrMap {
  reduction: Reduction;
  labelSmoothing: number;  // ε in [0, 1]
  ignoreIndex: number;     // an integer; rows whose class id equals it are ignored (class ids only)
  temperature: number;     // T > 0
  zLoss: number;           // λ ≥ 0
  /**
   * false when the user gave no class weights: classWeights is then all ones, and a backend may skip
   * reading it (WebGL then neither uploads nor samples it: one program run less per step).
   */
  classWeighted: boolean;
  /** γ ≥ 0; 0 (the default) is plain cross-entropy and runs today's code unchanged. */
  focalGamma: number;
  /** 'all' (ε/K on every class) or 'others' (ε/(K − 1) on each class but the target; class ids only). */
  labelSmoothingOver: 'all' | 'others';
  /** c > 0 caps the logits to c·tanh(z/c) before the temperature; 0 (the default) means no cap. */
  softcap: number;
}

/**
 * Output shapes. loss: logits.shape[:-1] for 'none', [] otherwise. lse, lseLow: logits.shape[:-1]
 * (0 on ignored rows, which the backward kernel skips). denominator: [] — D for 'mean' (Σ w_y over
 * non-ignored rows for class ids, N for probabilities), always computed so the backward kernel can
 * apply the reduction. targetMass: logits.shape[:-1], A_i = Σ_c a_ic (B_i when γ > 0; 0 on ignored rows), so a float32
 * backend's backward kernel needs no sum over a row; O(N), like lse.
 */
export function rowShape(logitsShape: readonly number[]): number[] {
  return logitsShape.slice(0, -1);
}

export function lossShape(logitsShape: readonly number[], reduction: Reduction): number[] {
  return reduction === 'none' ? rowShape(logitsShape) : [];
}

/**
 * The upstream gradient of row i, given the kernel's dy: 'none' has one dy per row; 'sum' and 'mean'
 * have a scalar dy, and the mean divides it by D (0 when D = 0: an all-ignored batch has a zero
 * gradient, never NaN).
 */
export function rowDy(reduction: Reduction, dy: ArrayLike<number>, denominator: number, i: number): number {
  if (reduction === 'none') return dy[i];
  if (reduction === 'sum') return dy[0];
  return denominator === 0 ? 0 : dy[0] / denominator;
}

/**
 * Throws, naming the row and the value, on the first class id outside [0, K) that is not ignoreIndex:
 * what every backend whose labels are on the CPU does, and the op layer's validateLabels.
 */
export function checkClassIds(ids: ArrayLike<number>, rows: number, numClasses: number, ignoreIndex: number): void {
  for (let i = 0; i < rows; i++) {
    const y = ids[i];
    if ((y < 0 || y >= numClasses) && y !== ignoreIndex) {
      throw new Error(`softmaxCrossEntropy: labels must be class ids in [0, ${numClasses}) or ignoreIndex ` +
          `(${ignoreIndex}); row ${i} has ${y}.`);
    }
  }
}
