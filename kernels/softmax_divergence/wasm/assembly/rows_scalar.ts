/**
 * Row math of the scalar build (browsers without wasm SIMD), numbered as in every backend:
 *   1. row max and sum  2. loss  3. gradient.
 * Same entry points as rows_simd.ts. Every term is float64 (the sigmoid family's expNeg64, the shared
 * log64), as in the cpu kernels: scalar float64 costs what scalar float32 does, so this build is as
 * exact as cpu, and each output is rounded to float32 once.
 *
 * The forward sweep is contract.ts's online recurrence, one element at a time: per row the student's
 * max m_s and sum S_s, the target's m_u and S_u, and W (or Y, V: below), each sum kept as n + R (n
 * entries at the max, R the rest), so log S = log1p((n − 1) + R) keeps a one-hot-like row's tiny R.
 */
import {log64} from '../../../../backends/wasm/assembly/math';
import {expNeg64} from '../../../sigmoid_cross_entropy/wasm/assembly/math';
import {classes, fill, invT, invTt, kind, KL_LOGITS, KL_PROBABILITIES, logOfSum, nanRow, oneClassGradient, rowAuxHi,
  rowAuxLo, rowLseHi, rowLseLo, setRow, tRow, zRow} from './problem';

// @ts-ignore: decorator
@inline function at(p: usize, c: i32): f64 { return <f64>load<f32>(p + (<usize>c << 2)); }


/**
 * 'klLogits', 1. and 2.: s = z/T, u = t/T_t; W = Σ e_c·d_c, e_c = exp(u_c − m_u), d_c = (u_c − m_u) −
 * (s_c − m_s); KL = W/S_u − log S_u + log S_s. A term with u_c = −∞ is 0; u_c finite at s_c = −∞ makes
 * the row +∞ (S_u then counts terms W lacks, which no longer matters).
 */
function klLogitsRow(i: i32): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms = -Infinity, mu = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, nu: f64 = 0, ru: f64 = 0, w: f64 = 0;
  let inf = false;
  for (let c = 0; c < K; c++) {
    const s = at(z, c) * invT, u = at(t, c) * invTt;
    if (s != s || u != u || s == Infinity || u == Infinity) return nanRow();
    if (s > ms) {
      // a new student max m_s + δ: every d_c grows by δ
      if (ms != -Infinity) {
        const d = s - ms;
        rs = expNeg64(-d) * (ns + rs);
        ns = 0;
        w += d * (nu + ru);
      }
      ms = s;
    }
    if (u > mu) {
      // a new target max m_u + δ: every e_c shrinks by e^−δ, every d_c drops by δ
      if (mu != -Infinity) {
        const d = u - mu, f = expNeg64(-d);
        w = f * (w - d * (nu + ru));
        ru = f * (nu + ru);
        nu = 0;
      }
      mu = u;
    }
    if (s != -Infinity) {
      if (s == ms) ns += 1; else rs += expNeg64(s - ms);
    }
    if (u != -Infinity) {
      const b = u - mu;
      let e: f64 = 1;
      if (b == 0) nu += 1;
      else {
        e = expNeg64(b);
        ru += e;
      }
      if (s == -Infinity) inf = true; else w += e * (b - (s - ms));
    }
  }
  if (ms == -Infinity || mu == -Infinity) return nanRow();
  const logSs = logOfSum(ns, rs), logSu = logOfSum(nu, ru);
  setRow(ms, logSs, mu, logSu);
  return inf ? Infinity : w / (nu + ru) - logSu + logSs;
}

/**
 * 'klProbabilities', 1. and 2.: Y = Σ_{P_c > 0} P_c·(log P_c − (s_c − m_s)), A = Σ P_c;
 * KL = Y + A·log S_s (log p_c = s_c − m_s − log S_s). A new student max m_s + δ adds δ·A to Y.
 */
function klProbabilitiesRow(i: i32): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, y: f64 = 0, a: f64 = 0;
  let inf = false;
  for (let c = 0; c < K; c++) {
    const s = at(z, c) * invT, P = at(t, c);
    if (s != s || s == Infinity || !(P >= 0)) return nanRow();  // a NaN, +∞ logit; a NaN or negative P
    if (s > ms) {
      if (ms != -Infinity) {
        const d = s - ms;
        rs = expNeg64(-d) * (ns + rs);
        ns = 0;
        y += d * a;
      }
      ms = s;
    }
    if (s != -Infinity) {
      if (s == ms) ns += 1; else rs += expNeg64(s - ms);
    }
    if (P > 0) {
      a += P;
      if (s == -Infinity) inf = true; else y += P * (log64(P) - (s - ms));
    }
  }
  if (ms == -Infinity) return nanRow();
  const logSs = logOfSum(ns, rs);
  setRow(ms, logSs, a, 0);
  return inf ? Infinity : y + a * logSs;
}

