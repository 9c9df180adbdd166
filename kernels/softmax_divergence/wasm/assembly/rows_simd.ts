/**
 * Row math of the SIMD builds, numbered as in every backend:  1. row max and sum  2. loss  3. gradient.
 * Same entry points as rows_scalar.ts.
 *
 * Precision plan (the cross-entropy kernels' split; the wasm tolerance in test/backends.ts follows):
 * - exps on four float32 lanes (exp2f4: a few ulp), of arguments formed as cross-entropy's are,
 *   (z − max)·(log2 e/T) and ((z − L_hi) − L_lo)·(log2 e/T) with L = T·lse a float32 pair, so a
 *   probability carries an error of an ulp of its exponent, not of the logits (1e4 and rows offset by
 *   1000 stay exact).
 * - every sum is float64 (each exp widened before it is added), and so is every term of a loss:
 *   'klLogits' d_c = (u_c − m_u) − (s_c − m_s) from the widened logits, 'klProbabilities' log P_c
 *   (log64x2) and s_c − m_s, entropy's e_c·(z_c − m) (a float32 difference, rounded once: its terms
 *   all have one sign, so the sum is good to an ulp of itself).
 * - each sum is kept as n + R, n the entries whose exp is 1 exactly (at the max), R the rest, so
 *   log S = log1p((n − 1) + R) keeps a one-hot-like row's tiny R (entropy ≈ 1e-24).
 * - gradient lanes are float32: an entry is good to an ulp or two of its terms.
 * K = 1 runs the scalar build's float64 rows (p = P = 1 exactly, gradient 0).
 *
 * The forward kernel reads each row once, in chunks of CHUNK floats: a chunk's maxima (both rows)
 * first, then its exp sweep from L1, the running state rescaled by contract.ts's recurrences when a
 * chunk raises a max. Loss-and-grad takes the maxima over the whole row first (one read from memory),
 * then one exp sweep that parks exp(s − m_s) in the gradient row and, for 'klLogits', the teacher's
 * exp(u − m_u) in the next row's gradient (not written yet; the last row computes it again), then the
 * gradient from the parked exps: two exps per entry for distillation, one for the others.
 * Sweeps over chunks with a −∞ take a masked variant (0·log 0 = 0, the +∞ of mass where p = 0).
 */
import {exp2f4, exp64, LOG2E} from '../../../../backends/wasm/assembly/math';
import {log64x2} from './math';
import * as scalar from './rows_scalar';
import {classes, fill, invT, invTt, kind, KL_LOGITS, KL_PROBABILITIES, logOfSum, nanRow, oneClassGradient, setRow,
  targetTemperature, temperature, tRow, zRow} from './problem';

// forward kernel: rows are swept in chunks of this many floats (4 KiB of each row, so a chunk's exp
// sweep after its max reads from L1 and each row is read from memory once)
const CHUNK: i32 = 1024;


/** Lanes 2, 3 of v in lanes 0, 1 (to widen them to float64). */
// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 { return v128.shuffle<f32>(v, v, 2, 3, 0, 1); }
/** The four float32 lanes of v widened to float64 and added in pairs (0 + 2, 1 + 3). */
// @ts-ignore: decorator
@inline function widen(v: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(highHalf(v)));
}
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(highHalf(v)); }
// @ts-ignore: decorator
@inline function sum64(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }
/** Σ of the four i32 lanes (the counts, negated: f32x4.eq gives −1 per lane). */
// @ts-ignore: decorator
@inline function count(v: v128): f64 {
  return -<f64>(i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) +
      i32x4.extract_lane(v, 3));
}

/** The first n (1 … 3) floats at p in the low lanes, zeros above. */
function loadSome(p: usize, n: i32): v128 {
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

/** Stores the low n (1 … 3) lanes of v at p. */
function storeSome(p: usize, v: v128, n: i32): void {
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

/** Lanes below n (0 … 3) all ones, the others 0. */
// @ts-ignore: decorator
@inline function lanesBelow(n: i32): v128 { return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n)); }

