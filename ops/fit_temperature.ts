/**
 * fitTemperature: Guo et al.'s temperature scaling, the T > 0 that minimises the mean NLL of held-out
 * logits, found on the fused kernels.
 *
 * With β = 1/T and s = β·z, the mean NLL(β) = (1/D)·Σ_i ℓ_i is convex in β, and its derivative needs no
 * extra pass: ∂ℓ_i/∂β = Σ_c (p_c − y_c)·z_c = (ℓ_i − m_i·H_i)/β, where ℓ_i = m_i·lse_i − Σ_c y_c·s_c is the
 * cross-entropy, H_i = lse_i − Σ_c p_c·s_c the entropy of the predictions and m_i = Σ_c y_c (1 for a class
 * id). So one evaluation is two fused forwards (softmaxCrossEntropy and entropy, reduction 'none'), each
 * row exact to float32, summed here in float64; the root of g(β) = Σ_i (ℓ_i − m_i·H_i) is bracketed by
 * steps of 4× from β = 1 and found by the Illinois method (regula falsi that halves a stuck end's value):
 * superlinear, and never leaves its bracket.
 */
import * as tf from '@tensorflow/tfjs-core';
import {entropy} from './entropy.js';
import {ignoreIndexOf, read, rowsOf} from './evaluation_options.js';
import {checkKeys, positive, show} from './option_checks.js';
import type {LabelsLike} from './inputs.js';
import {softmaxCrossEntropy} from './softmax_cross_entropy.js';

/** Options of {@link fitTemperature}. */
export interface FitTemperatureOptions {
  /** The most loss evaluations (each one fused cross-entropy and one fused entropy forward). Default 50. */
  maxIterations?: number;
  /** Stop when the bracket around 1/T is narrower than this, relative. Default 1e-6. */
  tolerance?: number;
  /** The range searched: T in [minTemperature, maxTemperature]. Defaults 0.01 and 100. */
  minTemperature?: number;
  maxTemperature?: number;
  /** Class-id rows with this label are left out. Default −100. */
  ignoreIndex?: number;
}

/** What fitTemperature reports. */
export interface FitTemperatureResult {
  /** The fitted T (divide the logits by it). */
  temperature: number;
  /** The mean NLL at T = 1. */
  nllBefore: number;
  /** The mean NLL at the fitted T. */
  nllAfter: number;
  /** Loss evaluations made, the one at T = 1 included. */
  iterations: number;
  /** false if maxIterations ran out first (the temperature is then the best bracketed so far). */
  converged: boolean;
}

const KNOWN = ['maxIterations', 'tolerance', 'minTemperature', 'maxTemperature', 'ignoreIndex'];

/**
 * The temperature T > 0 that minimises the mean negative log-likelihood of softmax(logits / T) against
 * `labels` (class ids, with ignoreIndex, or probabilities): temperature scaling, which calibrates a
 * classifier without changing any prediction. Throws for a set with no rows that count.
 *
 * @param logits float32 [..., K], held-out logits (not the training set's).
 * @param labels int32 class ids of shape logits.shape[:-1], or float32 probabilities of logits.shape.
 */
