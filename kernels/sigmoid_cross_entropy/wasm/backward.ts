/**
 * wasm FusedSigmoidCrossEntropyGrad: logits, labels, posWeight, classWeights, dy → dlogits. Each entry
 * recomputed from its logit and label (nothing was saved by the forward kernel): one read of each
 * input, one write of dlogits.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {output} from '../../../backends/wasm/call.js';
import {offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import {FusedSigmoidCrossEntropyGrad, FusedSigmoidCrossEntropyGradInputs, SigmoidCrossEntropyAttrs}
  from '../contract.js';
import {setUpSigmoidCall} from './call.js';

/** dlogits (logits' shape) for the upstream gradient dy (the loss's shape), written on tfjs's heap. */
export function fusedSigmoidCrossEntropyGrad(args: {
  inputs: FusedSigmoidCrossEntropyGradInputs, backend: WasmBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const m = setUpSigmoidCall(backend, inputs, attrs);
  const [grad, pGrad] = output(backend, inputs.logits.shape);
  m.sigmoidBackward(offsetOf(backend, inputs.dy), pGrad);
  return grad;
}

export const fusedSigmoidCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropyGrad,
  backendName: 'wasm',
  kernelFunc: fusedSigmoidCrossEntropyGrad as unknown as KernelFunc,
};
