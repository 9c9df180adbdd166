/**
 * The sigmoid family's entry points: the three kernels of contract.ts, run in place on tfjs's wasm heap
 * (every pointer is a byte offset into the memory the module imports from tfjs-backend-wasm; outputs
 * are allocated by the host through tfjs). Re-exported by the module's entry,
 * backends/wasm/assembly/index.ts, next to the softmax family's; names carry "sigmoid" because the
 * module's exports are one namespace.
 *
 * Every entry is its own problem, so nothing passes from forward to backward: the backward kernel
 * recomputes each entry from its logit and label. ASC_FEATURE_SIMD picks the entry math at compile
 * time (entries_simd.ts, entries_scalar.ts).
 */
import {MEAN, SUM} from '../../../../backends/wasm/assembly/reduction';
import * as scalar from './entries_scalar';
import * as simd from './entries_simd';
import {entries, reduction, setOptionsGlobals, setProblemGlobals} from './problem';

/** The tensors of the next call: byte offsets of logits, labels, posWeight, classWeights; M entries, C columns. */
export function setSigmoidProblem(x: usize, y: usize, posWeight: usize, classWeights: usize, m: i32, c: i32): void {
  setProblemGlobals(x, y, posWeight, classWeights, m, c);
}

/**
 * The attributes of the next call: ε, γ, α (−1: absent), which weights to read, and the reduction
 * (0 none, 1 sum, 2 mean).
 */
export function setSigmoidOptions(smoothing: f64, gamma: f64, alpha: f64, posWeighted: bool, classWeighted: bool,
    red: i32): void {
  setOptionsGlobals(smoothing, gamma, alpha, posWeighted, classWeighted, red);
}

/** The reduced loss from the float64 total: 'sum' the total, 'mean' total / M (0 for M = 0); 'none' wrote its own. */
function writeLoss(out: usize, total: f64): void {
  if (reduction == SUM) store<f32>(out, <f32>total);
  else if (reduction == MEAN) store<f32>(out, entries == 0 ? 0 : <f32>(total / <f64>entries));
}

/** FusedSigmoidCrossEntropy: → loss (logits' shape for 'none', else a scalar). */
export function sigmoidForward(loss: usize): void {
  writeLoss(loss, ASC_FEATURE_SIMD ? simd.forward(loss) : scalar.forward(loss));
}

/** FusedSigmoidCrossEntropyGrad: dy (the loss's shape) → dlogits. */
export function sigmoidBackward(dy: usize, grad: usize): void {
  if (ASC_FEATURE_SIMD) simd.backward(dy, grad); else scalar.backward(dy, grad);
}

/** SigmoidCrossEntropyWithLogits: → loss and dlogits of the reduced loss, in one pass. */
export function sigmoidLossAndGrad(loss: usize, grad: usize): void {
  writeLoss(loss, ASC_FEATURE_SIMD ? simd.lossAndGrad(loss, grad) : scalar.lossAndGrad(loss, grad));
}