export async function fitTemperature(logits: tf.Tensor | tf.TensorLike, labels: LabelsLike,
    options: FitTemperatureOptions = {}): Promise<FitTemperatureResult> {
  const op = 'fitTemperature';
  checkKeys(op, options, KNOWN);
  const maxIterations = options.maxIterations ?? 50;
  if (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 2) {
    throw new Error(`${op}: options.maxIterations must be an integer >= 2; got ${show(maxIterations)}.`);
  }
  const tolerance = positive(op, 'tolerance', options.tolerance ?? 1e-6);
  const minT = positive(op, 'minTemperature', options.minTemperature ?? 0.01);
  const maxT = positive(op, 'maxTemperature', options.maxTemperature ?? 100);
  if (!(minT < maxT)) {
    throw new Error(`${op}: options.minTemperature must be below options.maxTemperature; got ${minT} and ${maxT}.`);
  }
  const ignoreIndex = ignoreIndexOf(op, options.ignoreIndex);
  // the rows, kept for every evaluation, and per row its label mass m_i (0 for an ignored row), read once
  const {z, y, sparse, mass} = tf.tidy(() => {
    const x = rowsOf(op, logits, labels, true);
    const m = x.sparse ? tf.cast(tf.notEqual(x.labels, tf.scalar(ignoreIndex, 'int32')), 'float32') :
      tf.sum(x.labels, 1);
    return {z: tf.keep(x.logits), y: tf.keep(x.labels), sparse: x.sparse, mass: tf.keep(m)};
  });
  try {
    const m = await read(mass);  // (read disposes it)
    const D = sparse ? m.reduce((a, b) => a + b, 0) : m.length;
    if (D === 0) {
      throw new Error(`${op}: no rows to fit (logits has ${m.length} rows${m.length > 0 ? ', every one ignored' : ''}).`);
    }
    let iterations = 0;
    /** One evaluation at β: the mean NLL and g(β)/D, which has the sign of ∂NLL/∂β. */
    const evaluate = async (beta: number): Promise<{nll: number; g: number}> => {
      iterations++;
      const T = 1 / beta;
      const rows = tf.tidy(() => tf.stack([
        softmaxCrossEntropy(z, y, sparse ? {reduction: 'none', temperature: T, ignoreIndex} :
          {reduction: 'none', temperature: T}),
        entropy(z, {reduction: 'none', temperature: T}),
      ]));
      const v = await read(rows);
      const N = m.length;
      let nll = 0;
      let g = 0;
      for (let i = 0; i < N; i++) {
        if (m[i] === 0 && sparse) continue;
        nll += v[i];
        g += v[i] - m[i] * v[N + i];
      }
      if (!Number.isFinite(nll) || !Number.isFinite(g)) {
        throw new Error(`${op}: the loss is not finite at T = ${T} (a row with NaN or infinite logits, or a ` +
            `label on a −∞ logit).`);
      }
      return {nll: nll / D, g: g / D};
    };
    const at1 = await evaluate(1);
    const nllBefore = at1.nll;
    const betaMin = 1 / maxT;
    const betaMax = 1 / minT;
    // the bracket [a, b] in β with g(a) < 0 < g(b), grown from β = 1 (or the range's nearer end)
    let a = Math.min(Math.max(1, betaMin), betaMax);
    let fa = a === 1 ? at1 : await evaluate(a);
    let best = {beta: a, ...fa};
    const done = (beta: number, r: {nll: number}, converged: boolean): FitTemperatureResult =>
      ({temperature: 1 / beta, nllBefore, nllAfter: r.nll, iterations, converged});
    if (fa.g === 0) return done(a, fa, true);
    let b = a;
    let fb = fa;
    while (Math.sign(fb.g) === Math.sign(fa.g)) {
      const next = fa.g < 0 ? Math.min(b * 4, betaMax) : Math.max(b / 4, betaMin);
      if (next === b || iterations >= maxIterations) {
        // no sign change in range: NLL is monotone there and its minimum is this end
        return done(b, fb, next === b);
      }
      a = b;
      fa = fb;
      b = next;
      fb = await evaluate(b);
      if (fb.g === 0) return done(b, fb, true);
    }
    if (fa.g > 0) [a, fa, b, fb] = [b, fb, a, fa];  // now g(a) < 0 < g(b)
    best = Math.abs(fa.g) < Math.abs(fb.g) ? {beta: a, ...fa} : {beta: b, ...fb};
    let ga = fa.g;
    let gb = fb.g;
    let side = 0;
    while (Math.abs(b - a) > tolerance * Math.max(a, b)) {
      if (iterations >= maxIterations) return done(best.beta, best, false);
      let c = (a * gb - b * ga) / (gb - ga);
      if (!(c > Math.min(a, b) && c < Math.max(a, b))) c = (a + b) / 2;
      const fc = await evaluate(c);
      if (Math.abs(fc.g) <= Math.abs(best.g)) best = {beta: c, ...fc};
      if (fc.g === 0) break;
      if (fc.g < 0) {
        a = c;
        ga = fc.g;
        if (side === -1) gb /= 2;
        side = -1;
      } else {
        b = c;
        gb = fc.g;
        if (side === 1) ga /= 2;
        side = 1;
      }
    }
    return done(best.beta, best, true);
  } finally {
    z.dispose();
    y.dispose();
  }
}
