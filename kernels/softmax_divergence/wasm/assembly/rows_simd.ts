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
 * K < 4 runs the scalar build's float64 rows (K = 1: p = P = 1 exactly, gradient 0).
 *
 * The forward kernel reads each row once, in chunks of CHUNK floats: a chunk's maxima (both rows)
 * first, then its exp sweep from L1, the running state rescaled by contract.ts's recurrences when a
 * chunk raises a max. Loss-and-grad takes the maxima over the whole row first (one read from memory),
 * then one exp sweep that parks exp(s − m_s) in the gradient row and, for 'klLogits', the teacher's
 * exp(u − m_u) in the next row's gradient (not written yet; the last row computes it again), then the
 * gradient from the parked exps: two exps per entry for distillation, one for the others.
 * Each sweep is fast or careful (below): rows with a −∞, or one-hot-like ones, take the careful one.
 */
import {exp2f4, exp64, LOG2E} from '../../../../backends/wasm/assembly/math';
const LN2: f64 = 0.6931471805599453;
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

// ---- 1. row max: the maxima of a row (or a chunk), whether it has a NaN, and P's minimum ------------

let maxZ: f32 = 0;
let maxT: f32 = 0;
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

// what a scan reads: the logits only (entropy), both rows' maxima (klLogits), the logits' max and P's min
const ONE = 0;
const TWO = 1;
const PROBS = 2;

/**
 * The max of n floats at z (and t's max or min), and whether either has a NaN. pmax and pmin (one
 * instruction each) skip NaN, which is tracked on the side (x ≠ x). −∞ is not looked for: the fast
 * sweeps meet it as a non-finite term and hand the row to the careful ones.
 */
// @ts-ignore: decorator
@inline function scanBody(z: usize, t: usize, n: i32, mode: i32): void {
  let mz = f32x4.splat(-Infinity), mt = mz, lt = f32x4.splat(Infinity), nan = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    mz = f32x4.pmax(mz, zv);
    if (mode == ONE) {
      nan = v128.or(nan, f32x4.ne(zv, zv));
    } else {
      const tv = v128.load(t + o);
      if (mode == TWO) mt = f32x4.pmax(mt, tv); else lt = f32x4.pmin(lt, tv);
      nan = v128.or(nan, v128.or(f32x4.ne(zv, zv), f32x4.ne(tv, tv)));
    }
  }
  if (c < n) {
    // the tail, as a vector whose missing lanes repeat lane 0 (neutral for max and min)
    const valid = lanesBelow(n - c);
    const zv = loadSome(z + (<usize>c << 2), n - c);
    const zf = v128.bitselect(zv, f32x4.splat(f32x4.extract_lane(zv, 0)), valid);
    mz = f32x4.pmax(mz, zf);
    nan = v128.or(nan, f32x4.ne(zf, zf));
    if (mode != ONE) {
      const tv = loadSome(t + (<usize>c << 2), n - c);
      const tf = v128.bitselect(tv, f32x4.splat(f32x4.extract_lane(tv, 0)), valid);
      if (mode == TWO) mt = f32x4.pmax(mt, tf); else lt = f32x4.pmin(lt, tf);
      nan = v128.or(nan, f32x4.ne(tf, tf));
    }
  }
  nanSeen = v128.any_true(nan);
  maxZ = hmax(mz);
  maxT = hmax(mt);
  minT = hmin(lt);
}

function scanOne(z: usize, n: i32): void { scanBody(z, 0, n, ONE); }
function scanTwo(z: usize, t: usize, n: i32): void { scanBody(z, t, n, TWO); }
function scanProbs(z: usize, t: usize, n: i32): void { scanBody(z, t, n, PROBS); }

// ---- 1. row sum and 2. loss terms: one exp sweep --------------------------------------------------
//
// Two kinds of sweep. The fast ones sum S in float64 as it comes (the max's exp is exactly 1) and form
// the loss terms from float32 differences; a −∞ logit makes their cross term non-finite. The careful
// ones keep S as n + R (n entries whose exp is exactly 1, R the rest) and mask −∞ entries (a term with
// no target mass is 0, mass where p = 0 sets sawInf), with d_c and log P_c in float64. A row takes the
// careful sweep when the fast one's cross term is not finite (a −∞ somewhere) or its S is within
// K·2^-30 of 1 (a one-hot-like row, whose R float64's 1 + R would round: log1p(R) needs R itself).

// the last sweep's sums, relative to its shifts: n and R of the student's S (and the target's; the fast
// sweeps put all of S in R), the kind's cross term (W, Y or V) and A; whether it met mass where p = 0
let sumNs: f64 = 0;
let sumRs: f64 = 0;
let sumNu: f64 = 0;
let sumRu: f64 = 0;
let sumX: f64 = 0;
let sumA: f64 = 0;
let sawInf = false;

/**
 * Fast 'klLogits' over n entries at z, t with shifts ms, mu: S_s, S_u, and W = Σ e_c·d_c in units of
 * s with d_c = (t − mu)/T_t − (z − ms)/T from float32 differences (each rounded once: the loss's bound,
 * an ulp of |log P_c| + |log p_c| per unit of P_c), e_c·d_c and the sums in float64. parkS:
 * exp(z − ms) → g; parkU: exp(t − mu) → q.
 */
