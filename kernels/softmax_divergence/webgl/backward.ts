/** webgl FusedSoftmaxDivergenceGrad: one program run, one texel per logit, no max or sum. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {inTexture, reshape, run, WebGLBackend} from '../../../backends/webgl/program.js';
import {FusedSoftmaxDivergenceGrad, FusedSoftmaxDivergenceGradInputs, SoftmaxDivergenceAttrs} from '../contract.js';
import {UNIFORMS} from './glsl.js';
import {gradientInputs, gradientSource} from './gradient_program.js';
import {describe, Problem, withTextures} from './problem.js';

/** The saved forward outputs the gradient program reads, and dy (absent: the loss's own gradient). */
export interface Saved {lse: TensorInfo; lseLow: TensorInfo; aux: TensorInfo; auxLow: TensorInfo; dy?: TensorInfo}

/** 3. gradient: dlogits of logits' shape (inside withTextures), in the texture layout tfjs gives [N, K]. */
export function gradientPass(backend: WebGLBackend, p: Problem, s: Saved, logitsShape: number[]): TensorInfo {
  // no rows: an empty gradient, made here rather than left to tfjs's program runner and Reshape
  if (p.N === 0) return backend.makeTensorInfo(logitsShape, 'float32', new Float32Array(0));
  const upstream = s.dy != null;
  const rows = [s.lse, s.lseLow, s.aux, s.auxLow, ...(upstream ? [s.dy as TensorInfo] : [])];
  // read by texelFetch (gradient_program.ts), so in textures, never uniform arrays (a scalar dy may be one)
  rows.slice(0, p.variant.reduction === 'none' ? 5 : 4).forEach((t) => inTexture(backend, t));
  const inputs = [...p.common, ...rows];
  const g = run(backend, gradientInputs(p.variant, upstream), inputs, [p.N, p.K], gradientSource(p.variant, upstream),
      UNIFORMS, p.uniforms);
  return reshape(backend, g, logitsShape);
}

export function fusedSoftmaxDivergenceGrad(args: {
  inputs: FusedSoftmaxDivergenceGradInputs, backend: WebGLBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = describe('softmaxDivergence gradient', inputs, attrs);
  return withTextures(backend, p, (q) => gradientPass(backend, q, inputs, inputs.logits.shape));
}

export const fusedSoftmaxDivergenceGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergenceGrad,
  backendName: 'webgl',
  kernelFunc: fusedSoftmaxDivergenceGrad as unknown as KernelFunc,
};
