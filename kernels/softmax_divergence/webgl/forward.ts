/**
 * webgl FusedSoftmaxDivergence: logits, targets → [loss, lse, lseLow, aux, auxLow] in two program runs:
 * per-tile partials (partials_program.ts), then per-row stats and the reduced loss (stats_program.ts),
 * whose one output texture is split into the five outputs without copies.
 */
import {env, KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {run, views, WebGLBackend} from '../../../backends/webgl/program.js';
import {divergenceLossShape, divergenceRowShape, FusedSoftmaxDivergence, FusedSoftmaxDivergenceInputs,
  SoftmaxDivergenceAttrs} from '../contract.js';
import {UNIFORMS} from './glsl.js';
import {partialsInputs, partialsShape, partialsSource} from './partials_program.js';
import {describe, Problem, withTextures} from './problem.js';
import {statsInputs, statsSize, statsSource} from './stats_program.js';

/** The forward outputs in the contract's order for `p` (inside withTextures). */
export function forwardPass(backend: WebGLBackend, p: Problem, logitsShape: number[]): TensorInfo[] {
  const rs = divergenceRowShape(logitsShape);
  const ls = divergenceLossShape(logitsShape, p.variant.reduction);
  if (p.N === 0) {  // no rows: nothing for a program to do (a sum or mean over no rows is 0)
    const zeros = (shape: number[]) => backend.makeTensorInfo(shape, 'float32', new Float32Array(util.sizeFromShape(shape)));
    return [zeros(ls), zeros(rs), zeros(rs), zeros(rs), zeros(rs)];
  }
  const v = p.variant;
  // 1. row max and sum, and 2. the loss's sums, per tile
  const partials = run(backend, partialsInputs(v), p.common,
      partialsShape(v, p.N, p.tilesPerRow, env().getNumber('WEBGL_MAX_TEXTURE_SIZE')), partialsSource(v), UNIFORMS,
      p.uniforms);
  // ... merged per row, and over rows
  const stats = run(backend, statsInputs, [partials], [statsSize(v, p.N)], statsSource(v), UNIFORMS, p.uniforms);
  backend.disposeIntermediateTensorInfo(partials);
  return views(backend, stats, [ls, rs, rs, rs, rs]);
}

export function fusedSoftmaxDivergence(args: {
  inputs: FusedSoftmaxDivergenceInputs, backend: WebGLBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe('softmaxDivergence', inputs, attrs);
  return withTextures(backend, p, (q) => forwardPass(backend, q, inputs.logits.shape));
}

export const fusedSoftmaxDivergenceConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergence,
  backendName: 'webgl',
  kernelFunc: fusedSoftmaxDivergence as unknown as KernelFunc,
};
