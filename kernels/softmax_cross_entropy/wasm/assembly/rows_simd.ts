/**
 * Row math of the SIMD builds, numbered as in every backend:  1. row max and sum  2. loss  3. gradient.
 *
 * Precision plan (the wasm tolerance in test/backends.ts follows from it):
 * - exp runs on four float32 lanes (exp2f4, a few ulp: math.ts). Its argument is formed so float32 loses nothing
 *   that matters: (z − max)·(1/T) and ((z − T·lse_hi) − T·lse_lo)·(1/T) round once or twice relative
 *   to the result d, so p = e^d is off by at most p·|d|·2^-23 < 5e-8 in absolute terms, even where the
 *   logits are 1e4 (forming s = z/T in float32 first would cost 6e-4 there).
 * - Sums (Σ e, Σ w·z, Σ a·z) are float64 lanes; per-row terms (lse, the target's p_y) are float64.
 * - Gradients are float32 lanes: coef·p − k·a_c, a few ulps of the row's largest entry.
 * Rows need not be 16-byte aligned (v128.load takes any address); K % 4 tail elements go through
 * the same vector code one lane at a time.
 */
import {exp2f4, exp64, log64, LOG2E} from '../../../../backends/wasm/assembly/math';
import {classes, classId, classIdLoss, eps, invT, lambda, oneClassGradient, probsPtr, rowPtr, sparse, targetMass,
  temperature, wBase, weight, wSum} from './problem';

// forward kernel: a row is swept in chunks of this many floats (4 KiB, so the second sweep of a
// chunk, for exp after its max, reads from L1 and the row is read from memory once)
const CHUNK: i32 = 1024;

/**
 * The largest of n floats at p, or NaN if any is NaN. pmax (one instruction) ignores NaN, so NaN is
 * tracked on the side (x ≠ x): cheaper in V8 than the NaN-propagating f32x4.max.
 */
export function maxOf(p: usize, n: i32): f32 {
  let m0 = f32x4.splat(-Infinity), m1 = m0, nan = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= n; c += 8) {
    const q = p + (<usize>c << 2);
    const v0 = v128.load(q), v1 = v128.load(q, 16);
    m0 = f32x4.pmax(m0, v0);
    m1 = f32x4.pmax(m1, v1);
    nan = v128.or(nan, v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)));
  }
  for (; c + 4 <= n; c += 4) {
    const v = v128.load(p + (<usize>c << 2));
    m0 = f32x4.pmax(m0, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  if (v128.any_true(nan)) return NaN;
  m0 = f32x4.pmax(m0, m1);
  let m = max(max(f32x4.extract_lane(m0, 0), f32x4.extract_lane(m0, 1)),
      max(f32x4.extract_lane(m0, 2), f32x4.extract_lane(m0, 3)));
  for (; c < n; c++) m = max(m, load<f32>(p + (<usize>c << 2)));  // scalar max propagates NaN
  return m;
}

/** The four float32 lanes of e, promoted to float64 and added to the two lanes of each of a and b. */
// @ts-ignore: decorator
@inline function addLanes(a: v128, e: v128): v128 { return f64x2.add(a, f64x2.promote_low_f32x4(e)); }
// @ts-ignore: decorator
@inline function highLanes(e: v128): v128 { return v128.shuffle<f32>(e, e, 2, 3, 0, 1); }

/**
 * Σ exp((z_c − m)·(1/T)) over n floats at p. With park ≠ 0, each exp is also stored at park (the
 * gradient row: loss-and-grad needs no second exp). Every exp is promoted to float64 before it is
 * added (four float64 accumulators): a float32 partial sum would round Σ to an ulp of its largest
 * term, exp(0) = 1, which at a confident target (p_y ≈ 1) is all of 1 − p_y, and so of the row's loss
 * and of g_y. Two vectors per iteration, so two exps are in flight.
 */
function expSum(p: usize, n: i32, m: f32, park: usize): f64 {
  const vm = f32x4.splat(m);
  const vt = f32x4.splat(<f32>(invT * LOG2E));  // e^((z − m)/T) = 2^((z − m)·(log2 e / T))
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let c = 0;
  for (; c + 8 <= n; c += 8) {
    const o = <usize>c << 2;
    const e0 = exp2f4(f32x4.mul(f32x4.sub(v128.load(p + o), vm), vt));
    const e1 = exp2f4(f32x4.mul(f32x4.sub(v128.load(p + o, 16), vm), vt));
    if (park != 0) {
      v128.store(park + o, e0);
      v128.store(park + o, e1, 16);
    }
    s0 = addLanes(s0, e0);
    s1 = addLanes(s1, highLanes(e0));
    s2 = addLanes(s2, e1);
    s3 = addLanes(s3, highLanes(e1));
  }
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    const e = exp2f4(f32x4.mul(f32x4.sub(v128.load(p + o), vm), vt));
    if (park != 0) v128.store(park + o, e);
    s0 = addLanes(s0, e);
    s1 = addLanes(s1, highLanes(e));
  }
  s0 = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; c < n; c++) {
    const o = <usize>c << 2;
    const e = exp2f4(f32x4.mul(f32x4.sub(v128.load32_zero(p + o), vm), vt));
    if (park != 0) v128.store32_lane(park + o, e, 0);
    s += <f64>f32x4.extract_lane(e, 0);
  }
  return s;
}

