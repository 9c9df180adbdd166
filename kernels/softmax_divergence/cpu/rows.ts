/**
 * Row math of the three cpu divergence kernels (contract.ts), numbered as in every backend:
 *   1. row max and sum    2. loss    3. gradient
 * Everything is float64 (JS numbers), each output rounded to float32 once. With s = z/T, u = t/T_t:
 *
 * Sums are kept as S = 1 + R, R the sum without the max entry's own exp(0) = 1: where one class
 * dominates (one-hot-like rows) R is tiny and log S = log1p(R) keeps it, which 1 + R would round away
 * (an entropy of 1e-20 is then 1e-20, not 0). The online state starts at m = −MAX_VALUE, R = −1 (S = 0):
 * a first finite entry rescales S by exp(−huge) = 0 and takes its place (leading −∞ entries add
 * exp(−∞) = 0, never exp(−∞ − (−∞))); a row of only −∞ keeps R = −1, a row with +∞ ends at m = +∞, and
 * both are NaN rows, as is one with a NaN (it reaches R) or, for probabilities, a negative entry.
 *
 * The forward kernel's state per row, one read of each row (online: a new max rescales):
 *   'klLogits':        m_s, R_s (student), m_u, R_u (teacher), W = Σ_c e_c·d_c,
 *                      e_c = exp(u_c − m_u), d_c = (u_c − m_u) − (s_c − m_s)
 *                      new m_s' = m_s + δ: W += δ·S_u;  new m_u' = m_u + δ: W ← e^−δ·(W − δ·S_u), S_u ← e^−δ·S_u
 *                      KL = W/S_u − log S_u + log S_s
 *   'klProbabilities': m_s, R_s, ΣP and W = Σ_c P_c·(log P_c − (s_c − m_s)); new m_s: W += δ·ΣP;
 *                      KL = W + ΣP·log S_s   (log P_c − log p_c = log P_c − (s_c − m_s) + log S_s)
 *   'entropy':         m, R, V = Σ_c e_c·(s_c − m); new m: V ← e^−δ·(V − δ·S), S ← e^−δ·S;
 *                      H = log S − V/S   (a sum of two terms ≥ 0: no cancellation)
 * A KL term with P_c = 0 (u_c = −∞, or a zero probability) is 0, even at s_c = −∞; P_c > 0 at s_c = −∞
 * makes KL +∞ (a teacher's finite u_c counts as P_c > 0 even where its exp underflows).
 *
 * The loss-and-grad kernel parks the exps of its row instead (two sweeps: the maxes, then exps against
 * the final maxes, no rescaling), so its gradient needs no exp: two exps per entry for a teacher, one
 * otherwise. The backward kernel recomputes p (and P) from the saved float32 pairs.
 */
import {fastExp} from '../../../backends/cpu/math/exp.js';
import type {Problem} from './problem.js';

/**
 * A forward row: the unscaled loss, lse = m + l (m the max, l = log1p(R)), and aux = am + al by kind
 * (lse_u as m_u + l_u, ΣP + 0 or H + 0). NaN rows have NaN parts.
 */
export interface RowState {
  loss: number;
  m: number;
  l: number;
  am: number;
  al: number;
}

const NAN_ROW: RowState = {loss: NaN, m: NaN, l: NaN, am: NaN, al: NaN};

/**
 * Stores m + l as a float32 pair hi + lo (good to 2^-48 relative): hi = m + l rounded, lo = (m − hi) + l,
 * so that where m is a float32 (a max logit at T = 1) lo keeps a log1p(R) far below m's ulp, and the
 * backward's (s − hi) − lo is then a one-hot-like row's log p_max = −log1p(R) to float32 accuracy:
 * m + l in float64 would already have rounded l away.
 */
export function storePair(m: number, l: number, hi: Float32Array, lo: Float32Array, i: number): void {
  hi[i] = m + l;
  lo[i] = (m - hi[i]) + l;
}

