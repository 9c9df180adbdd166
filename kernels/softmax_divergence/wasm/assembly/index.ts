/**
 * The softmax divergence family's entry points (KL divergence to probabilities or to a teacher's
 * logits, distillation, entropy): the three kernels of ../../contract.ts, run in place on tfjs's wasm
 * heap (every pointer is a byte offset into the memory the module imports from tfjs-backend-wasm;
 * outputs are allocated by the host through tfjs). Re-exported by the module's entry,
 * backends/wasm/assembly/index.ts; names carry "divergence" because the module's exports are one
 * namespace. ASC_FEATURE_SIMD picks the row math at compile time (rows_simd.ts, rows_scalar.ts).
 */
import {NONE} from '../../../../backends/wasm/assembly/reduction';
import * as scalar from './rows_scalar';
import * as simd from './rows_simd';
import {classes, invT, kind, KL_PROBABILITIES, lossAndGradDy, reduction, rowAuxHi, rowAuxLo, rowDy, rowLseHi, rowLseLo,
  rows, scale, setOptionsGlobals, setProblemGlobals, writeLoss} from './problem';

/** The tensors of the next call: byte offsets of the logits and the targets; N rows, K classes. */
export function divergenceSetProblem(z: usize, t: usize, n: i32, k: i32): void {
  setProblemGlobals(z, t, n, k);
}

/**
 * The attributes of the next call: kind (0 klProbabilities, 1 klLogits, 2 entropy), T, T_t, scale, and
 * the reduction (0 none, 1 sum, 2 mean).
 */
export function divergenceSetOptions(kind: i32, temperature: f64, targetTemperature: f64, scale: f64, red: i32): void {
  setOptionsGlobals(kind, temperature, targetTemperature, scale, red);
}

// @ts-ignore: decorator
@inline function forwardRow(i: i32): f64 { return ASC_FEATURE_SIMD ? simd.forwardRow(i) : scalar.forwardRow(i); }

/** a + b (a the larger part) as a float32 pair (hi, lo): good to 2^-48 of it, and lo keeps b if a is a float32. */
function storePair(hi: usize, lo: usize, a: f64, b: f64): void {
  const h = <f32>(a + b);
  store<f32>(hi, h);
  store<f32>(lo, <f32>((a - <f64>h) + b));
}

/**
 * FusedSoftmaxDivergence: → loss, lse (hi, lo) and aux (hi, lo) per row (contract.ts: lse_u, A or H).
 * One read of each row.
 */
export function divergenceForward(loss: usize, lseHi: usize, lseLo: usize, aux: usize, auxLo: usize): void {
  let total: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 2;
    // 1. row max and sum, 2. loss
    const l = scale * forwardRow(i);
    storePair(lseHi + o, lseLo + o, rowLseHi, rowLseLo);
    if (kind == KL_PROBABILITIES) {
      // A alone (auxLow 0, as contract.ts says); NaN for a NaN row
      store<f32>(aux + o, <f32>rowAuxHi);
      store<f32>(auxLo + o, rowAuxHi != rowAuxHi ? NaN : 0);
    } else {
      storePair(aux + o, auxLo + o, rowAuxHi, rowAuxLo);
    }
    if (reduction == NONE) store<f32>(loss + o, <f32>l); else total += l;
  }
  writeLoss(loss, total);
}

/** FusedSoftmaxDivergenceGrad: → dlogits from the saved lse and aux; no max or sum recomputed. */
export function divergenceBackward(lseHi: usize, lseLo: usize, aux: usize, auxLo: usize, dy: usize, grad: usize): void {
  const K = classes;
  for (let i = 0; i < rows; i++) {
    const o = <usize>i << 2;
    const g = grad + ((<usize>i * <usize>K) << 2);
    const hi = <f64>load<f32>(lseHi + o), lo = <f64>load<f32>(lseLo + o);
    let a = <f64>load<f32>(aux + o), b = <f64>load<f32>(auxLo + o);
    // the scalar build re-sums A in float64 (the saved one is float32); a NaN A marks a NaN row
    if (!ASC_FEATURE_SIMD && kind == KL_PROBABILITIES && a == a && b == b) a = scalar.targetMass(i);
    const k = rowDy(dy, i) * scale * invT;
    // 3. gradient
    if (ASC_FEATURE_SIMD) simd.gradientRow(i, hi, lo, a, b, k, g); else scalar.gradientRow(i, hi, lo, a, b, k, g);
  }
}

/**
 * SoftmaxDivergenceWithLogits: → loss and dlogits of the reduced loss in one call. Row i may park
 * values in row i + 1's gradient (not written yet): `scratch`, 0 for the last row.
 */
export function divergenceLossAndGrad(loss: usize, grad: usize): void {
  const K = classes;
  const k = lossAndGradDy() * scale * invT;
  let total: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const g = grad + ((<usize>i * <usize>K) << 2);
    const scratch: usize = i + 1 < rows ? g + (<usize>K << 2) : 0;
    const l = scale * (ASC_FEATURE_SIMD ? simd.lossAndGradRow(i, k, g, scratch) : scalar.lossAndGradRow(i, k, g, scratch));
    if (reduction == NONE) store<f32>(loss + (<usize>i << 2), <f32>l); else total += l;
  }
  writeLoss(loss, total);
}
