/**
 * cpu SoftmaxCrossEntropyWithLogits: per-row loss and dlogits in one call. Row at a time: the row is
 * read from memory once (steps 2 and 3 re-read it from cache) and exp runs once per element, its
 * values parked in a float64 scratch row between steps 1 and 3 (rows.ts: float32 would spoil the
 * gradient where it cancels).
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {lossShape, SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyWithLogits,
  SoftmaxCrossEntropyWithLogitsInputs} from '../contract.js';
import {denominator, isIgnored, readProblem} from './problem.js';
import {lossValues} from './reduce.js';
import {rowGradient, rowLoss, rowMaxAndSum} from './rows.js';
import * as general from './rows_general.js';

// the parked exps of one row (float64), reused across calls and grown to the largest K seen: O(K)
let scratch = new Float64Array(0);

export function softmaxCrossEntropyWithLogits(args: {
  inputs: SoftmaxCrossEntropyWithLogitsInputs, backend: MathBackendCPU, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const d = denominator(p);  // the mean's 1/D scales the gradient, so it is needed before the rows
  const perRow = new Float32Array(attrs.reduction === 'none' ? p.rows : 0);
  const g = new Float32Array(p.rows * p.classes);
  // the upstream gradient of every row: 1 for 'none' (the gradient of the sum) and 'sum', 1/D for 'mean'
  const dy = attrs.reduction === 'mean' ? (d === 0 ? 0 : 1 / d) : 1;
  if (scratch.length < p.classes) scratch = new Float64Array(p.classes);
  const e = scratch;
  let total = 0;
  if (p.general) {
    // focal, a softcap or 'others' smoothing: rows_general.ts (its own scratch rows: s, slope, exps, b)
    const sc = general.scratchRows(p.classes);
    const b = general.parksB(p) ? sc.b : null;
    const h = general.slopeRow(p, sc);
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;
      // 1. row max and sum (s_c, the slope and exp(s − max) parked)
      const {lse, sum} = general.rowLse(sc.s, p.classes, general.fillRow(p, i, sc, true), sc.e);
      // 2. loss (b_c parked)
      const {loss, mass} = general.rowTerms(p, i, sc.s, lse, b);
      if (attrs.reduction === 'none') perRow[i] = loss; else total += loss;
      // 3. gradient of the reduced loss
      general.rowGradient(p, i, sc.s, h, lse, mass, b, dy, g, sc.e, 1 / sum);
    }
  } else {
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;
      // 1. row max and sum (exp(s − max) parked in e)
      const {max, sum} = rowMaxAndSum(p, i, e);
      const lse = max + Math.log(sum);
      // 2. loss
      const {loss, a} = rowLoss(p, i, lse);
      if (attrs.reduction === 'none') perRow[i] = loss; else total += loss;
      // 3. gradient of the reduced loss
      rowGradient(p, i, lse, a, dy, g, e, 1 / sum);
    }
  }
  return [
    backend.makeTensorInfo(lossShape(inputs.logits.shape, attrs.reduction), 'float32',
        lossValues(attrs.reduction, perRow, total, d)),
    backend.makeTensorInfo(inputs.logits.shape, 'float32', g),
  ];
}

export const softmaxCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxCrossEntropyWithLogits,
  backendName: 'cpu',
  kernelFunc: softmaxCrossEntropyWithLogits as unknown as KernelFunc,
};
