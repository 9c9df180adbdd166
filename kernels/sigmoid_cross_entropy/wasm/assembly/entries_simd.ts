/**
 * Entry math of the SIMD builds, four entries per vector, numbered as in every backend:
 *   1. entry terms (σ, softplus)  2. loss  3. gradient.
 * Same sweeps as entries_scalar.ts. The logits, labels and dy are read as one flat array of M entries
 * (rows play no part: every entry is its own problem); only the weights need each entry's column,
 * kept in a running counter.
 *
 * Precision plan (float32 lanes per entry, as contract.ts allows):
 * - e = e^−|x| by expNegf4, log1p(e) by log1pf4 (math.ts: about an ulp relative to themselves,
 *   whatever |x|), σ(|x|) = 1/(1 + e) and σ(−|x|) = e/(1 + e): never 1 − σ, so σ(−x) at a confident
 *   entry keeps its relative precision, and with it that entry's loss log1p(e) and gradient.
 * - y' and 1 − y' are formed apart, (1 − ε)·y + ε/2 and (1 − ε)·(1 − y) + ε/2, so neither is the
 *   rounding remainder of the other (1 − y is exact for y ≥ 1/2, and ≥ 1/2 otherwise).
 * - bce = P·y'·sp(−x) + (1 − y')·sp(x) adds two non-negative terms: a loss entry is good to a few
 *   ulp of itself. The gradient (1 − y')·σ(x) − P·y'·σ(−x) is a difference: good to a few ulp of its
 *   larger term (of itself for hard labels, where one term is 0).
 * - The focal factor q_t^γ: for γ a multiple of 1/2 (up to 64) by multiplications and a square root
 *   (correctly rounded), else powUnitf4, whose exponent γ·log2 q_t keeps γ·k exact. Either way its
 *   error is about γ times q_t's own relative error, not γ·|log2 q_t| float32 ulps.
 * - The reduced loss adds every entry's float32 loss in float64 lanes.
 * Non-finite: the infinite softplus of x = ±∞ meets a zero coefficient only as 0·∞ = NaN in a product,
 * so every such NaN is set to 0, and the entries whose x or y is NaN are made NaN again at the end.
 *
 * Speed: the work is the math, not memory (an exp, a log1p and two divisions per vector, about a
 * hundred instructions in one chain of dependent operations). The common sweeps run four vectors per
 * iteration, stage by stage (finish()), so four independent chains stand side by side for the CPU to
 * overlap: measured on the cache-resident loss-and-grad, 14.8 ns per vector one at a time, 10.3 four
 * per iteration, 9.0 stage by stage. Choices that are the same for every entry are branch-free where a
 * branch would sit in the loop (smoothing runs with ε = 0 as kp = 1, ku = 0, which is exact): V8 pays
 * register moves around a branch. Unweighted calls (the op passes ones) skip the weights at compile time.
 */
import {NONE} from '../../../../backends/wasm/assembly/reduction';
import {expNegf4, gammaHigh, log1pf4, powUnitf4} from './math';
import {alpha, columns, entries, entryScale, eps, gamma, modulated, posBase, reduction, wBase, weighted, xBase, yBase}
  from './problem';

// what a sweep computes (compile-time constants of the inlined sweeps)
const LOSS = 1;
const GRAD = 2;
// the per-entry factor (compile-time): w only; or w·α_t·q_t^γ with q_t^γ by multiplications and a
// square root (γ a multiple of 1/2, up to 64; also α alone, γ = 0); or with powUnitf4 (any γ)
const PLAIN = 0;
const FOCAL_HALVES = 1;
const FOCAL_ANY = 2;

/** Four weights of columns col … col + 3 (mod C); a splat when C = 1. */
// @ts-ignore: decorator
@inline function columnVector(base: usize, col: i32, C: i32): v128 {
  if (C == 1) return v128.load32_splat(base);
  if (col + 4 <= C) return v128.load(base + (<usize>col << 2));
  return wrappedColumns(base, col, C);
}

/** c mod C for c < 3·C (C = 2 can wrap twice). */
// @ts-ignore: decorator
@inline function wrap(c: i32, C: i32): i32 {
  const d = c >= C ? c - C : c;
  return d >= C ? d - C : d;
}

