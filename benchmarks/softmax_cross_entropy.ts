/**
 * Benchmark: fused value-and-grad against tf.valueAndGrad over tf.losses.softmaxCrossEntropy (one-hot
 * labels), same logits, same class ids, side by side in one run, per backend. Median of `runs` timed
 * runs after warm-up; tf.profile's peakBytes and kernel count per step. A bandwidth floor is timed in
 * the same rotation: one copy of the logits (a typed-array copy on cpu, a copy inside the wasm heap on
 * wasm, one unpacked copy program on webgl, tfjs's elementwise tf.neg program on webgpu), and every row
 * reports its time as a multiple of that copy. The same code runs in Node (cpu, wasm) and, bundled into
 * a page, in headless Chromium (webgl, webgpu): benchmarks/run.ts is the command line,
 * benchmarks/browser.ts the page's host.
 *
 *   npm run bench [-- --runs 7 --shapes 64x10,512x1000 --backends cpu,wasm,webgl,webgpu]
 */
import * as tf from '@tensorflow/tfjs';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import {ready, softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../dist/cjs/index.js';
import '../dist/cjs/backends/wasm/register.js';
import '../dist/cjs/backends/webgl/register.js';
import {memoryOf, offsetOf, WasmBackend} from '../dist/cjs/backends/wasm/module.js';

export const DEFAULT_SHAPES: Array<[number, number]> = [[64, 10], [512, 1000], [256, 32000], [8, 262144]];

export interface Row {
  backend: string;
  shape: [number, number];
  method: string;
  medianMs: number;
  /** built-in median / this median, measured in the same run */
  speedup: number;
  /** logits bytes + the most the step holds at once beyond its inputs (tf.profile peakBytes − bytes before) */
  peakBytes: number;
  /** peakBytes / (logits bytes + gradient bytes): 1.00 means no temporaries beyond the gradient */
  peakRatio: number;
  /** kernels tf.profile records, without Identity (the tape's reference to a saved tensor: no compute) */
  kernels: number;
  identities: number;
  /** this median / the median of one copy of the logits on the same backend, measured in the same run */
  vsCopy: number;
  copyMs: number;
}

type Step = () => tf.Tensor[];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// backends whose kernels have finished when they return; reading their outputs back would time a copy
// out of the backend (33 MB at [256,32000] on wasm) that is not part of the step
const SYNCHRONOUS = new Set(['cpu', 'wasm']);

/**
 * One timed run: until the outputs are ready, then freed. A GPU backend runs its programs in order, so
 * reading back one value of each output waits for the step and no more (reading a whole output would
 * time a 33 MB download at [256,32000]).
 */
async function once(step: Step): Promise<number> {
  const t0 = performance.now();
  const out = step();
  if (!SYNCHRONOUS.has(tf.getBackend())) {
    const probes = out.map((t) => tf.slice(tf.reshape(t, [-1]), 0, Math.min(1, t.size)));
    await Promise.all(probes.map((t) => t.data()));
    tf.dispose(probes);
  }
  const ms = performance.now() - t0;
  tf.dispose(out);
  return ms;
}

/**
 * Median times of the steps, run in rotation (A B C A B C ...) so that garbage one method leaves
 * behind (the built-in leaves hundreds of MB) is collected during every method's runs alike.
 */
async function timeInRotation(steps: Step[], runs: number): Promise<number[]> {
  const times: number[][] = steps.map(() => []);
  for (let r = -2; r < runs; r++) {  // two warm-up rounds (and shader compiles on GPU backends)
    for (let m = 0; m < steps.length; m++) {
      const ms = await once(steps[m]);
      if (r >= 0) times[m].push(ms);
    }
  }
  return times.map(median);
}

async function profile(step: Step, inputBytes: number) {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => { tf.dispose(step()); });
  const identities = info.kernels.filter((k) => k.name === 'Identity').length;
  return {peakBytes: info.peakBytes - before + inputBytes, kernels: info.kernels.length - identities, identities};
}

/**
 * The bandwidth floor: a step that copies the logits once, where the backend keeps them (read N·K
 * floats, write N·K floats: what a fused loss-and-grad must do at least). Returns the step and a
 * clean-up.
 */