/** 1. row max and sum, 2. loss: the forward kernel's online pass over row i. */
export function forwardRow(p: Problem, i: number): RowState {
  const {z, t, classes: K, invT} = p;
  const o = i * K;
  let ms = -Number.MAX_VALUE;
  let rs = -1;
  let infinite = false;
  if (p.kind === 'entropy') {
    let v = 0;
    for (let c = 0; c < K; c++) {
      const s = z[o + c] * invT;
      if (s > ms) {
        // the new max's own term is exp(0)·0: nothing to add to V
        const d = s - ms;
        const f = fastExp(-d);
        v = f * (v - d * (1 + rs));
        rs = (1 + rs) * f;
        ms = s;
      } else {
        const e = fastExp(s - ms);
        rs += e;
        if (e !== 0) v += e * (s - ms);  // 0 at s = −∞ (p log p → 0), not 0·(−∞)
      }
    }
    if (rs === -1 || ms === Infinity || rs !== rs) return NAN_ROW;
    const l1p = Math.log1p(rs);
    const h = l1p - v / (1 + rs);
    return {loss: h, m: ms, l: l1p, am: h, al: 0};
  }
  if (p.kind === 'klProbabilities') {
    let w = 0;
    let mass = 0;
    let negative = false;
    for (let c = 0; c < K; c++) {
      const s = z[o + c] * invT;
      const P = t[o + c];
      if (s > ms) {
        w += (s - ms) * mass;
        rs = (1 + rs) * fastExp(ms - s);
        ms = s;
      } else {
        rs += fastExp(s - ms);
      }
      if (P !== 0) {
        if (P < 0) negative = true;
        if (s === -Infinity) infinite = true;  // P_c > 0 = p_c (a NaN P makes the row NaN below)
        else w += P * (Math.log(P) - (s - ms));
      }
      mass += P;
    }
    if (rs === -1 || ms === Infinity || rs !== rs || mass !== mass || negative) return NAN_ROW;
    const l1p = Math.log1p(rs);
    return {loss: infinite ? Infinity : w + mass * l1p, m: ms, l: l1p, am: mass, al: 0};
  }
  // 'klLogits'
  const {invTt} = p;
  let mu = -Number.MAX_VALUE;
  let ru = -1;
  let w = 0;
  for (let c = 0; c < K; c++) {
    const s = z[o + c] * invT;
    const u = t[o + c] * invTt;
    if (s > ms) {
      w += (s - ms) * (1 + ru);
      rs = (1 + rs) * fastExp(ms - s);
      ms = s;
    } else {
      rs += fastExp(s - ms);
    }
    let e: number;
    if (u > mu) {
      const d = u - mu;
      const f = fastExp(-d);
      w = f * (w - d * (1 + ru));
      ru = (1 + ru) * f;
      mu = u;
      e = 1;  // the new max's own term, not counted in R_u
    } else {
      e = fastExp(u - mu);
      ru += e;
    }
    if (u !== -Infinity) {
      if (s === -Infinity) infinite = true;
      else w += e * ((u - mu) - (s - ms));
    }
  }
  if (rs === -1 || ru === -1 || ms === Infinity || mu === Infinity || rs !== rs || ru !== ru) return NAN_ROW;
  const ls = Math.log1p(rs);
  const lu = Math.log1p(ru);
  return {loss: infinite ? Infinity : w / (1 + ru) - lu + ls, m: ms, l: ls, am: mu, al: lu};
}

/**
 * 3. gradient of row i from the saved pairs lse = hi + lo and aux = ahi + alo, the backward kernel's:
 * k = scale·dy_i / T times
 *   'klLogits':        p_j − P_j,  P_j = exp(u_j − lse_u)
 *   'klProbabilities': (ΣP)·p_j − P_j, ΣP re-summed here in float64 (the saved float32 one would spoil
 *                      the cancellation where P ≈ p, as cross-entropy's A), with the NaN checks
 *   'entropy':         −p_j·(log p_j + H)
 * log p_j = (s_j − hi) − lo (storePair: keeps a one-hot-like row's log p_max); p_j = 1 exactly for
 * K = 1, whose gradient is then exactly 0. A −∞ logit gets 0.
 */
export function gradientRow(p: Problem, i: number, hi: number, lo: number, ahi: number, alo: number, k: number,
    g: Float32Array): void {
  const {z, t, classes: K, invT} = p;
  const o = i * K;
  let mass = 0;
  if (p.kind === 'klProbabilities') {
    let negative = false;
    for (let c = 0; c < K; c++) {
      const P = t[o + c];
      if (P < 0) negative = true;
      mass += P;
    }
    if (negative) mass = NaN;
  }
  if (hi !== hi || ahi !== ahi || mass !== mass) {
    g.fill(NaN, o, o + K);
    return;
  }
  if (K === 1) {
    g[o] = 0;
    return;
  }
  if (p.kind === 'klLogits') {
    const {invTt} = p;
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      g[o + c] = zc === -Infinity ? 0
          : k * (fastExp((zc * invT - hi) - lo) - fastExp((t[o + c] * invTt - ahi) - alo));
    }
  } else if (p.kind === 'klProbabilities') {
    const km = k * mass;
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      g[o + c] = zc === -Infinity ? 0 : km * fastExp((zc * invT - hi) - lo) - k * t[o + c];
    }
  } else {
    const h = ahi + alo;
    for (let c = 0; c < K; c++) {
      const zc = z[o + c];
      const lp = (zc * invT - hi) - lo;
      g[o + c] = zc === -Infinity ? 0 : k * (fastExp(lp) * ((0 - lp) - h));
    }
  }
}

