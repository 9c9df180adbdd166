/** cpu FusedSoftmaxDivergence: logits, targets → [loss, lse, lseLow, aux, auxLow], one read of each row. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {divergenceLossShape, divergenceRowShape, FusedSoftmaxDivergence, FusedSoftmaxDivergenceInputs,
  SoftmaxDivergenceAttrs} from '../contract.js';
import {lossValues, readProblem} from './problem.js';
import {forwardRow, storePair} from './rows.js';

export function fusedSoftmaxDivergence(args: {
  inputs: FusedSoftmaxDivergenceInputs, backend: MathBackendCPU, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const perRow = new Float32Array(attrs.reduction === 'none' ? p.rows : 0);
  // lse and aux (lse_u or H) are saved as float32 pairs hi + lo, good to 2^-48 relative (rows.ts storePair):
  // exp(s − lse) in the backward kernel keeps float64 accuracy at |lse| ≈ 1e4. ΣP needs no pair (cpu's
  // backward re-sums it).
  const lseHi = new Float32Array(p.rows);
  const lseLo = new Float32Array(p.rows);
  const auxHi = new Float32Array(p.rows);
  const auxLo = new Float32Array(p.rows);
  const paired = p.kind !== 'klProbabilities';
  let total = 0;
  for (let i = 0; i < p.rows; i++) {
    // 1. row max and sum, 2. loss (online, rows.ts)
    const r = forwardRow(p, i);
    storePair(r.m, r.l, lseHi, lseLo, i);
    if (paired) storePair(r.am, r.al, auxHi, auxLo, i); else auxHi[i] = r.am;
    if (attrs.reduction === 'none') perRow[i] = attrs.scale * r.loss; else total += r.loss;
  }
  const rs = divergenceRowShape(inputs.logits.shape);
  return [
    backend.makeTensorInfo(divergenceLossShape(inputs.logits.shape, attrs.reduction), 'float32',
        lossValues(attrs, perRow, total, p.rows)),
    backend.makeTensorInfo(rs, 'float32', lseHi),
    backend.makeTensorInfo(rs, 'float32', lseLo),
    backend.makeTensorInfo(rs, 'float32', auxHi),
    backend.makeTensorInfo(rs, 'float32', auxLo),
  ];
}

export const fusedSoftmaxDivergenceConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergence,
  backendName: 'cpu',
  kernelFunc: fusedSoftmaxDivergence as unknown as KernelFunc,
};
