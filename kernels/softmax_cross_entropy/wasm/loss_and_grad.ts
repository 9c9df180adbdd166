/** wasm SoftmaxCrossEntropyWithLogits: loss and dlogits in one call, exp once per element. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {lossShape, SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyWithLogits,
  SoftmaxCrossEntropyWithLogitsInputs} from '../contract.js';
import {setUpCall} from './call.js';

export function softmaxCrossEntropyWithLogits(args: {
  inputs: SoftmaxCrossEntropyWithLogitsInputs, backend: WasmBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpCall(backend, inputs, attrs);
  const [loss, pLoss] = output(backend, lossShape(inputs.logits.shape, attrs.reduction));
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  m.lossAndGrad(pLoss, pGrad);
  return [loss, grad];
}

export const softmaxCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxCrossEntropyWithLogits,
  backendName: 'wasm',
  kernelFunc: softmaxCrossEntropyWithLogits as unknown as KernelFunc,
};
