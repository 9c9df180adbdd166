/**
 * The softmax divergences (KL, distillation, entropy) built from stock tfjs ops: the fallback on a
 * backend with no fused kernels, and the gradient with respect to probability targets, which the fused
 * kernels do not compute. Same formulas as kernels/softmax_divergence/contract.ts; unlike the kernels it
 * holds several [N, K] temporaries.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {Reduction, SoftmaxDivergenceAttrs} from '../kernels/softmax_divergence/contract.js';
import {sumOrZero} from './composite.js';

type T = tf.Tensor;

/** log softmax over the last axis, max-shifted (tf.logSumExp is), and lse keepDims. Empty rows pass. */
function logSoftmax(s: T): {logp: T, lse: T} {
  const lse = s.size > 0 ? tf.logSumExp(s, -1, true) : tf.reshape(s, [...s.shape.slice(0, -1), 1]);
  return {logp: tf.sub(s, lse), lse};
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
  const {logp, lse} = logSoftmax(tf.div(logits, attrs.temperature));
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
    nan = tf.logicalOr(nan, tf.any(tf.isNaN(targets), -1, true));
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
  let loss = sumOrZero(terms, -1);
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