// ---- 1. row max: the maxima and minima of a row (or a chunk), and whether it has a NaN -------------

let maxZ: f32 = 0;
let maxT: f32 = 0;
let minZ: f32 = 0;
let minT: f32 = 0;
let nanSeen = false;

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}
// @ts-ignore: decorator
@inline function hmin(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/**
 * The max, min and NaN-ness of n floats at z, and at t if `two`. pmax and pmin (one instruction each)
 * skip NaN, which is tracked on the side (x ≠ x).
 */
// @ts-ignore: decorator
@inline function scanBody(z: usize, t: usize, n: i32, two: bool): void {
  let mz = f32x4.splat(-Infinity), lz = f32x4.splat(Infinity), mt = mz, lt = lz, nan = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    mz = f32x4.pmax(mz, zv);
    lz = f32x4.pmin(lz, zv);
    if (two) {
      const tv = v128.load(t + o);
      mt = f32x4.pmax(mt, tv);
      lt = f32x4.pmin(lt, tv);
      nan = v128.or(nan, v128.or(f32x4.ne(zv, zv), f32x4.ne(tv, tv)));
    } else {
      nan = v128.or(nan, f32x4.ne(zv, zv));
    }
  }
  if (c < n) {
    // the tail, as a vector whose missing lanes repeat lane 0 (neutral for max and min)
    const valid = lanesBelow(n - c);
    const zv = loadSome(z + (<usize>c << 2), n - c);
    const zf = v128.bitselect(zv, f32x4.splat(f32x4.extract_lane(zv, 0)), valid);
    mz = f32x4.pmax(mz, zf);
    lz = f32x4.pmin(lz, zf);
    nan = v128.or(nan, f32x4.ne(zf, zf));
    if (two) {
      const tv = loadSome(t + (<usize>c << 2), n - c);
      const tf = v128.bitselect(tv, f32x4.splat(f32x4.extract_lane(tv, 0)), valid);
      mt = f32x4.pmax(mt, tf);
      lt = f32x4.pmin(lt, tf);
      nan = v128.or(nan, f32x4.ne(tf, tf));
    }
  }
  nanSeen = v128.any_true(nan);
  maxZ = hmax(mz);
  minZ = hmin(lz);
  maxT = hmax(mt);
  minT = hmin(lt);
}

function scan2(z: usize, t: usize, n: i32): void { scanBody(z, t, n, true); }
function scan1(z: usize, n: i32): void { scanBody(z, 0, n, false); }

// ---- 1. row sum and 2. loss terms: one exp sweep --------------------------------------------------

// the last sweep's sums, relative to its shifts: n and R of the student's S (and the target's), the
// kind's cross term (W, Y or V) and A; whether it met mass where p = 0
let sumNs: f64 = 0;
let sumRs: f64 = 0;
let sumNu: f64 = 0;
let sumRu: f64 = 0;
let sumX: f64 = 0;
let sumA: f64 = 0;
let sawInf = false;


/**
 * 'klLogits' over n entries at z, t with shifts ms, mu (finite stand-ins if a max is still −∞): S_s,
 * S_u as n + R, W = Σ e_c·d_c in units of s (d_c as in the header, float64). parkS: exp(z − ms) → g;
 * parkU: exp(t − mu) → q. masked: some z or t is −∞ (a term with t = −∞ is 0; z = −∞ under finite t
 * sets sawInf).
 */