function copyStep(logits: tf.Tensor): [() => tf.Tensor[], () => void] {
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

/** Runs the methods at one shape on the active backend. */
async function benchShape(N: number, K: number, runs: number, seed: number): Promise<Row[]> {
  const logits = tf.randomNormal([N, K], 0, 3, 'float32', seed);
  const ids = tf.randomUniformInt([N], 0, K, seed);
  const oneHot = tf.oneHot(ids, K).toFloat();
  // Each method its own copy of the same values: a GPU backend uploads a tensor in the layout of the
  // first program that reads it (packed for tfjs's ops, unpacked for ours), and keeps it so.
  const values = await logits.data();
  const z = [0, 1, 2].map(() => tf.tensor(values, [N, K], 'float32'));
  const methods: Array<[string, Step]> = [
    ['tf.losses.softmaxCrossEntropy (one-hot)', () => {
      const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => tf.losses.softmaxCrossEntropy(oneHot, x))(z[0]);
      return [value, grad];
    }],
    ['fused tf.valueAndGrad (class ids)', () => {
      const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, ids))(z[1]);
      return [value, grad];
    }],
    ['fused softmaxCrossEntropyWithGrad (class ids)', () => {
      const {loss, grad} = softmaxCrossEntropyWithGrad(z[2], ids);
      return [loss, grad];
    }],
  ];
  const rows: Row[] = [];
  const gradBytes = N * K * 4;
  const [copy, freeCopy] = copyStep(logits);
  const medians = await timeInRotation([...methods.map(([, step]) => step), copy], runs);
  freeCopy();
  const copyMs = medians[methods.length];
  for (const [m, [method, step]] of methods.entries()) {
    const medianMs = medians[m];
    const p = await profile(step, gradBytes);
    rows.push({backend: tf.getBackend(), shape: [N, K], method, medianMs, speedup: NaN, ...p,
      peakRatio: p.peakBytes / (2 * gradBytes), vsCopy: medianMs / copyMs, copyMs});
  }
  for (const r of rows) r.speedup = rows[0].medianMs / r.medianMs;
  tf.dispose([logits, ids, oneHot, ...z]);
  return rows;
}

export async function runBenchmark(opts: {shapes?: Array<[number, number]>, runs?: number,
    backends?: string[], log?: (line: string) => void} = {}): Promise<Row[]> {
  const {shapes = DEFAULT_SHAPES, runs = 5, backends = ['cpu', 'wasm'], log = () => {}} = opts;
  const rows: Row[] = [];
  for (const backend of backends) {
    // tfjs keeps the previous backend when one fails to initialize (webgpu without navigator.gpu)
    if (!await tf.setBackend(backend)) throw new Error(`tf.setBackend('${backend}') failed: no such backend here`);
    await ready();
    for (const [N, K] of shapes) {
      log(`benchmark: ${backend} [${N},${K}] ...`);
      rows.push(...await benchShape(N, K, runs, 7));
    }
  }
  return rows;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** A Markdown table of the rows. */
export function formatTable(rows: Row[]): string {
  const lines = [
    '| backend | shape | method | median ms | speedup | × copy | peak bytes | peak / (logits + grad) | kernels (+Identity) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  let last = '';
  for (const r of rows) {
    const key = `${r.backend} ${r.shape}`;
    if (key !== last) {
      lines.push(`| ${r.backend} | [${r.shape.join(',')}] | copy of the logits (bandwidth floor) | ${r.copyMs.toFixed(2)} | | 1.0 | | | |`);
      last = key;
    }
    lines.push(`| ${r.backend} | [${r.shape.join(',')}] | ${r.method} | ${r.medianMs.toFixed(2)} | ` +
        `${r.speedup.toFixed(1)}× | ${r.vsCopy.toFixed(1)} | ${mb(r.peakBytes)} | ${r.peakRatio.toFixed(3)} | ` +
        `${r.kernels} (+${r.identities}) |`);
  }
  return lines.join('\n');
}

export function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const shapes = get('--shapes')?.split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const runs = get('--runs') ? Number(get('--runs')) : undefined;
  const backends = get('--backends')?.split(',');
  return {shapes, runs, backends};
}