/**
 * 1. row max and sum, for the forward kernel: online over chunks. A chunk's max m_c is taken first
 * (it is then in L1 for its exp sweep); when it exceeds the running max, the running sum is rescaled
 * by exp((m − m_c)/T) once. A chunk of only −∞ adds 0. Returns lse, or NaN for a row with a NaN, a
 * +∞, or only −∞.
 */
export function logSumExp(i: i32): f64 {
  const K = classes;
  const z = rowPtr(i);
  let m: f32 = -Infinity;
  let sum: f64 = 0;
  for (let start = 0; start < K; start += CHUNK) {
    const n = min(CHUNK, K - start);
    const p = z + (<usize>start << 2);
    const cm = maxOf(p, n);
    if (cm != cm) return NaN;
    if (cm == -Infinity) continue;  // all −∞: adds 0
    if (cm > m) {
      sum *= exp64((<f64>m - <f64>cm) * invT);  // exp(−∞) = 0 for the first chunk
      m = cm;
    }
    sum += expSum(p, n, m, 0);
  }
  if (m == -Infinity || m == Infinity) return NaN;
  return <f64>m * invT + log64(sum);
}

// the loss-and-grad kernel's row max and sum, kept for its gradient step
export let parkedMax: f32 = 0;
export let parkedSum: f64 = 0;

/**
 * 1. row max and sum, for the loss-and-grad kernel: max first (one read of the row from memory),
 * then exp((z − max)/T) parked in the gradient row g and summed (the row re-read from cache).
 */
export function logSumExpParked(i: i32, g: usize): f64 {
  const z = rowPtr(i);
  const m = maxOf(z, classes);
  parkedMax = m;
  if (m != m || m == -Infinity || m == Infinity) return NaN;  // a NaN, a +∞, or only −∞
  const sum = expSum(z, classes, m, g);
  parkedSum = sum;
  return <f64>m * invT + log64(sum);
}

/** Σ_{c: w_c ≠ 0} w_c·z_c in float64 (a masked class with no weight adds 0, not 0·−∞ = NaN). */
function weightedLogitSum(z: usize): f64 {
  const K = classes;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const zero = f64x2.splat(0);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o), wv = v128.load(wBase + o);
    const z0 = f64x2.promote_low_f32x4(zv), z1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(zv, zv, 2, 3, 0, 1));
    const w0 = f64x2.promote_low_f32x4(wv), w1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(wv, wv, 2, 3, 0, 1));
    s0 = f64x2.add(s0, v128.and(f64x2.mul(w0, z0), f64x2.ne(w0, zero)));
    s1 = f64x2.add(s1, v128.and(f64x2.mul(w1, z1), f64x2.ne(w1, zero)));
  }
  let s = (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0)) +
      (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (; c < K; c++) {
    const w = weight(c);
    if (w != 0) s += w * <f64>load<f32>(z + (<usize>c << 2));
  }
  return s;
}

// A = Σ_c a_c of the last rowLoss call (the gradient's weight on p)
export let rowMass: f64 = 0;

/**
 * 2. loss: ℓ = Σ_c a_c·(lse − s_c) + λ·lse² = lse·A − (1/T)·Σ_{a_c ≠ 0} a_c·z_c + λ·lse², in float64
 * (lse·A and the sum cancel to ℓ, so both are float64: at logits ~1e4 float32 would lose 1e-3).
 */