// @ts-ignore: decorator
@inline function klLogitsSweepBody(z: usize, t: usize, n: i32, ms: f32, mu: f32, masked: bool, sameT: bool,
    parkS: bool, parkU: bool, g: usize, q: usize): void {
  const one = f32x4.splat(1.0);
  const vms = f32x4.splat(ms), vmu = f32x4.splat(mu);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  const ms64 = f64x2.splat(<f64>ms), mu64 = f64x2.splat(<f64>mu);
  const vi = f64x2.splat(invT), vit = f64x2.splat(invTt);
  const vM = f64x2.splat(<f64>mu - <f64>ms);
  let cs = i32x4.splat(0), cu = cs, inf = cs;
  let rs = f64x2.splat(0), ru = rs, w0 = rs, w1 = rs;
  let c = 0;
  while (c < n) {
    const o = <usize>c << 2;
    const lanes = min(4, n - c);
    const whole = lanes == 4;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const tv = whole ? v128.load(t + o) : loadSome(t + o, lanes);
    let es = exp2f4(f32x4.mul(f32x4.sub(zv, vms), vcs));
    let e = exp2f4(f32x4.mul(f32x4.sub(tv, vmu), vcu));
    if (!whole) {
      const valid = lanesBelow(lanes);
      es = v128.and(es, valid);
      e = v128.and(e, valid);
    }
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    if (parkU) { if (whole) v128.store(q + o, e); else storeSome(q + o, e, lanes); }
    const eqs = f32x4.eq(es, one), equ = f32x4.eq(e, one);
    cs = i32x4.add(cs, eqs);
    cu = i32x4.add(cu, equ);
    rs = f64x2.add(rs, widen(v128.andnot(es, eqs)));
    ru = f64x2.add(ru, widen(v128.andnot(e, equ)));
    let zd = zv, td = tv;
    if (masked) {
      const zinf = f32x4.eq(zv, f32x4.splat(-Infinity)), tinf = f32x4.eq(tv, f32x4.splat(-Infinity));
      inf = v128.or(inf, v128.andnot(zinf, tinf));
      zd = v128.bitselect(vms, zv, zinf);
      td = v128.bitselect(vmu, tv, tinf);
    }
    let d0: v128, d1: v128;
    if (sameT) {
      // in units of z: ((t − z) − (mu − ms)), t − z exact in float64; W is scaled by 1/T after the sweep
      d0 = f64x2.sub(f64x2.sub(lo64(td), lo64(zd)), vM);
      d1 = f64x2.sub(f64x2.sub(hi64(td), hi64(zd)), vM);
    } else {
      d0 = f64x2.sub(f64x2.mul(f64x2.sub(lo64(td), mu64), vit), f64x2.mul(f64x2.sub(lo64(zd), ms64), vi));
      d1 = f64x2.sub(f64x2.mul(f64x2.sub(hi64(td), mu64), vit), f64x2.mul(f64x2.sub(hi64(zd), ms64), vi));
    }
    w0 = f64x2.add(w0, f64x2.mul(lo64(e), d0));
    w1 = f64x2.add(w1, f64x2.mul(hi64(e), d1));
    c += 4;
  }
  sumNs = count(cs);
  sumNu = count(cu);
  sumRs = sum64(rs);
  sumRu = sum64(ru);
  const w = sum64(f64x2.add(w0, w1));
  sumX = sameT ? w * invT : w;
  sawInf = v128.any_true(inf);
}

/**
 * 'klProbabilities' over n entries at z, P with shift ms: S_s as n + R, A = Σ P_c and
 * Y = Σ P_c·(log P_c − (s_c − m_s)) in float64 (a term with P_c = 0 is 0; log64x2(0) is finite).
 * masked: some z is −∞ (P_c > 0 there sets sawInf).
 */
