/**
 * webgl FusedSigmoidCrossEntropyGrad: logits, labels, posWeight, classWeights, dy → dlogits in one
 * program, one texel per entry reading its logit, label (and dy for 'none') once: nothing is saved by
 * the forward kernel, every entry's terms are recomputed here.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import {FusedSigmoidCrossEntropyGrad, FusedSigmoidCrossEntropyGradInputs, SigmoidCrossEntropyAttrs} from '../contract.js';
import {cut, entryPass, withTextures} from './passes.js';
import {describe} from './problem.js';

export function fusedSigmoidCrossEntropyGrad(args: {
  inputs: FusedSigmoidCrossEntropyGradInputs, backend: WebGLBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = describe('sigmoidCrossEntropy gradient', inputs, attrs);
  const shape = inputs.logits.shape;
  if (p.M === 0) return backend.makeTensorInfo(shape, 'float32', new Float32Array(0));
  // 1. entry terms and 3. gradient, times dy
  return withTextures(backend, p, (q) => cut(backend, entryPass(backend, q, 'grad', inputs.dy), [shape])[0]);
}

export const fusedSigmoidCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropyGrad,
  backendName: 'webgl',
  kernelFunc: fusedSigmoidCrossEntropyGrad as unknown as KernelFunc,
};
