/** cpu FusedSoftmaxDivergenceGrad: one read of each row, one write of dlogits, no max or sum but ΣP's. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {divergenceRowDy, FusedSoftmaxDivergenceGrad, FusedSoftmaxDivergenceGradInputs,
  SoftmaxDivergenceAttrs} from '../contract.js';
import {readProblem, values} from './problem.js';
import {gradientRow} from './rows.js';

export function fusedSoftmaxDivergenceGrad(args: {
  inputs: FusedSoftmaxDivergenceGradInputs, backend: MathBackendCPU, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const lseHi = values(backend, inputs.lse);
  const lseLo = values(backend, inputs.lseLow);
  const auxHi = values(backend, inputs.aux);
  const auxLo = values(backend, inputs.auxLow);
  const dy = values(backend, inputs.dy);
  const g = new Float32Array(p.rows * p.classes);
  const k = attrs.scale * p.invT;
  for (let i = 0; i < p.rows; i++) {
    // 3. gradient, with the saved lse (and lse_u or H): p_j = exp(s_j − lse)
    const dyi = divergenceRowDy(attrs.reduction, dy, p.rows, i);
    gradientRow(p, i, lseHi[i], lseLo[i], auxHi[i], auxLo[i], k * dyi, g);
  }
  return backend.makeTensorInfo(inputs.logits.shape, 'float32', g);
}

export const fusedSoftmaxDivergenceGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergenceGrad,
  backendName: 'cpu',
  kernelFunc: fusedSoftmaxDivergenceGrad as unknown as KernelFunc,
};