// @ts-ignore: decorator
@inline function klProbabilitiesSweepBody(z: usize, t: usize, n: i32, ms: f32, masked: bool, parkS: bool,
    g: usize): void {
  const one = f32x4.splat(1.0), zero = f32x4.splat(0);
  const vms = f32x4.splat(ms), vcs = f32x4.splat(<f32>(invT * LOG2E));
  const ms64 = f64x2.splat(<f64>ms), vi = f64x2.splat(invT);
  let cs = i32x4.splat(0), inf = cs;
  let rs = f64x2.splat(0), a = rs, y0 = rs, y1 = rs;
  let c = 0;
  while (c < n) {
    const o = <usize>c << 2;
    const lanes = min(4, n - c);
    const whole = lanes == 4;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const pv = whole ? v128.load(t + o) : loadSome(t + o, lanes);
    let es = exp2f4(f32x4.mul(f32x4.sub(zv, vms), vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    const eqs = f32x4.eq(es, one);
    cs = i32x4.add(cs, eqs);
    rs = f64x2.add(rs, widen(v128.andnot(es, eqs)));
    a = f64x2.add(a, widen(pv));
    let zd = zv;
    if (masked) {
      const zinf = f32x4.eq(zv, f32x4.splat(-Infinity));
      inf = v128.or(inf, v128.and(zinf, f32x4.gt(pv, zero)));
      zd = v128.bitselect(vms, zv, zinf);
    }
    const p0 = lo64(pv), p1 = hi64(pv);
    const a0 = f64x2.mul(f64x2.sub(lo64(zd), ms64), vi), a1 = f64x2.mul(f64x2.sub(hi64(zd), ms64), vi);
    y0 = f64x2.add(y0, f64x2.mul(p0, f64x2.sub(log64x2(p0), a0)));
    y1 = f64x2.add(y1, f64x2.mul(p1, f64x2.sub(log64x2(p1), a1)));
    c += 4;
  }
  sumNs = count(cs);
  sumRs = sum64(rs);
  sumA = sum64(a);
  sumX = sum64(f64x2.add(y0, y1));
  sawInf = v128.any_true(inf);
}

/**
 * 'entropy' over n entries at z with shift m: S as n + R and V = Σ e_c·(z_c − m) in units of z
 * (e_c at the max adds 0: it is 1 only where z_c − m rounds to 0). masked: some z is −∞.
 */
// @ts-ignore: decorator
@inline function entropySweepBody(z: usize, n: i32, m: f32, masked: bool, parkS: bool, g: usize): void {
  const one = f32x4.splat(1.0);
  const vm = f32x4.splat(m), vcs = f32x4.splat(<f32>(invT * LOG2E));
  let cs = i32x4.splat(0);
  let rs = f64x2.splat(0), v0 = rs, v1 = rs;
  let c = 0;
  while (c < n) {
    const o = <usize>c << 2;
    const lanes = min(4, n - c);
    const whole = lanes == 4;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    let dz = f32x4.sub(zv, vm);
    let es = exp2f4(f32x4.mul(dz, vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    const eqs = f32x4.eq(es, one);
    cs = i32x4.add(cs, eqs);
    const rest = v128.andnot(es, eqs);
    rs = f64x2.add(rs, widen(rest));
    if (masked) dz = v128.andnot(dz, f32x4.eq(zv, f32x4.splat(-Infinity)));
    v0 = f64x2.add(v0, f64x2.mul(lo64(rest), lo64(dz)));
    v1 = f64x2.add(v1, f64x2.mul(hi64(rest), hi64(dz)));
    c += 4;
  }
  sumNs = count(cs);
  sumRs = sum64(rs);
  sumX = sum64(f64x2.add(v0, v1));
}

// the variants the kernels call (each an inlined copy of its body, so the flags fold away)
function klLogitsSweep(z: usize, t: usize, n: i32, ms: f32, mu: f32, masked: bool): void {
  const same = temperature == targetTemperature;
  if (masked) {
    if (same) klLogitsSweepBody(z, t, n, ms, mu, true, true, false, false, 0, 0);
    else klLogitsSweepBody(z, t, n, ms, mu, true, false, false, false, 0, 0);
  } else {
    if (same) klLogitsSweepBody(z, t, n, ms, mu, false, true, false, false, 0, 0);
    else klLogitsSweepBody(z, t, n, ms, mu, false, false, false, false, 0, 0);
  }
}
function klLogitsSweepParked(z: usize, t: usize, n: i32, ms: f32, mu: f32, masked: bool, g: usize, q: usize): void {
  const same = temperature == targetTemperature;
  if (q == 0) {
    if (masked) klLogitsSweepBody(z, t, n, ms, mu, true, same, true, false, g, 0);
    else klLogitsSweepBody(z, t, n, ms, mu, false, same, true, false, g, 0);
  } else if (masked) {
    klLogitsSweepBody(z, t, n, ms, mu, true, same, true, true, g, q);
  } else if (same) {
    klLogitsSweepBody(z, t, n, ms, mu, false, true, true, true, g, q);
  } else {
    klLogitsSweepBody(z, t, n, ms, mu, false, false, true, true, g, q);
  }
}
function klProbabilitiesSweep(z: usize, t: usize, n: i32, ms: f32, masked: bool, g: usize): void {
  if (g == 0) {
    if (masked) klProbabilitiesSweepBody(z, t, n, ms, true, false, 0);
    else klProbabilitiesSweepBody(z, t, n, ms, false, false, 0);
  } else if (masked) {
    klProbabilitiesSweepBody(z, t, n, ms, true, true, g);
  } else {
    klProbabilitiesSweepBody(z, t, n, ms, false, true, g);
  }
}
function entropySweep(z: usize, n: i32, m: f32, masked: bool, g: usize): void {
  if (g == 0) {
    if (masked) entropySweepBody(z, n, m, true, false, 0);
    else entropySweepBody(z, n, m, false, false, 0);
  } else if (masked) {
    entropySweepBody(z, n, m, true, true, g);
  } else {
    entropySweepBody(z, n, m, false, true, g);
  }
}

/** A shift for exps while a max is still −∞ (its entries are all −∞ then, and exp(−∞ − 0) = 0). */
// @ts-ignore: decorator
@inline function shift(m: f32): f32 { return m == -Infinity ? 0 : m; }

// ---- the forward kernel: 1. and 2. over chunks, online ----------------------------------------------

function klLogitsForward(i: i32): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms: f32 = -Infinity, mu: f32 = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, nu: f64 = 0, ru: f64 = 0, w: f64 = 0;
  let inf = false;
  for (let start = 0; start < K; start += CHUNK) {
    const n = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk)
    scan2(z + o, t + o, n);
    if (nanSeen || maxZ == Infinity || maxT == Infinity) return nanRow();
    if (maxZ > ms) {
      if (ms != -Infinity) {
        const d = (<f64>maxZ - <f64>ms) * invT;  // a new student max: every d_c grows by d
        rs = exp64(-d) * (ns + rs);
        ns = 0;
        w += d * (nu + ru);
      }
      ms = maxZ;
    }
    if (maxT > mu) {
      if (mu != -Infinity) {
        const d = (<f64>maxT - <f64>mu) * invTt;  // a new target max: e_c shrink by e^−d, d_c drop by d
        const f = exp64(-d);
        w = f * (w - d * (nu + ru));
        ru = f * (nu + ru);
        nu = 0;
      }
      mu = maxT;
    }
    // 1. row sum and 2. loss terms (of the chunk)
    klLogitsSweep(z + o, t + o, n, shift(ms), shift(mu), minZ == -Infinity || minT == -Infinity);
    ns += sumNs;
    rs += sumRs;
    nu += sumNu;
    ru += sumRu;
    w += sumX;
    inf = inf || sawInf;
  }
  if (ms == -Infinity || mu == -Infinity) return nanRow();
  const logSs = logOfSum(ns, rs), logSu = logOfSum(nu, ru);
  setRow(<f64>ms * invT, logSs, <f64>mu * invTt, logSu);
  // 2. loss
  return inf ? Infinity : w / (nu + ru) - logSu + logSs;
}

function klProbabilitiesForward(i: i32): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms: f32 = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, y: f64 = 0, a: f64 = 0;
  let inf = false;
  for (let start = 0; start < K; start += CHUNK) {
    const n = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk); a NaN or negative P makes the row NaN
    scan2(z + o, t + o, n);
    if (nanSeen || maxZ == Infinity || minT < 0) return nanRow();
    if (maxZ > ms) {
      if (ms != -Infinity) {
        const d = (<f64>maxZ - <f64>ms) * invT;
        rs = exp64(-d) * (ns + rs);
        ns = 0;
        y += d * a;
      }
      ms = maxZ;
    }
    // 1. row sum and 2. loss terms (of the chunk)
    klProbabilitiesSweep(z + o, t + o, n, shift(ms), minZ == -Infinity, 0);
    ns += sumNs;
    rs += sumRs;
    a += sumA;
    y += sumX;
    inf = inf || sawInf;
  }
  if (ms == -Infinity) return nanRow();
  const logSs = logOfSum(ns, rs);
  setRow(<f64>ms * invT, logSs, a, 0);
  // 2. loss
  return inf ? Infinity : y + a * logSs;
}

