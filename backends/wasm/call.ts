/**
 * The host side every loss family's wasm kernel call shares: the reduction codes its setOptions takes
 * (backends/wasm/assembly/reduction.ts is the module's side) and the outputs, allocated on the wasm
 * heap through tfjs, so the module writes them where tfjs keeps them.
 */
import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {Reduction} from '../../kernels/softmax_cross_entropy/contract.js';
import {offsetOf, WasmBackend} from './module.js';

/** The module's code for each reduction. */
export const REDUCTION: Record<Reduction, number> = {none: 0, sum: 1, mean: 2};

/** Allocates a float32 output on the wasm heap through tfjs and returns it with its offset. */
export function output(backend: WasmBackend, shape: number[]): [TensorInfo, number] {
  const t = backend.makeOutput(shape, 'float32');
  return [t, offsetOf(backend, t)];
}
