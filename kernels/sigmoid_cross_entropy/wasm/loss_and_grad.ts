/** wasm SigmoidCrossEntropyWithLogits: loss and dlogits of the reduced loss in one pass over the entries. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {SigmoidCrossEntropyAttrs, SigmoidCrossEntropyWithLogits, SigmoidCrossEntropyWithLogitsInputs,
  sigmoidLossShape} from '../contract.js';
import {setUpSigmoidCall} from './call.js';

/** [loss, dlogits], both written by the module on tfjs's heap (the only two allocations). */
export function sigmoidCrossEntropyWithLogits(args: {
  inputs: SigmoidCrossEntropyWithLogitsInputs, backend: WasmBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpSigmoidCall(backend, inputs, attrs);
  const [loss, pLoss] = output(backend, sigmoidLossShape(inputs.logits.shape, attrs.reduction));
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  m.sigmoidLossAndGrad(pLoss, pGrad);
  return [loss, grad];
}

export const sigmoidCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SigmoidCrossEntropyWithLogits,
  backendName: 'wasm',
  kernelFunc: sigmoidCrossEntropyWithLogits as unknown as KernelFunc,
};