export function rowLoss(i: i32, lse: f64): f64 {
  const K = classes;
  const z = rowPtr(i);
  let loss: f64 = 0;
  if (sparse) {
    // a_c = (1 − ε)·w_y·[c = y] + (ε/K)·w_c
    loss = classIdLoss(i, lse, eps != 0 ? lse * wSum - invT * weightedLogitSum(z) : 0);
    rowMass = targetMass(i);
  } else {
    // a_c = w_c·((1 − ε)·P_c + ε/K)
    const P = probsPtr(i);
    const keep = f64x2.splat(1.0 - eps), u = f64x2.splat(eps / <f64>K), zero = f64x2.splat(0);
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
    let c = 0;
    for (; c + 4 <= K; c += 4) {
      const o = <usize>c << 2;
      const zv = v128.load(z + o), wv = v128.load(wBase + o), pv = v128.load(P + o);
      const ac0 = f64x2.mul(f64x2.promote_low_f32x4(wv),
          f64x2.add(f64x2.mul(keep, f64x2.promote_low_f32x4(pv)), u));
      const ac1 = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(wv, wv, 2, 3, 0, 1)),
          f64x2.add(f64x2.mul(keep, f64x2.promote_low_f32x4(v128.shuffle<f32>(pv, pv, 2, 3, 0, 1))), u));
      a0 = f64x2.add(a0, ac0);
      a1 = f64x2.add(a1, ac1);
      b0 = f64x2.add(b0, v128.and(f64x2.mul(ac0, f64x2.promote_low_f32x4(zv)), f64x2.ne(ac0, zero)));
      b1 = f64x2.add(b1, v128.and(f64x2.mul(ac1, f64x2.promote_low_f32x4(v128.shuffle<f32>(zv, zv, 2, 3, 0, 1))),
          f64x2.ne(ac1, zero)));
    }
    let a = (f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a1, 0)) + (f64x2.extract_lane(a0, 1) + f64x2.extract_lane(a1, 1));
    let b = (f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b1, 0)) + (f64x2.extract_lane(b0, 1) + f64x2.extract_lane(b1, 1));
    for (; c < K; c++) {
      const o = <usize>c << 2;
      const ac = weight(c) * ((1.0 - eps) * <f64>load<f32>(P + o) + eps / <f64>K);
      a += ac;
      if (ac != 0) b += ac * <f64>load<f32>(z + o);
    }
    rowMass = a;
    loss = lse * a - invT * b;
  }
  if (lambda != 0) loss += lambda * lse * lse;
  return lse != lse ? NaN : loss;
}

/** Writes v to the n floats at p. */
export function fill(p: usize, n: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let c = 0;
  for (; c + 4 <= n; c += 4) v128.store(p + (<usize>c << 2), vv);
  for (; c < n; c++) store<f32>(p + (<usize>c << 2), v);
}

/**
 * 3. gradient: g_c = dy·(1/T)·[(A + 2λ·lse)·p_c − a_c]. With parked = true, p_c = e_c / Σ (e_c parked
 * in g by logSumExpParked); otherwise p_c = exp(s_c − lse) from the saved lse (the backward kernel:
 * no max or sum recomputed). A masked class (z_c = −∞) has probability 0 and gradient 0. For class
 * ids the target entry is rewritten last from a float64 p_y: it is where (A + 2λ·lse)·p_y and a_y
 * cancel.
 */
