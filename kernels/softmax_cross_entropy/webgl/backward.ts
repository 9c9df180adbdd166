/** webgl FusedSoftmaxCrossEntropyGrad: one program run, one texel per logit, no max or sum. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {inTexture, reshape, run, WebGLBackend} from '../../../backends/webgl/program.js';
import {FusedSoftmaxCrossEntropyGrad, FusedSoftmaxCrossEntropyGradInputs, SoftmaxCrossEntropyAttrs} from '../contract.js';
import {gradientInputs, gradientSource} from './gradient_program.js';
import {describe, Problem} from './problem.js';

/** The saved forward outputs the gradient program reads, and dy (absent: the loss's own gradient). */
export interface Saved {lse: TensorInfo; lseLow: TensorInfo; targetMass: TensorInfo; denominator: TensorInfo;
  dy?: TensorInfo}

/** 3. gradient: dlogits of logits' shape, in the texture layout tfjs gives the logits (gradient_program.ts). */
export function gradientPass(backend: WebGLBackend, p: Problem, s: Saved): TensorInfo {
  const upstream = s.dy != null;
  const [logits, labels] = p.common;
  // no rows: an empty gradient, made here rather than left to tfjs's program runner and Reshape
  if (p.N === 0) return backend.makeTensorInfo(logits.shape, 'float32', new Float32Array(0));
  const inputs = [...p.common, s.lse, s.lseLow, s.targetMass, s.denominator, ...(upstream ? [s.dy as TensorInfo] : [])];
  inTexture(backend, logits);  // read texel by texel (glsl.ts), as probability labels are
  if (!p.variant.ids) inTexture(backend, labels);
  const g = run(backend, gradientInputs(p.variant, upstream), inputs, [p.N, p.K], gradientSource(p.variant, upstream),
      p.uniformList, p.uniforms);
  return reshape(backend, g, logits.shape);
}

export function fusedSoftmaxCrossEntropyGrad(args: {
  inputs: FusedSoftmaxCrossEntropyGradInputs, backend: WebGLBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = describe('softmaxCrossEntropy gradient', inputs, attrs);
  return gradientPass(backend, p, inputs);
}

export const fusedSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropyGrad,
  backendName: 'webgl',
  kernelFunc: fusedSoftmaxCrossEntropyGrad as unknown as KernelFunc,
};
