/** wasm FusedSigmoidCrossEntropy: logits, labels, posWeight, classWeights → [loss], one read of each. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import type {WasmBackend} from '../../../backends/wasm/module.js';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyInputs, SigmoidCrossEntropyAttrs, sigmoidLossShape}
  from '../contract.js';
import {setUpSigmoidCall} from './call.js';

/** The loss (logits' shape for 'none', else a scalar), written by the module on tfjs's heap. */
export function fusedSigmoidCrossEntropy(args: {
  inputs: FusedSigmoidCrossEntropyInputs, backend: WasmBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const m = setUpSigmoidCall(backend, inputs, attrs);
  const [loss, pLoss] = output(backend, sigmoidLossShape(inputs.logits.shape, attrs.reduction));
  m.sigmoidForward(pLoss);
  return [loss];
}

export const fusedSigmoidCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropy,
  backendName: 'wasm',
  kernelFunc: fusedSigmoidCrossEntropy as unknown as KernelFunc,
};