function entropyForward(i: i32): f64 {
  const K = classes, z = zRow(i);
  let m: f32 = -Infinity;
  let n: f64 = 0, r: f64 = 0, v: f64 = 0;  // v in units of z
  for (let start = 0; start < K; start += CHUNK) {
    const len = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk)
    scan1(z + o, len);
    if (nanSeen || maxZ == Infinity) return nanRow();
    if (maxZ > m) {
      if (m != -Infinity) {
        const d = <f64>maxZ - <f64>m, f = exp64(-d * invT);
        v = f * (v - d * (n + r));
        r = f * (n + r);
        n = 0;
      }
      m = maxZ;
    }
    // 1. row sum and 2. loss terms (of the chunk)
    entropySweep(z + o, len, shift(m), minZ == -Infinity, 0);
    n += sumNs;
    r += sumRs;
    v += sumX;
  }
  if (m == -Infinity) return nanRow();
  const logS = logOfSum(n, r);
  // 2. loss
  const H = logS - invT * v / (n + r);
  setRow(<f64>m * invT, logS, H, 0);
  return H;
}

/** 1. row max and sum, 2. loss, in one read of each row: the unscaled loss; the row's lse and aux set. */
export function forwardRow(i: i32): f64 {
  if (classes == 1) return scalar.forwardRow(i);
  if (kind == KL_LOGITS) return klLogitsForward(i);
  if (kind == KL_PROBABILITIES) return klProbabilitiesForward(i);
  return entropyForward(i);
}

