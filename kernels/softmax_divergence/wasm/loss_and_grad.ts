/** wasm SoftmaxDivergenceWithLogits: logits, targets → [loss, dlogits] in one call, no temporaries. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {divergenceLossShape, SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits, SoftmaxDivergenceWithLogitsInputs}
  from '../contract.js';
import {setUpDivergenceCall} from './call.js';

export function softmaxDivergenceWithLogits(args: {
  inputs: SoftmaxDivergenceWithLogitsInputs, backend: WasmBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpDivergenceCall(backend, inputs, attrs);
  const [loss, pLoss] = output(backend, divergenceLossShape(inputs.logits.shape, attrs.reduction));
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  m.divergenceLossAndGrad(pLoss, pGrad);
  return [loss, grad];
}

export const softmaxDivergenceWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxDivergenceWithLogits,
  backendName: 'wasm',
  kernelFunc: softmaxDivergenceWithLogits as unknown as KernelFunc,
};
