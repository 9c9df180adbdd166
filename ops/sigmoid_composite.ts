/**
 * Sigmoid cross-entropy built from stock tfjs-core ops: the fallback on a backend with no fused
 * kernel (tfjs-node's 'tensorflow', say), and the gradients with respect to the labels and the two
 * weight vectors, which the fused kernels do not compute. It follows the same formulas as the kernels
 * (kernels/sigmoid_cross_entropy/contract.ts) and, unlike them, holds many logits-sized temporaries.
 *
 * Everything here is a forward computation (the gradients are their formulas, written out), so it
 * runs with tfjs-core alone: no stock-op gradient is ever needed. The op wraps the loss and
 * sigmoidCompositeGrads in tf.customGrad for the fallback; the registered gradient of the fused
 * kernel calls the label and weight gradients.
 *
 * The edges, as the contract says: σ(±x) from e = exp(−|x|), never 1 − σ; a term with a zero
 * coefficient is 0 even where its softplus is +∞ (`times`); x = ±∞ gives the limits; a NaN in x or y
 * makes that entry's loss and every gradient term of it NaN, whatever its weights (`nanWhere`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {columns, SigmoidCrossEntropyAttrs} from '../kernels/sigmoid_cross_entropy/contract.js';
import {sumOrZero} from './composite.js';

type T = tf.Tensor;

/** c·v, 0 where c is 0 (even where v is ±∞ or NaN: NaN inputs are restored by nanWhere). */
function times(c: T, v: T): T {
  const cv = tf.mul(c, v);
  return tf.where(tf.equal(c, 0), tf.zerosLike(cv), cv);  // tf.where broadcasts the condition
}

/**
 * log1p(u) for u ≥ 0 (here u = e^−|x| ∈ [0, 1]; the divergence composite passes a row's rest sum), accurate on every backend: tfjs-backend-webgl and -webgpu
 * compute tf.log1p as log(1 + u), and wasm's agrees with them, which in float32 rounds 1 + u to 1 for
 * u < 6e-8 and errs by up to half an ulp of 1 (6e-8) for larger u — all of a confident entry's
 * sp(−x) ≈ e^−x. Goldberg's form, log(1 + u)·u/((1 + u) − 1), divides that rounding back out: the
 * subtraction is exact, and the result is within a few ulps of log1p(u) wherever log is accurate.
 */
export function log1pUnit(u: T): T {
  const w = tf.add(1, u);
  const d = tf.sub(w, 1);  // exact: what 1 + u kept of u
  return tf.where(tf.equal(d, 0), u, tf.mul(tf.log(w), tf.div(u, d)));
}

/** The per-entry terms every result is made of. Each tensor has the logits' shape unless noted. */
interface Terms {
  attrs: SigmoidCrossEntropyAttrs;
  entries: number;  // M
  nan: T;           // bool: x or y is NaN
  yp: T;            // y' = (1 − ε)·y + ε/2
  P: T;             // posWeight, broadcastable: [C], or [] for scalar logits
  w: T;             // classWeights, as P
  sx: T;            // σ(x)
  sn: T;            // σ(−x)
  spX: T;           // sp(x)
  spN: T;           // sp(−x)
  bce: T;           // P·y'·sp(−x) + (1 − y')·sp(x), each term 0 where its coefficient is
  at: T | null;     // α_t, null when α is absent (α_t = 1)
  q: T | null;      // q_t, null for γ = 0
  qg: T | null;     // q_t^γ, null for γ = 0 (q^γ = 1: no focal code runs)
  qm1: T | null;    // q_t^(γ−1), 0 where q_t = 0 (the terms it multiplies are 0 there), null for γ = 0
}

function terms(logits: T, labels: T, posWeight: T, classWeights: T, attrs: SigmoidCrossEntropyAttrs): Terms {
  const eps = attrs.labelSmoothing;
  const gamma = attrs.focalGamma;
  const alpha = attrs.focalAlpha;
  // weights index the last axis; scalar logits have one column, and [1] would broadcast them to [1]
  const column = (v: T) => (logits.rank === 0 ? tf.reshape(v, []) : v);
  const P = column(posWeight);
  const w = column(classWeights);
  const yp = tf.add(tf.mul(labels, 1 - eps), eps / 2);
  const neg = tf.sub(1, yp);
  // 1. entry terms (σ, softplus)
  const e = tf.exp(tf.neg(tf.abs(logits)));
  const inv = tf.reciprocal(tf.add(1, e));  // σ(|x|)
  const s = tf.mul(e, inv);                 // σ(−|x|)
  const up = tf.greaterEqual(logits, 0);
  const sx = tf.where(up, inv, s);
  const sn = tf.where(up, s, inv);
  const l = log1pUnit(e);
  const spX = tf.add(tf.relu(logits), l);
  const spN = tf.add(tf.relu(tf.neg(logits)), l);
  const bce = tf.add(times(tf.mul(P, yp), spN), times(neg, spX));
  const at = alpha < 0 ? null : tf.add(tf.mul(yp, alpha), tf.mul(neg, 1 - alpha));
  let q: T | null = null;
  let qg: T | null = null;
  let qm1: T | null = null;
  if (gamma > 0) {
    q = tf.add(tf.mul(yp, sn), tf.mul(neg, sx));
    qg = tf.pow(q, tf.scalar(gamma));
    qm1 = tf.where(tf.equal(q, 0), tf.zerosLike(q), tf.pow(q, tf.scalar(gamma - 1)));
  }
  const nan = tf.logicalOr(tf.isNaN(logits), tf.isNaN(labels));
  return {attrs, entries: logits.size, nan, yp, P, w, sx, sn, spX, spN, bce, at, q, qg, qm1};
}

