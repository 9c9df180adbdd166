/**
 * webgpu SoftmaxDivergenceWithLogits: loss and dlogits in one dispatch of the row program
 * (rows_program.ts, mode 'lossAndGrad'): each row's threads reduce the row, then write its gradient
 * while the row is still in cache.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {bind} from '../../../backends/webgpu/wgsl.js';
import {divergenceLossShape, SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits,
  SoftmaxDivergenceWithLogitsInputs} from '../contract.js';
import {describe, inputTensors, uniformValues} from './problem.js';
import {rowsBindings, rowsKey, rowsSource} from './rows_program.js';
import {UNIFORMS} from './wgsl.js';

export function softmaxDivergenceWithLogits(args: {
  inputs: SoftmaxDivergenceWithLogitsInputs, backend: WebGPUBackend, attrs: SoftmaxDivergenceAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe(backend, inputs, attrs);
  const ls = divergenceLossShape(inputs.logits.shape, attrs.reduction);
  const grad = empty(backend, inputs.logits.shape);
  if (p.N === 0) return [zeros(backend, ls), grad];  // no rows: a sum or mean over no rows is 0
  const v = p.variant;
  const loss = empty(backend, ls);
  const groups = p.layout.groups;
  // [counter = 0, one partial per workgroup] when the loss is reduced (rows_program.ts)
  const partials = attrs.reduction !== 'none' ? zeros(backend, [1 + groups], 'int32') : undefined;
  dispatch(backend, rowsKey(v, 'lossAndGrad'), () => rowsSource(v, 'lossAndGrad'),
      bind(rowsBindings(v, 'lossAndGrad'), {grad, loss, ...inputTensors(inputs), partials}),
      UNIFORMS, uniformValues(p, groups), grid(groups));
  if (partials !== undefined) backend.disposeData(partials.dataId);
  return [loss, grad];
}

export const softmaxDivergenceWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxDivergenceWithLogits,
  backendName: 'webgpu',
  kernelFunc: softmaxDivergenceWithLogits as unknown as KernelFunc,
};
