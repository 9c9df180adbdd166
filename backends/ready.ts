/**
 * ready(): resolves once the registered fused kernels can run on the initialized backends. Backends
 * whose kernels need asynchronous set-up (wasm compiles and instantiates its module against the tfjs
 * backend's memory) add a preparer when their register file is imported. The preparers live on
 * globalThis so that a CommonJS and an ESM copy of this package in one bundle share them.
 */
import {ready as tfReady} from '@tensorflow/tfjs-core';

type Preparer = () => Promise<void>;
const KEY = Symbol.for('tfjs-fused-cross-entropy.preparers');
const preparers: Set<Preparer> = ((globalThis as Record<symbol, unknown>)[KEY] as Set<Preparer>) ??
    ((globalThis as Record<symbol, unknown>)[KEY] = new Set<Preparer>());

export function addPreparer(p: Preparer): void {
  preparers.add(p);
}

/**
 * Resolves once the fused kernels can run: awaits tf.ready() (the active backend's initialization),
 * then every imported backend's set-up (the wasm backend's module, for instance). Call it after
 * tf.setBackend(...), as tfjs asks for tf.ready().
 */
export async function ready(): Promise<void> {
  await tfReady();
  for (const p of preparers) await p();
}