/** The four weights of a vector that crosses the end of a row (once per row, or always for C < 4). */
function wrappedColumns(base: usize, col: i32, C: i32): v128 {
  let v = v128.load32_zero(base + (<usize>col << 2));
  v = v128.load32_lane(base + (<usize>wrap(col + 1, C) << 2), v, 1);
  v = v128.load32_lane(base + (<usize>wrap(col + 2, C) << 2), v, 2);
  return v128.load32_lane(base + (<usize>wrap(col + 3, C) << 2), v, 3);
}

/** Lanes 2, 3 of v in lanes 0, 1 (to promote them to float64). */
// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 { return v128.shuffle<f32>(v, v, 2, 3, 0, 1); }

/** The first n (1 … 4) floats at p in the low lanes, zeros above. */
function loadSome(p: usize, n: i32): v128 {
  if (n == 4) return v128.load(p);
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

/** Stores the low n (1 … 4) lanes of v at p. */
function storeSome(p: usize, v: v128, n: i32): void {
  if (n == 4) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

// the focal options of the current sweep, set by sweep() before its loop (read in the modulated
// variants only, where their cost is small against the focal math)
let aOn = false;       // α given
let gOn = false;       // γ > 0
let gWhole: i32 = 0;   // FOCAL_HALVES: q^γ = q^gWhole·(√q if gHalf)
let gHalf = false;

/** q^γ (q in [0, 1]) for γ = gWhole + (gHalf ? 1/2 : 0): multiplications, each rounded once. */
// @ts-ignore: decorator
@inline function powHalves(q: v128): v128 {
  let p = gHalf ? f32x4.sqrt(q) : f32x4.splat(1.0);
  for (let k = 0; k < gWhole; k++) p = f32x4.mul(p, q);
  return p;
}

/** Whether a sweep needs the softplus terms (bce) and σ(±x). */
// @ts-ignore: decorator
@inline function needsBce(what: i32, mode: i32): bool { return (what & LOSS) != 0 || (mode != PLAIN && gOn); }
// @ts-ignore: decorator
@inline function needsSigma(what: i32, mode: i32): bool { return (what & GRAD) != 0 || (mode != PLAIN && gOn); }

// The per-entry math in stages (e, then log1p(e) and 1/(1 + e), then the rest), so that the wide
// sweep can run each stage on four vectors one after the other: four independent chains side by side
// give the CPU work while one waits (a vector's whole chain is ~100 instructions and as many cycles).

/** e^−|x|, in [0, 1]. */
// @ts-ignore: decorator
@inline function expNegAbs(x: v128): v128 { return expNegf4(v128.or(x, f32x4.splat(-0.0))); }

/** log1p(e) if the sweep needs the softplus terms (else unused: 0). */
// @ts-ignore: decorator
@inline function log1pIf(want: bool, e: v128): v128 { return want ? log1pf4(e) : f32x4.splat(0); }

/** σ(|x|) = 1/(1 + e) if the sweep needs σ (else unused: 0). */
// @ts-ignore: decorator
@inline function sigmaIf(want: bool, e: v128): v128 {
  return want ? f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e)) : f32x4.splat(0);
}

/**
 * Four entries from their e = e^−|x|, L = log1p(e) and big = σ(|x|): returns their losses (when
 * `what` has LOSS) and stores their gradients at g (when it has GRAD; all four lanes if lanes = 4,
 * else the low `lanes`). P and w: the entries' posWeight and classWeights (unit: both are ones, not
 * read: the unweighted sweeps); ups: their upstream gradient; kp = 1 − ε, ku = ε/2; va = α, vb = 1 − α,
 * vg = γ and its two parts vhi + vlo (FOCAL_ANY).
 */
