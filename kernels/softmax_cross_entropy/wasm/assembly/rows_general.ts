/**
 * Row math for focal loss, smoothing over the other classes and the softcap (contract.ts), the same in
 * every build, numbered as in every backend:  1. row max and sum  2. loss  3. gradient.
 * The defaults (γ = 0, no cap, 'all') never come here: rows_simd.ts and rows_scalar.ts run them
 * unchanged, bit for bit the results from before these options (problem.ts `general`).
 *
 * Everything is float64, as in the cpu kernels: the float32 lanes of the SIMD build cannot hold
 * s = c·tanh(z/c)/T well enough (an ulp of s ≈ 30 is 2e-6, a relative error of every p), nor the focal
 * q_c = −expm1(s_c − lse) and its powers. This file is the scalar build's; the SIMD builds run its
 * sweeps on float64 lanes (rows_general_simd.ts), and take from here what stays scalar there.
 * This module may own no scratch memory, so each sweep forms s_c again from the logit (one tanh under
 * a cap) rather than reading a parked row, and the gradient sweep forms b_c again with the same arithmetic the loss sweep summed
 * into B: the two see the same numbers, so B·p_c − b_c cancels as it should.
 * The gradient is cross-entropy's with a → b and A → B = Σ_c b_c (b = a without focal), times the
 * slope sech²(z_c/c) under a cap. Rows whose a has one nonzero entry (class ids without smoothing)
 * need b only at the target: O(1) for the loss and B.
 */
import {expm1_64, log64, tanh64, tanhSlope} from '../../../../backends/wasm/assembly/math';
import {expNeg64} from '../../../sigmoid_cross_entropy/wasm/assembly/math';
import {scaled2, slope0} from './lanes';
import {cap, classes, classId, eps, gamma, invCap, invT, lambda, others, probsPtr, rowPtr, sparse, targetMass,
  weight, wSum} from './problem';

// @ts-ignore: decorator
@inline function at(p: usize, c: i32): f64 { return <f64>load<f32>(p + (<usize>c << 2)); }

// Every exp here has an argument ≤ 0 (s − max, s − lse, up to a rounding): the sigmoid family's
// expNeg64, as exact as exp64 with half its latency (Estrin), 0 below −200 (0 in float32 after any
// product with a p ≤ 1). Never NaN: NaN and +∞ rows stop at step 1 (a NaN argument would trap in the
// scalar build's float-to-int conversion).

// ∂s/∂(z/T) of the last scaled() call: sech²(z/c) under a cap, 1 without
export let slope: f64 = 1;

/**
 * s = c·tanh(z/c)/T under a cap (cap first, then temperature), z/T without; sets slope. A non-finite
 * logit is not capped: −∞ stays an impossible class (tanh would make it −c), and +∞ and NaN keep
 * making the row NaN.
 */
export function scaled(z: f64): f64 {
  if (cap == 0 || z - z != 0) {
    slope = 1;
    return z * invT;
  }
  if (ASC_FEATURE_SIMD) {
    // the SIMD builds' lane code (lanes.ts), so this entry gets the s its vector neighbours would
    const s = f64x2.extract_lane(scaled2(f64x2.splat(z), true), 0);
    slope = slope0;
    return s;
  }
  const t = tanh64(z * invCap);
  slope = tanhSlope;
  return cap * t * invT;
}

/**
 * 1. row max and sum: online in one sweep, as rows_scalar.ts's logSumExp (a new maximum rescales the
 * running sum). NaN for a row with a NaN, a +∞, or only −∞.
 */
export function logSumExp(i: i32): f64 {
  const K = classes;
  const z = rowPtr(i);
  let m = -F64.MAX_VALUE;
  let sum: f64 = 0;
  for (let c = 0; c < K; c++) {
    const s = scaled(at(z, c));
    if (s != s || s == Infinity) return NaN;
    if (s > m) {
      sum = sum * expNeg64(m - s) + 1;
      m = s;
    } else {
      sum += expNeg64(s - m);
    }
  }
  return sum == 0 ? NaN : m + log64(sum);
}

