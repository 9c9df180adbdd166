/**
 * The softmax divergences (KL, distillation, entropy) built from stock tfjs ops: the fallback on a
 * backend with no fused kernels, and the gradient with respect to probability targets, which the fused
 * kernels do not compute. Same formulas as kernels/softmax_divergence/contract.ts; unlike the kernels it
 * holds several [N, K] temporaries.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {Reduction, SoftmaxDivergenceAttrs} from '../kernels/softmax_divergence/contract.js';
import {sumOrZero} from './composite.js';
import {log1pUnit} from './sigmoid_composite.js';

type T = tf.Tensor;

/**
 * log softmax over the last axis, max-shifted with the max's own term kept apart: with m the row's max
 * and R = Σ_c exp(s_c − m) − 1 summed without the max's exp(0) = 1 (the other maxima add theirs),
 * log p = (s − m) − log1p(R) and lse = m + log1p(R). A one-hot-like row's R is tiny, and 1 + R in
 * float32 would round it away (and its entropy with it); s − m is exact for rows far from 0, where
 * s − lse would lose an ulp of the logits. Also V = Σ_c exp(s_c − m)·(s_c − m), entropy's sum.
 * Empty rows pass as empty.
 */
function logSoftmax(s: T): {logp: T, lse: T, rest: T, v: T} {
  if (s.size === 0) {
    const none = tf.reshape(s, [...s.shape.slice(0, -1), 1]);
    return {logp: s, lse: none, rest: none, v: none};
  }
  const m = tf.max(s, -1, true);
  const d = tf.sub(s, m);
  const e = tf.exp(d);
  const atMax = tf.equal(d, 0);
  const rest = tf.add(sumOrZero(tf.where(atMax, tf.zerosLike(e), e), -1, true),
      tf.sub(sumOrZero(tf.cast(atMax, 'float32'), -1, true), 1));
  const l1p = log1pUnit(rest);
  // a term at a −∞ entry is 0 (e = 0), not 0·(−∞)
  const v = sumOrZero(tf.where(tf.equal(e, 0), tf.zerosLike(e), tf.mul(e, d)), -1, true);
  return {logp: tf.sub(d, l1p), lse: tf.add(m, l1p), rest, v};
}

/** Per-row terms of a divergence: the row losses (unscaled) and what the gradients need. */
export interface DivergenceRows {
  logp: T;   // log softmax(z / T)              [..., K]
  P: T;      // the target distribution (entropy: p itself)   [..., K]
  logP: T;   // its log (−∞ where P = 0); entropy: logp        [..., K]
  nan: T;    // rows whose loss is NaN (NaN, +∞, all −∞)       [..., 1]
  loss: T;   // per row, unscaled                 [...]
}

