/**
 * webgl SoftmaxDivergenceWithLogits: loss and dlogits in three program runs, the forward's two and
 * the gradient program with dy = 1 (no dy texture), the saved stats read straight from the forward's
 * output texture; the inputs unpacked (if packed) once for all three.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import {SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits, SoftmaxDivergenceWithLogitsInputs} from '../contract.js';
import {gradientPass} from './backward.js';
import {forwardPass} from './forward.js';
import {describe, withTextures} from './problem.js';

export function softmaxDivergenceWithLogits(args: {
  inputs: SoftmaxDivergenceWithLogitsInputs, backend: WebGLBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const shape = inputs.logits.shape;
  const p = describe('softmaxDivergenceWithGrad', inputs, attrs);
  return withTextures(backend, p, (q) => {
    const [loss, lse, lseLow, aux, auxLow] = forwardPass(backend, q, shape);
    const grad = gradientPass(backend, q, {lse, lseLow, aux, auxLow}, shape);
    for (const t of [lse, lseLow, aux, auxLow]) backend.disposeIntermediateTensorInfo(t);
    return [loss, grad];
  });
}

export const softmaxDivergenceWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxDivergenceWithLogits,
  backendName: 'webgl',
  kernelFunc: softmaxDivergenceWithLogits as unknown as KernelFunc,
};
