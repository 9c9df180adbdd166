/**
 * Benchmark, sigmoid rows: value-and-grad of the fused sigmoid cross-entropy against tf.valueAndGrad over
 * tfjs's tf.losses.sigmoidCrossEntropy and over tfjs-layers' binaryCrossentropy, and of the fused focal
 * loss (γ = 2, α = 0.25) against the same formula in tfjs ops (sigmoid_methods.ts), on the same logits
 * and labels, per backend. Measured as the softmax rows are (measure.ts): in rotation with a copy of the
 * logits, median of `runs` timed runs, except that a step whose first timed run took a second or more
 * (cpu's and the GPU backends' built-ins at these shapes take 1–25 s) is timed SLOW_RUNS times, which
 * keeps the sigmoid rows to minutes. The same code runs in Node and, bundled into benchmarks/browser_page.ts, in
 * headless Chromium.
 *
 *   npm run bench -- --loss sigmoid [--runs 7 --shapes 4096x1000,65536x80 --backends cpu,wasm,webgl,webgpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {ready} from '../dist/cjs/index.js';
import '../dist/cjs/backends/wasm/register.js';
import '../dist/cjs/backends/webgl/register.js';
import {measureRows, WARMUP_ROUNDS} from './measure';
import type {Kind, Row} from './row';
import {sigmoidInputs, sigmoidMethods} from './sigmoid_methods';

/** Multi-label tagging (1000 tags), detection (anchors × COCO's 80 classes), one binary output. */
export const DEFAULT_SIGMOID_SHAPES: Array<[number, number]> = [[4096, 1000], [65536, 80], [1048576, 1]];
export const DEFAULT_SIGMOID_RUNS = 7;
/** Timed runs of a step whose first timed run took SLOW_MS (measure.ts) or more. */
export const SLOW_RUNS = 3;

/** The sigmoid and then the focal rows at one shape on the active backend, each loss in its own rotation. */
async function benchShape(backend: string, N: number, C: number, runs: number, seed: number): Promise<Row[]> {
  const x = sigmoidInputs(N, C, seed);
  const bytes = N * C * 4;
  // a perfect kernel reads the logits and the labels and writes the gradient; peak against logits + gradient
  const problem = {backend, shape: [N, C] as [number, number], logits: x.logits, runs, slowRuns: SLOW_RUNS,
    minBytes: (kind: Kind) => (kind === 'loss' ? 2 : 3) * bytes, floorBytes: (kind: Kind) => (kind === 'loss' ? 1 : 2) * bytes};
  const rows: Row[] = [];
  for (const loss of ['sigmoid', 'focal'] as const) {
    const [list, copies] = await sigmoidMethods(x, loss);
    rows.push(...await measureRows({...problem, loss}, list));
    tf.dispose(copies);
  }
  tf.dispose([x.logits, x.labels]);
  return rows;
}

const seconds = (ms: number) => `${(ms / 1e3).toFixed(1)} s`;

/** One progress line per shape: the value-and-grad speedups. */
function summary(rows: Row[], ms: number): string {
  const vg = (loss: string, m: string) => rows.find((r) => r.loss === loss && r.method === m)!.speedup.toFixed(1);
  return `fused value-and-grad ${vg('sigmoid', 'fused tape')}× (tape), ${vg('sigmoid', 'fused loss-and-grad')}× ` +
      `(loss-and-grad) vs tf.losses; focal ${vg('focal', 'fused tape')}×, ${vg('focal', 'fused loss-and-grad')}× ` +
      `vs tfjs ops (${seconds(ms)})`;
}

/**
 * Runs every shape on each backend in turn. `label` names the rows' backend (browser.ts: "cpu (Chromium)");
 * default tfjs's backend name.
 */
export async function runSigmoidBenchmark(opts: {shapes?: Array<[number, number]>, runs?: number,
    backends?: string[], log?: (line: string) => void, label?: string} = {}): Promise<Row[]> {
  const {shapes = DEFAULT_SIGMOID_SHAPES, runs = DEFAULT_SIGMOID_RUNS, backends = ['cpu', 'wasm'], log = () => {}} = opts;
  const rows: Row[] = [];
  for (const backend of backends) {
    // tfjs keeps the previous backend when one fails to initialize (webgpu without navigator.gpu)
    if (!await tf.setBackend(backend)) throw new Error(`tf.setBackend('${backend}') failed: no such backend here`);
    await ready();
    const label = opts.label ?? backend;
    for (const [N, C] of shapes) {
      log(`benchmark: ${label} sigmoid [${N},${C}]: ${WARMUP_ROUNDS} warm-up + ${runs} timed rounds ` +
          `(${SLOW_RUNS} for a step over a second) ...`);
      const t0 = performance.now();
      const shapeRows = await benchShape(label, N, C, runs, 11);
      log(`benchmark: ${label} sigmoid [${N},${C}]: ${summary(shapeRows, performance.now() - t0)}`);
      rows.push(...shapeRows);
    }
  }
  return rows;
}