export function divergenceRows(logits: T, targets: T, attrs: SoftmaxDivergenceAttrs): DivergenceRows {
  const student = logSoftmax(tf.div(logits, attrs.temperature));
  const {logp, lse} = student;
  let P: T;
  let logP: T;
  let nan = tf.isNaN(lse);
  if (attrs.kind === 'entropy') {
    P = tf.exp(logp);
    logP = logp;
  } else if (attrs.kind === 'klLogits') {
    const t = logSoftmax(tf.div(targets, attrs.targetTemperature));
    logP = t.logp;
    P = tf.exp(logP);
    nan = tf.logicalOr(nan, tf.isNaN(t.lse));
  } else {
    P = targets;
    logP = tf.log(targets);
    // a NaN or a negative probability makes its row NaN
    const bad = tf.logicalOr(tf.isNaN(targets), tf.less(targets, 0));
    nan = tf.logicalOr(nan, targets.size > 0 ? tf.any(bad, -1, true) : tf.reshape(bad, lse.shape));
  }
  // KL term P·(log P − log p): 0 where the target has no mass (log P = −∞, 0·log 0 = 0), +∞ where it has
  // mass and the model none (log p = −∞; P may have underflowed to 0 from finite teacher logits).
  // Entropy term −p·log p, 0 at a −∞ logit.
  const noMass = attrs.kind === 'klProbabilities' ? tf.equal(P, 0) : tf.equal(logP, -Infinity);
  const diff = attrs.kind === 'entropy' ? tf.neg(logp) : tf.sub(logP, logp);
  const raw = tf.mul(P, diff);
  const infinite = attrs.kind === 'entropy' ? tf.zeros(raw.shape, 'bool')
      : tf.logicalAnd(tf.logicalNot(noMass), tf.equal(logp, -Infinity));
  const terms = tf.where(noMass, tf.zerosLike(raw), tf.where(infinite, tf.fill(raw.shape, Infinity), raw));
  // entropy as log S − V/S = log1p(R) − V/(1 + R): a sum of two non-negative terms, exact for
  // one-hot-like rows, where −Σ p·log p adds up roundings of log p ≈ 0
  let loss = attrs.kind === 'entropy'
      ? tf.squeeze(tf.sub(log1pUnit(student.rest), tf.div(student.v, tf.add(1, student.rest))), [-1])
      : sumOrZero(terms, -1);
  const nanRow = tf.squeeze(nan, [-1]);
  loss = tf.where(nanRow, tf.fill(loss.shape, NaN), loss);
  return {logp, P, logP, nan, loss};
}

/** The reduced, scaled loss from the per-row losses. */
export function reduceDivergence(r: DivergenceRows, attrs: SoftmaxDivergenceAttrs): T {
  const scaled = tf.mul(r.loss, attrs.scale);
  if (attrs.reduction === 'none') return scaled;
  const total = sumOrZero(scaled);
  if (attrs.reduction === 'sum') return total;
  const N = r.loss.size;
  return N === 0 ? tf.scalar(0) : tf.div(total, N);
}

/** scale·dy per row, shape [..., 1]. */
function rowDy(r: DivergenceRows, dy: T, reduction: Reduction, scale: number): T {
  if (reduction === 'none') return tf.mul(tf.expandDims(dy, -1), scale);
  const N = r.loss.size;
  const k = reduction === 'sum' ? tf.mul(dy, scale) : N === 0 ? tf.scalar(0) : tf.mul(dy, scale / N);
  return tf.reshape(k, r.loss.shape.map(() => 1).concat([1]));
}

/**
 * ∂L/∂z: (1/T)·[(Σ P)·p − P] for KL, −(1/T)·p·(log p + H) for entropy; 0 at −∞ logits of a finite
 * row, NaN on NaN rows.
 */
export function divergenceLogitsGradient(r: DivergenceRows, logits: T, dy: T, attrs: SoftmaxDivergenceAttrs): T {
  const p = tf.exp(r.logp);
  let g: T;
  if (attrs.kind === 'entropy') {
    const H = tf.expandDims(r.loss, -1);
    g = tf.neg(tf.mul(p, tf.add(r.logp, H)));
  } else {
    g = tf.sub(tf.mul(sumOrZero(r.P, -1, true), p), r.P);
  }
  g = tf.mul(g, tf.div(rowDy(r, dy, attrs.reduction, attrs.scale), attrs.temperature));
  const masked = tf.logicalAnd(tf.equal(logits, -Infinity), tf.logicalNot(r.nan));
  g = tf.where(masked, tf.zerosLike(g), g);
  return tf.where(tf.broadcastTo(r.nan, g.shape), tf.fill(g.shape, NaN), g);
}

/** ∂L/∂P_c = scale·dy·(log P_c − log p_c + 1), for probability targets (−∞ where P_c = 0 < p_c). */
export function divergenceTargetsGradient(r: DivergenceRows, dy: T, attrs: SoftmaxDivergenceAttrs): T {
  return tf.mul(tf.add(tf.sub(r.logP, r.logp), 1), rowDy(r, dy, attrs.reduction, attrs.scale));
}
