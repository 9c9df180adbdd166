/** webgpu FusedSoftmaxCrossEntropyGrad: one dispatch (gradient_program.ts), no reduction over a row. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, storageBufferLimit, WebGPUBackend} from '../../../backends/webgpu/program.js';
import {FusedSoftmaxCrossEntropyGrad, FusedSoftmaxCrossEntropyGradInputs, SoftmaxCrossEntropyAttrs} from '../contract.js';
import {DySource, gradientBindings, gradientKey, gradientSource} from './gradient_program.js';
import {describe, Problem, uniformValues} from './problem.js';
import {FOLD_DY_KEY, foldDyBindings, foldDySource} from './reduce_program.js';
import {bind, UNIFORMS} from './wgsl.js';

/** The saved forward outputs the gradient reads, and dy (absent: the loss's own gradient, dy = 1). */
export interface Saved {lse: TensorInfo; lseLow: TensorInfo; targetMass: TensorInfo; denominator: TensorInfo;
  dy?: TensorInfo}

/** dlogits of logits' shape, in one dispatch; two when the mean's dy and D would pass the device's
 * storage buffer limit together (then dy / D is folded into one value first). */
export function gradientPass(backend: WebGPUBackend, p: Problem, s: Saved): TensorInfo {
  const [logits, labels, weights] = p.common;
  const grad = empty(backend, logits.shape);
  if (p.N === 0) return grad;
  let source: DySource | null = s.dy === undefined ? null : p.variant.reduction;
  let dy = s.dy;
  // four classes a read when rows start on a vec4 (gradient_program.ts)
  const vec4 = p.K % 4 === 0;
  if (source === 'mean' && gradientBindings(p.variant, source, vec4).length > storageBufferLimit(backend)) {
    dy = empty(backend, []);
    dispatch(backend, FOLD_DY_KEY, foldDySource,
        bind(foldDyBindings, {scale: dy, dy: s.dy as TensorInfo, den: s.denominator}), UNIFORMS,
        uniformValues(p, 1), [1, 1, 1]);
    source = 'folded';
  }
  const v = p.variant;
  const workgroups = p.layout.groups * p.layout.tiles;
  dispatch(backend, gradientKey(v, source, vec4), () => gradientSource(v, source, vec4),
      bind(gradientBindings(v, source, vec4), {grad, logits, labels, weights, lse: s.lse, lseLow: s.lseLow,
        mass: s.targetMass, den: s.denominator, dy}),
      UNIFORMS, uniformValues(p, workgroups), grid(workgroups));
  if (source === 'folded') backend.disposeData((dy as TensorInfo).dataId);
  return grad;
}

export function fusedSoftmaxCrossEntropyGrad(args: {
  inputs: FusedSoftmaxCrossEntropyGradInputs, backend: WebGPUBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  return gradientPass(backend, describe(inputs, attrs, backend), inputs);
}

export const fusedSoftmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropyGrad,
  backendName: 'webgpu',
  kernelFunc: fusedSoftmaxCrossEntropyGrad as unknown as KernelFunc,
};
