/**
 * webgl SoftmaxCrossEntropyWithLogits: loss and dlogits in three program runs, the forward's two and
 * the gradient program with dy = 1 (no dy texture), the saved stats read straight from the forward's
 * output texture.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import {SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyWithLogits, SoftmaxCrossEntropyWithLogitsInputs} from '../contract.js';
import {gradientPass} from './backward.js';
import {forwardPass} from './forward.js';

export function softmaxCrossEntropyWithLogits(args: {
  inputs: SoftmaxCrossEntropyWithLogitsInputs, backend: WebGLBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const {outputs, problem} = forwardPass('softmaxCrossEntropyWithGrad', backend, inputs, attrs);
  const [loss, lse, lseLow, denominator, targetMass] = outputs;
  const grad = gradientPass(backend, problem, {lse, lseLow, targetMass, denominator});
  for (const t of [lse, lseLow, denominator, targetMass]) backend.disposeIntermediateTensorInfo(t);
  return [loss, grad];
}

export const softmaxCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxCrossEntropyWithLogits,
  backendName: 'webgl',
  kernelFunc: softmaxCrossEntropyWithLogits as unknown as KernelFunc,
};
