/**
 * The softmax family's entry points. Three kernels, the same three as every backend (contract.ts), run
 * in place on tfjs's wasm heap: every pointer is a byte offset into the memory the module imports
 * from tfjs-backend-wasm. The module has no data segments, no stack in that memory, and never grows
 * it; outputs are allocated by the host through tfjs (backend.makeOutput).
 *
 * The module is one per build, exporting every family: its entry is backends/wasm/assembly/index.ts,
 * which re-exports these. One source, three builds (scripts/build_wasm.js): scalar, SIMD, and SIMD with
 * shared memory (for tfjs's threaded build). ASC_FEATURE_SIMD picks the row math at compile time.
 */
import * as simd from './rows_simd';
import * as scalar from './rows_scalar';
import * as general from './rows_general';
import * as generalSimd from './rows_general_simd';
import {MEAN, NONE, SUM} from '../../../../backends/wasm/assembly/reduction';
import {classes, denominator, gamma, general as isGeneral, isIgnored, reduction, rows, setOptionsGlobals,
  setProblemGlobals, targetMass} from './problem';

/** The tensors of the next call: byte offsets of logits, labels, class weights; N, K; labels are ids. */
export function setProblem(z: usize, y: usize, w: usize, n: i32, k: i32, ids: bool): void {
  setProblemGlobals(z, y, w, n, k, ids);
}

/**
 * The attributes of the next call (after setProblem: 'others' needs to know the labels are ids);
 * reduction is 0 none, 1 sum, 2 mean; focal γ and softcap c are off at 0, overOthers is
 * labelSmoothingOver 'others'.
 */
export function setOptions(smoothing: f64, temperature: f64, zLoss: f64, ignore: i32, red: i32, focalGamma: f64,
    softcap: f64, overOthers: bool): void {
  setOptionsGlobals(smoothing, temperature, zLoss, ignore, red, focalGamma, softcap, overOthers);
}

// Each row step is the build's own (rows_simd.ts or rows_scalar.ts), or for focal, a softcap or
// 'others' smoothing rows_general.ts (scalar build) and rows_general_simd.ts (SIMD builds): one branch
// per row, the defaults' arithmetic untouched.
// @ts-ignore: decorator
@inline function generalLogSumExp(i: i32): f64 {
  return ASC_FEATURE_SIMD ? generalSimd.logSumExp(i) : general.logSumExp(i);
}
// @ts-ignore: decorator
@inline function generalRowLoss(i: i32, lse: f64): f64 {
  return ASC_FEATURE_SIMD ? generalSimd.rowLoss(i, lse) : general.rowLoss(i, lse);
}
// @ts-ignore: decorator
@inline function logSumExp(i: i32): f64 {
  if (isGeneral) return generalLogSumExp(i);
  return ASC_FEATURE_SIMD ? simd.logSumExp(i) : scalar.logSumExp(i);
}
// (the general rows park nothing: their gradient forms p_c from the lse)
// @ts-ignore: decorator
@inline function logSumExpParked(i: i32, g: usize): f64 {
  if (isGeneral) return generalLogSumExp(i);
  return ASC_FEATURE_SIMD ? simd.logSumExpParked(i, g) : scalar.logSumExpParked(i, g);
}
// @ts-ignore: decorator
@inline function rowLoss(i: i32, lse: f64): f64 {
  if (isGeneral) return generalRowLoss(i, lse);
  return ASC_FEATURE_SIMD ? simd.rowLoss(i, lse) : scalar.rowLoss(i, lse);
}
// @ts-ignore: decorator
@inline function rowMass(): f64 {
  if (isGeneral) return general.rowMass;
  return ASC_FEATURE_SIMD ? simd.rowMass : scalar.rowMass;
}
// the backward kernel's A (B with focal: a loss sweep), re-summed in float64
// @ts-ignore: decorator
@inline function savedMass(i: i32, lse: f64): f64 {
  if (!isGeneral) return targetMass(i);
  if (gamma == 0) return general.plainMass(i);
  generalRowLoss(i, lse);
  return general.rowMass;
}
// @ts-ignore: decorator
@inline function fill(p: usize, n: i32, v: f32): void { if (ASC_FEATURE_SIMD) simd.fill(p, n, v); else scalar.fill(p, n, v); }
// @ts-ignore: decorator
@inline function rowGradient(i: i32, lse: f64, a: f64, dy: f64, g: usize, parked: bool): void {
  if (isGeneral) {
    if (ASC_FEATURE_SIMD) generalSimd.rowGradient(i, lse, a, dy, g); else general.rowGradient(i, lse, a, dy, g);
  } else if (ASC_FEATURE_SIMD) simd.rowGradient(i, lse, a, dy, g, parked);
  else scalar.rowGradient(i, lse, a, dy, g, parked);
}