// @ts-ignore: decorator
@inline function finish(what: i32, mode: i32, unit: bool, x: v128, y: v128, e: v128, L: v128, big: v128, P: v128,
    w: v128, ups: v128, kp: v128, ku: v128, va: v128, vb: v128, vg: v128, vhi: v128, vlo: v128, g: usize,
    lanes: i32): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1.0);
  const focal = mode != PLAIN && gOn;
  const wantBce = needsBce(what, mode);

  // 1. entry terms (σ, softplus)
  let spPos = zero, spNeg = zero;                      // sp(x), sp(−x)
  if (wantBce) {
    spPos = f32x4.add(f32x4.pmax(zero, x), L);
    spNeg = f32x4.add(f32x4.pmax(zero, v128.xor(x, f32x4.splat(-0.0))), L);
  }
  let sgPos = zero, sgNeg = zero;                      // σ(x), σ(−x)
  if (needsSigma(what, mode)) {
    // σ(−|x|), not 1 − σ(|x|); with a focal factor by its own division (one rounding less: q_t^γ
    // multiplies q_t's error by γ)
    const small = focal ? f32x4.div(e, f32x4.add(one, e)) : f32x4.mul(e, big);
    const swap = v128.and(v128.xor(big, small), f32x4.ge(x, zero));
    sgPos = v128.xor(small, swap);
    sgNeg = v128.xor(big, swap);
  }
  const yp = f32x4.add(f32x4.mul(kp, y), ku);                   // y'
  const yn = f32x4.add(f32x4.mul(kp, f32x4.sub(one, y)), ku);   // 1 − y', not 1 minus y'
  const a = unit ? yp : f32x4.mul(P, yp);                      // P·y'
  const s = f32x4.add(x, y);
  const nanIn = f32x4.ne(s, s);                        // x or y is NaN (y is finite or NaN)

  // the entry's factor F = w·α_t·q_t^γ (none at all when unit and PLAIN)
  const unitF = unit && mode == PLAIN;
  let F = unit ? one : w;
  let q = zero;
  if (mode != PLAIN) {
    if (aOn) F = f32x4.mul(F, f32x4.add(f32x4.mul(va, yp), f32x4.mul(vb, yn)));
    if (gOn) {
      q = f32x4.add(f32x4.mul(yp, sgNeg), f32x4.mul(yn, sgPos));  // q_t = 1 − p_t, from σ(±x)
      F = f32x4.mul(F, mode == FOCAL_HALVES ? powHalves(q) : powUnitf4(q, vg, vhi, vlo));
    }
  }

  // 2. loss
  let bce = zero;
  let loss = zero;
  if (wantBce) {
    bce = f32x4.add(f32x4.mul(a, spNeg), f32x4.mul(yn, spPos));
    if ((what & LOSS) != 0) {
      const l = unitF ? bce : f32x4.mul(F, bce);
      loss = v128.or(v128.andnot(l, f32x4.ne(l, l)), nanIn);  // 0·∞ of a zero coefficient: 0
    }
  }

  // 3. gradient
  if ((what & GRAD) != 0) {
    let d = f32x4.sub(f32x4.mul(yn, sgPos), f32x4.mul(a, sgNeg));  // ∂bce/∂x
    if (focal) {
      // + γ·(1 − 2y')·r·bce, r = σ(x)σ(−x)/q_t (so q_t^(γ−1)·σσ' = q_t^γ·r; r in [0, 1], 0 at q_t = 0)
      const c = f32x4.mul(kp, f32x4.sub(one, f32x4.add(y, y)));  // 1 − 2y' = (1 − ε)·(1 − 2y)
      const r = v128.andnot(f32x4.div(f32x4.mul(sgPos, sgNeg), q), f32x4.eq(q, zero));
      const t = f32x4.mul(f32x4.mul(vg, c), f32x4.mul(r, bce));
      d = f32x4.add(d, v128.andnot(t, f32x4.ne(t, t)));  // r = 0 against bce = ∞ (x = ±∞): 0
    }
    const gv = v128.or(f32x4.mul(unitF ? d : f32x4.mul(F, d), ups), nanIn);
    if (lanes == 4) v128.store(g, gv);
    else storeSome(g, gv, lanes);
  }
  return loss;
}

/** finish() of four entries given only their logits and labels (the stages in a row). */
// @ts-ignore: decorator
@inline function fourEntries(what: i32, mode: i32, unit: bool, x: v128, y: v128, P: v128, w: v128, ups: v128,
    kp: v128, ku: v128, va: v128, vb: v128, vg: v128, vhi: v128, vlo: v128, g: usize, lanes: i32): v128 {
  const e = expNegAbs(x);
  return finish(what, mode, unit, x, y, e, log1pIf(needsBce(what, mode), e), sigmaIf(needsSigma(what, mode), e), P, w,
      ups, kp, ku, va, vb, vg, vhi, vlo, g, lanes);
}

