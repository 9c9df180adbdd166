/**
 * webgpu FusedSigmoidCrossEntropyGrad: logits, labels, posWeight, classWeights, dy → dlogits in one
 * dispatch that recomputes each entry's σ (nothing is saved by the forward).
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {empty, WebGPUBackend} from '../../../backends/webgpu/program.js';
import {FusedSigmoidCrossEntropyGrad, FusedSigmoidCrossEntropyGradInputs, SigmoidCrossEntropyAttrs} from '../contract.js';
import {describe, deviceOf} from './problem.js';
import {runEntries} from './run.js';

export function fusedSigmoidCrossEntropyGrad(args: {
  inputs: FusedSigmoidCrossEntropyGradInputs, backend: WebGPUBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = describe(inputs, attrs, 'backward', deviceOf(backend));
  const grad = empty(backend, inputs.logits.shape);
  if (p.M === 0) return grad;  // the empty gradient
  runEntries(backend, p, 'backward', {grad, dy: inputs.dy});
  return grad;
}

export const fusedSigmoidCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropyGrad,
  backendName: 'webgpu',
  kernelFunc: fusedSigmoidCrossEntropyGrad as unknown as KernelFunc,
};