// ---- 3. gradient -------------------------------------------------------------------------------------

/** exp(s − lse) on four lanes from the float32 pair L = T·lse (hi, lo), and vc = log2 e/T. */
// @ts-ignore: decorator
@inline function pFromLse(zv: v128, vhi: v128, vlo: v128, vc: v128): v128 {
  return exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(zv, vhi), vlo), vc));
}

/**
 * The backward kernel's row: 3. gradient from the saved lse and aux (no max or sum recomputed), k =
 * dy·scale/T. 0 at z = −∞; a NaN row (NaN lse or aux) is NaN.
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
  if (kind == KL_LOGITS) klLogitsGradient(z, t, lseHi, lseLo, auxHi, auxLo, k, g);
  else if (kind == KL_PROBABILITIES) klProbabilitiesGradient(z, t, lseHi, lseLo, aux, k, g);
  else entropyGradient(z, lseHi, lseLo, aux, k, g);
}

/**
 * L = T·lse as a float32 pair (splitHi, splitLo), lse given as hi + lo: the low part is added after
 * the split (T·hi − L_hi is exact), so a tiny log S in lo is kept.
 */
let splitHi: f32 = 0;
let splitLo: f32 = 0;
function splitLse(hi: f64, lo: f64, T: f64): void {
  const H = T * hi;
  splitHi = <f32>H;
  splitLo = <f32>((H - <f64>splitHi) + T * lo);
}

function klLogitsGradient(z: usize, t: usize, lseHi: f64, lseLo: f64, uHi: f64, uLo: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  splitLse(uHi, uLo, targetTemperature);
  const uhi = f32x4.splat(splitHi), ulo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  const vk = f32x4.splat(<f32>k);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    const p = pFromLse(zv, shi, slo, vcs), P = pFromLse(v128.load(t + o), uhi, ulo, vcu);
    v128.store(g + o, v128.andnot(f32x4.mul(f32x4.sub(p, P), vk), f32x4.eq(zv, f32x4.splat(-Infinity))));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const zv = v128.load32_zero(z + o);
    const p = pFromLse(zv, shi, slo, vcs), P = pFromLse(v128.load32_zero(t + o), uhi, ulo, vcu);
    v128.store32_lane(g + o, v128.andnot(f32x4.mul(f32x4.sub(p, P), vk), f32x4.eq(zv, f32x4.splat(-Infinity))), 0);
  }
}

