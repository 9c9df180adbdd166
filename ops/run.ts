/**
 * Runs a fused kernel on the active backend, or says that it cannot: the ops then fall back to the
 * composite of stock tfjs ops, warning once per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import {checkClassIds, KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract.js';

const warned = new Set<string>();

/** True when the active backend has every fused kernel; otherwise warns (once per backend) and returns false. */
export function hasFusedKernels(): boolean {
  const backend = tf.getBackend();
  if (KERNEL_NAMES.every((name) => tf.getKernel(name, backend) != null)) return true;
  if (!warned.has(backend)) {
    warned.add(backend);
    console.warn(`tfjs-fused-cross-entropy: no fused kernels for the '${backend}' backend; using a ` +
        `composite of tfjs ops (correct, but slower and with [N, K] temporaries). Import ` +
        `'tfjs-fused-cross-entropy/<backend>' if this package has kernels for it.`);
  }
  return false;
}

/**
 * Reads class ids back and throws on one out of range (the validateLabels option and the fallback).
 * On webgpu only ids whose values tfjs still holds on the CPU can be read synchronously: its dataSync of
 * a GPU-only tensor goes through a canvas, which in headless Chromium reads zeros (a silent pass) and can
 * lose the device. Such ids are refused with an error rather than checked wrongly.
 */
export function validateClassIds(labels: tf.Tensor, K: number, ignoreIndex: number): void {
  if (tf.getBackend() === 'webgpu' && !onCpu(labels)) {
    throw new Error('softmaxCrossEntropy: validateLabels on the webgpu backend needs labels whose values are ' +
        'still on the CPU (a tensor made from an array and not yet used on the GPU); these are on the GPU ' +
        'only, and webgpu cannot read them back synchronously. Check them with `await labels.data()` ' +
        'first, or leave validateLabels off: an invalid class id gives its row a NaN loss and gradient.');
  }
  checkClassIds(labels.dataSync(), labels.size, K, ignoreIndex);
}

/** Whether the webgpu backend holds the tensor's values on the CPU (tfjs drops them once uploaded). */
function onCpu(t: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as {tensorMap?: {get(id: object): {values?: unknown} | undefined}};
  return backend.tensorMap?.get(t.dataId)?.values != null;
}
