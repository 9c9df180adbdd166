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
import {measureRows, WARMUP_ROUNDS} from './measure';
import {inputs, methods} from './methods';
import type {Kind, Row} from './row';

export type {Row} from './row';
export {formatTable} from './markdown';
export {WARMUP_ROUNDS} from './measure';

export const DEFAULT_SHAPES: Array<[number, number]> =
    [[64, 10], [512, 1000], [128, 10000], [256, 32000], [8, 262144]];
export const DEFAULT_RUNS = 7;

/** Runs the methods at one shape on the active backend; rows labelled `backend`. */
async function benchShape(backend: string, N: number, K: number, runs: number, seed: number): Promise<Row[]> {
  const x = inputs(N, K, seed);
  const [list, copies] = await methods(x);
  const logitsBytes = N * K * 4;
  const floorBytes = (kind: Kind) => (kind === 'loss' ? logitsBytes : 2 * logitsBytes);  // the logits (and the gradient)
  const rows = await measureRows({backend, loss: 'softmax', shape: [N, K], logits: x.logits, runs,
    floorBytes, minBytes: (kind) => floorBytes(kind) + N * 4}, list);  // + the class ids
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
