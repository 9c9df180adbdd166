/**
 * cpu SoftmaxDivergenceWithLogits: per-row loss and dlogits in one call. Row at a time: each row of
 * logits and targets is read from memory once (the later sweeps re-read it from cache) and exp runs once
 * per entry of each, parked in float64 scratch rows between the sums and the gradient (rows.ts).
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {divergenceLossShape, SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits,
  SoftmaxDivergenceWithLogitsInputs} from '../contract.js';
import {lossValues, readProblem} from './problem.js';
import {lossAndGradRow} from './rows.js';

// the parked exps of one row (student's and teacher's), reused across calls and grown to the largest K: O(K)
let student = new Float64Array(0);
let teacher = new Float64Array(0);

export function softmaxDivergenceWithLogits(args: {
  inputs: SoftmaxDivergenceWithLogitsInputs, backend: MathBackendCPU, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  if (student.length < p.classes) {
    student = new Float64Array(p.classes);
    teacher = new Float64Array(p.classes);
  }
  const perRow = new Float32Array(attrs.reduction === 'none' ? p.rows : 0);
  const g = new Float32Array(p.rows * p.classes);
  // every row's upstream gradient times scale / T: dy = 1 for 'none' (the sum's gradient) and 'sum', 1/N for 'mean'
  const k = (attrs.scale * p.invT) * (attrs.reduction === 'mean' ? 1 / p.rows : 1);
  let total = 0;
  for (let i = 0; i < p.rows; i++) {
    // 1. row max and sum, 2. loss, 3. gradient (rows.ts)
    const loss = lossAndGradRow(p, i, k, g, student, teacher);
    if (attrs.reduction === 'none') perRow[i] = attrs.scale * loss; else total += loss;
  }
  return [
    backend.makeTensorInfo(divergenceLossShape(inputs.logits.shape, attrs.reduction), 'float32',
        lossValues(attrs, perRow, total, p.rows)),
    backend.makeTensorInfo(inputs.logits.shape, 'float32', g),
  ];
}

export const softmaxDivergenceWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxDivergenceWithLogits,
  backendName: 'cpu',
  kernelFunc: softmaxDivergenceWithLogits as unknown as KernelFunc,
};
