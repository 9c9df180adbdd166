/** One dispatch of the entry program (entries_program.ts) for a problem, with its scratch. */
import type {TensorInfo} from '@tensorflow/tfjs-core';
import {dispatch, grid, WebGPUBackend, zeros} from '../../../backends/webgpu/program.js';
import {bind} from '../../../backends/webgpu/wgsl.js';
import {entriesSource} from './entries_program.js';
import {Problem, tensorsOf, uniformValues} from './problem.js';
import {entriesKey, entryBindings, Mode, UNIFORMS} from './wgsl.js';

/**
 * Records the entry program of `mode` over the problem's inputs and `outputs` (by binding name: loss,
 * grad, dy). A reduced loss gets its scratch here: [counter = 0, one partial per workgroup], zeros
 * uploaded in tfjs's command stream (a copy, not a dispatch), freed once the GPU is done with it.
 */
export function runEntries(backend: WebGPUBackend, p: Problem, mode: Mode, outputs: Record<string, TensorInfo>): void {
  const v = p.variant;
  const bindings = entryBindings(v, mode);
  const partials = bindings.some((b) => b.name === 'partials') ? zeros(backend, [1 + p.groups], 'int32') : undefined;
  dispatch(backend, entriesKey(v, mode), () => entriesSource(v, mode),
      bind(bindings, {...tensorsOf(p), ...outputs, partials}), UNIFORMS, uniformValues(p), grid(p.groups));
  if (partials !== undefined) backend.disposeData(partials.dataId);
}