function klProbabilitiesGradient(z: usize, t: usize, lseHi: f64, lseLo: f64, a: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E));
  const vka = f32x4.splat(<f32>(k * a)), vk = f32x4.splat(<f32>k);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    const p = pFromLse(zv, shi, slo, vcs);
    const gv = f32x4.sub(f32x4.mul(p, vka), f32x4.mul(v128.load(t + o), vk));
    v128.store(g + o, v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity))));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const zv = v128.load32_zero(z + o);
    const p = pFromLse(zv, shi, slo, vcs);
    const gv = f32x4.sub(f32x4.mul(p, vka), f32x4.mul(v128.load32_zero(t + o), vk));
    v128.store32_lane(g + o, v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity))), 0);
  }
}

function entropyGradient(z: usize, lseHi: f64, lseLo: f64, H: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vi = f32x4.splat(<f32>invT);
  const vH = f32x4.splat(<f32>H), vk = f32x4.splat(<f32>-k);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    const x = f32x4.sub(f32x4.sub(zv, shi), slo);  // T·log p
    const p = exp2f4(f32x4.mul(x, vcs));
    const gv = f32x4.mul(f32x4.mul(p, vk), f32x4.add(f32x4.mul(x, vi), vH));
    v128.store(g + o, v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity))));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const zv = v128.load32_zero(z + o);
    const x = f32x4.sub(f32x4.sub(zv, shi), slo);
    const p = exp2f4(f32x4.mul(x, vcs));
    const gv = f32x4.mul(f32x4.mul(p, vk), f32x4.add(f32x4.mul(x, vi), vH));
    v128.store32_lane(g + o, v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity))), 0);
  }
}

// ---- loss-and-grad: 1. the row's maxima, 1. and 2. one parked exp sweep, 3. gradient from the parks ----

/**
 * Loss-and-grad of row i (k = dy·scale/T): the unscaled loss; the gradient written at g. scratch: row
 * i + 1's gradient, free for the teacher's exps ('klLogits'), or 0 (the last row).
 */
export function lossAndGradRow(i: i32, k: f64, g: usize, scratch: usize): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  if (K == 1) return scalar.lossAndGradRow(i, k, g, scratch);
  if (kind == KL_LOGITS) {
    // 1. row max
    scan2(z, t, K);
    if (nanSeen || maxZ == Infinity || maxT == Infinity || maxZ == -Infinity || maxT == -Infinity) {
      fill(g, K, NaN);
      return NaN;
    }
    const ms = maxZ, mu = maxT, masked = minZ == -Infinity || minT == -Infinity;
    // 1. row sum and 2. loss terms
    klLogitsSweepParked(z, t, K, ms, mu, masked, g, scratch);
    const Ss = sumNs + sumRs, Su = sumNu + sumRu;
    const logSs = logOfSum(sumNs, sumRs), logSu = logOfSum(sumNu, sumRu);
    // 2. loss
    const loss = sawInf ? Infinity : sumX / Su - logSu + logSs;
    // 3. gradient
    klLogitsParkedGradient(z, t, K, mu, masked, k / Ss, k / Su, g, scratch);
    return loss;
  }
  if (kind == KL_PROBABILITIES) {
    scan2(z, t, K);
    if (nanSeen || maxZ == Infinity || maxZ == -Infinity || minT < 0) {
      fill(g, K, NaN);
      return NaN;
    }
    const ms = maxZ, masked = minZ == -Infinity;
    klProbabilitiesSweep(z, t, K, ms, masked, g);
    const Ss = sumNs + sumRs;
    const loss = sawInf ? Infinity : sumX + sumA * logOfSum(sumNs, sumRs);
    klProbabilitiesParkedGradient(z, t, K, masked, k * sumA / Ss, k, g);
    return loss;
  }
  scan1(z, K);
  if (nanSeen || maxZ == Infinity || maxZ == -Infinity) {
    fill(g, K, NaN);
    return NaN;
  }
  const m = maxZ, masked = minZ == -Infinity;
  entropySweep(z, K, m, masked, g);
  const S = sumNs + sumRs;
  const c = -invT * sumX / S;  // H − log S = −V/S, V in units of s
  const H = logOfSum(sumNs, sumRs) + c;
  entropyParkedGradient(z, K, m, masked, -k / S, c, g);
  return H;
}

