/**
 * Entry math of the scalar build (browsers without wasm SIMD), one entry at a time, numbered as in
 * every backend:  1. entry terms (σ, softplus)  2. loss  3. gradient.
 * Same sweeps as entries_simd.ts. Every term is float64 (expNeg64, log1p64, q^γ = expNeg64(γ·log64 q):
 * math.ts), as in the cpu kernels: scalar float64 costs what scalar float32 does, so this build is
 * as exact as cpu, and each output is rounded to float32 once (measured over dense sweeps: within
 * 1.0·2^-24 of the float64 reference, loss and gradient, every option). The same forms as the SIMD
 * build all the same: σ(−|x|) = e/(1 + e), never 1 − σ; y' and 1 − y' formed apart.
 */
import {log64} from '../../../../backends/wasm/assembly/math';
import {NONE} from '../../../../backends/wasm/assembly/reduction';
import {expNeg64, log1p64} from './math';
import {alpha, classWeighted, columns, entries, entryScale, eps, gamma, posBase, posWeighted, reduction, wBase, xBase,
  yBase} from './problem';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }

// the entry's gradient, from oneEntry (a second return value)
let entryGradient: f64 = 0;

/**
 * One entry: returns its loss and leaves its gradient (times ups) in entryGradient. wantLoss,
 * wantGrad: what the caller needs (the other may be left uncomputed).
 */
// @ts-ignore: decorator
@inline function oneEntry(x: f64, y: f64, P: f64, w: f64, ups: f64, wantLoss: bool, wantGrad: bool): f64 {
  if (x != x || y != y) {
    entryGradient = NaN;
    return NaN;
  }
  const gOn = gamma != 0;
  // 1. entry terms (σ, softplus)
  const e = expNeg64(-abs(x));       // e^−|x| in [0, 1]; 0 at x = ±∞
  let sgPos: f64 = 0, sgNeg: f64 = 0;  // σ(x), σ(−x)
  if (wantGrad || gOn) {
    const big = 1.0 / (1.0 + e);     // σ(|x|)
    const small = e * big;           // σ(−|x|), not 1 − σ(|x|)
    sgPos = x >= 0 ? big : small;
    sgNeg = x >= 0 ? small : big;
  }
  const yp = (1.0 - eps) * y + 0.5 * eps, yn = (1.0 - eps) * (1.0 - y) + 0.5 * eps;
  const a = P * yp;
  let bce: f64 = 0;
  if (wantLoss || gOn) {
    const L = log1p64(e);
    // each term 0 where its coefficient is 0, even if its softplus is +∞
    if (a != 0) bce += a * (max(-x, 0.0) + L);
    if (yn != 0) bce += yn * (max(x, 0.0) + L);
  }
  let F = w;
  let q: f64 = 0;
  if (alpha >= 0) F *= alpha * yp + (1.0 - alpha) * yn;
  if (gOn) {
    q = yp * sgNeg + yn * sgPos;     // q_t = 1 − p_t, from σ(±x)
    F *= q == 0 ? 0 : expNeg64(gamma * log64(q));
  }

  // 2. loss
  const loss = F == 0 ? 0 : F * bce;

  // 3. gradient
  if (wantGrad) {
    let d = yn * sgPos - a * sgNeg;  // ∂bce/∂x
    if (gOn && q != 0) {
      const r = sgPos * sgNeg / q;   // q_t^(γ−1)·σσ' = q_t^γ·r
      if (r != 0) d += gamma * ((1.0 - eps) * (1.0 - 2.0 * y)) * r * bce;
    }
    entryGradient = F * d * ups;
  }
  return loss;
}

/** Sweeps the M entries; see entries_simd.ts's sweep (what, a compile-time constant: 1 loss, 2 gradient, 3 both). */
// @ts-ignore: decorator
@inline function sweep(what: i32, lossOut: usize, dy: usize, gOut: usize): f64 {
  const M = entries, C = columns;
  const wantLoss = (what & 1) != 0, wantGrad = (what & 2) != 0;
  const dyEach = !wantLoss && reduction == NONE;
  const dyAll = wantLoss ? entryScale() : dyEach ? 0 : at(dy, 0) * entryScale();
  const storeLoss = wantLoss && reduction == NONE;
  let total: f64 = 0;
  let col = 0;
  for (let i = 0; i < M; i++) {
    const P = posWeighted ? at(posBase, col) : 1.0;
    const w = classWeighted ? at(wBase, col) : 1.0;
    if (++col == C) col = 0;
    const l = oneEntry(at(xBase, i), at(yBase, i), P, w, dyEach ? at(dy, i) : dyAll, wantLoss, wantGrad);
    if (wantGrad) store<f32>(gOut + (<usize>i << 2), <f32>entryGradient);
    if (storeLoss) store<f32>(lossOut + (<usize>i << 2), <f32>l);
    else total += l;
  }
  return total;
}

/** FusedSigmoidCrossEntropy's sweep: the losses ('none') or their sum. */
export function forward(loss: usize): f64 { return sweep(1, loss, 0, 0); }

/** FusedSigmoidCrossEntropyGrad's sweep: dlogits from dy. */
export function backward(dy: usize, grad: usize): void { sweep(2, 0, dy, grad); }

/** SigmoidCrossEntropyWithLogits's sweep: losses and dlogits in one pass; returns Σ loss. */
export function lossAndGrad(loss: usize, grad: usize): f64 { return sweep(3, loss, 0, grad); }