// @ts-ignore: decorator
@inline function klLogitsFastBody(z: usize, t: usize, n: i32, ms: f32, mu: f32, sameT: bool, parkS: bool,
    parkU: bool, g: usize, q: usize, tail: bool): void {
  const vms = f32x4.splat(ms), vmu = f32x4.splat(mu);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  const vi = f32x4.splat(<f32>invT), vit = f32x4.splat(<f32>invTt);
  let ss = f64x2.splat(0), su = ss, w = ss;
  let c = 0;
  if (!tail) {
    // two vectors per iteration, four independent exps in flight: the sweep waits on the exps'
    // latency, not on their throughput (16% faster than one vector at a time)
    let ss1 = ss, su1 = ss, w1 = ss;
    for (; c + 8 <= n; c += 8) {
      const o = <usize>c << 2;
      const zv = v128.load(z + o), zw = v128.load(z + o, 16);
      const tv = v128.load(t + o), tw = v128.load(t + o, 16);
      const dz = f32x4.sub(zv, vms), dt = f32x4.sub(tv, vmu);
      const dz1 = f32x4.sub(zw, vms), dt1 = f32x4.sub(tw, vmu);
      const es = exp2f4(f32x4.mul(dz, vcs)), e = exp2f4(f32x4.mul(dt, vcu));
      const es1 = exp2f4(f32x4.mul(dz1, vcs)), e1x = exp2f4(f32x4.mul(dt1, vcu));
      if (parkS) { v128.store(g + o, es); v128.store(g + o, es1, 16); }
      if (parkU) { v128.store(q + o, e); v128.store(q + o, e1x, 16); }
      ss = f64x2.add(ss, widen(es));
      ss1 = f64x2.add(ss1, widen(es1));
      const e0 = lo64(e), e1 = hi64(e), f0 = lo64(e1x), f1 = hi64(e1x);
      su = f64x2.add(su, f64x2.add(e0, e1));
      su1 = f64x2.add(su1, f64x2.add(f0, f1));
      const d = sameT ? f32x4.sub(dt, dz) : f32x4.sub(f32x4.mul(dt, vit), f32x4.mul(dz, vi));
      const d1 = sameT ? f32x4.sub(dt1, dz1) : f32x4.sub(f32x4.mul(dt1, vit), f32x4.mul(dz1, vi));
      w = f64x2.add(w, f64x2.add(f64x2.mul(e0, lo64(d)), f64x2.mul(e1, hi64(d))));
      w1 = f64x2.add(w1, f64x2.add(f64x2.mul(f0, lo64(d1)), f64x2.mul(f1, hi64(d1))));
    }
    ss = f64x2.add(ss, ss1);
    su = f64x2.add(su, su1);
    w = f64x2.add(w, w1);
  }
  for (; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const tv = whole ? v128.load(t + o) : loadSome(t + o, lanes);
    const dz = f32x4.sub(zv, vms), dt = f32x4.sub(tv, vmu);
    let es = exp2f4(f32x4.mul(dz, vcs));
    let e = exp2f4(f32x4.mul(dt, vcu));
    if (!whole) {
      const valid = lanesBelow(lanes);
      es = v128.and(es, valid);
      e = v128.and(e, valid);
    }
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    if (parkU) { if (whole) v128.store(q + o, e); else storeSome(q + o, e, lanes); }
    ss = f64x2.add(ss, widen(es));
    const e0 = lo64(e), e1 = hi64(e);
    su = f64x2.add(su, f64x2.add(e0, e1));
    const d = sameT ? f32x4.sub(dt, dz) : f32x4.sub(f32x4.mul(dt, vit), f32x4.mul(dz, vi));
    w = f64x2.add(w, f64x2.add(f64x2.mul(e0, lo64(d)), f64x2.mul(e1, hi64(d))));
  }
  sumNs = 0;
  sumNu = 0;
  sumRs = sum64(ss);
  sumRu = sum64(su);
  sumX = sameT ? sum64(w) * invT : sum64(w);
  sawInf = false;
}

/**
 * Careful 'klLogits' (see above): S as n + R, −∞ masked, d_c = (u_c − m_u) − (s_c − m_s) from the
 * widened logits (float64, exact but for one rounding).
 */
// @ts-ignore: decorator
@inline function klLogitsCarefulBody(z: usize, t: usize, n: i32, ms: f32, mu: f32, parkS: bool, parkU: bool,
    g: usize, q: usize, tail: bool): void {
  const one = f32x4.splat(1.0), negInf = f32x4.splat(-Infinity);
  const vms = f32x4.splat(ms), vmu = f32x4.splat(mu);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  const ms64 = f64x2.splat(<f64>ms), mu64 = f64x2.splat(<f64>mu);
  const vi = f64x2.splat(invT), vit = f64x2.splat(invTt);
  let cs = i32x4.splat(0), cu = cs, inf = cs;
  let rs = f64x2.splat(0), ru = rs, w0 = rs, w1 = rs;
  for (let c = 0; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
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
    const zinf = f32x4.eq(zv, negInf), tinf = f32x4.eq(tv, negInf);
    inf = v128.or(inf, v128.andnot(zinf, tinf));
    const zd = v128.bitselect(vms, zv, zinf), td = v128.bitselect(vmu, tv, tinf);
    const d0 = f64x2.sub(f64x2.mul(f64x2.sub(lo64(td), mu64), vit), f64x2.mul(f64x2.sub(lo64(zd), ms64), vi));
    const d1 = f64x2.sub(f64x2.mul(f64x2.sub(hi64(td), mu64), vit), f64x2.mul(f64x2.sub(hi64(zd), ms64), vi));
    w0 = f64x2.add(w0, f64x2.mul(lo64(e), d0));
    w1 = f64x2.add(w1, f64x2.mul(hi64(e), d1));
  }
  sumNs = count(cs);
  sumNu = count(cu);
  sumRs = sum64(rs);
  sumRu = sum64(ru);
  sumX = sum64(f64x2.add(w0, w1));
  sawInf = v128.any_true(inf);
}

