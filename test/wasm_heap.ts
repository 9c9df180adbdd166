/**
 * Counts the wasm heap's live allocations, for the zero-copy tests of both families
 * (wasm_backend.test.ts, wasm_sigmoid.test.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type {WasmBackend} from '../backends/wasm/module';

export interface Heap {_malloc(n: number): number; _free(p: number): void}
export type Backend = WasmBackend & {wasm: Heap} & tf.KernelBackend;

/** Counts the wasm heap's live allocations and bytes by wrapping tfjs's own malloc and free. */
export function trackHeap(backend: Backend) {
  const live = new Map<number, number>();
  const calls: number[] = [];
  const {_malloc: malloc, _free: free} = backend.wasm;
  backend.wasm._malloc = (n: number) => {
    const p = malloc(n);
    live.set(p, n);
    calls.push(n);
    return p;
  };
  backend.wasm._free = (p: number) => {
    live.delete(p);
    free(p);
  };
  return {
    bytes: () => [...live.values()].reduce((a, b) => a + b, 0),
    calls,
    restore: () => { backend.wasm._malloc = malloc; backend.wasm._free = free; },
  };
}