/** The four float32 lanes of l widened to float64 and added in pairs (0 + 2, 1 + 3): two float64 partial sums. */
// @ts-ignore: decorator
@inline function widen(l: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(l), f64x2.promote_low_f32x4(highHalf(l)));
}

/**
 * One sweep over the whole vectors of the M entries (the last M mod 4 are tail()'s). lossOut: the
 * 'none' losses' output (else unused); dy: the backward kernel's upstream gradient (per entry for
 * 'none'); gOut: the gradient's output. Returns Σ loss (float64) for the reductions.
 * perColumn: weighted (the weights are read by column; C = 1 as a splat); else unweighted (the
 * weights are ones, and the math skips them). wide: four vectors per iteration, stage by stage (see
 * the header and finish()), then one at a time.
 */
// @ts-ignore: decorator
@inline function sweep(what: i32, mode: i32, perColumn: bool, wide: bool, lossOut: usize, dy: usize, gOut: usize): f64 {
  const M = entries & ~3, C = columns;
  const px = xBase, py = yBase, pP = posBase, pw = wBase;
  const kp = f32x4.splat(<f32>(1.0 - eps)), ku = f32x4.splat(<f32>(eps * 0.5));
  const va = f32x4.splat(<f32>alpha), vb = f32x4.splat(<f32>(1.0 - alpha));
  const ghi = gammaHigh(gamma);
  const vg = f32x4.splat(<f32>gamma), vhi = f32x4.splat(ghi), vlo = f32x4.splat(<f32>(gamma - <f64>ghi));
  const one = f32x4.splat(1.0);
  // the upstream gradient: per entry (backward, 'none'), else one number for all
  const wantGrad = (what & GRAD) != 0;
  const dyEach = (what & LOSS) == 0 && reduction == NONE;
  const vdy = f32x4.splat(upstream(what, dy));
  const storeLoss = (what & LOSS) != 0 && reduction == NONE;
  let s0 = f64x2.splat(0), s1 = s0;
  let col = 0;
  let i = 0;
  if (wide) {
    const wantBce = needsBce(what, mode), wantSigma = needsSigma(what, mode);
    for (; i + 16 <= M; i += 16) {
      // four vectors, stage by stage (see finish())
      const o = <usize>i << 2;
      const x0 = v128.load(px + o), x1 = v128.load(px + o, 16);
      const x2 = v128.load(px + o, 32), x3 = v128.load(px + o, 48);
      const e0 = expNegAbs(x0), e1 = expNegAbs(x1), e2 = expNegAbs(x2), e3 = expNegAbs(x3);
      const L0 = log1pIf(wantBce, e0), L1 = log1pIf(wantBce, e1);
      const L2 = log1pIf(wantBce, e2), L3 = log1pIf(wantBce, e3);
      const b0 = sigmaIf(wantSigma, e0), b1 = sigmaIf(wantSigma, e1);
      const b2 = sigmaIf(wantSigma, e2), b3 = sigmaIf(wantSigma, e3);
      const l0 = finish(what, mode, true, x0, v128.load(py + o), e0, L0, b0, one, one,
          wantGrad && dyEach ? v128.load(dy + o) : vdy, kp, ku, va, vb, vg, vhi, vlo, gOut + o, 4);
      const l1 = finish(what, mode, true, x1, v128.load(py + o, 16), e1, L1, b1, one, one,
          wantGrad && dyEach ? v128.load(dy + o, 16) : vdy, kp, ku, va, vb, vg, vhi, vlo, gOut + o + 16, 4);
      const l2 = finish(what, mode, true, x2, v128.load(py + o, 32), e2, L2, b2, one, one,
          wantGrad && dyEach ? v128.load(dy + o, 32) : vdy, kp, ku, va, vb, vg, vhi, vlo, gOut + o + 32, 4);
      const l3 = finish(what, mode, true, x3, v128.load(py + o, 48), e3, L3, b3, one, one,
          wantGrad && dyEach ? v128.load(dy + o, 48) : vdy, kp, ku, va, vb, vg, vhi, vlo, gOut + o + 48, 4);
      if ((what & LOSS) != 0) {
        if (storeLoss) {
          v128.store(lossOut + o, l0);
          v128.store(lossOut + o, l1, 16);
          v128.store(lossOut + o, l2, 32);
          v128.store(lossOut + o, l3, 48);
        } else {
          s0 = f64x2.add(s0, f64x2.add(widen(l0), widen(l2)));
          s1 = f64x2.add(s1, f64x2.add(widen(l1), widen(l3)));
        }
      }
    }
  }
  for (; i < M; i += 4) {
    const o = <usize>i << 2;
    let P = one, w = one;
    if (perColumn) {
      P = columnVector(pP, col, C);
      w = columnVector(pw, col, C);
      if (C > 1) col = wrap(col + 4, C);
    }
    const l = fourEntries(what, mode, !perColumn, v128.load(px + o), v128.load(py + o), P, w,
        wantGrad && dyEach ? v128.load(dy + o) : vdy, kp, ku, va, vb, vg, vhi, vlo, gOut + o, 4);
    if ((what & LOSS) != 0) {
      if (storeLoss) v128.store(lossOut + o, l);
      else s0 = f64x2.add(s0, widen(l));
    }
  }
  s0 = f64x2.add(s0, s1);
  return f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
}

