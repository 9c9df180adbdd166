/**
 * webgpu SoftmaxCrossEntropyWithLogits: loss and dlogits in one dispatch of the row program
 * (rows_program.ts, mode 'lossAndGrad'): each row's threads reduce the row, then write its gradient
 * while the row is still in cache.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {lossShape, SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyWithLogits,
  SoftmaxCrossEntropyWithLogitsInputs} from '../contract.js';
import {describe, uniformValues} from './problem.js';
import {rowsBindings, rowsKey, rowsSource} from './rows_program.js';
import {bind, UNIFORMS} from './wgsl.js';

export function softmaxCrossEntropyWithLogits(args: {
  inputs: SoftmaxCrossEntropyWithLogitsInputs, backend: WebGPUBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe(inputs, attrs, backend);
  const ls = lossShape(inputs.logits.shape, attrs.reduction);
  const grad = empty(backend, inputs.logits.shape);
  if (p.N === 0) return [zeros(backend, ls), grad];  // no rows: a mean over no rows is 0
  const v = p.variant;
  const [logits, labels, weights] = p.common;
  const vec4 = p.K % 4 === 0;  // four classes a read (rows_program.ts)
  const bindings = rowsBindings(v, 'lossAndGrad', false, vec4);
  const loss = empty(backend, ls);
  const groups = p.layout.groups;
  // [counter = 0, one partial loss per workgroup] when the loss is reduced (rows_program.ts)
  const partials = bindings.some((b) => b.name === 'partials') ? zeros(backend, [1 + groups], 'int32') : undefined;
  dispatch(backend, rowsKey(v, 'lossAndGrad', false, vec4), () => rowsSource(v, 'lossAndGrad', false, vec4),
      bind(bindings, {grad, loss, logits, labels, weights, partials}),
      UNIFORMS, uniformValues(p, groups), grid(groups));
  if (partials !== undefined) backend.disposeData(partials.dataId);
  return [loss, grad];
}

export const softmaxCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SoftmaxCrossEntropyWithLogits,
  backendName: 'webgpu',
  kernelFunc: softmaxCrossEntropyWithLogits as unknown as KernelFunc,
};
