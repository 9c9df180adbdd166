/**
 * Benchmark: the fused loss against tfjs's tf.losses.softmaxCrossEntropy (one-hot labels) and
 * tfjs-layers' sparseCategoricalCrossentropy, loss only and value-and-grad (methods.ts), same logits,
 * same class ids, side by side in one run, per backend. Median of `runs` timed runs after two warm-up
 * rounds; tf.profile's peakBytes and kernel count per step; a copy of the logits (copy_floor.ts) timed
 * in the same rotation as the bandwidth floor. The same code runs in Node (cpu, wasm) and, bundled
 * into a page, in headless Chromium (webgl, webgpu, cpu, wasm): benchmarks/run.ts is the command line,
 * benchmarks/browser.ts the page's host.
 *
 *   npm run bench [-- --runs 7 --shapes 64x10,512x1000 --backends cpu,wasm,webgl,webgpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {ready} from '../dist/cjs/index.js';
import '../dist/cjs/backends/wasm/register.js';
import '../dist/cjs/backends/webgl/register.js';
import {copyStep} from './copy_floor';
import {inputs, methods, Step} from './methods';
import {BASELINE, GB, Row} from './row';

export type {Row} from './row';
export {formatTable} from './markdown';

export const DEFAULT_SHAPES: Array<[number, number]> =
    [[64, 10], [512, 1000], [128, 10000], [256, 32000], [8, 262144]];
export const DEFAULT_RUNS = 7;
export const WARMUP_ROUNDS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// backends whose kernels have finished when they return; reading their outputs back would time a copy
// out of the backend (33 MB at [256,32000] on wasm) that is not part of the step
const SYNCHRONOUS = new Set(['cpu', 'wasm']);

/**
 * A timed run lasts at least this long: a step faster than that is repeated within the run and its time
 * divided (Chromium's performance.now() has 0.1 ms steps in a page that is not cross-origin isolated).
 */
const SAMPLE_MS = 2;
const SLOW_MS = 1000;

/**
 * One timed run of `reps` steps, each until its outputs are ready and freed. A GPU backend runs its
 * programs in order, so reading back one value of each output waits for the step and no more (reading
 * a whole output would time a 33 MB download at [256,32000]). Returns ms per step.
 */
async function once(step: Step, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = step();
    if (!SYNCHRONOUS.has(tf.getBackend())) {
      const probes = out.map((t) => tf.slice(tf.reshape(t, [-1]), 0, Math.min(1, t.size)));
      await Promise.all(probes.map((t) => t.data()));
      tf.dispose(probes);
    }
    tf.dispose(out);
  }
  return (performance.now() - t0) / reps;
}

/**
 * Median times of the steps, run in rotation (A B C A B C ...) so that garbage one method leaves
 * behind (the built-ins leave hundreds of MB) is collected during every method's runs alike. Warm-up:
 * WARMUP_ROUNDS rounds (JIT, shader compiles on GPU backends), one for a step slower than SLOW_MS; the
 * last sets how many steps each timed run repeats (SAMPLE_MS). Returns [medians, reps].
 */
async function timeInRotation(steps: Step[], runs: number): Promise<[number[], number[]]> {
  const times: number[][] = steps.map(() => []);
  const reps = steps.map(() => 1);
  const first: number[] = [];
  for (let r = -WARMUP_ROUNDS; r < runs; r++) {
    for (let m = 0; m < steps.length; m++) {
      // a step that took a second is warm after one round (the built-ins on cpu: most of the run's time)
      if (r > -WARMUP_ROUNDS && r < 0 && first[m] >= SLOW_MS) continue;
      const ms = await once(steps[m], reps[m]);
      if (r === -WARMUP_ROUNDS) first[m] = ms;
      if (r >= 0) times[m].push(ms);
      if (r === -1) reps[m] = Math.min(1000, Math.ceil(SAMPLE_MS / Math.max(ms, 0.002)));
    }
  }
  return [times.map(median), reps];
}

async function profile(step: Step, logitsBytes: number) {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => { tf.dispose(step()); });
  const identities = info.kernels.filter((k) => k.name === 'Identity').length;
  return {peakBytes: info.peakBytes - before + logitsBytes, kernels: info.kernels.length - identities, identities};
}

/** Runs the methods at one shape on the active backend; rows labelled `backend`. */
async function benchShape(backend: string, N: number, K: number, runs: number, seed: number): Promise<Row[]> {
  const x = inputs(N, K, seed);
  const [list, copies] = await methods(x);
  const logitsBytes = N * K * 4;
  const [copy, freeCopy] = copyStep(x.logits);
  const [medians, reps] = await timeInRotation([...list.map((m) => m.step), copy], runs);
  freeCopy();
  const copyMs = medians[list.length];
  const rows: Row[] = [];
  for (const [i, {kind, method, label, step}] of list.entries()) {
    const medianMs = medians[i];
    const p = await profile(step, logitsBytes);
    const floorBytes = kind === 'loss' ? logitsBytes : 2 * logitsBytes;  // the logits (and the gradient)
    const minBytes = floorBytes + N * 4;  // + the class ids
    rows.push({backend, shape: [N, K], kind, method, label, medianMs, reps: reps[i], speedup: NaN, minBytes,
      gbps: minBytes / GB / (medianMs / 1e3), copyMs, copyGbps: 2 * logitsBytes / GB / (copyMs / 1e3),
      vsCopy: medianMs / copyMs, ...p, peakRatio: p.peakBytes / floorBytes});
  }
  for (const r of rows) r.speedup = rows.find((b) => b.kind === r.kind && b.method === BASELINE)!.medianMs / r.medianMs;
  tf.dispose([x.logits, x.ids, x.oneHot, x.idsFloat, ...copies]);
  return rows;
}

const seconds = (ms: number) => `${(ms / 1e3).toFixed(1)} s`;

/** One progress line per shape: what it found, the value-and-grad speedups. */
function summary(rows: Row[], ms: number): string {
  const vg = (m: string) => rows.find((r) => r.kind === 'value-and-grad' && r.method === m)!.speedup.toFixed(1);
  return `fused value-and-grad ${vg('fused tape')}× (tape), ${vg('fused loss-and-grad')}× (loss-and-grad) ` +
      `vs tf.losses (${seconds(ms)})`;
}

/**
 * Runs every shape on each backend in turn. `label` names the rows' backend (browser.ts: "cpu (Chromium)");
 * default tfjs's backend name.
 */
export async function runBenchmark(opts: {shapes?: Array<[number, number]>, runs?: number,
    backends?: string[], log?: (line: string) => void, label?: string} = {}): Promise<Row[]> {
  const {shapes = DEFAULT_SHAPES, runs = DEFAULT_RUNS, backends = ['cpu', 'wasm'], log = () => {}} = opts;
  const rows: Row[] = [];
  for (const backend of backends) {
    // tfjs keeps the previous backend when one fails to initialize (webgpu without navigator.gpu)
    if (!await tf.setBackend(backend)) throw new Error(`tf.setBackend('${backend}') failed: no such backend here`);
    await ready();
    const label = opts.label ?? backend;
    for (const [N, K] of shapes) {
      log(`benchmark: ${label} [${N},${K}]: ${WARMUP_ROUNDS} warm-up + ${runs} timed rounds ...`);
      const t0 = performance.now();
      const shapeRows = await benchShape(label, N, K, runs, 7);
      log(`benchmark: ${label} [${N},${K}]: ${summary(shapeRows, performance.now() - t0)}`);
      rows.push(...shapeRows);
    }
  }
  return rows;
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
