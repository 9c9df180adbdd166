/**
 * The peak of tf.memory().numBytes while a function runs, on any backend (Node and the browser alike).
 *
 * tf.profile reports the same peak, but it times every kernel, and where the backend has no timer
 * (webgpu without timestamp queries, webgl without its disjoint-timer extension: SwiftShader) it
 * reads each kernel's output back synchronously, which on webgpu in headless Chromium reads zeros.
 * This meter only watches the engine's byte count: it wraps the engine's trackTensor (where every
 * new tensor is counted; tfjs-core 4.22) for the duration, and reads the count after each one.
 *
 * numBytes is tfjs's own figure: the bytes of every live tensor (a reshape or a clone counts again,
 * as tfjs counts it), not the backend's buffers or pools, and not a kernel's scratch memory.
 */
import * as tf from '@tensorflow/tfjs';

interface Trackable {
  trackTensor(t: tf.Tensor, backend: unknown): void;
  state: {numBytes: number};
}

export interface Peak<T> {
  result: T;
  /** the largest tf.memory().numBytes seen while f ran */
  peakBytes: number;
  /** tf.memory().numBytes when f started (the weights, the optimizer's state, the data) */
  startBytes: number;
}

/**
 * Runs f (awaited) and reports the peak byte count it reached. Not reentrant.
 *
 * If f throws, the tensors it made that are still alive are disposed before the error goes on:
 * when a forward pass throws under a gradient tape (tf.variableGrads, optimizer.minimize), tfjs-core
 * 4.22 keeps the tensors its tape saved for the backward pass, and nothing else can free them.
 * Variables are left alone (an optimizer's state belongs to its owner).
 */
export async function measurePeak<T>(f: () => Promise<T> | T): Promise<Peak<T>> {
  const engine = tf.engine() as unknown as Trackable;
  const own = Object.prototype.hasOwnProperty.call(engine, 'trackTensor');
  const original = engine.trackTensor;
  const startBytes = engine.state.numBytes;
  let peakBytes = startBytes;
  const made: tf.Tensor[] = [];
  engine.trackTensor = function (this: Trackable, t, backend) {
    original.call(this, t, backend);
    made.push(t);
    if (this.state.numBytes > peakBytes) peakBytes = this.state.numBytes;
  };
  try {
    const result = await f();
    return {result, peakBytes, startBytes};
  } catch (e) {
    try {
      for (const t of made) if (!t.isDisposed && !(t instanceof tf.Variable)) t.dispose();
    } catch { /* a backend that aborted (wasm out of memory) cannot free anything: e says why */ }
    throw e;
  } finally {
    if (own) engine.trackTensor = original;
    else delete (engine as Partial<Trackable>).trackTensor;
  }
}

/** Bytes as MB (10⁶), one decimal. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