/**
 * Fast 'klProbabilities' over n entries at z, P with shift ms: S_s, A = Σ P_c, and
 * Y = Σ P_c·(log P_c − (s_c − m_s)) with log P_c = k·ln 2 + log m (P_c = 2^k·m, m in [√½, √2): the
 * exponent exact, log m on float32 lanes, log32m) and log m − (z − ms)/T a float32 sum (an ulp of
 * |log P_c| + |log p_c|), the products and sums float64. P_c = 0 gives k = −127 and log m = 0: a
 * finite log, so its term is 0.
 */
// @ts-ignore: decorator
@inline function klProbabilitiesFastBody(z: usize, t: usize, n: i32, ms: f32, parkS: bool, g: usize, tail: bool): void {
  const vms = f32x4.splat(ms), vcs = f32x4.splat(<f32>(invT * LOG2E)), vi = f32x4.splat(<f32>invT);
  let ss = f64x2.splat(0), a = ss, y = ss;
  let c = 0;
  if (!tail) {
    // two vectors per iteration (see klLogitsFastBody)
    let ss1 = ss, a1 = ss, y1 = ss;
    for (; c + 8 <= n; c += 8) {
      const o = <usize>c << 2;
      const pv = v128.load(t + o), pw = v128.load(t + o, 16);
      const dz = f32x4.sub(v128.load(z + o), vms), dw = f32x4.sub(v128.load(z + o, 16), vms);
      const es = exp2f4(f32x4.mul(dz, vcs)), ew = exp2f4(f32x4.mul(dw, vcs));
      if (parkS) {
        v128.store(g + o, es);
        v128.store(g + o, ew, 16);
      }
      ss = f64x2.add(ss, widen(es));
      ss1 = f64x2.add(ss1, widen(ew));
      a = f64x2.add(a, widen(pv));
      a1 = f64x2.add(a1, widen(pw));
      y = f64x2.add(y, klTerms(pv, dz, vi));
      y1 = f64x2.add(y1, klTerms(pw, dw, vi));
    }
    ss = f64x2.add(ss, ss1);
    a = f64x2.add(a, a1);
    y = f64x2.add(y, y1);
  }
  for (; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const pv = whole ? v128.load(t + o) : loadSome(t + o, lanes);
    const dz = f32x4.sub(zv, vms);
    let es = exp2f4(f32x4.mul(dz, vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    ss = f64x2.add(ss, widen(es));
    a = f64x2.add(a, widen(pv));
    y = f64x2.add(y, klTerms(pv, dz, vi));
  }
  sumNs = 0;
  sumRs = sum64(ss);
  sumA = sum64(a);
  sumX = sum64(y);
  sawInf = false;
}

/**
 * Σ over four lanes (in two float64 lanes) of P·(log P − (z − ms)/T), dz = z − ms: log P = k·ln 2 +
 * log m (P = 2^k·m, m in [√½, √2), by P's exponent bits), log m − dz/T a float32 sum, the rest float64.
 */
// @ts-ignore: decorator
@inline function klTerms(pv: v128, dz: v128, vi: v128): v128 {
  const bits = i32x4.add(pv, i32x4.splat(0x3f800000 - 0x3f3504f3));
  const k = i32x4.sub(i32x4.shr_s(bits, 23), i32x4.splat(127));
  const m = i32x4.add(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const x = f32x4.sub(log32m(m), f32x4.mul(dz, vi));
  const ln2 = f64x2.splat(LN2);
  const k0 = f64x2.convert_low_i32x4_s(k), k1 = f64x2.convert_low_i32x4_s(highHalf(k));
  return f64x2.add(f64x2.mul(lo64(pv), f64x2.add(f64x2.mul(k0, ln2), lo64(x))),
      f64x2.mul(hi64(pv), f64x2.add(f64x2.mul(k1, ln2), hi64(x))));
}

/**
 * log m on four float32 lanes for m in [√½, √2): 2u·(1 + u²/3 + u⁴/5 + u⁶/7 + u⁸/9), u = (m − 1)/(m + 1),
 * |u| < 0.1716 (truncation below 2e-9 of log m): an ulp or two of itself; log 1 = 0 exactly.
 */
// @ts-ignore: decorator
@inline function log32m(m: v128): v128 {
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const u = f32x4.div(f, f32x4.add(f, f32x4.splat(2.0)));
  const v = f32x4.mul(u, u), v2 = f32x4.mul(v, v);
  const lo = f32x4.add(f32x4.splat(1.0), f32x4.mul(v, f32x4.splat(<f32>(1.0 / 3))));
  const mid = f32x4.add(f32x4.splat(<f32>(1.0 / 5)), f32x4.mul(v, f32x4.splat(<f32>(1.0 / 7))));
  const s = f32x4.add(f32x4.add(lo, f32x4.mul(v2, mid)), f32x4.mul(f32x4.mul(v2, v2), f32x4.splat(<f32>(1.0 / 9))));
  return f32x4.mul(f32x4.add(u, u), s);
}
/**
 * Careful 'klProbabilities' (see above): S_s as n + R, −∞ masked, log P_c by log64x2 and s_c − m_s
 * from the widened logits, all float64 (log64x2(0) is finite, so a term with P_c = 0 is 0).
 */
// @ts-ignore: decorator
@inline function klProbabilitiesCarefulBody(z: usize, t: usize, n: i32, ms: f32, parkS: bool, g: usize,
    tail: bool): void {
  const one = f32x4.splat(1.0), zero = f32x4.splat(0);
  const vms = f32x4.splat(ms), vcs = f32x4.splat(<f32>(invT * LOG2E));
  const ms64 = f64x2.splat(<f64>ms), vi = f64x2.splat(invT);
  let cs = i32x4.splat(0), inf = cs;
  let rs = f64x2.splat(0), a = rs, y0 = rs, y1 = rs;
  for (let c = 0; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const pv = whole ? v128.load(t + o) : loadSome(t + o, lanes);
    let es = exp2f4(f32x4.mul(f32x4.sub(zv, vms), vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    const eqs = f32x4.eq(es, one);
    cs = i32x4.add(cs, eqs);
    rs = f64x2.add(rs, widen(v128.andnot(es, eqs)));
    a = f64x2.add(a, widen(pv));
    const zinf = f32x4.eq(zv, f32x4.splat(-Infinity));
    inf = v128.or(inf, v128.and(zinf, f32x4.gt(pv, zero)));
    const zd = v128.bitselect(vms, zv, zinf);
    const p0 = lo64(pv), p1 = hi64(pv);
    const a0 = f64x2.mul(f64x2.sub(lo64(zd), ms64), vi), a1 = f64x2.mul(f64x2.sub(hi64(zd), ms64), vi);
    y0 = f64x2.add(y0, f64x2.mul(p0, f64x2.sub(log64x2(p0), a0)));
    y1 = f64x2.add(y1, f64x2.mul(p1, f64x2.sub(log64x2(p1), a1)));
  }
  sumNs = count(cs);
  sumRs = sum64(rs);
  sumA = sum64(a);
  sumX = sum64(f64x2.add(y0, y1));
  sawInf = v128.any_true(inf);
}

/**
 * Fast 'entropy' over n entries at z with shift m: S and V = Σ e_c·(z_c − m) in units of z, each product
 * of float32 lanes (z − m rounded once): V's terms all have one sign, so V is good to an ulp of itself.
 */
// @ts-ignore: decorator
@inline function entropyFastBody(z: usize, n: i32, m: f32, parkS: bool, g: usize, tail: bool): void {
  const vm = f32x4.splat(m), vcs = f32x4.splat(<f32>(invT * LOG2E));
  let ss = f64x2.splat(0), v = ss;
  let c = 0;
  if (!tail) {
    // two vectors per iteration: two independent exps in flight (see klLogitsFastBody)
    let ss1 = ss, v1 = ss;
    for (; c + 8 <= n; c += 8) {
      const o = <usize>c << 2;
      const dz = f32x4.sub(v128.load(z + o), vm), dw = f32x4.sub(v128.load(z + o, 16), vm);
      const es = exp2f4(f32x4.mul(dz, vcs)), ew = exp2f4(f32x4.mul(dw, vcs));
      if (parkS) {
        v128.store(g + o, es);
        v128.store(g + o, ew, 16);
      }
      ss = f64x2.add(ss, widen(es));
      ss1 = f64x2.add(ss1, widen(ew));
      v = f64x2.add(v, widen(f32x4.mul(es, dz)));
      v1 = f64x2.add(v1, widen(f32x4.mul(ew, dw)));
    }
    ss = f64x2.add(ss, ss1);
    v = f64x2.add(v, v1);
  }
  for (; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    const dz = f32x4.sub(zv, vm);
    let es = exp2f4(f32x4.mul(dz, vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    ss = f64x2.add(ss, widen(es));
    v = f64x2.add(v, widen(f32x4.mul(es, dz)));
  }
  sumNs = 0;
  sumRs = sum64(ss);
  sumX = sum64(v);
}

/**
 * Careful 'entropy' (see above): S as n + R, V = Σ e_c·(z_c − m) (e_c at the max adds 0: it is 1 only
 * where z_c − m rounds to 0), −∞ masked.
 */
// @ts-ignore: decorator
@inline function entropyCarefulBody(z: usize, n: i32, m: f32, parkS: bool, g: usize, tail: bool): void {
  const one = f32x4.splat(1.0);
  const vm = f32x4.splat(m), vcs = f32x4.splat(<f32>(invT * LOG2E));
  let cs = i32x4.splat(0);
  let rs = f64x2.splat(0), v0 = rs, v1 = rs;
  for (let c = 0; tail ? c < n : c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const lanes = n - c;
    const whole = !tail;
    const zv = whole ? v128.load(z + o) : loadSome(z + o, lanes);
    let dz = f32x4.sub(zv, vm);
    let es = exp2f4(f32x4.mul(dz, vcs));
    if (!whole) es = v128.and(es, lanesBelow(lanes));
    if (parkS) { if (whole) v128.store(g + o, es); else storeSome(g + o, es, lanes); }
    const eqs = f32x4.eq(es, one);
    cs = i32x4.add(cs, eqs);
    const rest = v128.andnot(es, eqs);
    rs = f64x2.add(rs, widen(rest));
    dz = v128.andnot(dz, f32x4.eq(zv, f32x4.splat(-Infinity)));
    v0 = f64x2.add(v0, f64x2.mul(lo64(rest), lo64(dz)));
    v1 = f64x2.add(v1, f64x2.mul(hi64(rest), hi64(dz)));
  }
  sumNs = count(cs);
  sumRs = sum64(rs);
  sumX = sum64(f64x2.add(v0, v1));
}

// Each sweep runs its body twice: over the whole vectors, then (tail) over the last n mod 4 entries as
// one vector with the missing lanes masked, the two sums added (a loop without the tail's branches is
// what V8 compiles well: 15% faster). The variants below are the bodies the kernels call, each an
// inlined copy, so the flags fold away; g, q: where to park exps (0: nowhere).

let savedNs: f64 = 0;
let savedRs: f64 = 0;
let savedNu: f64 = 0;
let savedRu: f64 = 0;
let savedX: f64 = 0;
let savedA: f64 = 0;
let savedInf = false;

function saveSums(): void {
  savedNs = sumNs; savedRs = sumRs; savedNu = sumNu; savedRu = sumRu; savedX = sumX; savedA = sumA; savedInf = sawInf;
}
function addSaved(): void {
  sumNs += savedNs; sumRs += savedRs; sumNu += savedNu; sumRu += savedRu; sumX += savedX; sumA += savedA;
  sawInf = sawInf || savedInf;
}
/** p + c floats, or 0 if p is 0 (no park). */
// @ts-ignore: decorator
@inline function past(p: usize, c: i32): usize { return p == 0 ? 0 : p + (<usize>c << 2); }

// @ts-ignore: decorator
@inline function klLogitsFastBoth(z: usize, t: usize, n: i32, ms: f32, mu: f32, sameT: bool, parkS: bool,
    parkU: bool, g: usize, q: usize): void {
  const w = n & ~3;
  klLogitsFastBody(z, t, w, ms, mu, sameT, parkS, parkU, g, q, false);
  if (w < n) {
    saveSums();
    klLogitsFastBody(z + (<usize>w << 2), t + (<usize>w << 2), n - w, ms, mu, sameT, parkS, parkU, past(g, w),
        past(q, w), true);
    addSaved();
  }
}
// @ts-ignore: decorator
@inline function klLogitsCarefulBoth(z: usize, t: usize, n: i32, ms: f32, mu: f32, parkS: bool, parkU: bool, g: usize,
    q: usize): void {
  const w = n & ~3;
  klLogitsCarefulBody(z, t, w, ms, mu, parkS, parkU, g, q, false);
  if (w < n) {
    saveSums();
    klLogitsCarefulBody(z + (<usize>w << 2), t + (<usize>w << 2), n - w, ms, mu, parkS, parkU, past(g, w), past(q, w),
        true);
    addSaved();
  }
}
// @ts-ignore: decorator
@inline function klProbabilitiesFastBoth(z: usize, t: usize, n: i32, ms: f32, parkS: bool, g: usize): void {
  const w = n & ~3;
  klProbabilitiesFastBody(z, t, w, ms, parkS, g, false);
  if (w < n) {
    saveSums();
    klProbabilitiesFastBody(z + (<usize>w << 2), t + (<usize>w << 2), n - w, ms, parkS, past(g, w), true);
    addSaved();
  }
}
// @ts-ignore: decorator
@inline function klProbabilitiesCarefulBoth(z: usize, t: usize, n: i32, ms: f32, parkS: bool, g: usize): void {
  const w = n & ~3;
  klProbabilitiesCarefulBody(z, t, w, ms, parkS, g, false);
  if (w < n) {
    saveSums();
    klProbabilitiesCarefulBody(z + (<usize>w << 2), t + (<usize>w << 2), n - w, ms, parkS, past(g, w), true);
    addSaved();
  }
}
// @ts-ignore: decorator
@inline function entropyFastBoth(z: usize, n: i32, m: f32, parkS: bool, g: usize): void {
  const w = n & ~3;
  entropyFastBody(z, w, m, parkS, g, false);
  if (w < n) {
    saveSums();
    entropyFastBody(z + (<usize>w << 2), n - w, m, parkS, past(g, w), true);
    addSaved();
  }
}
// @ts-ignore: decorator
@inline function entropyCarefulBoth(z: usize, n: i32, m: f32, parkS: bool, g: usize): void {
  const w = n & ~3;
  entropyCarefulBody(z, w, m, parkS, g, false);
  if (w < n) {
    saveSums();
    entropyCarefulBody(z + (<usize>w << 2), n - w, m, parkS, past(g, w), true);
    addSaved();
  }
}

function klLogitsFast(z: usize, t: usize, n: i32, ms: f32, mu: f32, g: usize, q: usize): void {
  const same = temperature == targetTemperature;
  if (g == 0) {
    if (same) klLogitsFastBoth(z, t, n, ms, mu, true, false, false, 0, 0);
    else klLogitsFastBoth(z, t, n, ms, mu, false, false, false, 0, 0);
  } else if (q == 0) {
    klLogitsFastBoth(z, t, n, ms, mu, same, true, false, g, 0);
  } else if (same) {
    klLogitsFastBoth(z, t, n, ms, mu, true, true, true, g, q);
  } else {
    klLogitsFastBoth(z, t, n, ms, mu, false, true, true, g, q);
  }
}
function klLogitsCareful(z: usize, t: usize, n: i32, ms: f32, mu: f32, g: usize, q: usize): void {
  if (g == 0) klLogitsCarefulBoth(z, t, n, ms, mu, false, false, 0, 0);
  else if (q == 0) klLogitsCarefulBoth(z, t, n, ms, mu, true, false, g, 0);
  else klLogitsCarefulBoth(z, t, n, ms, mu, true, true, g, q);
}
function klProbabilitiesFast(z: usize, t: usize, n: i32, ms: f32, g: usize): void {
  if (g == 0) klProbabilitiesFastBoth(z, t, n, ms, false, 0); else klProbabilitiesFastBoth(z, t, n, ms, true, g);
}
function klProbabilitiesCareful(z: usize, t: usize, n: i32, ms: f32, g: usize): void {
  if (g == 0) klProbabilitiesCarefulBoth(z, t, n, ms, false, 0); else klProbabilitiesCarefulBoth(z, t, n, ms, true, g);
}
function entropyFast(z: usize, n: i32, m: f32, g: usize): void {
  if (g == 0) entropyFastBoth(z, n, m, false, 0); else entropyFastBoth(z, n, m, true, g);
}
function entropyCareful(z: usize, n: i32, m: f32, g: usize): void {
  if (g == 0) entropyCarefulBoth(z, n, m, false, 0); else entropyCarefulBoth(z, n, m, true, g);
}

/** A shift for exps while a max is still −∞ (its entries are all −∞ then, and exp(−∞ − 0) = 0). */
// @ts-ignore: decorator
@inline function shift(m: f32): f32 { return m == -Infinity ? 0 : m; }

/** Whether a fast sweep's S (≥ 1: the max's exp) is so close to 1 that R needs the careful sweep. */
// @ts-ignore: decorator
@inline function oneHotLike(S: f64): bool { return S - 1.0 < <f64>classes * 9.313225746154785e-10; }  // K·2^-30

// ---- the forward kernel: 1. and 2. over chunks, online ----------------------------------------------

function klLogitsForward(i: i32, careful: bool): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms: f32 = -Infinity, mu: f32 = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, nu: f64 = 0, ru: f64 = 0, w: f64 = 0;
  let inf = false;
  for (let start = 0; start < K; start += CHUNK) {
    const n = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk)
    scanTwo(z + o, t + o, n);
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
    const a = shift(ms), b = shift(mu);
    if (!careful) klLogitsFast(z + o, t + o, n, a, b, 0, 0);
    if (careful || !isFinite(sumX)) klLogitsCareful(z + o, t + o, n, a, b, 0, 0);
    ns += sumNs;
    rs += sumRs;
    nu += sumNu;
    ru += sumRu;
    w += sumX;
    inf = inf || sawInf;
  }
  if (ms == -Infinity || mu == -Infinity) return nanRow();
  if (!careful && (oneHotLike(ns + rs) || oneHotLike(nu + ru))) return klLogitsForward(i, true);
  const logSs = logOfSum(ns, rs), logSu = logOfSum(nu, ru);
  setRow(<f64>ms * invT, logSs, <f64>mu * invTt, logSu);
  // 2. loss
  return inf ? Infinity : w / (nu + ru) - logSu + logSs;
}

function klProbabilitiesForward(i: i32, careful: bool): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  let ms: f32 = -Infinity;
  let ns: f64 = 0, rs: f64 = 0, y: f64 = 0, a: f64 = 0;
  let inf = false;
  for (let start = 0; start < K; start += CHUNK) {
    const n = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk); a NaN or negative P makes the row NaN
    scanProbs(z + o, t + o, n);
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
    if (!careful) klProbabilitiesFast(z + o, t + o, n, shift(ms), 0);
    if (careful || !isFinite(sumX)) klProbabilitiesCareful(z + o, t + o, n, shift(ms), 0);
    ns += sumNs;
    rs += sumRs;
    a += sumA;
    y += sumX;
    inf = inf || sawInf;
  }
  if (ms == -Infinity) return nanRow();
  if (!careful && oneHotLike(ns + rs)) return klProbabilitiesForward(i, true);
  const logSs = logOfSum(ns, rs);
  setRow(<f64>ms * invT, logSs, a, 0);
  // 2. loss
  return inf ? Infinity : y + a * logSs;
}

function entropyForward(i: i32, careful: bool): f64 {
  const K = classes, z = zRow(i);
  let m: f32 = -Infinity;
  let n: f64 = 0, r: f64 = 0, v: f64 = 0;  // v in units of z
  for (let start = 0; start < K; start += CHUNK) {
    const len = min(CHUNK, K - start);
    const o = <usize>start << 2;
    // 1. row max (of the chunk)
    scanOne(z + o, len);
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
    if (!careful) entropyFast(z + o, len, shift(m), 0);
    if (careful || !isFinite(sumX)) entropyCareful(z + o, len, shift(m), 0);
    n += sumNs;
    r += sumRs;
    v += sumX;
  }
  if (m == -Infinity) return nanRow();
  if (!careful && oneHotLike(n + r)) return entropyForward(i, true);
  const logS = logOfSum(n, r);
  // 2. loss
  const H = logS - invT * v / (n + r);
  setRow(<f64>m * invT, logS, H, 0);
  return H;
}

/** 1. row max and sum, 2. loss, in one read of each row: the unscaled loss; the row's lse and aux set. */
export function forwardRow(i: i32): f64 {
  if (classes < 4) return scalar.forwardRow(i);
  if (kind == KL_LOGITS) return klLogitsForward(i, false);
  if (kind == KL_PROBABILITIES) return klProbabilitiesForward(i, false);
  return entropyForward(i, false);
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

/** 3. gradient, four entries: k·(p − P), 0 at z = −∞. */
// @ts-ignore: decorator
@inline function klLogitsEntries(zv: v128, tv: v128, shi: v128, slo: v128, uhi: v128, ulo: v128, vcs: v128, vcu: v128,
    vk: v128): v128 {
  const p = pFromLse(zv, shi, slo, vcs), P = pFromLse(tv, uhi, ulo, vcu);
  return v128.andnot(f32x4.mul(f32x4.sub(p, P), vk), f32x4.eq(zv, f32x4.splat(-Infinity)));
}

// The gradient loops take two vectors per iteration (independent exps in flight, as the sweeps), then
// one, then the last K mod 4 entries one at a time.

function klLogitsGradient(z: usize, t: usize, lseHi: f64, lseLo: f64, uHi: f64, uLo: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  splitLse(uHi, uLo, targetTemperature);
  const uhi = f32x4.splat(splitHi), ulo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  const vk = f32x4.splat(<f32>k);
  let c = 0;
  for (; c + 8 <= K; c += 8) {
    const o = <usize>c << 2;
    const a = klLogitsEntries(v128.load(z + o), v128.load(t + o), shi, slo, uhi, ulo, vcs, vcu, vk);
    const b = klLogitsEntries(v128.load(z + o, 16), v128.load(t + o, 16), shi, slo, uhi, ulo, vcs, vcu, vk);
    v128.store(g + o, a);
    v128.store(g + o, b, 16);
  }
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    v128.store(g + o, klLogitsEntries(v128.load(z + o), v128.load(t + o), shi, slo, uhi, ulo, vcs, vcu, vk));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    v128.store32_lane(g + o,
        klLogitsEntries(v128.load32_zero(z + o), v128.load32_zero(t + o), shi, slo, uhi, ulo, vcs, vcu, vk), 0);
  }
}

/** 3. gradient, four entries: k·A·p − k·P, 0 at z = −∞. */
// @ts-ignore: decorator
@inline function klProbabilitiesEntries(zv: v128, pv: v128, shi: v128, slo: v128, vcs: v128, vka: v128,
    vk: v128): v128 {
  const p = pFromLse(zv, shi, slo, vcs);
  return v128.andnot(f32x4.sub(f32x4.mul(p, vka), f32x4.mul(pv, vk)), f32x4.eq(zv, f32x4.splat(-Infinity)));
}

function klProbabilitiesGradient(z: usize, t: usize, lseHi: f64, lseLo: f64, a: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E));
  const vka = f32x4.splat(<f32>(k * a)), vk = f32x4.splat(<f32>k);
  let c = 0;
  for (; c + 8 <= K; c += 8) {
    const o = <usize>c << 2;
    const x = klProbabilitiesEntries(v128.load(z + o), v128.load(t + o), shi, slo, vcs, vka, vk);
    const y = klProbabilitiesEntries(v128.load(z + o, 16), v128.load(t + o, 16), shi, slo, vcs, vka, vk);
    v128.store(g + o, x);
    v128.store(g + o, y, 16);
  }
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    v128.store(g + o, klProbabilitiesEntries(v128.load(z + o), v128.load(t + o), shi, slo, vcs, vka, vk));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    v128.store32_lane(g + o,
        klProbabilitiesEntries(v128.load32_zero(z + o), v128.load32_zero(t + o), shi, slo, vcs, vka, vk), 0);
  }
}