/** The reduced loss: the per-row losses were written for 'none'; else the total, or total / D (0 if D = 0). */
function writeLoss(out: usize, total: f64, d: f64): void {
  if (reduction == SUM) store<f32>(out, <f32>total);
  else if (reduction == MEAN) store<f32>(out, d == 0 ? 0 : <f32>(total / d));
}

/**
 * FusedSoftmaxCrossEntropy: → loss, lse as a float32 pair (hi, lo), D, and A = Σ_c a_c per row (B with
 * focal: the contract's targetMass; this module's backward kernel re-sums it in float64). One read of
 * the logits (two in rows_general.ts where a row's loss has more than one term).
 */
export function forward(loss: usize, lseHi: usize, lseLo: usize, den: usize, mass: usize): void {
  let total: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 2;
    let l: f64 = 0, a: f64 = 0;
    let hi: f32 = 0, lo: f32 = 0;
    if (!isIgnored(i)) {
      // 1. row max and sum
      const lse = logSumExp(i);
      // 2. loss (and A)
      l = rowLoss(i, lse);
      a = rowMass();
      hi = <f32>lse;
      lo = <f32>(lse - <f64>hi);
    }
    store<f32>(lseHi + o, hi);
    store<f32>(lseLo + o, lo);
    store<f32>(mass + o, <f32>a);
    if (reduction == NONE) store<f32>(loss + o, <f32>l); else total += l;
  }
  const d = denominator();
  store<f32>(den, <f32>d);
  writeLoss(loss, total, d);
}

/** The upstream gradient of row i (contract.rowDy). */
function rowDy(dy: usize, d: f64, i: i32): f64 {
  if (reduction == NONE) return <f64>load<f32>(dy + (<usize>i << 2));
  const g = <f64>load<f32>(dy);
  if (reduction == SUM) return g;
  return d == 0 ? 0 : g / d;
}

/**
 * FusedSoftmaxCrossEntropyGrad: → dlogits, from the saved lse; no max or sum recomputed. A (B) is summed
 * here in float64, not taken from the forward's float32 targetMass (see contract.ts: it cancels).
 */
export function backward(lseHi: usize, lseLo: usize, den: usize, dy: usize, grad: usize): void {
  const K = classes;
  const d = <f64>load<f32>(den);
  for (let i = 0; i < rows; i++) {
    const g = grad + ((<usize>i * <usize>K) << 2);
    if (isIgnored(i)) {
      fill(g, K, 0);
      continue;
    }
    const o = <usize>i << 2;
    const lse = <f64>load<f32>(lseHi + o) + <f64>load<f32>(lseLo + o);
    // 3. gradient
    rowGradient(i, lse, savedMass(i, lse), rowDy(dy, d, i), g, false);
  }
}

/** SoftmaxCrossEntropyWithLogits: → loss and dlogits in one call, exp once per element. */
export function lossAndGrad(loss: usize, grad: usize): void {
  const K = classes;
  const d = denominator();
  // the upstream gradient of every row: 1 for 'none' and 'sum', 1/D for 'mean'
  const dy = reduction == MEAN ? (d == 0 ? 0 : 1.0 / d) : 1.0;
  let total: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const g = grad + ((<usize>i * <usize>K) << 2);
    let l: f64 = 0;
    if (isIgnored(i)) {
      fill(g, K, 0);
    } else {
      // 1. row max and sum (exp(s − max) parked in g)
      const lse = logSumExpParked(i, g);
      // 2. loss
      l = rowLoss(i, lse);
      // 3. gradient of the reduced loss
      rowGradient(i, lse, rowMass(), dy, g, true);
    }
    if (reduction == NONE) store<f32>(loss + (<usize>i << 2), <f32>l); else total += l;
  }
  writeLoss(loss, total, d);
}
