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
 *   s = z / T,  lse = log Σ_c exp(s_c),  p_c = exp(s_c − lse)
 *   class ids:      a_c = (1 − ε)·w_y·[c = y] + (ε/K)·w_c
 *   probabilities:  a_c = w_c·((1 − ε)·P_c + ε/K)
 *   ℓ = Σ_c a_c·(lse − s_c) + λ·lse²            (a term with a_c = 0 is 0, even if s_c = −∞)
 *   ∂ℓ/∂z_c = (1/T)·[(Σ_c a_c + 2λ·lse)·p_c − a_c]   (because ∂lse/∂s_c = p_c)
 *
 * The reduction lives inside the kernels, not in tfjs ops after them: a mean built from tfjs Sum and
 * RealDiv kernels (and their gradients) would cost GPU backends four or five extra program runs per
 * step. So the forward kernel already returns the reduced loss, and the denominator D it divided by
 * (saved for the backward kernel, which then needs no pass over the labels).
 *
 * The forward kernel also saves each row's target mass A = Σ_c a_c (its loss sums the a_c anyway).
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
  // float32 [...], the forward's fifth output: A = Σ_c a_c per row (the weight on p). Read by float32
  // backends; float64 ones (cpu, wasm) recompute it, as the gradient cancels against it (see above).
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
}

/**
 * Output shapes. loss: logits.shape[:-1] for 'none', [] otherwise. lse, lseLow: logits.shape[:-1]
 * (0 on ignored rows, which the backward kernel skips). denominator: [] — D for 'mean' (Σ w_y over
 * non-ignored rows for class ids, N for probabilities), always computed so the backward kernel can
 * apply the reduction. targetMass: logits.shape[:-1], A_i = Σ_c a_ic (0 on ignored rows), so a float32
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
