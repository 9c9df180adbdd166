/**
 * webgpu FusedSoftmaxCrossEntropy: logits → [loss, lse, lseLow, denominator, targetMass] in one
 * dispatch of the row program (rows_program.ts). With class weights and a reduced loss that dispatch
 * would bind 9 storage buffers, one more than tfjs's device allows; it then writes row losses, and a
 * second, one-workgroup dispatch adds them (reduce_program.ts).
 */
import {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, empty, grid, storageBufferLimit, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyInputs, lossShape, rowShape,
  SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';
import {describe, Problem, uniformValues} from './problem.js';
import {sumRowsBindings, sumRowsKey, sumRowsSource} from './reduce_program.js';
import {rowsBindings, rowsKey, rowsSource} from './rows_program.js';
import {bind, UNIFORMS} from './wgsl.js';

/** The forward outputs in the contract's order, and the problem they were computed for. */
export function forwardPass(backend: WebGPUBackend, inputs: SoftmaxCrossEntropyInputs,
    attrs: SoftmaxCrossEntropyAttrs): {outputs: TensorInfo[], problem: Problem} {
  const p = describe(inputs, attrs, backend);
  const rs = rowShape(inputs.logits.shape);
  const ls = lossShape(inputs.logits.shape, attrs.reduction);
  if (p.N === 0) {  // no rows: nothing to dispatch (a mean over no rows is 0)
    const none = (shape: number[]) => zeros(backend, shape);
    return {outputs: [none(ls), none(rs), none(rs), none([]), none(rs)], problem: p};
  }
  const v = p.variant;
  const [logits, labels, weights] = p.common;
  const vec4 = p.K % 4 === 0;  // four classes a read (rows_program.ts)
  const fused = rowsBindings(v, 'forward', false, vec4);
  const rowLosses = fused.length > storageBufferLimit(backend);
  const bindings = rowLosses ? rowsBindings(v, 'forward', true, vec4) : fused;
  const loss = empty(backend, rowLosses ? rs : ls);
  const lse = empty(backend, rs);
  const lseLow = empty(backend, rs);
  const den = zeros(backend, []);  // the last-workgroup counter, then D (rows_program.ts)
  const mass = empty(backend, rs);
  const groups = p.layout.groups;
  // one partial loss per workgroup when the row program reduces the loss itself
  const partials = bindings.some((b) => b.name === 'partials') ? empty(backend, [groups]) : undefined;
  dispatch(backend, rowsKey(v, 'forward', rowLosses, vec4), () => rowsSource(v, 'forward', rowLosses, vec4),
      bind(bindings, {loss, lse, lseLow, den, mass, logits, labels, weights, partials}),
      UNIFORMS, uniformValues(p, groups), grid(groups));
  if (partials !== undefined) backend.disposeData(partials.dataId);
  let reduced = loss;
  if (rowLosses) {
    reduced = empty(backend, ls);
    dispatch(backend, sumRowsKey(attrs.reduction), () => sumRowsSource(attrs.reduction),
        bind(sumRowsBindings, {loss: reduced, rows: loss, den}), UNIFORMS, uniformValues(p, 1), [1, 1, 1]);
    backend.disposeData(loss.dataId);
  }
  return {outputs: [reduced, lse, lseLow, den, mass], problem: p};
}

export function fusedSoftmaxCrossEntropy(args: {
  inputs: FusedSoftmaxCrossEntropyInputs, backend: WebGPUBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  return forwardPass(args.backend, args.inputs, args.attrs).outputs;
}

export const fusedSoftmaxCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropy,
  backendName: 'webgpu',
  kernelFunc: fusedSoftmaxCrossEntropy as unknown as KernelFunc,
};
