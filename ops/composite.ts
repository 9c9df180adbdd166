/**
 * Softmax cross-entropy built from stock tfjs ops: the fallback on a backend with no fused kernel
 * (tfjs-node's 'tensorflow', say), and the gradients with respect to probability labels and class
 * weights, which the fused kernels do not compute. It follows the same formulas as the kernels
 * (contract.ts) and, unlike them, holds several [N, K] temporaries.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {SoftmaxCrossEntropyAttrs} from '../kernels/softmax_cross_entropy/contract.js';

type T = tf.Tensor;

/**
 * tf.sum that is exactly 0 over an empty axis, for every sum here, as a batch may have no rows:
 * tfjs-backend-wasm 4.22 sums no values to whatever its output buffer held (3.6e-41, −∞, NaN, ...),
 * and the reduce programs of tfjs-backend-webgl ("The new shape (NaN,0) has NaN elements") and
 * tfjs-backend-webgpu (a GPU buffer of NaN bytes) throw on an empty axis. With an element every axis is
 * non-empty, and tf.sum runs as usual. Without one the result is zeros of the reduced shape, made
 * from `x` (its elements, none, then the zeros) so that it stays on the tape: with tfjs's gradients
 * registered (Reshape, Concat), a gradient of it is an empty gradient of `x`, as tf.sum's would be,
 * not "f does not depend on x". The composite's own uses are off the tape (customGrad, gradFuncs).
 */
export function sumOrZero(x: T, axis?: number | number[], keepDims = false): T {
  if (x.size > 0) return tf.sum(x, axis, keepDims);
  const axes = (axis === undefined ? x.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis])
      .map((a) => (a < 0 ? a + x.rank : a));
  const shape = x.shape.flatMap((n, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [n]));
  const size = tf.util.sizeFromShape(shape);
  const none = tf.reshape(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), [0]);
  return size === 0 ? tf.reshape(none, shape) : tf.reshape(tf.concat([none, tf.zeros([size])]), shape);
}

/** tf.logSumExp over the last axis, keepDims. With no rows it is `s` itself as [..., 0 rows ..., 1]
 * (empty): tfjs's own takes a max and a sum over no rows, which the webgl and webgpu backends throw on.
 * K ≥ 1, so only rows can be missing. */
function logSumExpRows(s: T): T {
  if (s.size > 0) return tf.logSumExp(s, -1, true);
  return tf.reshape(s, [...s.shape.slice(0, -1), 1]);
}

/** One-hot rows of `ids` (an id outside [0, K) gives a zero row); tf.oneHot rejects K = 1. */
function oneHot(ids: T, K: number): T {
  return tf.cast(tf.equal(tf.expandDims(ids, -1), tf.range(0, K, 1, 'int32')), 'float32');
}

/** Row terms shared by the loss and its gradients. Every [...] tensor has logits.shape[:-1]. */
export interface CompositeRows {
  s: T;      // z / T                       [..., K]
  lse: T;    // log Σ exp(s), keepDims      [..., 1]
  b: T;      // a / w: the coefficients without class weights   [..., K]
  a: T;      // a_c                         [..., K]
  q: T | null;   // focal only (γ > 0): q_c = 1 − p_c, formed as −expm1(s_c − lse)   [..., K]
  qg: T | null;  // focal only: q_c^γ, the modulation of every term   [..., K]
  keep: T;   // 1 on rows that count, 0 on ignored rows (bool)   [...]
  loss: T;   // ℓ per row                   [...]
  d: T;      // the mean's denominator D    []
}

/**
 * s = c·tanh(z/c) / T (the cap first, then the temperature). Non-finite logits skip the cap and keep
 * the uncapped rules: −∞ stays an impossible class (tanh would make it −c), +∞ and NaN make the row NaN.
 */
function cappedLogits(logits: T, cap: number, temperature: number): T {
  const capped = tf.div(tf.mul(tf.tanh(tf.div(logits, cap)), cap), temperature);
  return tf.where(tf.isFinite(logits), capped, tf.div(logits, temperature));
}

/** ∂s/∂z's softcap factor sech²(z/c) = 4e/(1 + e)², e = exp(−2|z|/c): 1 − tanh² would cancel to 0 early. */
function capSlope(logits: T, cap: number): T {
  const e = tf.exp(tf.mul(tf.abs(logits), -2 / cap));
  return tf.div(tf.mul(e, 4), tf.square(tf.add(e, 1)));
}

