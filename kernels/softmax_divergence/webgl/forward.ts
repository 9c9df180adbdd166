/**
 * webgl FusedSoftmaxDivergence: logits, targets → [loss, lse, lseLow, aux, auxLow] in two program runs:
 * per-tile partials (partials_program.ts, a packed output), then per-row stats and the reduced loss
 * (stats_program.ts), whose one output texture is split into the five outputs without copies. Both go
 * through tfjs's program runner directly (program.ts run() is for unpacked programs).
 */
import {env, KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {flat, views, WebGLBackend} from '../../../backends/webgl/program.js';
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
  const values = p.uniforms.map((u) => [u]);
  // 1. row max and sum, and 2. the loss's sums, per tile: four values per texel of a packed output
  // (partials_program.ts says why), which tfjs is not to unpack
  const shape = partialsShape(v, p.N, p.tilesPerRow, env().getNumber('WEBGL_MAX_TEXTURE_SIZE'));
  const partials = backend.runWebGLProgram({variableNames: partialsInputs(v), outputShape: shape,
    userCode: partialsSource(v), enableShapeUniforms: true, customUniforms: UNIFORMS, packedOutput: true},
  p.common.map(flat), 'float32', values, true);
  // the programs find texels by the texture's shape: it must be the one asked for
  const texShape = backend.texData.get(partials.dataId).texShape as number[];
  if (!util.arraysEqual(texShape, shape)) {
    backend.disposeIntermediateTensorInfo(partials);
    throw new Error(`softmaxDivergence: tfjs gave a packed [${shape}] output a [${texShape}] texture`);
  }
  // ... merged per row, and over rows (packedInputs: the partials are read as they are, no unpacking)
  const stats = backend.runWebGLProgram({variableNames: statsInputs, outputShape: [statsSize(v, p.N)],
    userCode: statsSource(v), enableShapeUniforms: true, customUniforms: UNIFORMS, packedInputs: true},
  [partials], 'float32', values);
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
