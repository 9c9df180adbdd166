/**
 * The linear head's rows (`--loss linear`, run by linear_cross_entropy.ts): value-and-grad of
 * softmaxCrossEntropy(hidden·W + b, labels) — the loss, dHidden, dWeight and dBias — on one
 * [N tokens, H, V] problem, four ways:
 *
 *   fused loss-and-grad   linearCrossEntropyWithGrad(h, W, y, {bias})
 *   fused tape            tf.valueAndGrads((h, W, b) => linearCrossEntropy(h, W, y, {bias: b}))
 *   unfused ours          z = h·W + b (one tf.fused.matMul with bias, the kernel the op's chunks use),
 *                         softmaxCrossEntropyWithGrad(z, y) (z freed once the gradient g exists), then
 *                         dh = g·Wᵀ, dW = hᵀ·g, db = Σ_rows g
 *   tf.losses             tf.valueAndGrads over tf.losses.softmaxCrossEntropy(oneHot(y, V), h·W + b)
 *                         (tf.matMul then tf.add; the one-hot made inside the step)
 *
 * and how one backend and shape is measured (runLinearShape): each method's first run is its warm-up,
 * under tf.profile and a count of the backend's buffers (its peak memory), guarded: a method that fails
 * (an allocation error, wasm's 4 GB heap, a lost WebGPU device, a WebGL texture too large) becomes a row
 * that says so, its tensors are freed, and if the backend no longer works the run stops and says which
 * method broke it (the caller starts a fresh process or page without it). Then the methods that ran are
 * timed in rotation (A B C A B C ...), medians of their runs. Every method reads the same input tensors
 * (the weight alone is 525 MB at [256,1024,128256]): each of them is read only by matMuls, in one layout.
 *
 * No Node modules here: the page (browser_page.ts) bundles it.
 */
import * as tf from '@tensorflow/tfjs';
import {linearCrossEntropy, linearCrossEntropyWithGrad, ready, softmaxCrossEntropyWithGrad} from '../dist/cjs/index.js';
import {memoryOf, WasmBackend} from '../dist/cjs/backends/wasm/module.js';
import {planChunks} from '../dist/cjs/kernels/linear_cross_entropy/plan.js';
import {backendDetails} from './backend_facts';
import type {LinearMethodId, LinearRow} from './row';

export type LinearShape = [number, number, number];

/** A step whose warm-up run took this long gets no second warm-up run, and fewer timed runs. */
export const LINEAR_SLOW_MS = 1000;
/** A step whose first timed run took this long gets LINEAR_SLOWER_RUNS timed runs in all. */
export const LINEAR_SLOWER_MS = 20000;

export interface LinearInputs {
  /** float32 [N, H], N(0, 1) */
  hidden: tf.Tensor2D;
  /** float32 [H, V], N(0, 1/H): logits of about N(0, 1) */
  weight: tf.Tensor2D;
  /** float32 [V], N(0, 0.1²) */
  bias: tf.Tensor1D;
  /** int32 [N], uniform over the V classes */
  labels: tf.Tensor1D;
}

export function linearInputs([N, H, V]: LinearShape, seed: number): LinearInputs {
  return tf.tidy(() => ({
    hidden: tf.randomNormal([N, H], 0, 1, 'float32', seed) as tf.Tensor2D,
    weight: tf.randomNormal([H, V], 0, 1 / Math.sqrt(H), 'float32', seed + 1) as tf.Tensor2D,
    bias: tf.randomNormal([V], 0, 0.1, 'float32', seed + 2) as tf.Tensor1D,
    labels: tf.randomUniformInt([N], 0, V, seed + 3) as tf.Tensor1D,
  }));
}

/**
 * One step: runs the method, returns [loss, dHidden, dWeight, dBias] (the caller frees them). It runs
 * inside a tf.tidy, which frees what a step that throws half-way made (a tidy frees only what is still
 * alive at its end: the methods free their [N, V] temporaries themselves, as they go).
 */
type Step = () => tf.Tensor[];

export interface LinearMethod {
  method: LinearMethodId;
  label: string;
  step: Step;
}

/**
 * The methods in the order they are probed and timed: the smallest peak first. wasm's heap only grows,
 * and fragments: a method run after a larger one may not find room that it would find in a fresh heap,
 * so the fused methods (the ones measured) run in a heap that the [N, V] methods have not grown yet.
 * (A method that fails after others in the same process is run again alone: linear_cross_entropy.ts.)
 */