export function rowGradient(i: i32, lse: f64, a: f64, dy: f64, g: usize, parked: bool): void {
  const K = classes;
  const z = rowPtr(i);
  if (lse != lse) {
    fill(g, K, NaN);
    return;
  }
  const k = dy * invT;
  if (K == 1) {
    oneClassGradient(i, k, a, lse, g);
    return;
  }
  const coef = k * (a + 2.0 * lambda * lse);
  // p_c = e_c·scale for parked exps; else e^d with d = ((z − L_hi) − L_lo)/T, L = T·lse split in two floats
  const scale = parked ? 1.0 / parkedSum : 1.0;
  const L = temperature * lse;
  const Lhi = <f32>L;
  const vc = f32x4.splat(<f32>(coef * scale));
  const vhi = f32x4.splat(Lhi), vlo = f32x4.splat(<f32>(L - <f64>Lhi));
  const vt = f32x4.splat(<f32>(invT * LOG2E));  // exps are 2^(d·log2 e)
  const ku = k * (eps / <f64>K);  // k times the smoothing part of a_c, per unit of class weight
  const vku = f32x4.splat(<f32>ku);
  const vkp = f32x4.splat(<f32>(k * (1.0 - eps)));
  if (sparse && ku == 0) {
    // class ids, no smoothing: a_c = 0 off the target, so g_c = coef·p_c (and 0 at z_c = −∞ by
    // itself, as e^−∞ = 0): the common case gets loops with nothing else in them
    if (parked) scaleRow(g, K, vc);
    else expRow(z, g, K, vhi, vlo, vt, vc);
  } else {
    smoothedRow(i, z, g, parked, vc, vhi, vlo, vt, vku, vkp);
  }
  if (sparse) {
    const y = classId(i);
    const zy = <f64>load<f32>(z + (<usize>y << 2));
    const py = parked ? exp64((zy - <f64>parkedMax) * invT) * scale : exp64(zy * invT - lse);
    const wy = weight(y);
    store<f32>(g + (<usize>y << 2),
        zy == -Infinity ? 0 : <f32>(coef * py - (ku + k * (1.0 - eps)) * wy));
  }
}

/** g_c ← g_c·vc over a row: the parked exps become coef·p_c. */
function scaleRow(g: usize, K: i32, vc: v128): void {
  let c = 0;
  for (; c + 8 <= K; c += 8) {
    const o = g + (<usize>c << 2);
    v128.store(o, f32x4.mul(v128.load(o), vc));
    v128.store(o, f32x4.mul(v128.load(o, 16), vc), 16);
  }
  for (; c < K; c++) {
    const o = g + (<usize>c << 2);
    store<f32>(o, load<f32>(o) * f32x4.extract_lane(vc, 0));
  }
}

/** g_c ← vc·exp(((z_c − L_hi) − L_lo)·(1/T)) over a row: coef·p_c from the saved lse. */
function expRow(z: usize, g: usize, K: i32, vhi: v128, vlo: v128, vt: v128, vc: v128): void {
  let c = 0;
  for (; c + 8 <= K; c += 8) {
    const o = <usize>c << 2;
    const e0 = exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load(z + o), vhi), vlo), vt));
    const e1 = exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load(z + o, 16), vhi), vlo), vt));
    v128.store(g + o, f32x4.mul(vc, e0));
    v128.store(g + o, f32x4.mul(vc, e1), 16);
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const e = exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load32_zero(z + o), vhi), vlo), vt));
    v128.store32_lane(g + o, f32x4.mul(vc, e), 0);
  }
}

/**
 * The general row: g_c = coef·p_c − k·a_c with a_c = (ε/K)·w_c for class ids with smoothing (the
 * target's extra (1 − ε)·w_y is the caller's) or w_c·((1 − ε)·P_c + ε/K) for probabilities, and 0
 * where z_c = −∞.
 */
function smoothedRow(i: i32, z: usize, g: usize, parked: bool, vc: v128, vhi: v128, vlo: v128, vt: v128,
    vku: v128, vkp: v128): void {
  const K = classes;
  const P: usize = sparse ? 0 : probsPtr(i);
  let c = 0;
  for (; c + 4 <= K; c += 4) {
    const o = <usize>c << 2;
    const zv = v128.load(z + o);
    const e = parked ? v128.load(g + o) : exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(zv, vhi), vlo), vt));
    const w = v128.load(wBase + o);
    const ac = sparse ? f32x4.mul(vku, w) : f32x4.mul(w, f32x4.add(f32x4.mul(vkp, v128.load(P + o)), vku));
    v128.store(g + o, v128.andnot(f32x4.sub(f32x4.mul(vc, e), ac), f32x4.eq(zv, f32x4.splat(-Infinity))));
  }
  for (; c < K; c++) {
    const o = <usize>c << 2;
    const zv = v128.load32_zero(z + o);
    const e = parked ? v128.load32_zero(g + o) : exp2f4(f32x4.mul(f32x4.sub(f32x4.sub(zv, vhi), vlo), vt));
    const w = v128.load32_zero(wBase + o);
    const ac = sparse ? f32x4.mul(vku, w) : f32x4.mul(w, f32x4.add(f32x4.mul(vkp, v128.load32_zero(P + o)), vku));
    v128.store32_lane(g + o, v128.andnot(f32x4.sub(f32x4.mul(vc, e), ac), f32x4.eq(zv, f32x4.splat(-Infinity))), 0);
  }
}
