/**
 * wasm FusedSoftmaxDivergence: logits, targets → [loss, lse, lseLow, aux, auxLow], one read of each
 * row (contract.ts: aux is lse_u, A or H by kind).
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {divergenceLossShape, divergenceRowShape, FusedSoftmaxDivergence, FusedSoftmaxDivergenceInputs,
  SoftmaxDivergenceAttrs} from '../contract.js';
import {setUpDivergenceCall} from './call.js';

export function fusedSoftmaxDivergence(args: {
  inputs: FusedSoftmaxDivergenceInputs, backend: WasmBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpDivergenceCall(backend, inputs, attrs);
  const rs = divergenceRowShape(inputs.logits.shape);
  const [loss, pLoss] = output(backend, divergenceLossShape(inputs.logits.shape, attrs.reduction));
  const [lse, pLse] = output(backend, rs);
  const [lseLow, pLseLow] = output(backend, rs);
  const [aux, pAux] = output(backend, rs);
  const [auxLow, pAuxLow] = output(backend, rs);
  m.divergenceForward(pLoss, pLse, pLseLow, pAux, pAuxLow);
  return [loss, lse, lseLow, aux, auxLow];
}

export const fusedSoftmaxDivergenceConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergence,
  backendName: 'wasm',
  kernelFunc: fusedSoftmaxDivergence as unknown as KernelFunc,
};
