/**
 * Row math of the three cpu kernels for focal loss, smoothing over the other classes and the softcap
 * (contract.ts), numbered as in every backend:
 *   1. row max and sum    2. loss    3. gradient
 * The defaults (γ = 0, no cap, 'all') never come here: rows.ts runs them unchanged, bit for bit the
 * results from before these attrs. Everything is float64 and each output is rounded to float32 once.
 *
 * Each row's s_c is formed once into a float64 scratch row (under a cap, one tanh per entry, and its
 * slope sech² beside it when a gradient follows): the later sweeps re-read s from cache, not the logits.
 * Focal terms need q_c = 1 − p_c = −expm1(s_c − lse) (relative accuracy where p_c ≈ 1, which 1 − p_c
 * has not) and the gradient's b_c = a_c·q_c^γ·(1 − γ·r_c), r_c = p_c·log p_c / q_c; the gradient is
 * cross-entropy's with a → b and A → B = Σ_c b_c. Rows whose a has one nonzero entry (class ids
 * without smoothing) need b only at the target, O(1); other rows park b_c in a scratch row between
 * steps 2 and 3, so B is summed in float64 from the same numbers the gradient subtracts.
 */
import {fastExp} from '../../../backends/cpu/math/exp.js';
import {oneMinusExp} from '../../../backends/cpu/math/expm1.js';
import {fastTanh, tanhWithSlope} from '../../../backends/cpu/math/tanh.js';
import type {Problem} from './problem.js';

/** Float64 rows of K entries, reused across calls and grown to the largest K seen: O(K). */
export interface Scratch {
  s: Float64Array;      // s_c
  slope: Float64Array;  // ∂s_c/∂(z_c/T): sech²(z_c/c) under a cap
  ones: Float64Array;   // the slope without a cap (×1 is exact, so one gradient loop serves both)
  e: Float64Array;      // exp(s_c − m), parked by the loss-and-grad kernel
  b: Float64Array;      // b_c, parked for step 3 where a row has several nonzero a_c (focal)
}

let scratch: Scratch = {s: new Float64Array(0), slope: new Float64Array(0), ones: new Float64Array(0),
  e: new Float64Array(0), b: new Float64Array(0)};

export function scratchRows(K: number): Scratch {
  if (scratch.s.length < K) {
    scratch = {s: new Float64Array(K), slope: new Float64Array(K), ones: new Float64Array(K).fill(1),
      e: new Float64Array(K), b: new Float64Array(K)};
  }
  return scratch;
}

/** The slope row step 3 multiplies by: sech² under a cap (filled by fillRow with slope = true), else ones. */
export function slopeRow(p: Problem, sc: Scratch): Float64Array {
  return p.cap !== 0 ? sc.slope : sc.ones;
}

/**
 * 1. row max and sum, first sweep: s_c = c·tanh(z_c/c)/T under a cap (cap first, then temperature),
 * z_c/T otherwise, into sc.s, and (if `slope`) sech²(z_c/c) into sc.slope. A non-finite logit is not
 * capped: −∞ stays an impossible class (tanh would make it −c), +∞ and NaN keep making the row NaN.
 * Returns the row max (NaN entries never win a compare; the sum then carries them).
 */
export function fillRow(p: Problem, i: number, sc: Scratch, slope: boolean): number {
  const {z, classes: K, invT, cap} = p;
  const o = i * K;
  const s = sc.s;
  let m = -Infinity;
  if (cap === 0) {
    for (let c = 0; c < K; c++) {
      const v = z[o + c] * invT;
      s[c] = v;
      if (v > m) m = v;
    }
    return m;
  }
  const inv = 1 / cap;
  const h = sc.slope;
  if (slope) {
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      const t = tanhWithSlope(zc * inv, h, c);
      const v = Number.isFinite(zc) ? cap * t * invT : zc * invT;
      s[c] = v;
      if (v > m) m = v;
    }
  } else {
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      const v = Number.isFinite(zc) ? cap * fastTanh(zc * inv) * invT : zc * invT;
      s[c] = v;
      if (v > m) m = v;
    }
  }
  return m;
}

/**
 * 1. row max and sum, second sweep: lse = m + log Σ_c exp(s_c − m), the exps parked in `e` if given.
 * A NaN or +∞ in the row makes the sum NaN, and so does a row of all −∞ (exp(−∞ − (−∞))), as rows.ts.
 */