/** The upstream gradient of every entry if it is one number: 1/M or 1 (loss-and-grad), dy·(1/M or 1) (backward). */
function upstream(what: i32, dy: usize): f32 {
  if ((what & LOSS) != 0) return <f32>entryScale();
  return reduction == NONE ? 0 : <f32>(<f64>load<f32>(dy) * entryScale());
}

/**
 * The last M mod 4 entries, as one partial vector, for every specialisation (one function, with its
 * choices made at run time: it runs once per call). Returns their loss sum.
 */
function tail(what: i32, mode: i32, lossOut: usize, dy: usize, gOut: usize): f64 {
  const i = entries & ~3, n = entries & 3;
  if (n == 0) return 0;
  const C = weighted() ? columns : 1;
  const col = i % C;
  const o = <usize>i << 2;
  const ghi = gammaHigh(gamma);
  const ups = (what & LOSS) == 0 && reduction == NONE ? loadSome(dy + o, n) : f32x4.splat(upstream(what, dy));
  let l = fourEntries(what, mode, false, loadSome(xBase + o, n), loadSome(yBase + o, n), columnVector(posBase, col, C),
      columnVector(wBase, col, C), ups, f32x4.splat(<f32>(1.0 - eps)), f32x4.splat(<f32>(eps * 0.5)),
      f32x4.splat(<f32>alpha), f32x4.splat(<f32>(1.0 - alpha)), f32x4.splat(<f32>gamma), f32x4.splat(ghi),
      f32x4.splat(<f32>(gamma - <f64>ghi)), gOut + o, n);
  if ((what & LOSS) == 0) return 0;
  if (reduction == NONE) {
    storeSome(lossOut + o, l, n);
    return 0;
  }
  l = v128.and(l, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n)));  // lanes past the end add nothing
  const s = widen(l);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// One function per specialisation (Binaryen would inline every once-called one into its dispatcher:
