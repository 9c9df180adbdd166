/**
 * `npm run bench:evaluation`: the evaluation ops on Node's cpu and wasm. fitTemperature on held-out logits
 * of [10 000, 1000] (loss evaluations, fused kernel runs, median time of a few fits), and a streamed
 * evaluation of 100 000 × 1000 logits in batches (createPerplexity and createCalibrationError: time per
 * row, and the most bytes tfjs held beyond the batch during it). Writes benchmarks/results/evaluation/
 * latest.md (and prints it). The logits are a classifier's that is right about 70% of the time: N(0, 1) noise, +5 on a
 * class that is the label 70% of the time, times 1.5.
 *
 *   npm run bench:evaluation [-- --backends cpu,wasm --runs 3 --out benchmarks/results/evaluation]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {createCalibrationError, createPerplexity, fitTemperature, ready} from '../dist/cjs/index.js';
import '../dist/cjs/backends/wasm/register.js';
import {machineFacts} from './report';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Logits [n, K] and labels of an over-confident classifier, made on the backend with a seed. */
function classifier(n: number, K: number, seed: number): {z: tf.Tensor2D; y: tf.Tensor1D} {
  return tf.tidy(() => {
    const y = tf.randomUniformInt([n], 0, K, seed) as tf.Tensor1D;
    const other = tf.randomUniformInt([n], 0, K, seed + 1);
    const right = tf.less(tf.randomUniform([n], 0, 1, 'float32', seed + 2), 0.7);
    const favoured = tf.where(right, y, other);
    const z = tf.mul(tf.add(tf.randomNormal([n, K], 0, 1, 'float32', seed + 3), tf.mul(tf.oneHot(favoured, K), 5)), 1.5);
    return {z: z as tf.Tensor2D, y};
  });
}

interface Line {backend: string; what: string; value: string}

async function fitRows(backend: string, runs: number): Promise<Line[]> {
  const {z, y} = classifier(10000, 1000, 1);
  const times: number[] = [];
  let result: Awaited<ReturnType<typeof fitTemperature>> | undefined;
  await fitTemperature(z, y);  // warm-up: compiles and first-run costs
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = await fitTemperature(z, y);
    times.push(performance.now() - t0);
  }
  tf.dispose([z, y]);
  const r = result!;
  return [{backend, what: 'fitTemperature on [10000, 1000]: fitted T', value: r.temperature.toFixed(4)},
    {backend, what: 'fitTemperature: loss evaluations (fused kernel runs: one cross-entropy and one entropy forward each)',
      value: `${r.iterations} (${2 * r.iterations})`},
    {backend, what: `fitTemperature: median time of ${runs} fits`, value: `${(median(times) / 1000).toFixed(2)} s`},
    {backend, what: 'fitTemperature: NLL at T = 1 → at the fitted T', value: `${r.nllBefore.toFixed(4)} → ${r.nllAfter.toFixed(4)}`}];
}

async function streamRows(backend: string): Promise<Line[]> {
  const rows = 2000;
  const K = 1000;
  const batches = 50;
  const ppl = createPerplexity();
  const ece = createCalibrationError();
  const start = tf.memory().numBytes;
  let peakBeyond = 0;
  let ms = 0;
  for (let b = 0; b < batches; b++) {
    const {z, y} = classifier(rows, K, 10 + b);
    const batchBytes = tf.memory().numBytes - start;
    const t0 = performance.now();
    const done = [ppl.update(z, y), ece.update(z, y)];
    peakBeyond = Math.max(peakBeyond, tf.memory().numBytes - start - batchBytes);
    tf.dispose([z, y]);
    await Promise.all(done);
    ms += performance.now() - t0;
  }
  const p = await ppl.result();
  const c = await ece.result();
  return [{backend, what: `streamed evaluation of ${batches * rows} × ${K} in batches of ${rows}: perplexity, ECE`,
    value: `${p.perplexity.toFixed(3)}, ${(100 * c.ece).toFixed(2)}%`},
  {backend, what: 'streamed evaluation: time per batch (both accumulators)', value: `${(ms / batches).toFixed(1)} ms`},
  {backend, what: 'streamed evaluation: bytes held beyond the batch, at most (tfjs memory)',
    value: `${peakBeyond} (the batch: ${rows * K * 4 + rows * 4})`}];
}

(async () => {
  const argv = process.argv.slice(2);
  const backends = (flag(argv, '--backends') ?? 'cpu,wasm').split(',');
  const runs = Number(flag(argv, '--runs') ?? 3);
  const out = flag(argv, '--out') ?? path.join(__dirname, 'results', 'evaluation');
  const lines: Line[] = [];
  for (const backend of backends) {
    if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`--backends: cpu or wasm here; got ${backend}`);
    await tf.setBackend(backend);
    await ready();
    console.error(`benchmark: evaluation on ${backend} ...`);
    lines.push(...await fitRows(backend, runs), ...await streamRows(backend));
  }
  const m = machineFacts(tf.version.tfjs);
  const md = [
    '# Benchmark: the evaluation ops', '',
    `\`npm run bench:evaluation\`, ${new Date().toISOString()}. Machine: ${m.cpu}, ${m.cores} cores; Node ${m.node}; ` +
        `tfjs ${m.tfjs}. Logits of a classifier right about 70% of the time (see benchmarks/evaluation.ts).`, '',
    '| backend | what | value |', '|---|---|---:|',
    ...lines.map((l) => `| ${l.backend} | ${l.what} | ${l.value} |`), '',
  ].join('\n');
  fs.mkdirSync(out, {recursive: true});
  fs.writeFileSync(path.join(out, 'latest.md'), md);
  process.stdout.write(md);
})().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