export function rowLse(s: Float64Array, K: number, m: number, e: Float64Array | null): {lse: number, sum: number} {
  let sum = 0;
  if (e === null) {
    for (let c = 0; c < K; c++) sum += fastExp(s[c] - m);
  } else {
    for (let c = 0; c < K; c++) {
      const x = fastExp(s[c] - m);
      e[c] = x;
      sum += x;
    }
  }
  return {lse: m + Math.log(sum), sum};
}

/** q^γ for γ > 0 (q ≥ 0): γ = 1 and 2 exactly as products; otherwise exp(γ·log q), 0 at q = 0. */
function power(q: number, gamma: number): number {
  return gamma === 2 ? q * q : gamma === 1 ? q : fastExp(gamma * Math.log(q));
}

// one focal term's two numbers, set by focalTerm (a function returns one number without allocating)
let focalB = 0;

/**
 * The focal term a·q^γ·(lse − s) of class c, returned, and its b = a·q^γ·(1 − γ·r) left in focalB.
 * With d = s − lse = log p: q = −expm1(d), clamped at 0 (the backward's saved lse can put d a hair
 * above 0 at a dominant class); r = p·d/q, taken as 0 where q = 0 (q^γ = 0 there, so b = 0 whatever r
 * is) and where p = 0 (0·log 0; s = −∞ gives d = −∞). At s = −∞ the term is +∞ (a > 0 on an
 * impossible class) and b = a (the gradient entry there is set to 0 by step 3).
 */
function focalTerm(a: number, s: number, lse: number, gamma: number): number {
  const d = s - lse;
  const p = fastExp(d);
  const m1 = oneMinusExp(d, p);
  const q = m1 < 0 ? 0 : m1;
  const qg = power(q, gamma);
  const r = q === 0 || p === 0 ? 0 : (p * d) / q;
  focalB = a * qg * (1 - gamma * r);
  return a * qg * (lse - s);
}

/** The class-id row's coefficients: a_y (the target's, smoothing included) and σ (a_c = σ·w_c elsewhere). */
function targetCoefficient(p: Problem, y: number): number {
  const wy = p.w[y];
  if (p.others) return p.classes === 1 ? wy : (1 - p.eps) * wy;
  return (1 - p.eps) * wy + (p.eps / p.classes) * wy;
}

function smoothingCoefficient(p: Problem): number {
  if (p.others) return p.classes === 1 ? 0 : p.eps / (p.classes - 1);
  return p.eps / p.classes;
}

/**
 * True where step 2 parks b_c for step 3: focal rows with more than one nonzero a_c (probabilities,
 * or smoothed class ids). Without focal b = a, which step 3 forms itself.
 */
export function parksB(p: Problem): boolean {
  return p.gamma !== 0 && (p.probs !== null || smoothingCoefficient(p) !== 0);
}

/**
 * 2. loss: ℓ = Σ_c a_c·q_c^γ·(lse − s_c) + λ·lse² (q^γ = 1 without focal), and the row's mass:
 * A = Σ_c a_c, or B = Σ_c b_c with focal (the forward kernel's targetMass, and the gradient's weight on p). A term
 * with a_c = 0 is skipped (0 even where s_c = −∞). Where parksB, b_c goes into `b` (0 where a_c = 0).
 * A NaN lse makes the loss NaN. Ignored rows are handled by the caller.
 */