// this keeps one loop per V8 compilation). Wide (four vectors per iteration): the unweighted
// PLAIN and FOCAL_HALVES sweeps, the common calls (focal loss-and-grad: 20.4 → 15.1 ns per vector);
// the rest run one vector at a time, which keeps the module smaller.
function forwardPlain(l: usize): f64 { return sweep(LOSS, PLAIN, false, true, l, 0, 0); }
function forwardPlainColumns(l: usize): f64 { return sweep(LOSS, PLAIN, true, false, l, 0, 0); }
function forwardHalves(l: usize): f64 { return sweep(LOSS, FOCAL_HALVES, false, true, l, 0, 0); }
function forwardHalvesColumns(l: usize): f64 { return sweep(LOSS, FOCAL_HALVES, true, false, l, 0, 0); }
function forwardAny(l: usize): f64 { return sweep(LOSS, FOCAL_ANY, false, false, l, 0, 0); }
function forwardAnyColumns(l: usize): f64 { return sweep(LOSS, FOCAL_ANY, true, false, l, 0, 0); }
function backwardPlain(dy: usize, g: usize): f64 { return sweep(GRAD, PLAIN, false, true, 0, dy, g); }
function backwardPlainColumns(dy: usize, g: usize): f64 { return sweep(GRAD, PLAIN, true, false, 0, dy, g); }
function backwardHalves(dy: usize, g: usize): f64 { return sweep(GRAD, FOCAL_HALVES, false, true, 0, dy, g); }
function backwardHalvesColumns(dy: usize, g: usize): f64 { return sweep(GRAD, FOCAL_HALVES, true, false, 0, dy, g); }
function backwardAny(dy: usize, g: usize): f64 { return sweep(GRAD, FOCAL_ANY, false, false, 0, dy, g); }
function backwardAnyColumns(dy: usize, g: usize): f64 { return sweep(GRAD, FOCAL_ANY, true, false, 0, dy, g); }
function bothPlain(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, PLAIN, false, true, l, 0, g); }
function bothPlainColumns(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, PLAIN, true, false, l, 0, g); }
function bothHalves(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, FOCAL_HALVES, false, true, l, 0, g); }
function bothHalvesColumns(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, FOCAL_HALVES, true, false, l, 0, g); }
function bothAny(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, FOCAL_ANY, false, false, l, 0, g); }
function bothAnyColumns(l: usize, g: usize): f64 { return sweep(LOSS | GRAD, FOCAL_ANY, true, false, l, 0, g); }

/** The factor's mode for this call: PLAIN (γ = 0, no α: no focal code at all), FOCAL_HALVES or FOCAL_ANY. */
function factorMode(): i32 {
  if (!modulated()) return PLAIN;
  const twice = gamma * 2;
  return twice == Math.floor(twice) && gamma <= 64 ? FOCAL_HALVES : FOCAL_ANY;
}

/** Sets the focal options the modulated sweeps read, and says whether the weights are read (by column). */
function setUp(): bool {
  aOn = alpha >= 0;
  gOn = gamma != 0;
  gWhole = <i32>gamma;
  gHalf = gamma != <f64>gWhole;
  return weighted();
}

/** FusedSigmoidCrossEntropy's sweep: the losses ('none') or their float64 sum. */
export function forward(loss: usize): f64 {
  const m = factorMode(), pc = setUp();
  let s: f64;
  if (m == PLAIN) s = pc ? forwardPlainColumns(loss) : forwardPlain(loss);
  else if (m == FOCAL_HALVES) s = pc ? forwardHalvesColumns(loss) : forwardHalves(loss);
  else s = pc ? forwardAnyColumns(loss) : forwardAny(loss);
  return s + tail(LOSS, m, loss, 0, 0);
}

/** FusedSigmoidCrossEntropyGrad's sweep: dlogits from dy, one read of each input. */
export function backward(dy: usize, grad: usize): void {
  const m = factorMode(), pc = setUp();
  if (m == PLAIN) pc ? backwardPlainColumns(dy, grad) : backwardPlain(dy, grad);
  else if (m == FOCAL_HALVES) pc ? backwardHalvesColumns(dy, grad) : backwardHalves(dy, grad);
  else pc ? backwardAnyColumns(dy, grad) : backwardAny(dy, grad);
  tail(GRAD, m, 0, dy, grad);
}

/** SigmoidCrossEntropyWithLogits's sweep: losses and dlogits in one pass; returns Σ loss. */
export function lossAndGrad(loss: usize, grad: usize): f64 {
  const m = factorMode(), pc = setUp();
  let s: f64;
  if (m == PLAIN) s = pc ? bothPlainColumns(loss, grad) : bothPlain(loss, grad);
  else if (m == FOCAL_HALVES) s = pc ? bothHalvesColumns(loss, grad) : bothHalves(loss, grad);
  else s = pc ? bothAnyColumns(loss, grad) : bothAny(loss, grad);
  return s + tail(LOSS | GRAD, m, loss, 0, grad);
}