export function linearMethods(x: LinearInputs): LinearMethod[] {
  const {hidden: h, weight: W, bias: b, labels: y} = x;
  const V = W.shape[1];
  const builtin = tf.valueAndGrads((hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.losses.softmaxCrossEntropy(
      tf.cast(tf.oneHot(y, V), 'float32'), tf.add(tf.matMul(hh, ww), bb)) as tf.Scalar);
  const tape = tf.valueAndGrads((hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    linearCrossEntropy(hh, ww, y, {bias: bb as tf.Tensor1D}));
  return [
    {method: 'fused loss-and-grad', label: 'linearCrossEntropyWithGrad(h, W, y, {bias: b})', step: () => {
      const r = linearCrossEntropyWithGrad(h, W, y, {bias: b});
      return [r.loss, r.dHidden, r.dWeight, r.dBias!];
    }},
    {method: 'fused tape', label: 'tf.valueAndGrads of linearCrossEntropy(h, W, y, {bias: b})', step: () => {
      const {value, grads} = tape([h, W, b]);
      return [value, ...grads];
    }},
    {method: 'unfused ours', label: 'z = tf.fused.matMul(h, W, bias b); softmaxCrossEntropyWithGrad(z, y); ' +
        'dh = g·Wᵀ, dW = hᵀ·g, db = tf.sum(g, 0)', step: () => {
      const z = tf.fused.matMul({a: h, b: W, bias: b});
      const {loss, grad} = softmaxCrossEntropyWithGrad(z, y);
      z.dispose();
      const out = [loss, tf.matMul(grad, W, false, true), tf.matMul(h, grad, true, false), tf.sum(grad, 0)];
      grad.dispose();
      return out;
    }},
    {method: 'tf.losses', label: 'tf.valueAndGrads of tf.losses.softmaxCrossEntropy(tf.oneHot(y, V), ' +
        'tf.add(tf.matMul(h, W), b)) (one-hot in the step)', step: () => {
      const {value, grads} = builtin([h, W, b]);
      return [value, ...grads];
    }},
  ];
}

// ---------------------------------------------------------------------------------------------------
// Memory: tf.profile's count, and the backend's buffers
// ---------------------------------------------------------------------------------------------------

/**
 * The bytes of the active backend's buffers as they are made and freed, from now until stop(): peak()
 * is the most held at once beyond what existed at the start. A buffer is counted when the backend
 * writes one (every backend's new tensor data, kernel outputs included, and the temporaries kernels
 * make and free inside themselves), or when wasm places an output at a heap offset; it is uncounted
 * when the backend frees it (the last reference disposed). Unlike tf.profile's peakBytes, a view (a
 * reshape, a clone on cpu, webgl and webgpu) adds nothing. GPU backends pool freed buffers for reuse;
 * that pool is not counted.
 */
function trackBuffers() {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  type Write = (v: unknown, shape: number[], dtype: string) => object;
  type Dispose = (id: object, force?: boolean) => boolean;
  type MakeOutput = (shape: number[], dtype: string, offset?: number, v?: unknown) => {dataId: object};
  const write = backend.write as Write;
  const disposeData = backend.disposeData as Dispose;
  const makeOutput = backend.makeOutput as MakeOutput | undefined;
  const sizes = new Map<object, number>();
  let now = 0;
  let peak = 0;
  // the first allocation that failed (wasm's heap): what a later, secondary error would hide
  let failure: unknown;
  const noting = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      failure ??= e;
      throw e;
    }
  };
  const add = (id: object, shape: number[], dtype: string) => {
    const n = tf.util.sizeFromShape(shape) * (dtype === 'bool' ? 1 : dtype === 'complex64' ? 8 : 4);
    sizes.set(id, n);
    now += n;
    peak = Math.max(peak, now);
  };
  backend.write = function (this: unknown, v: unknown, shape: number[], dtype: string) {
    const id = noting(() => write.call(this, v, shape, dtype));
    add(id, shape, dtype);
    return id;
  };
  backend.disposeData = function (this: unknown, id: object, force?: boolean) {
    const freed = disposeData.call(this, id, force);
    if (freed && sizes.has(id)) {
      now -= sizes.get(id)!;
      sizes.delete(id);
    }
    return freed;
  };
  // Under tf.profile a kernel runs inside the backend's (async) time(): an exception there becomes a
  // rejected promise, which tfjs leaves unhandled, and the profiler fails later on a TypeError. Thrown
  // here instead, as it is, with the promise handled.
  const time = backend.time as (f: () => void) => Promise<unknown>;
  backend.time = function (this: unknown, f: () => void) {
    let thrown: {e: unknown} | undefined;
    const timing = time.call(this, () => {
      try {
        f();
      } catch (e) {
        thrown = {e};
        throw e;
      }
    });
    if (thrown !== undefined) {
      timing.catch(() => {});
      failure ??= thrown.e;
      throw thrown.e;
    }
    return timing;
  };
  if (tf.getBackend() === 'wasm' && makeOutput !== undefined) {
    backend.makeOutput = function (this: unknown, shape: number[], dtype: string, offset?: number, v?: unknown) {
      const out = noting(() => makeOutput.call(this, shape, dtype, offset, v));
      if (offset != null) add(out.dataId, shape, dtype);
      return out;
    };
  }
  return {
    peak: () => peak,
    failure: () => failure,
    stop: () => {
      delete backend.time;
      delete backend.write;
      delete backend.disposeData;
      delete backend.makeOutput;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Failures: caught, described, and whether the backend survived
// ---------------------------------------------------------------------------------------------------

const MEMORY = /out of memory|oom|memory access out of bounds|aborted|allocat|array buffer|invalid array length|heap|texture size|too large|exceeds|maxStorageBufferBindingSize|maxBufferSize|device (was |is )?lost|context lost|could not create|createBuffer/i;

/** An error whose description is made already (describeFailure returns its message). */
class Described extends Error {}

/** "out of memory: <the error>" for an error that says memory, "failed: <the error>" for any other. */
export function describeFailure(e: unknown): string {
  if (e instanceof Described) return e.message;
  const text = (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e))
      .replace(/\s+/g, ' ').trim().slice(0, 300);
  return `${MEMORY.test(text) ? 'out of memory' : 'failed'}: ${text}`;
}

interface GpuDevice {
  pushErrorScope(filter: string): void;
  popErrorScope(): Promise<{message: string} | null>;
  lost: Promise<{reason: string, message: string}>;
}

let deviceLost: string | undefined;
let watchedDevice: GpuDevice | undefined;

/** webgpu's device, watched for loss; undefined on the other backends. */
function gpuDevice(): GpuDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const device = (tf.backend() as unknown as {device: GpuDevice}).device;
  if (device !== watchedDevice) {
    watchedDevice = device;
    void device.lost.then((info) => { deviceLost = `WebGPU device lost (${info.reason}): ${info.message}`; });
  }
  return device;
}

/**
 * Runs f with the backend's own errors turned into exceptions: on webgpu the validation, out-of-memory
 * and internal errors of the commands f issued (WebGPU reports them to error scopes, not by throwing),
 * on webgl a lost context or GL_OUT_OF_MEMORY.
 */
async function guarded<T>(f: () => Promise<T>): Promise<T> {
  const device = gpuDevice();
  const scopes = ['validation', 'out-of-memory', 'internal'];
  if (device) for (const s of scopes) device.pushErrorScope(s);
  let result: T;
  try {
    result = await f();
  } finally {
    if (device) {
      const errors = [];
      for (let i = 0; i < scopes.length; i++) errors.push(await device.popErrorScope());
      const error = errors.find((x) => x !== null);
      // eslint-disable-next-line no-unsafe-finally
      if (error) throw new Error(`WebGPU ${scopes[scopes.length - 1 - errors.indexOf(error)]} error: ${error.message}`);
    }
  }
  if (deviceLost !== undefined) throw new Error(deviceLost);
  if (tf.getBackend() === 'webgl') {
    const gl = (tf.backend() as unknown as {gpgpu: {gl: WebGL2RenderingContext}}).gpgpu.gl;
    if (gl.isContextLost()) throw new Error('WebGL context lost');
    if (gl.getError() === gl.OUT_OF_MEMORY) throw new Error('WebGL GL_OUT_OF_MEMORY');
  }
  return result;
}

/**
 * Whether the backend can be trusted after a method failed with `e`: not wasm after a trap (an
 * overflowing heap ends in "memory access out of bounds" or Aborted() inside malloc, after which the
 * module's state is undefined even when a small op still works: the next method would fail for it),
 * and not a backend that no longer computes.
 */
async function usableAfter(e: unknown): Promise<boolean> {
  const text = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  if (tf.getBackend() === 'wasm' && (e instanceof WebAssembly.RuntimeError ||
      /RuntimeError|Aborted|memory access out of bounds|unreachable/.test(text))) return false;
  return backendAlive();
}

/** Whether the backend still computes. */
async function backendAlive(): Promise<boolean> {
  try {
    return await guarded(async () => {
      const t = tf.tidy(() => tf.sum(tf.add(tf.ones([64]), 1)));
      const v = (await t.data())[0];
      t.dispose();
      return v === 128;
    });
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------------

/** The backends whose kernels have finished when they return. */
const SYNCHRONOUS = new Set(['cpu', 'wasm']);

/**
 * Waits for a step's outputs: on a GPU backend (which runs its programs in order) by reading back one
 * value of each, which waits for the step and no more.
 */
async function settle(out: tf.Tensor[]): Promise<void> {
  if (SYNCHRONOUS.has(tf.getBackend())) return;
  const probes = out.map((t) => tf.slice(tf.reshape(t, [-1]), 0, Math.min(1, t.size)));
  await Promise.all(probes.map((t) => t.data()));
  tf.dispose(probes);
}

/** One timed step, until its outputs are ready and freed; ms. */
async function timedStep(step: Step): Promise<number> {
  return guarded(async () => {
    const t0 = performance.now();
    const out = tf.tidy(step);
    try {
      await settle(out);
    } finally {
      tf.dispose(out);
    }
    return performance.now() - t0;
  });
}

/**
 * A few numbers per output, to check the methods agree: the value at 16 fixed positions and the sum of
 * squares, read back in one small tensor.
 */
async function fingerprint(out: tf.Tensor[]): Promise<number[][]> {
  const parts = tf.tidy(() => out.map((t) => {
    const flat = tf.reshape(t, [-1]);
    const at = Array.from({length: Math.min(16, t.size)}, (_, i) => Math.floor((i * 2654435761) % t.size));
    return tf.concat([tf.gather(flat, tf.tensor1d(at, 'int32')), tf.reshape(tf.sum(tf.square(flat)), [1])]);
  }));
  const values = await Promise.all(parts.map((p) => p.data()));
  tf.dispose(parts);
  return values.map((v) => Array.from(v));
}

/** The largest difference of two fingerprints, each output's relative to its largest entry (or to √ of its sum of squares). */
function relDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    const n = a[k].length - 1;
    const scale = Math.max(...b[k].slice(0, n).map(Math.abs), 1e-30);
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]) / scale);
    worst = Math.max(worst, Math.abs(Math.sqrt(a[k][n]) - Math.sqrt(b[k][n])) / Math.max(Math.sqrt(b[k][n]), 1e-30));
  }
  return worst;
}

