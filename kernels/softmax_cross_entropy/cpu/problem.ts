/**
 * The cpu kernels' view of one call: typed arrays of the inputs and the per-call constants, read once
 * from the backend. Class ids are checked here, in one O(N) pass before any row is computed, so a bad
 * id throws before an output is allocated.
 */
import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {checkClassIds, SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';

export interface Problem {
  z: Float32Array;              // logits, N×K row-major
  rows: number;                 // N
  classes: number;              // K
  ids: Int32Array | null;       // class ids, or null when the labels are probabilities
  probs: Float32Array | null;   // probabilities, or null when the labels are class ids
  w: Float32Array;              // class weights [K]
  wSum: number;                 // Σ_c w_c in float64 (the smoothing term's total weight)
  eps: number;                  // label smoothing ε
  invT: number;                 // 1 / temperature
  lambda: number;               // z-loss coefficient λ
  ignoreIndex: number;
  gamma: number;                // focal γ (0: off)
  cap: number;                  // softcap c (0: off)
  /** class ids smoothed over the other classes ('others' with ε > 0; with ε = 0 it is 'all'). */
  others: boolean;
  /**
   * Focal, a softcap or 'others' smoothing: the rows go through rows_general.ts. False for the
   * defaults, which run rows.ts's code unchanged (bit for bit the results from before these attrs).
   */
  general: boolean;
}

export function values<T extends Float32Array | Int32Array>(backend: MathBackendCPU, t: TensorInfo): T {
  return backend.data.get(t.dataId).values as T;
}

export function readProblem(
    backend: MathBackendCPU, inputs: SoftmaxCrossEntropyInputs, attrs: SoftmaxCrossEntropyAttrs): Problem {
  const {logits, labels, classWeights} = inputs;
  const classes = logits.shape[logits.shape.length - 1];
  const rows = classes === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / classes;
  const w = values<Float32Array>(backend, classWeights);
  let wSum = 0;
  for (let c = 0; c < classes; c++) wSum += w[c];
  const sparse = labels.dtype === 'int32';
  const ids = sparse ? values<Int32Array>(backend, labels) : null;
  if (ids !== null) checkClassIds(ids, rows, classes, attrs.ignoreIndex);
  // (absent attrs, from a caller of runKernel that predates them, mean off)
  const gamma = attrs.focalGamma ?? 0;
  const cap = attrs.softcap ?? 0;
  const others = sparse && attrs.labelSmoothingOver === 'others' && attrs.labelSmoothing !== 0;
  return {
    z: values<Float32Array>(backend, logits), rows, classes, ids,
    probs: sparse ? null : values<Float32Array>(backend, labels),
    w, wSum, eps: attrs.labelSmoothing, invT: 1 / attrs.temperature, lambda: attrs.zLoss,
    ignoreIndex: attrs.ignoreIndex, gamma, cap, others, general: gamma !== 0 || cap !== 0 || others,
  };
}

/** D of the 'mean' reduction: Σ w_y over non-ignored rows for class ids, N for probabilities. */
export function denominator(p: Problem): number {
  if (p.ids === null) return p.rows;
  let d = 0;
  for (let i = 0; i < p.rows; i++) {
    const y = p.ids[i];
    if (y !== p.ignoreIndex) d += p.w[y];
  }
  return d;
}

export function isIgnored(p: Problem, i: number): boolean {
  return p.ids !== null && p.ids[i] === p.ignoreIndex;
}
