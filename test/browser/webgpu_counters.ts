/**
 * Counters for the webgpu checks (webgpu_checks.ts), by wrapping WebGPU and tfjs methods while a
 * function runs: compute dispatches, pipelines compiled, and programs tfjs ran itself. Our kernels
 * record their dispatches through the backend's recordAndSubmit, not runWebGPUProgram, so a tfjs
 * program counted during one of our ops is one the op layer caused (a cast, a fill, a copy).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';

export interface Counts {
  /** GPUComputePassEncoder.dispatchWorkgroups calls: every compute dispatch, tfjs's and ours */
  dispatches: number;
  /** GPUDevice.createComputePipeline(Async) calls: compiles */
  pipelines: number;
  /** backend.runWebGPUProgram calls: programs tfjs ran (its own kernels) */
  tfjsPrograms: number;
}

type Method = (...args: unknown[]) => unknown;

/** Replaces obj[name] by a counting wrapper; returns the restore. */
function wrap(obj: object, name: string, count: () => void): () => void {
  const o = obj as Record<string, Method>;
  const had = Object.prototype.hasOwnProperty.call(o, name);
  const original = o[name];
  o[name] = function(this: unknown, ...args: unknown[]) {
    count();
    return original.apply(this, args);
  };
  return () => {
    if (had) o[name] = original;
    else delete o[name];  // the instance goes back to its prototype's method
  };
}

/**
 * Counts while `f` runs (and until its promise settles, if it returns one). Dispatches are recorded
 * synchronously by tfjs (recordAndSubmit), so a synchronous f sees all of its own.
 */
export async function counting<T>(f: () => T | Promise<T>): Promise<{result: T, counts: Counts}> {
  const counts: Counts = {dispatches: 0, pipelines: 0, tfjsPrograms: 0};
  const restores = [
    wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => counts.dispatches++),
    wrap(GPUDevice.prototype, 'createComputePipeline', () => counts.pipelines++),
    wrap(GPUDevice.prototype, 'createComputePipelineAsync', () => counts.pipelines++),
    wrap(tf.backend() as WebGPUBackend, 'runWebGPUProgram', () => counts.tfjsPrograms++),
  ];
  try {
    return {result: await f(), counts};
  } finally {
    for (const restore of restores.reverse()) restore();
  }
}