export function compositeRows(logits: T, labels: T, classWeights: T, attrs: SoftmaxCrossEntropyAttrs): CompositeRows {
  const K = logits.shape[logits.shape.length - 1];
  const eps = attrs.labelSmoothing;
  const s = attrs.softcap > 0 ? cappedLogits(logits, attrs.softcap, attrs.temperature)
      : tf.div(logits, attrs.temperature);
  const lse = logSumExpRows(s);
  let b: T;
  let keep: T;
  if (labels.dtype === 'int32') {
    keep = tf.notEqual(labels, attrs.ignoreIndex);
    const hot = oneHot(labels, K);
    // 'all': (1 − ε)·[c = y] + ε/K; 'others' (fairseq's): (1 − ε)·[c = y] + ε/(K − 1)·[c ≠ y], and with
    // K = 1 no other class to smooth onto: the target keeps all of it
    const smoothed = attrs.labelSmoothingOver !== 'others' ? tf.add(tf.mul(hot, 1 - eps), eps / K)
        : K === 1 ? hot : tf.add(tf.mul(hot, 1 - eps), tf.mul(tf.sub(1, hot), eps / (K - 1)));
    b = tf.mul(smoothed, tf.cast(tf.expandDims(keep, -1), 'float32'));
  } else {
    keep = tf.cast(tf.onesLike(tf.squeeze(lse, [-1])), 'bool');
    b = tf.add(tf.mul(labels, 1 - eps), eps / K);
  }
  const a = tf.mul(b, classWeights);
  let q: T | null = null;
  let qg: T | null = null;
  let terms: T;
  if (attrs.focalGamma > 0) {
    // q = 1 − p without the cancellation of 1 − p in float32 (p ≈ 1 is where focal loss acts); s − lse
    // may round a hair above 0, and a negative q would make a fractional power NaN
    q = tf.maximum(tf.neg(tf.expm1(tf.sub(s, lse))), 0);
    qg = tf.pow(q, attrs.focalGamma);
    terms = tf.where(tf.equal(a, 0), tf.zerosLike(a), tf.mul(tf.mul(a, qg), tf.sub(lse, s)));
  } else {
    // a term with a_c = 0 is 0, even where s_c = −∞
    terms = tf.where(tf.equal(a, 0), tf.zerosLike(a), tf.mul(a, tf.sub(lse, s)));
  }
  const lseRow = tf.squeeze(lse, [-1]);
  let loss = tf.add(sumOrZero(terms, -1), tf.mul(attrs.zLoss, tf.square(lseRow)));
  loss = tf.where(tf.isNaN(lseRow), tf.fill(loss.shape, NaN), loss);  // NaN in a row: NaN loss
  loss = tf.where(keep, loss, tf.zerosLike(loss));                     // ignored rows: 0
  const d = labels.dtype === 'int32'
      ? sumOrZero(tf.mul(tf.gather(classWeights, tf.where(keep, labels, tf.zerosLike(labels))), tf.cast(keep, 'float32')))
      : tf.scalar(lseRow.size);
  return {s, lse, b, a, q, qg, keep, loss, d};
}

/** The reduced loss from per-row losses. */
export function reduce(r: CompositeRows, reduction: SoftmaxCrossEntropyAttrs['reduction']): T {
  if (reduction === 'none') return r.loss;
  const total = sumOrZero(r.loss);
  if (reduction === 'sum') return total;
  return tf.where(tf.equal(r.d, 0), tf.scalar(0), tf.div(total, r.d));
}

/** The upstream gradient of each row, shape [..., 1]. */
function rowDy(r: CompositeRows, dy: T, reduction: SoftmaxCrossEntropyAttrs['reduction']): T {
  if (reduction === 'none') return tf.expandDims(dy, -1);
  const scale = reduction === 'sum' ? dy : tf.where(tf.equal(r.d, 0), tf.scalar(0), tf.div(dy, r.d));
  return tf.reshape(scale, r.loss.shape.map(() => 1).concat([1]));
}

/**
 * The focal gradient's coefficients b_c = a_c·q_c^γ·(1 − γ·r_c), r_c = p_c·log p_c / q_c (contract.ts):
 * r is −1 where q = 0 (there q^γ = 0 anyway) and 0 where p = 0 (0·log 0); b is 0 where a is.
 */
