/**
 * Benchmark, the relatives' rows: value-and-grad of the fused softmax focal loss, KL divergence,
 * distillation and entropy against each one's formula in tfjs ops (relatives_methods.ts), on the same
 * logits and targets, per backend; and, beside distillation, plain softmax cross-entropy's
 * loss-and-grad on the same logits (distillation reads twice the input: it is held to 1.5× of it).
 * Measured as the other rows are (measure.ts): in rotation with a copy of the logits, median of `runs`
 * timed runs (SLOW_RUNS for a step whose first timed run took a second or more). The same code runs in
 * Node and, bundled into benchmarks/browser_page.ts, in headless Chromium.
 *
 *   npm run bench -- --loss relatives [--runs 7 --shapes 256x32000,8x262144 --backends cpu,wasm,webgl,webgpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {ready} from '../dist/cjs/index.js';
import '../dist/cjs/backends/wasm/register.js';
import '../dist/cjs/backends/webgl/register.js';
import {measureRows, WARMUP_ROUNDS} from './measure';
import {RELATIVE_LOSSES, relativesInputs, relativesMethods} from './relatives_methods';
import type {Kind, Row} from './row';
import {SLOW_RUNS} from './sigmoid_cross_entropy';

/** A language model's vocabulary, and a long one (the issue's shapes). */
export const DEFAULT_RELATIVES_SHAPES: Array<[number, number]> = [[256, 32000], [8, 262144]];

/** Every relative at one shape on the active backend, each loss in its own rotation. */
async function benchShape(backend: string, N: number, K: number, runs: number, seed: number): Promise<Row[]> {
  const x = relativesInputs(N, K, seed);
  const bytes = N * K * 4;
  const rows: Row[] = [];
  for (const loss of RELATIVE_LOSSES) {
    // a perfect kernel reads the logits (and a [N, K] target, but for entropy) and writes the gradient
    const inputs = loss === 'entropy' ? 1 : 2;
    const problem = {backend, shape: [N, K] as [number, number], logits: x.logits, runs, slowRuns: SLOW_RUNS, loss,
      minBytes: (kind: Kind) => (kind === 'loss' ? inputs : inputs + 1) * bytes,
      floorBytes: (kind: Kind) => (kind === 'loss' ? 1 : 2) * bytes};
    const [list, copies] = await relativesMethods(x, loss);
    rows.push(...await measureRows(problem, list));
    tf.dispose(copies);
  }
  tf.dispose([x.logits, x.teacher, x.probs, x.oneHot, x.ids]);
  return rows;
}

const seconds = (ms: number) => `${(ms / 1e3).toFixed(1)} s`;

/** One progress line per shape: each loss's loss-and-grad speedup. */
function summary(rows: Row[], ms: number): string {
  const lag = (loss: string) => rows.find((r) => r.loss === loss && r.method === 'fused loss-and-grad')!.speedup.toFixed(1);
  return `fused loss-and-grad vs tfjs ops: ${RELATIVE_LOSSES.map((l) => `${l} ${lag(l)}×`).join(', ')} (${seconds(ms)})`;
}

/** Runs every shape on each backend in turn; `label` names the rows' backend (default tfjs's name). */
export async function runRelativesBenchmark(opts: {shapes?: Array<[number, number]>, runs?: number,
    backends?: string[], log?: (line: string) => void, label?: string} = {}): Promise<Row[]> {
  const {shapes = DEFAULT_RELATIVES_SHAPES, runs = 7, backends = ['cpu', 'wasm'], log = () => {}} = opts;
  const rows: Row[] = [];
  for (const backend of backends) {
    if (!await tf.setBackend(backend)) throw new Error(`tf.setBackend('${backend}') failed: no such backend here`);
    await ready();
    const label = opts.label ?? backend;
    for (const [N, K] of shapes) {
      log(`benchmark: ${label} relatives [${N},${K}]: ${WARMUP_ROUNDS} warm-up + ${runs} timed rounds ` +
          `(${SLOW_RUNS} for a step over a second) ...`);
      const t0 = performance.now();
      const shapeRows = await benchShape(label, N, K, runs, 13);
      log(`benchmark: ${label} relatives [${N},${K}]: ${summary(shapeRows, performance.now() - t0)}`);
      rows.push(...shapeRows);
    }
  }
  return rows;
}
