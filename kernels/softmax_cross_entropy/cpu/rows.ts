/**
 * Row math shared by the three cpu kernels, numbered as in every backend:
 *   1. row max and sum    2. loss    3. gradient
 * Sums are float64 (JS numbers); logits and outputs are float32. Hot loops are written out per case
 * (class ids or probabilities, exp computed or parked) so each one stays branch-free for the JIT.
 */
import {fastExp} from '../../../backends/cpu/math/exp.js';
import type {Problem} from './problem.js';

/**
 * 1. row max and sum, for the loss-and-grad kernel: lse = m + log Σ_c exp(s_c − m), m = max_c s_c,
 * in two sweeps of the (cached) row. exp(s_c − m) is parked in `e` (a float64 scratch row of at
 * least K entries, e[c] for class c) so the gradient needs no second exp; that is why m must be final
 * before any exp. The park is float64, not the float32 gradient row: where a gradient entry cancels
 * ((A + 2λ·lse)·p_c ≈ a_c) a float32 p_c would be off by 6e-8 of the terms, far more than the entry.
 * A NaN or +∞ in the row makes the sum NaN, and so does a row of all −∞ (exp(−∞ − (−∞))).
 */
export function rowMaxAndSum(p: Problem, i: number, e: Float64Array): {max: number, sum: number} {
  const {z, classes: K, invT} = p;
  const o = i * K;
  let m = -Infinity;
  for (let c = 0; c < K; c++) {
    const s = z[o + c] * invT;
    if (s > m) m = s;
  }
  let sum = 0;
  for (let c = 0; c < K; c++) {
    const x = fastExp(z[o + c] * invT - m);
    e[c] = x;
    sum += x;
  }
  return {max: m, sum};
}

/**
 * 1. row max and sum, for the forward kernel (nothing to park): online, in one sweep. A new maximum
 * rescales the running sum by exp(m_old − m_new) (about log K times per row, for random logits).
 * m starts at −MAX_VALUE, not −∞, so leading −∞ logits add exp(−∞) = 0 instead of exp(−∞ − (−∞)).
 * Returns NaN for a row with a NaN, a +∞, or only −∞ (sum 0), as docs/semantics.md says.
 */
export function rowLogSumExp(p: Problem, i: number): number {
  const {z, classes: K, invT} = p;
  const o = i * K;
  let m = -Number.MAX_VALUE;
  let sum = 0;
  for (let c = 0; c < K; c++) {
    const s = z[o + c] * invT;
    if (s > m) {
      sum = sum * fastExp(m - s) + 1;
      m = s;
    } else {
      sum += fastExp(s - m);
    }
  }
  return sum === 0 || m === Infinity ? NaN : m + Math.log(sum);
}

/**
 * 2. loss: ℓ = Σ_c a_c·(lse − s_c) + λ·lse², and A = Σ_c a_c (the gradient needs it; the forward
 * kernel outputs it as targetMass).
 * Terms with a_c = 0 are skipped, so a masked class (s_c = −∞) with no target mass adds 0, not NaN.
 * A NaN lse (a NaN, +∞ or all −∞ row) makes the loss NaN. Ignored rows are handled by the caller.
 */
export function rowLoss(p: Problem, i: number, lse: number): {loss: number, a: number} {
  const {z, classes: K, invT, w, eps} = p;
  const o = i * K;
  let loss = 0;
  let a = 0;
  if (p.ids !== null) {
    // a_c = (1 − ε)·w_y·[c = y] + (ε/K)·w_c
    const y = p.ids[i];
    const hot = (1 - eps) * w[y];
    if (hot !== 0) loss += hot * (lse - z[o + y] * invT);
    a = hot;
    if (eps !== 0) {
      let smooth = 0;
      for (let c = 0; c < K; c++) {
        if (w[c] !== 0) smooth += w[c] * (lse - z[o + c] * invT);
      }
      loss += (eps / K) * smooth;
      a += (eps / K) * p.wSum;
    }
  } else {
    // a_c = w_c·((1 − ε)·P_c + ε/K)
    const P = p.probs as Float32Array;
    const u = eps / K;
    for (let c = 0; c < K; c++) {
      const ac = w[c] * ((1 - eps) * P[o + c] + u);
      if (ac !== 0) {
        loss += ac * (lse - z[o + c] * invT);
        a += ac;
      }
    }
  }
  if (p.lambda !== 0) loss += p.lambda * lse * lse;
  return {loss: lse !== lse ? NaN : loss, a};
}

