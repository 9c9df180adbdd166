/**
 * Row math of the scalar build (browsers without wasm SIMD), numbered as in every backend:
 *   1. row max and sum  2. loss  3. gradient.
 * Same entry points as rows_simd.ts. Here every sum and every exp is float64 (exp64), as in the cpu
 * kernels: scalar float64 costs what scalar float32 does, so this build is as exact as cpu.
 */
import {exp64, log64} from '../../../../backends/wasm/assembly/math';
import {classes, classId, classIdLoss, eps, invT, lambda, oneClassGradient, probsPtr, rowPtr, sparse, targetMass, weight}
  from './problem';

// @ts-ignore: decorator
@inline function at(p: usize, c: i32): f64 { return <f64>load<f32>(p + (<usize>c << 2)); }

/**
 * 1. row max and sum, for the forward kernel: online, in one sweep; a new maximum rescales the
 * running sum by exp(m_old − m_new). m starts at −MAX_VALUE, so leading −∞ logits add exp(−∞) = 0.
 * NaN for a row with a NaN, a +∞, or only −∞.
 */
export function logSumExp(i: i32): f64 {
  const K = classes;
  const z = rowPtr(i);
  let m = -F64.MAX_VALUE;
  let sum: f64 = 0;
  for (let c = 0; c < K; c++) {
    const s = at(z, c) * invT;
    if (s != s) return NaN;
    if (s > m) {
      sum = sum * exp64(m - s) + 1;
      m = s;
    } else {
      sum += exp64(s - m);
    }
  }
  return sum == 0 || m == Infinity ? NaN : m + log64(sum);
}

export let parkedMax: f32 = 0;
export let parkedSum: f64 = 0;

/** 1. row max and sum, for loss-and-grad: exp(s − max) parked in the gradient row g. */
export function logSumExpParked(i: i32, g: usize): f64 {
  const K = classes;
  const z = rowPtr(i);
  let m: f32 = -Infinity;
  for (let c = 0; c < K; c++) m = max(m, load<f32>(z + (<usize>c << 2)));
  let sum: f64 = 0;
  for (let c = 0; c < K; c++) {
    const e = exp64((at(z, c) - <f64>m) * invT);
    store<f32>(g + (<usize>c << 2), <f32>e);
    sum += e;
  }
  parkedMax = m;
  parkedSum = sum;
  if (m != m || m == -Infinity || m == Infinity) return NaN;
  return <f64>m * invT + log64(sum);
}

export let rowMass: f64 = 0;

/** 2. loss: ℓ = Σ_c a_c·(lse − s_c) + λ·lse² (terms with a_c = 0 skipped); sets rowMass = Σ_c a_c. */
export function rowLoss(i: i32, lse: f64): f64 {
  const K = classes;
  const z = rowPtr(i);
  let loss: f64 = 0;
  if (sparse) {
    let smooth: f64 = 0;
    if (eps != 0) {
      for (let c = 0; c < K; c++) {
        const w = weight(c);
        if (w != 0) smooth += w * (lse - at(z, c) * invT);
      }
    }
    loss = classIdLoss(i, lse, smooth);
    rowMass = targetMass(i);
  } else {
    const P = probsPtr(i);
    let a: f64 = 0;
    for (let c = 0; c < K; c++) {
      const ac = weight(c) * ((1.0 - eps) * at(P, c) + eps / <f64>K);
      if (ac != 0) {
        loss += ac * (lse - at(z, c) * invT);
        a += ac;
      }
    }
    rowMass = a;
  }
  if (lambda != 0) loss += lambda * lse * lse;
  return lse != lse ? NaN : loss;
}

export function fill(p: usize, n: i32, v: f32): void {
  for (let c = 0; c < n; c++) store<f32>(p + (<usize>c << 2), v);
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(A + 2λ·lse)·p_c − a_c]; p_c = e_c / Σ from the parked exps, or
 * exp(s_c − lse) from the saved lse (the backward kernel).
 *
 * The parked e_c are float32 (this module owns no scratch memory, and the float32 gradient row has
 * room for nothing wider), so a parked p_c is off by up to 2^-24 of itself. That costs an entry at
 * most 2^-24·|(A + 2λ·lse)·p_c|, which is under 2^-23 of the entry unless the entry cancels:
 * |g_c| < |(A + 2λ·lse)·p_c| / 2. Those entries (labels near the model's own softmax, p_c ≈ ε/K
 * with smoothing, the confident target) take p_c again from a float64 exp: every entry ends up as
 * exact as on cpu, with one exp per element wherever the gradient does not cancel.
 * K = 1 has p = 1 exactly (problem.ts oneClassGradient).
 */
export function rowGradient(i: i32, lse: f64, a: f64, dy: f64, g: usize, parked: bool): void {
  const K = classes;
  const z = rowPtr(i);
  if (lse != lse) {
    fill(g, K, NaN);
    return;
  }
  const k = dy * invT;
  const kp = k * (1.0 - eps);
  const ku = k * (eps / <f64>K);
  const P: usize = sparse ? 0 : probsPtr(i);
  if (K == 1) {
    oneClassGradient(i, k, a, lse, g);
    return;
  }
  const coef = k * (a + 2.0 * lambda * lse);
  const scale = parked ? 1.0 / parkedSum : 1.0;
  const y = sparse ? classId(i) : -1;
  for (let c = 0; c < K; c++) {
    const zc = at(z, c);
    let ac: f64 = sparse ? ku * weight(c) : weight(c) * (kp * at(P, c) + ku);
    if (c == y) ac += kp * weight(c);
    let gc: f64 = 0;
    if (!parked) {
      gc = coef * exp64(zc * invT - lse) - ac;
    } else {
      const t = coef * (<f64>load<f32>(g + (<usize>c << 2)) * scale);
      gc = t - ac;
      // a cancelling entry (the target included): p_c again in float64
      if (abs(gc) < 0.5 * abs(t) || c == y) gc = coef * (exp64((zc - <f64>parkedMax) * invT) * scale) - ac;
    }
    store<f32>(g + (<usize>c << 2), zc == -Infinity ? 0 : <f32>gc);
  }
}
