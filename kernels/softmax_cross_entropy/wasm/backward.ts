/** wasm FusedSoftmaxCrossEntropyGrad: one read of the logits, one write of dlogits, no max or sum. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import {offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import {FusedSoftmaxCrossEntropyGrad, FusedSoftmaxCrossEntropyGradInputs, SoftmaxCrossEntropyAttrs} from '../contract.js';
import {setUpCall} from './call.js';

export function fusedSoftmaxCrossEntropyGrad(args: {
  inputs: FusedSoftmaxCrossEntropyGradInputs, backend: WasmBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const m = setUpCall(backend, inputs, attrs);
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  // A is re-summed in float64, inputs.targetMass unread: float32 A would spoil the cancellation (contract.ts)
  m.backward(offsetOf(backend, inputs.lse), offsetOf(backend, inputs.lseLow), offsetOf(backend, inputs.denominator),
      offsetOf(backend, inputs.dy), pGrad);
  return grad;
}

export const fusedSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropyGrad,
  backendName: 'wasm',
  kernelFunc: fusedSoftmaxCrossEntropyGrad as unknown as KernelFunc,
};