export function rowTerms(p: Problem, i: number, s: Float64Array, lse: number, b: Float64Array | null):
    {loss: number, mass: number} {
  const {classes: K, w, gamma} = p;
  let loss = 0;
  let mass = 0;
  if (p.ids !== null) {
    // 'all': a_c = (1 − ε)·w_y·[c = y] + (ε/K)·w_c; 'others': (1 − ε)·w_y at y, ε/(K − 1)·w_c elsewhere
    const y = p.ids[i];
    const ay = targetCoefficient(p, y);
    const u = smoothingCoefficient(p);
    if (u === 0) {
      // one nonzero coefficient: O(1)
      if (ay !== 0) {
        if (gamma === 0) {
          loss = ay * (lse - s[y]);
          mass = ay;
        } else {
          loss = focalTerm(ay, s[y], lse, gamma);
          mass = focalB;
        }
      }
    } else if (gamma === 0) {
      for (let c = 0; c < K; c++) {
        const ac = c === y ? ay : u * w[c];
        if (ac !== 0) {
          loss += ac * (lse - s[c]);
          mass += ac;
        }
      }
    } else {
      const bb = b as Float64Array;
      for (let c = 0; c < K; c++) {
        const ac = c === y ? ay : u * w[c];
        let bc = 0;
        if (ac !== 0) {
          loss += focalTerm(ac, s[c], lse, gamma);
          bc = focalB;
        }
        bb[c] = bc;
        mass += bc;
      }
    }
  } else {
    // a_c = w_c·((1 − ε)·P_c + ε/K)
    const P = p.probs as Float32Array;
    const o = i * K;
    const {eps} = p;
    const u = eps / K;
    if (gamma === 0) {
      for (let c = 0; c < K; c++) {
        const ac = w[c] * ((1 - eps) * P[o + c] + u);
        if (ac !== 0) {
          loss += ac * (lse - s[c]);
          mass += ac;
        }
      }
    } else {
      const bb = b as Float64Array;
      for (let c = 0; c < K; c++) {
        const ac = w[c] * ((1 - eps) * P[o + c] + u);
        let bc = 0;
        if (ac !== 0) {
          loss += focalTerm(ac, s[c], lse, gamma);
          bc = focalB;
        }
        bb[c] = bc;
        mass += bc;
      }
    }
  }
  if (p.lambda !== 0) loss += p.lambda * lse * lse;
  return {loss: lse !== lse ? NaN : loss, mass};
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(M + 2λ·lse)·p_c − b_c]·h_c, with M the row's mass (A, or B with focal),
 * b = a without focal, h the slope row (sech² under a cap, ones otherwise), and p_c = e_c·expScale
 * when `e` is given (the loss-and-grad kernel's parked exps, expScale = 1/Σ) or exp(s_c − lse) (the
 * backward kernel's saved lse). `b` is the parked b_c where parksB, else null. A masked class
 * (z_c = −∞) gets 0, a NaN lse a NaN row.
 */
export function rowGradient(
    p: Problem, i: number, s: Float64Array, h: Float64Array, lse: number, mass: number, b: Float64Array | null,
    dy: number, g: Float32Array, e: Float64Array | null, expScale: number): void {
  const {z, classes: K, w} = p;
  const o = i * K;
  if (lse !== lse) {
    g.fill(NaN, o, o + K);
    return;
  }
  const k = dy * p.invT;
  if (K === 1) {
    // p = 1 exactly and b_0 = M, so only the z-loss is left (exp(s − lse) would give 1 ± an ulp)
    g[o] = k * (2 * p.lambda * lse) * h[0];
    return;
  }
  const coef = k * (mass + 2 * p.lambda * lse);
  if (b !== null) {
    for (let c = 0; c < K; c++) {
      const pc = e === null ? fastExp(s[c] - lse) : e[c] * expScale;
      g[o + c] = z[o + c] === -Infinity ? 0 : (coef * pc - k * b[c]) * h[c];
    }
    return;
  }
  if (p.probs !== null) {
    // no focal: b_c = a_c = w_c·((1 − ε)·P_c + ε/K)
    const P = p.probs;
    const {eps} = p;
    const u = eps / K;
    for (let c = 0; c < K; c++) {
      const pc = e === null ? fastExp(s[c] - lse) : e[c] * expScale;
      const ac = w[c] * ((1 - eps) * P[o + c] + u);
      g[o + c] = z[o + c] === -Infinity ? 0 : (coef * pc - k * ac) * h[c];
    }
    return;
  }
  // class ids: b_c = σ·w_c off the target (no focal, or σ = 0), the target written last
  const y = (p.ids as Int32Array)[i];
  const u = smoothingCoefficient(p);
  if (u === 0) {
    // off the target g_c = coef·p_c·h_c, and a masked class gets 0 by itself (p = 0, h finite)
    for (let c = 0; c < K; c++) {
      const pc = e === null ? fastExp(s[c] - lse) : e[c] * expScale;
      g[o + c] = coef * pc * h[c];
    }
  } else {
    const ku = k * u;
    for (let c = 0; c < K; c++) {
      const pc = e === null ? fastExp(s[c] - lse) : e[c] * expScale;
      g[o + c] = z[o + c] === -Infinity ? 0 : (coef * pc - ku * w[c]) * h[c];
    }
  }
  // the target's b: the mass itself with one nonzero coefficient (B = b_y, A = a_y), else a_y (no focal)
  const by = u === 0 ? mass : targetCoefficient(p, y);
  const py = e === null ? fastExp(s[y] - lse) : e[y] * expScale;
  g[o + y] = z[o + y] === -Infinity ? 0 : (coef * py - k * by) * h[y];
}
