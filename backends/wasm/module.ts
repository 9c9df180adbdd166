/**
 * Loads the wasm kernels' module against a tfjs wasm backend's own WebAssembly.Memory, so the kernels
 * read and write tensors where tfjs keeps them. One instance per memory; the build follows tfjs's: SIMD
 * when WASM_HAS_SIMD_SUPPORT says so, the shared-memory build when the memory is shared (tfjs's
 * threaded build, which is always SIMD). Compilation and instantiation are asynchronous (browsers
 * refuse a large synchronous compile on the main thread), so they happen in ready().
 *
 * Each build is a module of its own (backends/wasm/binaries/, written by scripts/build_wasm.js), and
 * ready() imports only the one it picks, with import(): tsc's CommonJS build turns that into a
 * require() run then, and bundlers inline it (esbuild without splitting) or emit it as a chunk they
 * load themselves (webpack, Vite), so there is still no file for the user to serve.
 */
import {env, TensorInfo} from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's BackendWasm this package uses. */
export interface WasmBackend {
  wasm: {asm?: {memory?: WebAssembly.Memory}, wasmMemory?: WebAssembly.Memory};
  dataIdMap: {get(dataId: object): {memoryOffset: number} | undefined};
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
}

/**
 * The module's exports (backends/wasm/assembly/index.ts: every family's kernels, and the math test
 * hooks). Pointers are byte offsets; booleans are passed as 0 or 1.
 */
export interface KernelModule {
  // softmax (kernels/softmax_cross_entropy/wasm/assembly/index.ts)
  setProblem(z: number, y: number, w: number, n: number, k: number, ids: boolean): void;
  // (focalGamma, softcap, overOthers left out are off: the module reads the NaN and 0 it then gets as off)
  setOptions(smoothing: number, temperature: number, zLoss: number, ignoreIndex: number, reduction: number,
      focalGamma?: number, softcap?: number, overOthers?: boolean): void;
  forward(loss: number, lseHi: number, lseLo: number, denominator: number, targetMass: number): void;
  backward(lseHi: number, lseLo: number, denominator: number, dy: number, grad: number): void;
  lossAndGrad(loss: number, grad: number): void;
  // sigmoid (kernels/sigmoid_cross_entropy/wasm/assembly/index.ts)
  setSigmoidProblem(x: number, y: number, posWeight: number, classWeights: number, entries: number,
      columns: number): void;
  setSigmoidOptions(smoothing: number, gamma: number, alpha: number, posWeighted: boolean, classWeighted: boolean,
      reduction: number): void;
  sigmoidForward(loss: number): void;
  sigmoidBackward(dy: number, grad: number): void;
  sigmoidLossAndGrad(loss: number, grad: number): void;
  // divergence (kernels/softmax_divergence/wasm/assembly/index.ts)
  divergenceSetProblem(z: number, t: number, n: number, k: number): void;
  divergenceSetOptions(kind: number, temperature: number, targetTemperature: number, scale: number,
      reduction: number): void;
  divergenceForward(loss: number, lseHi: number, lseLo: number, aux: number, auxLo: number): void;
  divergenceBackward(lseHi: number, lseLo: number, aux: number, auxLo: number, dy: number, grad: number): void;
  divergenceLossAndGrad(loss: number, grad: number): void;
  // math test hooks (backends/wasm/assembly/hooks.ts): out[j] = f(x[j])
  expf4Many(x: number, out: number, n: number): void;
  exp2f4Many(x: number, out: number, n: number): void;
  exp64Many(x: number, out: number, n: number): void;
  log64Many(x: number, out: number, n: number): void;
  expNegf4Many(x: number, out: number, n: number): void;
  log1pf4Many(x: number, out: number, n: number): void;
  powUnitf4Many(x: number, out: number, n: number, gamma: number): void;
  log1p64Many(x: number, out: number, n: number): void;
  expNeg64Many(x: number, out: number, n: number): void;
}

export type Variant = 'scalar' | 'simd' | 'simd-shared';

interface Loaded {variant: Variant; exports: KernelModule}
const compiled = new Map<Variant, Promise<WebAssembly.Module>>();
const loaded = new WeakMap<WebAssembly.Memory, Loaded>();

export function memoryOf(backend: WasmBackend): WebAssembly.Memory {
  // the threaded build creates its memory in JavaScript (wasmMemory); the others export it (asm.memory)
  const m = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
  if (!(m instanceof WebAssembly.Memory)) {
    throw new Error('tfjs-fused-cross-entropy/wasm: cannot find the WebAssembly.Memory of the tfjs wasm backend ' +
        '(is @tensorflow/tfjs-backend-wasm 4.x the active backend?)');
  }
  return m;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** The build's base64, imported on first use: one literal import() per build, so bundlers see all three. */
function base64Of(variant: Variant): Promise<string> {
  switch (variant) {
    case 'scalar': return import('./binaries/scalar.js').then((m) => m.SCALAR);
    case 'simd': return import('./binaries/simd.js').then((m) => m.SIMD);
    case 'simd-shared': return import('./binaries/simd_shared.js').then((m) => m.SIMD_SHARED);
  }
}

function compile(variant: Variant): Promise<WebAssembly.Module> {
  let m = compiled.get(variant);
  if (m === undefined) {
    m = base64Of(variant).then((base64) => WebAssembly.compile(decode(base64)));
    m.catch(() => compiled.delete(variant));  // a failed load (a chunk a bundler could not fetch) may be retried
    compiled.set(variant, m);
  }
  return m;
}

/** Instantiates the module for this backend's memory, once; later calls return the same instance. */
export async function prepare(backend: WasmBackend): Promise<Loaded> {
  const memory = memoryOf(backend);
  const existing = loaded.get(memory);
  if (existing !== undefined) return existing;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const simd = shared || await env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  const variant: Variant = shared ? 'simd-shared' : simd ? 'simd' : 'scalar';
  const instance = await WebAssembly.instantiate(await compile(variant), {env: {memory}});
  const again = loaded.get(memory);  // two ready() calls may race; keep the first instance
  if (again !== undefined) return again;
  const l = {variant, exports: instance.exports as unknown as KernelModule};
  loaded.set(memory, l);
  return l;
}

/** The instance for this backend; throws if ready() has not prepared it. */
export function kernelModule(backend: WasmBackend): KernelModule {
  const l = loaded.get(memoryOf(backend));
  if (l === undefined) {
    throw new Error('tfjs-fused-cross-entropy: the wasm kernels are not loaded yet; ' +
        '`await ready()` (from \'tfjs-fused-cross-entropy\') after tf.setBackend(\'wasm\').');
  }
  return l.exports;
}

/** Which build runs on this backend (null before ready()). */
export function loadedVariant(backend: WasmBackend): Variant | null {
  return loaded.get(memoryOf(backend))?.variant ?? null;
}

/** The byte offset of a tensor in the wasm heap. */
export function offsetOf(backend: WasmBackend, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (d === undefined) throw new Error('tfjs-fused-cross-entropy: a tensor is not on the wasm backend.');
  return d.memoryOffset;
}