/**
 * 'entropy', 1. and 2.: V = Σ e_c·(s_c − m), H = log S − V/S. A new max m + δ: V ← e^−δ·(V − δ·S),
 * S ← e^−δ·S. H adds two non-negative terms, so it is good to a float64 ulp or two of itself.
 */
function entropyRow(i: i32): f64 {
  const K = classes, z = zRow(i);
  let m = -Infinity;
  let n: f64 = 0, r: f64 = 0, v: f64 = 0;
  for (let c = 0; c < K; c++) {
    const s = at(z, c) * invT;
    if (s != s || s == Infinity) return nanRow();
    if (s > m) {
      if (m != -Infinity) {
        const d = s - m, f = expNeg64(-d);
        v = f * (v - d * (n + r));
        r = f * (n + r);
        n = 0;
      }
      m = s;
    }
    if (s != -Infinity) {
      const a = s - m;
      if (a == 0) n += 1;
      else {
        const e = expNeg64(a);
        r += e;
        v += e * a;
      }
    }
  }
  if (m == -Infinity) return nanRow();
  const logS = logOfSum(n, r);
  const H = logS - v / (n + r);
  setRow(m, logS, H, 0);
  return H;
}

/** 1. row max and sum, 2. loss, in one read of the row: the unscaled loss; the row's lse and aux set. */
export function forwardRow(i: i32): f64 {
  if (kind == KL_LOGITS) return klLogitsRow(i);
  if (kind == KL_PROBABILITIES) return klProbabilitiesRow(i);
  return entropyRow(i);
}

/**
 * 3. gradient of row i from its lse = lseHi + lseLo and aux = auxHi + auxLo (the backward kernel's
 * float32 pairs, or loss-and-grad's float64 m/T and log S), k = dy·scale/T: k·(p_j − P_j),
 * k·(A·p_j − P_j) or −k·p_j·(log p_j + H), and 0 at z_j = −∞ (p_j = 0); a NaN row (NaN lse or aux) is
 * NaN. log p_j = (s_j − lseHi) − lseLo, so a one-hot-like row's log p_max = −log S ≈ −1e-24 survives.
 */
export function gradientRow(i: i32, lseHi: f64, lseLo: f64, auxHi: f64, auxLo: f64, k: f64, g: usize): void {
  const K = classes, z = zRow(i), t = tRow(i);
  const aux = auxHi + auxLo;
  if (lseHi != lseHi || lseLo != lseLo || aux != aux) {
    fill(g, K, NaN);
    return;
  }
  if (K == 1) {
    oneClassGradient(i, k, aux, g);
    return;
  }
  for (let c = 0; c < K; c++) {
    const o = <usize>c << 2;
    const s = at(z, c) * invT;
    let gc: f64 = 0;
    if (s != -Infinity) {
      const lp = (s - lseHi) - lseLo;
      const p = expNeg64(lp);
      if (kind == KL_LOGITS) gc = k * (p - expNeg64((at(t, c) * invTt - auxHi) - auxLo));
      else if (kind == KL_PROBABILITIES) gc = k * (aux * p - at(t, c));
      else gc = -k * p * (lp + aux);
    }
    store<f32>(g + o, <f32>gc);
  }
}

/** A = Σ_c P_c of row i in float64 (the backward kernel re-sums it: the saved A is float32). */
export function targetMass(i: i32): f64 {
  const K = classes, t = tRow(i);
  let a: f64 = 0;
  for (let c = 0; c < K; c++) a += at(t, c);
  return a;
}

/** Loss-and-grad of row i: the forward sweep, then the gradient from its float64 lse and aux. */
export function lossAndGradRow(i: i32, k: f64, g: usize, scratch: usize): f64 {
  const l = forwardRow(i);
  gradientRow(i, rowLseHi, rowLseLo, rowAuxHi, rowAuxLo, k, g);
  return l;
}