/** 3. gradient, four entries: −k·p·(log p + H), log p = ((z − L_hi) − L_lo)/T; 0 at z = −∞. */
// @ts-ignore: decorator
@inline function entropyEntries(zv: v128, shi: v128, slo: v128, vcs: v128, vi: v128, vH: v128, vk: v128): v128 {
  const x = f32x4.sub(f32x4.sub(zv, shi), slo);  // T·log p
  const p = exp2f4(f32x4.mul(x, vcs));
  const gv = f32x4.mul(f32x4.mul(p, vk), f32x4.add(f32x4.mul(x, vi), vH));
  return v128.andnot(gv, f32x4.eq(zv, f32x4.splat(-Infinity)));
}

function entropyGradient(z: usize, lseHi: f64, lseLo: f64, H: f64, k: f64, g: usize): void {
  const K = classes;
  splitLse(lseHi, lseLo, temperature);
  const shi = f32x4.splat(splitHi), slo = f32x4.splat(splitLo);
  const vcs = f32x4.splat(<f32>(invT * LOG2E)), vi = f32x4.splat(<f32>invT);
  const vH = f32x4.splat(<f32>H), vk = f32x4.splat(<f32>-k);
  let c = 0;
  for (; c + 8 <= K; c += 8) {
    const o = <usize>c << 2;
    const x = entropyEntries(v128.load(z + o), shi, slo, vcs, vi, vH, vk);
    const y = entropyEntries(v128.load(z + o, 16), shi, slo, vcs, vi, vH, vk);
    v128.store(g + o, x);
    v128.store(g + o, y, 16);
  }
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    v128.store(g + o, entropyEntries(v128.load(z + o), shi, slo, vcs, vi, vH, vk));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    v128.store32_lane(g + o, entropyEntries(v128.load32_zero(z + o), shi, slo, vcs, vi, vH, vk), 0);
  }
}

