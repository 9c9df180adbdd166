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

/** Reads class ids back and throws on one out of range (the validateLabels option and the fallback). */
export function validateClassIds(labels: tf.Tensor, K: number, ignoreIndex: number): void {
  checkClassIds(labels.dataSync(), labels.size, K, ignoreIndex);
}