/** v where the entry is finite-or-infinite, NaN where its x or y is NaN. */
function nanWhere(r: Terms, v: T): T {
  const full = tf.broadcastTo(v, r.nan.shape);
  return tf.where(r.nan, tf.fill(full.shape, NaN), full);
}

/** f = α_t·q_t^γ, the focal factor (1 with neither option). */
function focalFactor(r: Terms): T {
  const one = tf.onesLike(r.bce);
  const at = r.at ?? one;
  return r.qg === null ? at : tf.mul(at, r.qg);
}

/** Each entry's upstream gradient, broadcastable against the logits: dy itself, or dy/M for 'mean'. */
function entryDy(r: Terms, dy: T): T {
  if (r.attrs.reduction !== 'mean') return dy;
  return r.entries === 0 ? tf.zerosLike(dy) : tf.div(dy, r.entries);
}

/** ℓ per entry: w·α_t·q_t^γ·bce, 0 where that coefficient is 0 (even if bce = +∞), NaN for NaN input. */
function entryLosses(r: Terms): T {
  // 2. loss
  return nanWhere(r, times(tf.mul(r.w, focalFactor(r)), r.bce));
}

/** Σ over every entry of its column (the logits' last axis), [C]. */
function perColumn(v: T, logitsShape: number[]): T {
  const C = columns(logitsShape);
  const rows = logitsShape.slice(0, -1).reduce((a, b) => a * b, 1);
  return sumOrZero(tf.reshape(tf.broadcastTo(v, logitsShape), [logitsShape.length === 0 ? 1 : rows, C]), 0);
}

/**
 * The reduced loss (forward only): ℓ per entry for 'none', Σ ℓ for 'sum', Σ ℓ / M for 'mean'; an
 * empty input's sum and mean are exactly 0.
 */
export function sigmoidCompositeLoss(logits: T, labels: T, posWeight: T, classWeights: T,
    attrs: SigmoidCrossEntropyAttrs): T {
  return tf.tidy(() => {
    const r = terms(logits, labels, posWeight, classWeights, attrs);
    const loss = entryLosses(r);
    if (attrs.reduction === 'none') return loss;
    const total = sumOrZero(loss);
    return attrs.reduction === 'sum' || r.entries === 0 ? total : tf.div(total, r.entries);
  });
}

/**
 * 3. gradient: ∂L/∂x = dy_e·w·α_t·[γ·q^(γ−1)·(1 − 2y')·σ(x)σ(−x)·bce + q^γ·∂bce/∂x], with
 * ∂bce/∂x = (1 − y')·σ(x) − P·y'·σ(−x). The focal term is 0 where σ(x)σ(−x) = 0 (x = ±∞, where bce
 * may be +∞) or q = 0; the gradient is finite at x = ±∞.
 */
function logitsGradient(r: Terms, dy: T): T {
  const neg = tf.sub(1, r.yp);
  const dbce = tf.sub(tf.mul(neg, r.sx), tf.mul(tf.mul(r.P, r.yp), r.sn));
  let inner = r.qg === null ? dbce : tf.mul(r.qg, dbce);
  if (r.q !== null && r.qm1 !== null) {
    const ss = tf.mul(r.sx, r.sn);
    const focal = tf.mul(tf.mul(tf.mul(tf.mul(r.qm1, r.attrs.focalGamma), tf.sub(1, tf.mul(2, r.yp))), ss), r.bce);
    inner = tf.add(tf.where(tf.logicalOr(tf.equal(ss, 0), tf.equal(r.q, 0)), tf.zerosLike(focal), focal), inner);
  }
  const wat = r.at === null ? r.w : tf.mul(r.w, r.at);
  return nanWhere(r, tf.mul(tf.mul(wat, inner), entryDy(r, dy)));
}

