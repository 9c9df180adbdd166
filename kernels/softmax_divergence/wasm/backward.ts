/**
 * wasm FusedSoftmaxDivergenceGrad: logits, targets, lse, lseLow, aux, auxLow, dy → dlogits, from the
 * saved row terms (no max or sum recomputed): one read of each row, one write of dlogits.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import {offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import {FusedSoftmaxDivergenceGrad, FusedSoftmaxDivergenceGradInputs, SoftmaxDivergenceAttrs} from '../contract.js';
import {setUpDivergenceCall} from './call.js';

export function fusedSoftmaxDivergenceGrad(args: {
  inputs: FusedSoftmaxDivergenceGradInputs, backend: WasmBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const m = setUpDivergenceCall(backend, inputs, attrs);
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  m.divergenceBackward(offsetOf(backend, inputs.lse), offsetOf(backend, inputs.lseLow), offsetOf(backend, inputs.aux),
      offsetOf(backend, inputs.auxLow), offsetOf(backend, inputs.dy), pGrad);
  return grad;
}

export const fusedSoftmaxDivergenceGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergenceGrad,
  backendName: 'wasm',
  kernelFunc: fusedSoftmaxDivergenceGrad as unknown as KernelFunc,
};
