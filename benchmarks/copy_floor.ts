/**
 * The bandwidth floor: a step that copies the logits once, where the backend keeps them (read N·K
 * floats, write N·K floats: what a fused loss-and-grad must do at least). A typed-array copy on cpu, a
 * copy inside the wasm heap on wasm, one unpacked copy program on webgl, tfjs's elementwise tf.neg
 * program on webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import {memoryOf, offsetOf, WasmBackend} from '../dist/cjs/backends/wasm/module.js';
import type {Step} from './methods';

/** Returns the step and a clean-up. */
export function copyStep(logits: tf.Tensor): [Step, () => void] {
  const backend = tf.backend();
  if (tf.getBackend() === 'webgl') {
    // one program that reads each logit and writes it, both unpacked (tf.neg would first pack them)
    const gl = backend as unknown as {runWebGLProgram(p: object, inputs: tf.TensorInfo[], dtype: string): tf.TensorInfo};
    const program = {variableNames: ['x'], outputShape: logits.shape, userCode: 'void main() { setOutput(getXAtOutCoords()); }'};
    return [() => {
      const out = gl.runWebGLProgram(program, [logits], 'float32');
      return [tf.engine().makeTensorFromTensorInfo(out)];
    }, () => {}];
  }
  if (tf.getBackend() === 'webgpu') {
    // tfjs's Neg program: one read and one write per logit, as a copy (tfjs has no copy kernel on
    // webgpu: Identity shares the buffer). Uploaded first: tfjs runs ops on inputs still on the CPU
    // below 1000 entries there, which would time a JavaScript loop.
    (backend as unknown as WebGPUBackend).uploadToGPU(logits.dataId);
    return [() => [tf.neg(logits)], () => {}];
  }
  if (tf.getBackend() === 'wasm') {
    const wb = backend as unknown as WasmBackend & {wasm: {_malloc(n: number): number, _free(p: number): void}};
    const bytes = logits.size * 4;
    const src = offsetOf(wb, logits);
    const dst = wb.wasm._malloc(bytes);
    return [() => {
      new Uint8Array(memoryOf(wb).buffer).copyWithin(dst, src, src + bytes);
      return [];
    }, () => wb.wasm._free(dst)];
  }
  const values = backend.readSync(logits.dataId) as Float32Array;  // cpu: the backend's own array
  const dst = new Float32Array(values.length);
  return [() => {
    dst.set(values);
    return [];
  }, () => {}];
}
