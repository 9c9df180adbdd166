/** webgpu FusedSigmoidCrossEntropy: logits, labels, posWeight, classWeights → [loss], one dispatch. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {empty, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyInputs, SigmoidCrossEntropyAttrs,
  sigmoidLossShape} from '../contract.js';
import {describe, deviceOf} from './problem.js';
import {runEntries} from './run.js';

export function fusedSigmoidCrossEntropy(args: {
  inputs: FusedSigmoidCrossEntropyInputs, backend: WebGPUBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe(inputs, attrs, 'forward', deviceOf(backend));
  const shape = sigmoidLossShape(inputs.logits.shape, attrs.reduction);
  if (p.M === 0) return [zeros(backend, shape)];  // no entries: nothing to dispatch, a sum or mean of 0
  const loss = empty(backend, shape);
  runEntries(backend, p, 'forward', {loss});
  return [loss];
}

export const fusedSigmoidCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropy,
  backendName: 'webgpu',
  kernelFunc: fusedSigmoidCrossEntropy as unknown as KernelFunc,
};