/**
 * A = Σ_c a_c without the loss, in float64 (the backward kernel's need): O(1) for class ids, one pass
 * over the row for probabilities.
 */
export function rowTargetMass(p: Problem, i: number): number {
  const {classes: K, w, eps} = p;
  if (p.ids !== null) return (1 - eps) * w[p.ids[i]] + (eps / K) * p.wSum;
  const P = p.probs as Float32Array;
  const o = i * K;
  let a = 0;
  for (let c = 0; c < K; c++) a += w[c] * ((1 - eps) * P[o + c] + eps / K);
  return a;
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(A + 2λ·lse)·p_c − a_c], with p_c = e_c·expScale when `e` is given
 * (the float64 exps parked by step 1: expScale = 1/Σ) and p_c = exp(s_c − lse) otherwise (the backward
 * kernel: no max or sum recomputed). Every term is float64 and each entry is rounded to float32 once.
 * A masked class (z_c = −∞) has probability 0 and gradient 0. A NaN lse makes the whole row NaN.
 */
export function rowGradient(
    p: Problem, i: number, lse: number, a: number, dy: number, g: Float32Array, e: Float64Array | null,
    expScale: number): void {
  const {z, classes: K, invT, w, eps} = p;
  const o = i * K;
  if (lse !== lse) {
    g.fill(NaN, o, o + K);
    return;
  }
  const k = dy * invT;
  if (K === 1) {
    // p = 1 exactly (exp(s − lse) would give 1 ± an ulp of the saved lse): g = (1/T)·[(A − a_0) + 2λ·lse];
    // with one class A is a_0, and rowTargetMass forms it by the same expression as `a` was, so A − a_0 is
    // exactly 0 and the gradient without z-loss too
    g[o] = k * ((a - rowTargetMass(p, i)) + 2 * p.lambda * lse);
    return;
  }
  const coef = k * (a + 2 * p.lambda * lse);
  const ku = k * (eps / K);  // k times the smoothing part of a_c, per unit of class weight
  if (p.probs !== null) {
    // a_c = w_c·((1 − ε)·P_c + ε/K)
    const P = p.probs;
    const kp = k * (1 - eps);
    if (e === null) {
      for (let c = 0; c < K; c++) {
        const zc = z[o + c];
        g[o + c] = zc === -Infinity ? 0 : coef * fastExp(zc * invT - lse) - w[c] * (kp * P[o + c] + ku);
      }
    } else {
      const ce = coef * expScale;
      for (let c = 0; c < K; c++) {
        g[o + c] = z[o + c] === -Infinity ? 0 : ce * e[c] - w[c] * (kp * P[o + c] + ku);
      }
    }
    return;
  }
  // class ids: a_c = (ε/K)·w_c, plus (1 − ε)·w_y at c = y, which is written last from its own p_y
  const y = (p.ids as Int32Array)[i];
  const zy = z[o + y];
  const py = e === null ? fastExp(zy * invT - lse) : expScale * e[y];
  if (ku === 0) {
    // no smoothing: a_c = 0 off the target, so g_c = coef·p_c, and a masked class gets coef·0 = 0
    // by itself (exp(−∞) = 0): neither the weights nor, for parked exps, the logits are read again
    if (e === null) {
      for (let c = 0; c < K; c++) g[o + c] = coef * fastExp(z[o + c] * invT - lse);
    } else {
      const ce = coef * expScale;
      for (let c = 0; c < K; c++) g[o + c] = ce * e[c];
    }
  } else if (e === null) {
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      g[o + c] = zc === -Infinity ? 0 : coef * fastExp(zc * invT - lse) - ku * w[c];
    }
  } else {
    const ce = coef * expScale;
    for (let c = 0; c < K; c++) g[o + c] = z[o + c] === -Infinity ? 0 : ce * e[c] - ku * w[c];
  }
  g[o + y] = zy === -Infinity ? 0 : coef * py - (ku + k * (1 - eps)) * w[y];
}