function focalCoefficients(r: CompositeRows, p: T, gamma: number): T {
  const q = r.q as T;
  const ratio = tf.where(tf.equal(q, 0), tf.fill(q.shape, -1),
      tf.where(tf.equal(p, 0), tf.zerosLike(p), tf.div(tf.mul(p, tf.sub(r.s, r.lse)), q)));
  const b = tf.mul(tf.mul(r.a, r.qg as T), tf.sub(1, tf.mul(ratio, gamma)));
  return tf.where(tf.equal(r.a, 0), tf.zerosLike(b), b);
}

/**
 * ∂L/∂z = dy·(1/T)·[(A + 2λ·lse)·p − a] (with focal: a → b, A → B), times sech²(z/c) under a softcap;
 * 0 at masked (−∞) classes of finite rows and on ignored rows.
 */
export function logitsGradient(r: CompositeRows, logits: T, dy: T, attrs: SoftmaxCrossEntropyAttrs): T {
  const p = tf.exp(tf.sub(r.s, r.lse));
  const a = attrs.focalGamma > 0 ? focalCoefficients(r, p, attrs.focalGamma) : r.a;
  const coef = tf.add(sumOrZero(a, -1, true), tf.mul(2 * attrs.zLoss, r.lse));
  let g = tf.mul(tf.sub(tf.mul(coef, p), a), tf.div(rowDy(r, dy, attrs.reduction), attrs.temperature));
  if (attrs.softcap > 0) g = tf.mul(g, capSlope(logits, attrs.softcap));
  const impossible = tf.logicalAnd(tf.equal(logits, -Infinity), tf.logicalNot(tf.isNaN(r.lse)));
  const masked = tf.logicalOr(impossible, tf.logicalNot(tf.expandDims(r.keep, -1)));
  return tf.where(masked, tf.zerosLike(g), g);
}

/**
 * ∂L/∂P_c = dy·(1 − ε)·w_c·q_c^γ·(lse − s_c), for probability labels (D = N does not depend on P; with
 * γ = 0 the factor q^γ is 1, not formed).
 */
export function probabilitiesGradient(r: CompositeRows, classWeights: T, dy: T, attrs: SoftmaxCrossEntropyAttrs): T {
  const gap = r.qg === null ? tf.sub(r.lse, r.s) : tf.mul(r.qg, tf.sub(r.lse, r.s));
  const dlossDa = tf.mul(gap, rowDy(r, dy, attrs.reduction));
  return tf.mul(dlossDa, tf.mul(classWeights, 1 - attrs.labelSmoothing));
}

/**
 * ∂L/∂w_c. Each ℓ_i is linear in w (q^γ does not depend on w): ∂ℓ_i/∂w_c = b_ic·q_ic^γ·(lse_i − s_ic),
 * b = a / w. For the mean of class ids, D = Σ_i w_{y_i} depends on w too:
 * ∂(S/D)/∂w_c = (∂S/∂w_c − (S/D)·#{i : y_i = c}) / D.
 */
export function classWeightsGradient(r: CompositeRows, labels: T, dy: T, attrs: SoftmaxCrossEntropyAttrs): T {
  const b = r.qg === null ? r.b : tf.mul(r.b, r.qg);
  const terms = tf.where(tf.equal(r.b, 0), tf.zerosLike(r.b), tf.mul(b, tf.sub(r.lse, r.s)));
  const flat = (t: T) => tf.reshape(t, [-1, t.shape[t.shape.length - 1]]);
  const perClass = sumOrZero(flat(tf.mul(terms, rowDy(r, dy, attrs.reduction))), 0);
  if (attrs.reduction !== 'mean' || labels.dtype !== 'int32') return perClass;
  const K = terms.shape[terms.shape.length - 1];
  const ids = tf.where(r.keep, labels, tf.fill(labels.shape, -1, 'int32'));
  const counts = sumOrZero(flat(oneHot(ids, K)), 0);
  const mean = tf.div(sumOrZero(r.loss), r.d);
  const g = tf.sub(perClass, tf.mul(counts, tf.mul(mean, tf.div(dy, r.d))));
  return tf.where(tf.equal(r.d, 0), tf.zerosLike(g), g);
}
