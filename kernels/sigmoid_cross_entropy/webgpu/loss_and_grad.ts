/** webgpu SigmoidCrossEntropyWithLogits: loss and dlogits in one dispatch (the reduced loss included). */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {empty, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {SigmoidCrossEntropyAttrs, SigmoidCrossEntropyWithLogits, SigmoidCrossEntropyWithLogitsInputs,
  sigmoidLossShape} from '../contract.js';
import {describe, deviceOf} from './problem.js';
import {runEntries} from './run.js';

export function sigmoidCrossEntropyWithLogits(args: {
  inputs: SigmoidCrossEntropyWithLogitsInputs, backend: WebGPUBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe(inputs, attrs, 'lossAndGrad', deviceOf(backend));
  const shape = sigmoidLossShape(inputs.logits.shape, attrs.reduction);
  const grad = empty(backend, inputs.logits.shape);
  if (p.M === 0) return [zeros(backend, shape), grad];  // no entries: a sum or mean of 0, no gradient
  const loss = empty(backend, shape);
  runEntries(backend, p, 'lossAndGrad', {grad, loss});
  return [loss, grad];
}

export const sigmoidCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SigmoidCrossEntropyWithLogits,
  backendName: 'webgpu',
  kernelFunc: sigmoidCrossEntropyWithLogits as unknown as KernelFunc,
};