interface Probe {
  ms: number;
  peakBytes: number;
  bufferPeakBytes: number;
  kernels: number;
  fingerprint: number[][];
}

/** The warm-up run of a step under tf.profile and trackBuffers; its outputs' fingerprint. */
async function probe(step: Step): Promise<Probe> {
  return guarded(async () => {
    const before = tf.memory().numBytes;
    const buffers = trackBuffers();
    let out: tf.Tensor[] = [];
    let info: Awaited<ReturnType<typeof tf.profile>>;
    const t0 = performance.now();
    try {
      info = await tf.profile(() => { out = tf.tidy(step); });
      await settle(out);
    } catch (e) {
      // tf.profile does not end its profile when the function throws
      const state = (tf.engine() as unknown as {state: {profiling: boolean, activeProfile: {kernels: unknown[]}}}).state;
      state.profiling = false;
      state.activeProfile.kernels = [];
      tf.dispose(out);
      // classified on the errors themselves, before the heap's size is added to the text
      const heap = tf.getBackend() === 'wasm' ? `wasm heap: ${(memoryOf(tf.backend() as unknown as WasmBackend).buffer
          .byteLength / 2 ** 30).toFixed(2)} GiB` : '';
      const first = buffers.failure();
      if (first === undefined || first === e) throw heap ? new Described(`${describeFailure(e)} (${heap})`) : e;
      const [kind, text] = describeFailure(first).split(/: ([^]*)/);
      throw new Described(`${kind}: ${text} (allocating a buffer${heap ? `, ${heap}` : ''}; then ${
        describeFailure(e).replace(/^[^:]*: /, '')})`);
    } finally {
      buffers.stop();
    }
    const ms = performance.now() - t0;
    try {
      return {ms, peakBytes: info.peakBytes - before, bufferPeakBytes: buffers.peak(), fingerprint: await fingerprint(out),
        kernels: info.kernels.filter((k) => k.name !== 'Identity').length};
    } finally {
      tf.dispose(out);
    }
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface LinearJob {
  /** tfjs's backend name */
  backend: string;
  /** the rows' backend */
  label: string;
  shape: LinearShape;
  /** timed runs of a step under LINEAR_SLOW_MS, of a slower one, and of one over LINEAR_SLOWER_MS */
  runs: number;
  slowRuns: number;
  slowerRuns: number;
  /**
   * a step whose warm-up run took this long is not run again: that run is its one timed run (webgpu on
   * SwiftShader takes minutes per step at these shapes)
   */
  probeOnlyMs: number;
  /** methods not to run (they broke the backend in an earlier attempt): their rows come from that attempt */
  exclude: LinearMethodId[];
  seed: number;
  /** a shape whose chunk plan on this backend to return as well (the full-batch line) */
  fullShape?: LinearShape;
}

export interface LinearShapeResult {
  rows: LinearRow[];
  /** the method whose failure left the backend unusable: the rows are incomplete, run again without it */
  broke?: LinearMethodId;
  plan: {chunkRows: number, chunks: number};
  /** job.fullShape's plan here */
  fullPlan?: {chunkRows: number, chunks: number};
  details: string;
}

/**
 * One backend and shape: every method's guarded warm-up under the profiler, then the methods that ran
 * timed in rotation. Progress lines name each method before it runs ("probe <method>"), so that a
 * caller whose process or page died can tell which one it was.
 */
export async function runLinearShape(job: LinearJob, log: (line: string) => void): Promise<LinearShapeResult> {
  if (!await tf.setBackend(job.backend)) throw new Error(`tf.setBackend('${job.backend}') failed: no such backend here`);
  await ready();
  const details = await backendDetails();
  const [N, H, V] = job.shape;
  const plan = planChunks(N, H, V, {});
  const fullPlan = job.fullShape ? planChunks(job.fullShape[0], job.fullShape[1], job.fullShape[2], {}) : undefined;
  const shapeText = `[${job.shape.join(',')}]`;
  const x = linearInputs(job.shape, job.seed);
  const methods = linearMethods(x).filter((m) => !job.exclude.includes(m.method));
  const rows: LinearRow[] = [];
  const prints: Partial<Record<LinearMethodId, number[][]>> = {};
  let broke: LinearMethodId | undefined;
  // what ran in this process or page before a method that failed (wasm's heap only grows, and fragments)
  const before = (method: LinearMethodId) => {
    const others = rows.filter((r) => r.method !== method && r.firstMs !== undefined).map((r) => r.method);
    return others.length > 0 ? `; run after ${others.join(', ')} in the same ${typeof window === 'undefined' ? 'process' : 'page'}` : '';
  };
  try {
    for (const m of methods) {
      const row: LinearRow = {backend: job.label, shape: job.shape, method: m.method, label: m.label, plan, timesMs: [], runs: 0};
      rows.push(row);
      log(`probe ${m.method}: ${job.label} ${shapeText}`);
      try {
        const p = await probe(m.step);
        Object.assign(row, {firstMs: p.ms, peakBytes: p.peakBytes, bufferPeakBytes: p.bufferPeakBytes, kernels: p.kernels});
        prints[m.method] = p.fingerprint;
        log(`probe ${m.method}: ${(p.ms / 1e3).toFixed(1)} s, peak ${(p.peakBytes / 2 ** 20).toFixed(1)} MiB (tf.profile), ` +
            `${(p.bufferPeakBytes / 2 ** 20).toFixed(1)} MiB (buffers)`);
      } catch (e) {
        row.error = describeFailure(e) + before(m.method);
        log(`probe ${m.method}: ${row.error}`);
        if (!await usableAfter(e)) {
          broke = m.method;
          log(`${job.label} no longer computes after ${m.method}'s failure`);
          return {rows, broke, plan, fullPlan, details};
        }
      }
    }
    // agreement with our unfused head (or, if it failed, the fused loss-and-grad)
    const ref = prints['unfused ours'] ?? prints['fused loss-and-grad'];
    for (const r of rows) if (ref && prints[r.method]) r.maxRelDiff = relDiff(prints[r.method]!, ref);
    // timed rounds: a second warm-up round for a step under LINEAR_SLOW_MS, then the timed rounds in rotation
    for (const r of rows) {
      if (r.error === undefined && r.firstMs! >= job.probeOnlyMs) {
        Object.assign(r, {timesMs: [r.firstMs!], runs: 1, medianMs: r.firstMs!, warmupTimed: true});
      }
    }
    const live = rows.filter((r) => r.error === undefined && !r.warmupTimed);
    const stepOf = (r: LinearRow) => methods.find((m) => m.method === r.method)!.step;
    const wanted = new Map(live.map((r) => [r, job.runs]));
    const maxRounds = job.runs;
    for (let round = -1; round < maxRounds; round++) {
      for (const r of live) {
        if (r.error !== undefined || round >= wanted.get(r)!) continue;
        if (round === -1 && r.firstMs! >= LINEAR_SLOW_MS) continue;
        let ms: number;
        log(`run ${r.method}`);
        try {
          ms = await timedStep(stepOf(r));
        } catch (e) {
          r.error = `${describeFailure(e)} (in ${round === -1 ? 'the second warm-up run' : `timed run ${round + 1}`}, ` +
              `after its warm-up run had worked)${before(r.method)}`;
          log(`${r.method}: ${r.error}`);
          if (!await usableAfter(e)) {
            broke = r.method;
            return {rows, broke, plan, fullPlan, details};
          }
          continue;
        }
        if (round === -1) continue;
        if (round === 0) {
          wanted.set(r, Math.min(job.runs, ms >= LINEAR_SLOWER_MS ? job.slowerRuns : ms >= LINEAR_SLOW_MS ? job.slowRuns : job.runs));
        }
        r.timesMs.push(ms);
      }
      const timed = live.filter((r) => round >= 0 && r.timesMs.length > round);
      if (timed.length > 0) {
        log(`round ${round + 1}: ${timed.map((r) => `${r.method} ${(r.timesMs[round] / 1e3).toFixed(2)} s`).join(', ')}`);
      }
    }
    for (const r of live) {
      r.runs = r.timesMs.length;
      if (r.runs > 0 && r.error === undefined) r.medianMs = median(r.timesMs);
    }
    return {rows, plan, fullPlan, details};
  } finally {
    tf.dispose([x.hidden, x.weight, x.bias, x.labels]);
  }
}

export interface LinearPeakResult {
  plan: {chunkRows: number, chunks: number};
  ms?: number;
  peakBytes?: number;
  bufferPeakBytes?: number;
  error?: string;
  details: string;
}

/** One run of the fused loss-and-grad under the profiler (the full-batch line): its time and peak. */
export async function runLinearPeak(backend: string, shape: LinearShape, seed: number,
    log: (line: string) => void): Promise<LinearPeakResult> {
  if (!await tf.setBackend(backend)) throw new Error(`tf.setBackend('${backend}') failed: no such backend here`);
  await ready();
  const details = await backendDetails();
  const plan = planChunks(shape[0], shape[1], shape[2], {});
  const x = linearInputs(shape, seed);
  const fused = linearMethods(x).find((m) => m.method === 'fused loss-and-grad')!;
  log(`probe fused loss-and-grad: ${backend} [${shape.join(',')}], one run (plan: ${plan.chunks} chunks of ${plan.chunkRows} rows)`);
  try {
    const p = await probe(fused.step);
    return {plan, ms: p.ms, peakBytes: p.peakBytes, bufferPeakBytes: p.bufferPeakBytes, details};
  } catch (e) {
    return {plan, error: describeFailure(e), details};
  } finally {
    tf.dispose([x.hidden, x.weight, x.bias, x.labels]);
  }
}
