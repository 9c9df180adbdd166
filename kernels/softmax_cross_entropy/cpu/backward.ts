/** cpu FusedSoftmaxCrossEntropyGrad: one read of the logits, one write of dlogits, no max or sum. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {FusedSoftmaxCrossEntropyGrad, FusedSoftmaxCrossEntropyGradInputs, rowDy,
  SoftmaxCrossEntropyAttrs} from '../contract.js';
import {isIgnored, readProblem, values} from './problem.js';
import {rowGradient, rowTargetMass} from './rows.js';
import * as general from './rows_general.js';

export function fusedSoftmaxCrossEntropyGrad(args: {
  inputs: FusedSoftmaxCrossEntropyGradInputs, backend: MathBackendCPU, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const lseHi = values<Float32Array>(backend, inputs.lse);
  const lseLo = values<Float32Array>(backend, inputs.lseLow);
  const d = values<Float32Array>(backend, inputs.denominator)[0];
  const dy = values<Float32Array>(backend, inputs.dy);
  const g = new Float32Array(p.rows * p.classes);
  if (p.general) {
    // focal, a softcap or 'others' smoothing: rows_general.ts
    const sc = general.scratchRows(p.classes);
    const b = general.parksB(p) ? sc.b : null;
    const h = general.slopeRow(p, sc);
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;
      const lse = lseHi[i] + lseLo[i];
      general.fillRow(p, i, sc, true);
      // B (or A) re-summed in float64 from the row, inputs.targetMass unread (contract.ts); b_c parked
      const {mass} = general.rowTerms(p, i, sc.s, lse, b);
      // 3. gradient, with the saved lse
      general.rowGradient(p, i, sc.s, h, lse, mass, b, rowDy(attrs.reduction, dy, d, i), g, null, 1);
    }
  } else {
    for (let i = 0; i < p.rows; i++) {
      if (isIgnored(p, i)) continue;  // a zero gradient row
      // 3. gradient, with the saved lse: p_c = exp(s_c − lse)
      // A is re-summed in float64, inputs.targetMass unread: float32 A would spoil the cancellation (contract.ts)
      rowGradient(p, i, lseHi[i] + lseLo[i], rowTargetMass(p, i), rowDy(attrs.reduction, dy, d, i), g, null, 1);
    }
  }
  return backend.makeTensorInfo(inputs.logits.shape, 'float32', g);
}

export const fusedSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropyGrad,
  backendName: 'cpu',
  kernelFunc: fusedSoftmaxCrossEntropyGrad as unknown as KernelFunc,
};
