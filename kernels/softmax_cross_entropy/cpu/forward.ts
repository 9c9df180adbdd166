/** cpu FusedSoftmaxCrossEntropy: logits → [loss, lse, lseLow, denominator, targetMass], one read of the logits. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyInputs, lossShape, rowShape,
  SoftmaxCrossEntropyAttrs} from '../contract.js';
import {denominator, isIgnored, readProblem} from './problem.js';
import {lossValues} from './reduce.js';
import {rowLogSumExp, rowLoss} from './rows.js';
import {fillRow, parksB, rowLse, rowTerms, scratchRows} from './rows_general.js';

export function fusedSoftmaxCrossEntropy(args: {
  inputs: FusedSoftmaxCrossEntropyInputs, backend: MathBackendCPU, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const perRow = new Float32Array(attrs.reduction === 'none' ? p.rows : 0);
  // lse is saved for the backward kernel as a float32 pair hi + lo (hi = lse rounded to float32), so
  // exp(s − lse) there keeps float64 accuracy even where |lse| is large (logits ±1e4).
  const lseHi = new Float32Array(p.rows);
  const lseLo = new Float32Array(p.rows);
  const mass = new Float32Array(p.rows);  // A = Σ_c a_c, the contract's targetMass (cpu's backward re-sums it)
  let total = 0;
  if (p.general) {
    // focal (mass B = Σ_c b_c), a softcap or 'others' smoothing: rows_general.ts
    const sc = scratchRows(p.classes);
    const b = parksB(p) ? sc.b : null;
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;
      // 1. row max and sum
      const {lse} = rowLse(sc.s, p.classes, fillRow(p, i, sc, false), null);
      // 2. loss
      const {loss, mass: m} = rowTerms(p, i, sc.s, lse, b);
      mass[i] = m;
      lseHi[i] = lse;
      lseLo[i] = lse - lseHi[i];
      if (attrs.reduction === 'none') perRow[i] = loss; else total += loss;
    }
  } else {
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;  // loss 0, A 0, and the backward kernel never reads its lse
      // 1. row max and sum
      const lse = rowLogSumExp(p, i);
      // 2. loss
      const {loss, a} = rowLoss(p, i, lse);
      mass[i] = a;
      lseHi[i] = lse;
      lseLo[i] = lse - lseHi[i];
      if (attrs.reduction === 'none') perRow[i] = loss; else total += loss;
    }
  }
  const d = denominator(p);
  const rs = rowShape(inputs.logits.shape);
  return [
    backend.makeTensorInfo(lossShape(inputs.logits.shape, attrs.reduction), 'float32',
        lossValues(attrs.reduction, perRow, total, d)),
    backend.makeTensorInfo(rs, 'float32', lseHi),
    backend.makeTensorInfo(rs, 'float32', lseLo),
    backend.makeTensorInfo([], 'float32', Float32Array.of(d)),
    backend.makeTensorInfo(rs, 'float32', mass),
  ];
}

export const fusedSoftmaxCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropy,
  backendName: 'cpu',
  kernelFunc: fusedSoftmaxCrossEntropy as unknown as KernelFunc,
};
