/** webgpu FusedSoftmaxDivergenceGrad: one dispatch (gradient_program.ts), no reduction over a row. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, WebGPUBackend} from '../../../backends/webgpu/program.js';
import {bind} from '../../../backends/webgpu/wgsl.js';
import {FusedSoftmaxDivergenceGrad, FusedSoftmaxDivergenceGradInputs, SoftmaxDivergenceAttrs} from '../contract.js';
import {gradientBindings, gradientKey, gradientSource} from './gradient_program.js';
import {describe, inputTensors, uniformValues} from './problem.js';
import {UNIFORMS} from './wgsl.js';

export function fusedSoftmaxDivergenceGrad(args: {
  inputs: FusedSoftmaxDivergenceGradInputs, backend: WebGPUBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = describe(backend, inputs, attrs);
  const grad = empty(backend, inputs.logits.shape);
  if (p.N === 0) return grad;  // the empty gradient
  const v = p.variant;
  const workgroups = p.layout.groups * p.layout.tiles;
  const {lse, lseLow, aux, auxLow, dy} = inputs;
  dispatch(backend, gradientKey(v), () => gradientSource(v),
      bind(gradientBindings(v), {grad, ...inputTensors(inputs), lse, lseLow, aux, auxLow, dy}),
      UNIFORMS, uniformValues(p, workgroups), grid(workgroups));
  return grad;
}

export const fusedSoftmaxDivergenceGradConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergenceGrad,
  backendName: 'webgpu',
  kernelFunc: fusedSoftmaxDivergenceGrad as unknown as KernelFunc,
};