/**
 * ∂L/∂y = dy_e·(1 − ε)·∂ℓ/∂y', as y' = (1 − ε)·y + ε/2. With f = α_t·q^γ and ℓ = w·f·bce:
 *   ∂ℓ/∂y' = w·[(∂α_t/∂y')·q^γ·bce + α_t·γ·q^(γ−1)·(∂q/∂y')·bce + f·∂bce/∂y']
 *   ∂α_t/∂y' = α − (1 − α) = 2α − 1 (0 when α is absent: α_t = 1)
 *   ∂q/∂y' = σ(−x) − σ(x)                     (q = y'·σ(−x) + (1 − y')·σ(x))
 *   ∂bce/∂y' = P·sp(−x) − sp(x)               (bce = P·y'·sp(−x) + (1 − y')·sp(x))
 * The focal term is 0 where q = 0 (its q^(γ−1) may be +∞ there, but bce is 0: q = 0 needs y' = 1 and
 * σ(−x) = 0, or y' = 0 and σ(x) = 0). Products with a zero coefficient are 0 even against an infinite
 * softplus (x = ±∞); where the coefficient is not 0 the derivative is ±∞ there, as the loss is +∞ on
 * one side of y'.
 */
function labelsGradient(r: Terms, dy: T): T {
  const {attrs} = r;
  const eps = attrs.labelSmoothing;
  const f = focalFactor(r);
  let sum = times(f, tf.sub(times(r.P, r.spN), r.spX));
  if (r.at !== null && attrs.focalAlpha !== 0.5) {
    const qg = r.qg ?? tf.onesLike(r.bce);
    sum = tf.add(sum, times(tf.mul(qg, 2 * attrs.focalAlpha - 1), r.bce));
  }
  if (r.q !== null && r.qm1 !== null) {
    const at = r.at ?? tf.onesLike(r.bce);
    const c = tf.mul(tf.mul(tf.mul(at, attrs.focalGamma), r.qm1), tf.sub(r.sn, r.sx));
    sum = tf.add(sum, times(c, r.bce));
  }
  return nanWhere(r, tf.mul(times(tf.mul(r.w, 1 - eps), sum), entryDy(r, dy)));
}

/** ∂L/∂P_c = Σ over column c of dy_e·w·α_t·q^γ·y'·sp(−x): ℓ is linear in P through its first term. */
function posWeightGradient(r: Terms, dy: T, logitsShape: number[]): T {
  const c = tf.mul(tf.mul(r.w, focalFactor(r)), r.yp);
  return perColumn(nanWhere(r, tf.mul(times(c, r.spN), entryDy(r, dy))), logitsShape);
}

/** ∂L/∂w_c = Σ over column c of dy_e·α_t·q^γ·bce: ℓ is linear in w (M, the mean's divisor, is not). */
function classWeightsGradient(r: Terms, dy: T, logitsShape: number[]): T {
  return perColumn(nanWhere(r, tf.mul(times(focalFactor(r), r.bce), entryDy(r, dy))), logitsShape);
}

export interface SigmoidCompositeGrads {
  logits: T;        // logits' shape
  labels: T;        // labels' shape
  posWeight: T;     // [C]
  classWeights: T;  // [C]
}

/**
 * The gradients of the reduced loss with respect to all four inputs, given dy (the loss's shape:
 * logits' for 'none', a scalar otherwise). Forward computations only.
 */
export function sigmoidCompositeGrads(logits: T, labels: T, posWeight: T, classWeights: T, dy: T,
    attrs: SigmoidCrossEntropyAttrs): SigmoidCompositeGrads {
  const out = tf.tidy(() => {
    const r = terms(logits, labels, posWeight, classWeights, attrs);
    return [logitsGradient(r, dy), labelsGradient(r, dy), posWeightGradient(r, dy, logits.shape),
      classWeightsGradient(r, dy, logits.shape)];
  });
  return {logits: out[0], labels: out[1], posWeight: out[2], classWeights: out[3]};
}

/** One input's gradient alone (the registered gradient's thunks: tfjs asks for each one separately). */
export function sigmoidCompositeGrad(which: 'labels' | 'posWeight' | 'classWeights', logits: T, labels: T,
    posWeight: T, classWeights: T, dy: T, attrs: SigmoidCrossEntropyAttrs): T {
  return tf.tidy(() => {
    const r = terms(logits, labels, posWeight, classWeights, attrs);
    if (which === 'labels') return labelsGradient(r, dy);
    return which === 'posWeight' ? posWeightGradient(r, dy, logits.shape) : classWeightsGradient(r, dy, logits.shape);
  });
}