/**
 * 3. gradient from parked exps: g = es·(k/S_s) − e·(k/S_u), e parked at q or (q = 0) computed again; 0 at
 * z = −∞ (masked rows).
 */
function klLogitsParkedGradient(z: usize, t: usize, K: i32, mu: f32, masked: bool, ks: f64, ku: f64, g: usize,
    q: usize): void {
  const vks = f32x4.splat(<f32>ks), vku = f32x4.splat(<f32>ku);
  const vmu = f32x4.splat(mu), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const e = q != 0 ? v128.load(q + o) : exp2f4(f32x4.mul(f32x4.sub(v128.load(t + o), vmu), vcu));
    let gv = f32x4.sub(f32x4.mul(v128.load(g + o), vks), f32x4.mul(e, vku));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load(z + o), f32x4.splat(-Infinity)));
    v128.store(g + o, gv);
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const e = q != 0 ? v128.load32_zero(q + o) : exp2f4(f32x4.mul(f32x4.sub(v128.load32_zero(t + o), vmu), vcu));
    let gv = f32x4.sub(f32x4.mul(v128.load32_zero(g + o), vks), f32x4.mul(e, vku));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load32_zero(z + o), f32x4.splat(-Infinity)));
    v128.store32_lane(g + o, gv, 0);
  }
}

/** 3. gradient from parked exps: g = es·(k·A/S) − k·P; 0 at z = −∞. */
function klProbabilitiesParkedGradient(z: usize, t: usize, K: i32, masked: bool, ka: f64, k: f64, g: usize): void {
  const vka = f32x4.splat(<f32>ka), vk = f32x4.splat(<f32>k);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    let gv = f32x4.sub(f32x4.mul(v128.load(g + o), vka), f32x4.mul(v128.load(t + o), vk));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load(z + o), f32x4.splat(-Infinity)));
    v128.store(g + o, gv);
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    let gv = f32x4.sub(f32x4.mul(v128.load32_zero(g + o), vka), f32x4.mul(v128.load32_zero(t + o), vk));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load32_zero(z + o), f32x4.splat(-Infinity)));
    v128.store32_lane(g + o, gv, 0);
  }
}

/**
 * 3. gradient from parked exps: g = −k·p·(log p + H) = es·(−k/S)·((z − m)/T + (H − log S)), with
 * H − log S = −V/S formed in float64 (c); 0 at z = −∞.
 */
function entropyParkedGradient(z: usize, K: i32, m: f32, masked: bool, kS: f64, c0: f64, g: usize): void {
  const vkS = f32x4.splat(<f32>kS), vc = f32x4.splat(<f32>c0), vm = f32x4.splat(m), vi = f32x4.splat(<f32>invT);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    let gv = f32x4.mul(f32x4.mul(v128.load(g + o), vkS), f32x4.add(f32x4.mul(f32x4.sub(zv, vm), vi), vc));
    if (masked) gv = v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity)));
    v128.store(g + o, gv);
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const zv = v128.load32_zero(z + o);
    let gv = f32x4.mul(f32x4.mul(v128.load32_zero(g + o), vkS), f32x4.add(f32x4.mul(f32x4.sub(zv, vm), vi), vc));
    if (masked) gv = v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity)));
    v128.store32_lane(g + o, gv, 0);
  }
}
