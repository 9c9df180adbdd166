/**
 * Runs a fused kernel on the active backend, or says that it cannot: the ops then fall back to the
 * composite of stock tfjs ops, warning once per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import {checkClassIds, KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract.js';

const warned = new Set<string>();

/**
 * True when the active backend has every kernel of a family (softmax's by default); otherwise warns
 * (once per backend and family) and returns false.
 */
export function hasFusedKernels(names: readonly string[] = KERNEL_NAMES): boolean {
  const backend = tf.getBackend();
  if (names.every((name) => tf.getKernel(name, backend) != null)) return true;
  const key = `${backend} ${names[0]}`;
  if (!warned.has(key)) {
    warned.add(key);
    console.warn(`tfjs-fused-cross-entropy: no fused kernels for the '${backend}' backend (${names[0]} and its ` +
        `kin); using a composite of tfjs ops (correct, but slower and with logits-sized temporaries). Import ` +
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
  assertReadable('softmaxCrossEntropy', labels, 'an invalid class id gives its row a NaN loss and gradient');
  checkClassIds(labels.dataSync(), labels.size, K, ignoreIndex);
}

/**
 * The sigmoid ops' validateLabels: throws, naming the entry and the value, on the first label outside
 * [0, 1] (NaN included). `labels` are the user's, before any cast.
 */
export function validateUnitLabels(op: string, labels: tf.Tensor): void {
  assertReadable(op, labels, 'a label outside [0, 1] is computed by the formula as it is');
  const v = labels.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new Error(`${op}: labels must be in [0, 1]; entry ${i} (flat index) has ${v[i]}.`);
    }
  }
}

/** Refuses, with an error, labels that the webgpu backend holds on the GPU only (see validateClassIds). */
function assertReadable(op: string, labels: tf.Tensor, otherwise: string): void {
  if (tf.getBackend() === 'webgpu' && !onCpu(labels)) {
    throw new Error(`${op}: validateLabels on the webgpu backend needs labels whose values are ` +
        'still on the CPU (a tensor made from an array and not yet used on the GPU); these are on the GPU ' +
        'only, and webgpu cannot read them back synchronously. Check them with `await labels.data()` ' +
        `first, or leave validateLabels off: ${otherwise}.`);
  }
}

/** Whether the webgpu backend holds the tensor's values on the CPU (tfjs drops them once uploaded). */
function onCpu(t: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as {tensorMap?: {get(id: object): {values?: unknown} | undefined}};
  return backend.tensorMap?.get(t.dataId)?.values != null;
}