/** The class-id row's target coefficient a_y (smoothing included). */
export function targetCoefficient(y: i32): f64 {
  const wy = weight(y);
  if (others) return classes == 1 ? wy : (1.0 - eps) * wy;
  return (1.0 - eps) * wy + (eps / <f64>classes) * wy;
}

/** σ with a_c = σ·w_c off the target, for class ids: ε/(K − 1) for 'others' (0 at K = 1), else ε/K. */
export function smoothingCoefficient(): f64 {
  if (others) return classes == 1 ? 0 : eps / <f64>(classes - 1);
  return eps / <f64>classes;
}

/** q^γ for γ > 0, q in [0, 1]: γ = 1 and 2 as products, else exp(γ·log q) (0 at q = 0). */
function power(q: f64): f64 {
  if (gamma == 2) return q * q;
  if (gamma == 1) return q;
  return q == 0 ? 0 : expNeg64(gamma * log64(q));
}

// b_c of the last term() call
export let termB: f64 = 0;

/**
 * One class's loss term a·q^γ·(lse − s) (q^γ = 1 without focal), returned, and its b = a·q^γ·(1 − γ·r)
 * left in termB (b = a without focal). With d = s − lse = log p: q = −expm1(d), clamped at 0 (the
 * backward's saved lse can put d a hair above 0 at a dominant class); r = p·d/q, taken as 0 where
 * q = 0 (q^γ = 0 there, so b = 0 whatever r is) and where p = 0 (0·log 0; s = −∞ gives d = −∞). At
 * s = −∞ the term is +∞ (mass on an impossible class) and b = a (step 3 writes 0 there).
 */
export function term(a: f64, s: f64, lse: f64): f64 {
  if (gamma == 0) {
    termB = a;
    return a * (lse - s);
  }
  const d = s - lse;
  const m1 = -expm1_64(d);
  const q = m1 < 0 ? 0 : m1;
  const qg = power(q);
  const p = expNeg64(d);
  const r = q == 0 || p == 0 ? 0 : (p * d) / q;
  termB = a * qg * (1.0 - gamma * r);
  return a * qg * (lse - s);
}

// the row's mass of the last rowLoss call: A = Σ_c a_c, or B = Σ_c b_c with focal (the forward's
// targetMass, and the gradient's weight on p)
export let rowMass: f64 = 0;
// the loss and mass lossRange adds to
export let partLoss: f64 = 0;
export let partMass: f64 = 0;

/**
 * Adds the terms of classes [from, to) of row i to partLoss and partMass (terms with a_c = 0 skipped:
 * 0 even where s_c = −∞). Class ids: a_c = a_y at the target y, σ·w_c elsewhere; probabilities:
 * a_c = w_c·((1 − ε)·P_c + ε/K).
 */
export function lossRange(i: i32, lse: f64, from: i32, to: i32): void {
  const z = rowPtr(i);
  let loss: f64 = 0, mass: f64 = 0;
  if (sparse) {
    const y = classId(i);
    const ay = targetCoefficient(y);
    const u = smoothingCoefficient();
    for (let c = from; c < to; c++) {
      const ac = c == y ? ay : u * weight(c);
      if (ac != 0) {
        loss += term(ac, scaled(at(z, c)), lse);
        mass += termB;
      }
    }
  } else {
    const P = probsPtr(i);
    const u = eps / <f64>classes;
    for (let c = from; c < to; c++) {
      const ac = weight(c) * ((1.0 - eps) * at(P, c) + u);
      if (ac != 0) {
        loss += term(ac, scaled(at(z, c)), lse);
        mass += termB;
      }
    }
  }
  partLoss += loss;
  partMass += mass;
}

/**
 * 2. loss: ℓ = Σ_c a_c·q_c^γ·(lse − s_c) + λ·lse² (lossRange); sets rowMass. Class ids without
 * smoothing have one nonzero a_c: O(1). A NaN lse makes the loss NaN.
 */
