/**
 * The sigmoid cpu kernels' view of one call: typed arrays of the inputs and the per-call constants,
 * read once from the backend, in the form the hot loops want them (no attrs lookups, no flags tested
 * per entry beyond a null check of a weight row).
 */
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {columns, entryScale, SigmoidCrossEntropyAttrs, SigmoidCrossEntropyInputs} from '../contract.js';
import {values} from '../../softmax_cross_entropy/cpu/problem.js';

export {values};

export interface Problem {
  x: Float32Array;                // logits, flat
  y: Float32Array;                // labels, flat
  entries: number;                // M
  /**
   * The entries of one inner loop: C when a weight varies by column (entry o + c is in column c), all
   * M otherwise (no row structure is needed, and a C = 1 problem of a million entries does not run a
   * million one-entry loops).
   */
  width: number;
  posCol: Float32Array | null;    // posWeight [C] when it varies by column, null otherwise (never read)
  posAll: number;                 // P of every entry when posCol is null: 1, or posWeight[0] for C = 1
  clsCol: Float32Array | null;    // classWeights [C], as posCol
  clsAll: number;                 // as posAll
  keep: number;                   // 1 − ε ┐ y' = keep·y + half: y' = y exactly for ε = 0
  half: number;                   // ε/2   ┘
  alpha0: number;                 // 1 − α ┐ α_t = alpha0 + alpha1·y' (= α·y' + (1 − α)·(1 − y')):
  alpha1: number;                 // 2α − 1┘ 1 + 0·y' = 1 exactly when α is absent, so no flag
  gamma: number;                  // γ; 0 runs no focal code
  square: boolean;                // γ = 2: q^γ = q·q and q^(γ−1) = q (more accurate than exp(2·log q))
  scale: number;                  // the reduction's factor per entry: 1, or 1/M for 'mean' (0 when M = 0)
}

export function readProblem(
    backend: MathBackendCPU, inputs: SigmoidCrossEntropyInputs, attrs: SigmoidCrossEntropyAttrs): Problem {
  const {logits, labels, posWeight, classWeights} = inputs;
  const C = columns(logits.shape);
  const entries = logits.shape.reduce((a, b) => a * b, 1);
  // a weight row is read per column only if it is flagged and has more than one column
  const byColumn = (flag: boolean) => flag && C > 1;
  const pw = attrs.posWeighted ? values<Float32Array>(backend, posWeight) : null;
  const cw = attrs.classWeighted ? values<Float32Array>(backend, classWeights) : null;
  const posCol = byColumn(attrs.posWeighted) ? pw : null;
  const clsCol = byColumn(attrs.classWeighted) ? cw : null;
  const eps = attrs.labelSmoothing;
  const alpha = attrs.focalAlpha;
  const absent = alpha < 0;
  return {
    x: values<Float32Array>(backend, logits),
    y: values<Float32Array>(backend, labels),
    entries,
    width: posCol !== null || clsCol !== null ? C : entries,
    posCol, posAll: pw !== null && posCol === null && C === 1 ? pw[0] : 1,
    clsCol, clsAll: cw !== null && clsCol === null && C === 1 ? cw[0] : 1,
    keep: 1 - eps, half: eps / 2,
    alpha0: absent ? 1 : 1 - alpha, alpha1: absent ? 0 : 2 * alpha - 1,
    gamma: attrs.focalGamma, square: attrs.focalGamma === 2,
    scale: entryScale(attrs.reduction, entries),
  };
}
