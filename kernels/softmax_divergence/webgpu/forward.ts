/**
 * webgpu FusedSoftmaxDivergence: logits, targets → [loss, lse, lseLow, aux, auxLow] in one dispatch of
 * the row program (rows_program.ts), the reduced loss included.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {bind} from '../../../backends/webgpu/wgsl.js';
import {divergenceLossShape, divergenceRowShape, FusedSoftmaxDivergence, FusedSoftmaxDivergenceInputs,
  SoftmaxDivergenceAttrs} from '../contract.js';
import {describe, inputTensors, uniformValues} from './problem.js';
import {rowsBindings, rowsKey, rowsSource} from './rows_program.js';
import {UNIFORMS} from './wgsl.js';

export function fusedSoftmaxDivergence(args: {
  inputs: FusedSoftmaxDivergenceInputs, backend: WebGPUBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe(backend, inputs, attrs);
  const rs = divergenceRowShape(inputs.logits.shape);
  const ls = divergenceLossShape(inputs.logits.shape, attrs.reduction);
  if (p.N === 0) {  // no rows: nothing to dispatch (a sum or mean over no rows is 0)
    return [zeros(backend, ls), zeros(backend, rs), zeros(backend, rs), zeros(backend, rs), zeros(backend, rs)];
  }
  const v = p.variant;
  const bindings = rowsBindings(v, 'forward');
  const [loss, lse, lseLow, aux, auxLow] = [ls, rs, rs, rs, rs].map((s) => empty(backend, s));
  const groups = p.layout.groups;
  // [counter = 0, one partial per workgroup] when the loss is reduced (rows_program.ts)
  const partials = attrs.reduction !== 'none' ? zeros(backend, [1 + groups], 'int32') : undefined;
  dispatch(backend, rowsKey(v, 'forward'), () => rowsSource(v, 'forward'),
      bind(bindings, {loss, lse, lseLow, aux, auxLow, ...inputTensors(inputs), partials}),
      UNIFORMS, uniformValues(p, groups), grid(groups));
  if (partials !== undefined) backend.disposeData(partials.dataId);
  return [loss, lse, lseLow, aux, auxLow];
}

export const fusedSoftmaxDivergenceConfig: KernelConfig = {
  kernelName: FusedSoftmaxDivergence,
  backendName: 'webgpu',
  kernelFunc: fusedSoftmaxDivergence as unknown as KernelFunc,
};