/**
 * The loss-and-grad kernel's row: 1. the maxes, then the exps against them parked in es (and eu for a
 * teacher) with the sums; 2. the loss, returned (unscaled; NaN for a NaN row); 3. the gradient, times k,
 * into g, p_j = es_j/S_s and P_j = eu_j/S_u from the parked exps. es and eu have at least K entries.
 */
export function lossAndGradRow(
    p: Problem, i: number, k: number, g: Float32Array, es: Float64Array, eu: Float64Array): number {
  const {z, t, classes: K, invT} = p;
  const o = i * K;
  // 1. row max and sum (the maxes first: NaN never wins a compare; it reaches the sums)
  let ms = -Infinity;
  let top = -1;
  for (let c = 0; c < K; c++) {
    const s = z[o + c] * invT;
    if (s > ms) {
      ms = s;
      top = c;
    }
  }
  let nan = top === -1 || ms === Infinity;
  let rs = 0;
  let loss: number;
  if (p.kind === 'entropy') {
    let v = 0;
    for (let c = 0; c < K; c++) {
      const d = z[o + c] * invT - ms;
      const e = fastExp(d);
      es[c] = e;
      if (c !== top) rs += e;
      if (e !== 0) v += e * d;
    }
    nan = nan || rs !== rs;
    // 2. loss: H = log1p(R) − V/S
    const l1p = Math.log1p(rs);
    const h = l1p - v / (1 + rs);
    loss = h;
    // 3. gradient: −p_j·(log p_j + H) = p_j·((log1p(R) − (s_j − m)) − H), so that K = 1 gives +0
    if (!nan) {
      const inv = 1 / (1 + rs);
      for (let c = 0; c < K; c++) {
        const zc = z[o + c];
        g[o + c] = zc === -Infinity ? 0 : k * (es[c] * inv * ((l1p - (zc * invT - ms)) - h));
      }
    }
  } else if (p.kind === 'klProbabilities') {
    let w = 0;
    let mass = 0;
    let negative = false;
    let infinite = false;
    for (let c = 0; c < K; c++) {
      const d = z[o + c] * invT - ms;
      const e = fastExp(d);
      es[c] = e;
      if (c !== top) rs += e;
      const P = t[o + c];
      if (P !== 0) {
        if (P < 0) negative = true;
        if (d === -Infinity) infinite = true;
        else w += P * (Math.log(P) - d);
      }
      mass += P;
    }
    nan = nan || rs !== rs || mass !== mass || negative;
    // 2. loss: KL = W + ΣP·log1p(R)
    loss = infinite ? Infinity : w + mass * Math.log1p(rs);
    // 3. gradient: (ΣP)·p_j − P_j
    if (!nan) {
      const km = (k * mass) / (1 + rs);
      for (let c = 0; c < K; c++) {
        g[o + c] = z[o + c] === -Infinity ? 0 : km * es[c] - k * t[o + c];
      }
    }
  } else {
    const {invTt} = p;
    let mu = -Infinity;
    let topU = -1;
    for (let c = 0; c < K; c++) {
      const u = t[o + c] * invTt;
      if (u > mu) {
        mu = u;
        topU = c;
      }
    }
    nan = nan || topU === -1 || mu === Infinity;
    let ru = 0;
    let w = 0;
    let infinite = false;
    for (let c = 0; c < K; c++) {
      const ds = z[o + c] * invT - ms;
      const du = t[o + c] * invTt - mu;
      const e = fastExp(ds);
      const f = fastExp(du);
      es[c] = e;
      eu[c] = f;
      if (c !== top) rs += e;
      if (c !== topU) ru += f;
      if (du !== -Infinity) {
        if (ds === -Infinity) infinite = true;
        else w += f * (du - ds);
      }
    }
    nan = nan || rs !== rs || ru !== ru;
    // 2. loss: KL = W/S_u − log1p(R_u) + log1p(R_s)
    loss = infinite ? Infinity : w / (1 + ru) - Math.log1p(ru) + Math.log1p(rs);
    // 3. gradient: p_j − P_j
    if (!nan) {
      const ks = k / (1 + rs);
      const ku = k / (1 + ru);
      for (let c = 0; c < K; c++) {
        g[o + c] = z[o + c] === -Infinity ? 0 : ks * es[c] - ku * eu[c];
      }
    }
  }
  if (nan) {
    g.fill(NaN, o, o + K);
    return NaN;
  }
  return loss;
}
