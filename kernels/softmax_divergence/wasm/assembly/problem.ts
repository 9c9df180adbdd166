/**
 * One divergence kernel call's problem, held in wasm globals (not in linear memory: the module owns
 * none of the memory it shares with tfjs). The host sets it with divergenceSetProblem and
 * divergenceSetOptions before each call. Integer defaults are 0 or 2 (test/wasm_module.test.ts tells a
 * stack pointer from our globals by their initial values).
 */
import {MEAN, NONE, SUM} from '../../../../backends/wasm/assembly/reduction';
import {log64} from '../../../../backends/wasm/assembly/math';
import {log1p64} from '../../../sigmoid_cross_entropy/wasm/assembly/math';

// the kinds, numbered as the host's KIND (../call.ts)
export const KL_PROBABILITIES = 0;
export const KL_LOGITS = 1;
export const ENTROPY = 2;

export let zBase: usize = 0;        // logits, N×K float32, row-major
export let tBase: usize = 0;        // targets, N×K float32: probabilities, teacher logits, or the logits
export let rows: i32 = 0;           // N
export let classes: i32 = 0;        // K ≥ 1
export let kind: i32 = 0;           // KL_PROBABILITIES, KL_LOGITS or ENTROPY
export let invT: f64 = 1;           // 1 / T
export let temperature: f64 = 1;    // T
export let invTt: f64 = 1;          // 1 / T_t (the teacher's, klLogits)
export let targetTemperature: f64 = 1;
export let scale: f64 = 1;          // multiplies every loss and gradient
export let reduction: i32 = 2;      // backends/wasm/assembly/reduction.ts: 0 none, 1 sum, 2 mean

export function setProblemGlobals(z: usize, t: usize, n: i32, k: i32): void {
  zBase = z; tBase = t; rows = n; classes = k;
}

export function setOptionsGlobals(k: i32, t: f64, tt: f64, s: f64, red: i32): void {
  kind = k; temperature = t; invT = 1.0 / t; targetTemperature = tt; invTt = 1.0 / tt; scale = s; reduction = red;
}

// The last forward row's lse (of s = z/T) and aux (contract.ts: lse_u, A or H), each as an unevaluated
// float64 sum hi + lo (lse = m_s/T + log S_s: its float32 pair is then formed without rounding away a
// one-hot-like row's log S ≈ 1e-24 in m + log S), all NaN for a NaN row.
export let rowLseHi: f64 = 0;
export let rowLseLo: f64 = 0;
export let rowAuxHi: f64 = 0;
export let rowAuxLo: f64 = 0;

/** Sets the last row's lse and aux (see above). */
export function setRow(lseHi: f64, lseLo: f64, auxHi: f64, auxLo: f64): void {
  rowLseHi = lseHi; rowLseLo = lseLo; rowAuxHi = auxHi; rowAuxLo = auxLo;
}

/** A NaN row: lse and aux NaN, and its loss. */
export function nanRow(): f64 {
  setRow(NaN, NaN, NaN, NaN);
  return NaN;
}

// @ts-ignore: decorator
@inline export function zRow(i: i32): usize { return zBase + ((<usize>i * <usize>classes) << 2); }
// @ts-ignore: decorator
@inline export function tRow(i: i32): usize { return tBase + ((<usize>i * <usize>classes) << 2); }

/**
 * log S for S = n + R: n ≥ 1 entries at the row's max (each adds exp(0) = 1 exactly) and R the rest.
 * Formed as log1p((n − 1) + R), so a one-hot-like row's tiny R (below float64's ulp of 1) is kept.
 */
export function logOfSum(n: f64, r: f64): f64 {
  const x = (n - 1.0) + r;
  return x <= 1.0 ? log1p64(x) : log64(1.0 + x);
}

/** The reduced loss from the float64 total: 'sum' the total, 'mean' total / N (0 for N = 0); 'none' wrote its own. */
export function writeLoss(out: usize, total: f64): void {
  if (reduction == SUM) store<f32>(out, <f32>total);
  else if (reduction == MEAN) store<f32>(out, rows == 0 ? 0 : <f32>(total / <f64>rows));
}

/** The upstream gradient of row i (contract.divergenceRowDy), before scale. */
export function rowDy(dy: usize, i: i32): f64 {
  if (reduction == NONE) return <f64>load<f32>(dy + (<usize>i << 2));
  const g = <f64>load<f32>(dy);
  if (reduction == SUM) return g;
  return rows == 0 ? 0 : g / <f64>rows;
}

/** The upstream gradient of every row of loss-and-grad: 1 for 'none' and 'sum', 1/N for 'mean'. */
export function lossAndGradDy(): f64 {
  if (reduction != MEAN) return 1;
  return rows == 0 ? 0 : 1.0 / <f64>rows;
}

/** Writes v to the n floats at p. */
export function fill(p: usize, n: i32, v: f32): void {
  for (let c = 0; c < n; c++) store<f32>(p + (<usize>c << 2), v);
}

/**
 * 3. gradient when K = 1, every build: p = 1 exactly, and P = 1 for 'klLogits', so the gradient is
 * k·(A − P_0) for 'klProbabilities' (A = P_0: exactly 0) and 0 for the others; float32 lanes would
 * give 1 ± an ulp for p. `a` is the row's A ('klProbabilities'), k = dy·scale/T.
 */
export function oneClassGradient(i: i32, k: f64, a: f64, g: usize): void {
  store<f32>(g, kind == KL_PROBABILITIES ? <f32>(k * (a - <f64>load<f32>(tRow(i)))) : 0);
}