// ---- loss-and-grad: 1. the row's maxima, 1. and 2. one parked exp sweep, 3. gradient from the parks ----

/**
 * Loss-and-grad of row i (k = dy·scale/T): the unscaled loss; the gradient written at g. scratch: row
 * i + 1's gradient, free for the teacher's exps ('klLogits'), or 0 (the last row).
 */
export function lossAndGradRow(i: i32, k: f64, g: usize, scratch: usize): f64 {
  const K = classes, z = zRow(i), t = tRow(i);
  if (K < 4) return scalar.lossAndGradRow(i, k, g, scratch);
  if (kind == KL_LOGITS) {
    // 1. row max
    scanTwo(z, t, K);
    if (nanSeen || maxZ == Infinity || maxT == Infinity || maxZ == -Infinity || maxT == -Infinity) {
      fill(g, K, NaN);
      return NaN;
    }
    const ms = maxZ, mu = maxT;
    // 1. row sum and 2. loss terms
    klLogitsFast(z, t, K, ms, mu, g, scratch);
    const careful = !isFinite(sumX) || oneHotLike(sumRs) || oneHotLike(sumRu);
    if (careful) klLogitsCareful(z, t, K, ms, mu, g, scratch);
    const Ss = sumNs + sumRs, Su = sumNu + sumRu;
    const logSs = logOfSum(sumNs, sumRs), logSu = logOfSum(sumNu, sumRu);
    // 2. loss
    const loss = sawInf ? Infinity : sumX / Su - logSu + logSs;
    // 3. gradient
    klLogitsParkedGradient(z, t, K, mu, careful, k / Ss, k / Su, g, scratch);
    return loss;
  }
  if (kind == KL_PROBABILITIES) {
    scanProbs(z, t, K);
    if (nanSeen || maxZ == Infinity || maxZ == -Infinity || minT < 0) {
      fill(g, K, NaN);
      return NaN;
    }
    const ms = maxZ;
    klProbabilitiesFast(z, t, K, ms, g);
    const careful = !isFinite(sumX) || oneHotLike(sumRs);
    if (careful) klProbabilitiesCareful(z, t, K, ms, g);
    const Ss = sumNs + sumRs;
    const loss = sawInf ? Infinity : sumX + sumA * logOfSum(sumNs, sumRs);
    klProbabilitiesParkedGradient(z, t, K, careful, k * sumA / Ss, k, g);
    return loss;
  }
  scanOne(z, K);
  if (nanSeen || maxZ == Infinity || maxZ == -Infinity) {
    fill(g, K, NaN);
    return NaN;
  }
  const m = maxZ;
  entropyFast(z, K, m, g);
  const careful = !isFinite(sumX) || oneHotLike(sumRs);
  if (careful) entropyCareful(z, K, m, g);
  const S = sumNs + sumRs;
  const c = -invT * sumX / S;  // H − log S = −V/S, V in units of s
  const H = logOfSum(sumNs, sumRs) + c;
  entropyParkedGradient(z, K, m, careful, -k / S, c, g);
  return H;
}