export function rowLoss(i: i32, lse: f64): f64 {
  if (lse - lse != 0) {
    // a NaN row (or a saved lse past float32's range): NaN, and no exp of a NaN
    rowMass = NaN;
    return NaN;
  }
  let loss: f64 = 0, mass: f64 = 0;
  if (sparse && smoothingCoefficient() == 0) {
    const y = classId(i);
    const ay = targetCoefficient(y);
    if (ay != 0) {
      loss = term(ay, scaled(at(rowPtr(i), y)), lse);
      mass = termB;
    }
  } else {
    partLoss = 0;
    partMass = 0;
    lossRange(i, lse, 0, classes);
    loss = partLoss;
    mass = partMass;
  }
  return finishLoss(loss, mass, lse);
}

/** Sets rowMass and adds the z-loss: the end of both builds' rowLoss. */
export function finishLoss(loss: f64, mass: f64, lse: f64): f64 {
  rowMass = mass;
  if (lambda != 0) loss += lambda * lse * lse;
  return loss;
}

/**
 * A = Σ_c a_c for the backward kernel without focal (with focal, B comes from a rowLoss sweep: index.ts),
 * in float64 (contract.ts: the forward's float32 targetMass would spoil the cancellation): O(1) for
 * class ids, one pass over the labels for probabilities (problem.ts targetMass).
 */
export function plainMass(i: i32): f64 {
  if (!others) return targetMass(i);
  const wy = weight(classId(i));
  return classes == 1 ? wy : (1.0 - eps) * wy + (eps / <f64>(classes - 1)) * (wSum - wy);
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(M + 2λ·lse)·p_c − b_c]·h_c with M the row's mass, p_c = exp(s_c − lse)
 * in float64 (from the forward's own lse or the backward's saved one), h_c the slope. A masked class
 * (z_c = −∞) gets 0, a NaN lse (or ±∞) a NaN row. K = 1 has p = 1 exactly and b_0 = M, so only the
 * z-loss is left (exp(s − lse) would give 1 ± an ulp). Returns false where it wrote the whole row
 * (those cases), true where the caller is to write the entries (gradientRange), with k = dy/T and
 * coef = k·(M + 2λ·lse) in gradK and gradCoef.
 */
export function gradientStart(i: i32, lse: f64, M: f64, dy: f64, g: usize): bool {
  const K = classes;
  if (lse - lse != 0) {
    for (let c = 0; c < K; c++) store<f32>(g + (<usize>c << 2), NaN);
    return false;
  }
  const k = dy * invT;
  if (K == 1) {
    scaled(at(rowPtr(i), 0));
    store<f32>(g, <f32>(k * (2.0 * lambda * lse) * slope));
    return false;
  }
  gradK = k;
  gradCoef = k * (M + 2.0 * lambda * lse);
  return true;
}

export let gradK: f64 = 0;
export let gradCoef: f64 = 0;

/** The entries [from, to) of row i's gradient (gradientStart set gradK and gradCoef). */
export function gradientRange(i: i32, lse: f64, M: f64, g: usize, from: i32, to: i32): void {
  const z = rowPtr(i);
  const k = gradK, coef = gradCoef;
  const y = sparse ? classId(i) : -1;
  const ay = sparse ? targetCoefficient(y) : 0;
  const u = sparse ? smoothingCoefficient() : eps / <f64>classes;
  const P: usize = sparse ? 0 : probsPtr(i);
  for (let c = from; c < to; c++) {
    const zc = at(z, c);
    const s = scaled(zc);
    const h = slope;
    const ac = sparse ? (c == y ? ay : u * weight(c)) : weight(c) * ((1.0 - eps) * at(P, c) + u);
    // b_c as rowLoss summed it: a_c without focal or where a_c = 0, the mass itself where it is the
    // row's only term, else the focal term's b
    let bc = ac;
    if (gamma != 0 && ac != 0) {
      if (sparse && u == 0) bc = M;
      else {
        term(ac, s, lse);
        bc = termB;
      }
    }
    const gc = (coef * expNeg64(s - lse) - k * bc) * h;
    store<f32>(g + (<usize>c << 2), zc == -Infinity ? 0 : <f32>gc);
  }
}

/** 3. gradient, the scalar build's: gradientStart, then every entry by gradientRange. */
export function rowGradient(i: i32, lse: f64, M: f64, dy: f64, g: usize): void {
  if (gradientStart(i, lse, M, dy, g)) gradientRange(i, lse, M, g, 0, classes);
}
