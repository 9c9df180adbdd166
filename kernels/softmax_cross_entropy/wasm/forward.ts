/** wasm FusedSoftmaxCrossEntropy: logits → [loss, lse, lseLow, denominator, targetMass], one read of the logits. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyInputs, lossShape, rowShape,
  SoftmaxCrossEntropyAttrs} from '../contract.js';
import {setUpCall} from './call.js';

export function fusedSoftmaxCrossEntropy(args: {
  inputs: FusedSoftmaxCrossEntropyInputs, backend: WasmBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpCall(backend, inputs, attrs);
  const rs = rowShape(inputs.logits.shape);
  const [loss, pLoss] = output(backend, lossShape(inputs.logits.shape, attrs.reduction));
  const [lse, pLse] = output(backend, rs);
  const [lseLow, pLseLow] = output(backend, rs);
  const [den, pDen] = output(backend, []);
  const [mass, pMass] = output(backend, rs);
  m.forward(pLoss, pLse, pLseLow, pDen, pMass);
  return [loss, lse, lseLow, den, mass];
}

export const fusedSoftmaxCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropy,
  backendName: 'wasm',
  kernelFunc: fusedSoftmaxCrossEntropy as unknown as KernelFunc,
};