/**
 * 3. gradient from parked exps: g = es·(k/S_s) − e·(k/S_u), e parked at q or (q = 0, the last row)
 * computed again; 0 at z = −∞ (masked: rows that took the careful sweep).
 */
// @ts-ignore: decorator
@inline function klLogitsParkedBody(z: usize, t: usize, K: i32, mu: f32, masked: bool, parkedU: bool, ks: f64, ku: f64,
    g: usize, q: usize): void {
  const vks = f32x4.splat(<f32>ks), vku = f32x4.splat(<f32>ku);
  const vmu = f32x4.splat(mu), vcu = f32x4.splat(<f32>(invTt * LOG2E));
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const e = parkedU ? v128.load(q + o) : exp2f4(f32x4.mul(f32x4.sub(v128.load(t + o), vmu), vcu));
    let gv = f32x4.sub(f32x4.mul(v128.load(g + o), vks), f32x4.mul(e, vku));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load(z + o), f32x4.splat(-Infinity)));
    v128.store(g + o, gv);
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const e = parkedU ? v128.load32_zero(q + o) : exp2f4(f32x4.mul(f32x4.sub(v128.load32_zero(t + o), vmu), vcu));
    let gv = f32x4.sub(f32x4.mul(v128.load32_zero(g + o), vks), f32x4.mul(e, vku));
    if (masked) gv = v128.andnot(gv, f32x4.eq(v128.load32_zero(z + o), f32x4.splat(-Infinity)));
    v128.store32_lane(g + o, gv, 0);
  }
}
function klLogitsParkedGradient(z: usize, t: usize, K: i32, mu: f32, masked: bool, ks: f64, ku: f64, g: usize,
    q: usize): void {
  if (q != 0) {
    if (masked) klLogitsParkedBody(z, t, K, mu, true, true, ks, ku, g, q);
    else klLogitsParkedBody(z, t, K, mu, false, true, ks, ku, g, q);
  } else if (masked) {
    klLogitsParkedBody(z, t, K, mu, true, false, ks, ku, g, 0);
  } else {
    klLogitsParkedBody(z, t, K, mu, false, false, ks, ku, g, 0);
  }
}

/** 3. gradient from parked exps: g = es·(k·A/S) − k·P; 0 at z = −∞. */
// @ts-ignore: decorator
@inline function klProbabilitiesParkedBody(z: usize, t: usize, K: i32, masked: bool, ka: f64, k: f64, g: usize): void {
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
function klProbabilitiesParkedGradient(z: usize, t: usize, K: i32, masked: bool, ka: f64, k: f64, g: usize): void {
  if (masked) klProbabilitiesParkedBody(z, t, K, true, ka, k, g); else klProbabilitiesParkedBody(z, t, K, false, ka, k, g);
}

/**
 * 3. gradient from parked exps: g = −k·p·(log p + H) = es·(−k/S)·((z − m)/T + (H − log S)), with
 * H − log S = −V/S formed in float64 (c); 0 at z = −∞.
 */
// @ts-ignore: decorator
@inline function entropyParkedBody(z: usize, K: i32, m: f32, masked: bool, kS: f64, c0: f64, g: usize): void {
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
function entropyParkedGradient(z: usize, K: i32, m: f32, masked: bool, kS: f64, c0: f64, g: usize): void {
  if (masked) entropyParkedBody(z, K, m, true, kS, c0, g); else entropyParkedBody(z, K, m, false, kS, c0, g);
}
