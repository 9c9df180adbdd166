/**
 * `npm run bench`: the benchmark's softmax rows (softmax_cross_entropy.ts), sigmoid rows
 * (sigmoid_cross_entropy.ts) and the relatives' rows (relatives.ts: softmax focal, KL, distillation,
 * entropy) on cpu and wasm here in Node, and on webgl, webgpu, cpu and wasm in headless
 * Chromium (browser.ts), then the report (report.ts): benchmarks/results/latest.json, latest.md and
 * speedup.svg. The sigmoid rows skip Chromium's cpu and wasm unless --backends names them (tfjs's and our
 * kernels there are Node's, and cpu's built-ins would add minutes). Progress goes to stderr, the Markdown
 * to stdout.
 *
 *   npm run bench [-- --loss softmax,sigmoid,relatives --runs 7 --shapes 64x10,512x1000
 *                     --backends cpu,wasm,webgl,webgpu,chromium-cpu,chromium-wasm --out benchmarks/results]
 *   npm run bench -- --loss sigmoid --shapes 4096x1000   (--shapes: for every --loss given)
 *   npx tsx benchmarks/run.ts --backends webgpu --shapes 256x32000,8x262144   (dist/ as built)
 *
 * `--loss linear` (only when named: it takes the better part of an hour here) runs the fused LM head's
 * rows instead (linear_cross_entropy.ts), with their own report (latest.json, latest.md, speedup.svg),
 * benchmarks/results/linear/ by default:
 *
 *   npx tsx benchmarks/run.ts --loss linear [--runs 5 --backends cpu,wasm,webgl,webgpu --shapes 2048x48x50257]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {parseArgs} from './args';
import {inChromium} from './browser';
import {backendDetails} from './backend_facts';
import {linearChart} from './chart';
import {formatLinearReport, formatLinearSummary, formatSummaries} from './markdown';
import {machineFacts, RESULTS_DIR, writeReport} from './report';
import {LINEAR_RUNS, LINEAR_SLOW_RUNS, LINEAR_SLOWER_RUNS, linearChild, runLinearBenchmark} from './linear_cross_entropy';
import type {LinearShape} from './linear_methods';
import type {BackendFacts, Family, LinearReport, Report, Row} from './row';
import {DEFAULT_RELATIVES_SHAPES, runRelativesBenchmark} from './relatives';
import {DEFAULT_SIGMOID_SHAPES, runSigmoidBenchmark, SLOW_RUNS} from './sigmoid_cross_entropy';
import {DEFAULT_RUNS, DEFAULT_SHAPES, runBenchmark, WARMUP_ROUNDS} from './softmax_cross_entropy';

/** --backends names: Node's cpu and wasm by their own names, the page's with a chromium- prefix. */
const TARGETS: Record<string, {page?: string, label: string}> = {
  'cpu': {label: 'cpu'},
  'wasm': {label: 'wasm'},
  'webgl': {page: 'webgl', label: 'webgl'},
  'webgpu': {page: 'webgpu', label: 'webgpu'},
  'chromium-cpu': {page: 'cpu', label: 'cpu (Chromium)'},
  'chromium-wasm': {page: 'wasm', label: 'wasm (Chromium)'},
};

/** Where each family runs when --backends is not given. */
const DEFAULT_TARGETS: Record<Family, string[]> = {
  softmax: Object.keys(TARGETS),
  sigmoid: ['cpu', 'wasm', 'webgl', 'webgpu'],
  relatives: ['cpu', 'wasm', 'webgl', 'webgpu'],
};

const DEFAULT_FAMILY_SHAPES: Record<Family, Array<[number, number]>> =
    {softmax: DEFAULT_SHAPES, sigmoid: DEFAULT_SIGMOID_SHAPES, relatives: DEFAULT_RELATIVES_SHAPES};

const RUN: Record<Family, typeof runBenchmark> =
    {softmax: runBenchmark, sigmoid: runSigmoidBenchmark, relatives: runRelativesBenchmark};

/** The linear rows' run and report (latest.json, one row per line, and latest.md) in `dir`. */
async function linear(argv: string[], args: ReturnType<typeof parseArgs>, dir: string): Promise<void> {
  const date = new Date();
  const t0 = performance.now();
  const load = os.loadavg()[0];
  const clock = () => {
    const s = Math.round((performance.now() - t0) / 1e3);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const run = await runLinearBenchmark({shapes: args.shapes as unknown as LinearShape[] | undefined, runs: args.runs,
    backends: args.backends, fullBatch: argv.includes('--full-batch') || undefined,
    log: (line) => console.error(`[${clock()}] ${line}`)});
  const noteAt = argv.indexOf('--note');
  const shown = noteAt >= 0 ? [...argv.slice(0, noteAt), ...argv.slice(noteAt + 2)] : argv;
  const report: LinearReport = {date: date.toISOString(), args: shown.join(' '), runs: args.runs ?? LINEAR_RUNS,
    slowRuns: LINEAR_SLOW_RUNS, slowerRuns: LINEAR_SLOWER_RUNS, totalSeconds: Math.round((performance.now() - t0) / 1e3),
    machine: machineFacts(tf.version.tfjs), load: [load, os.loadavg()[0]], ...run,
    // --note "<text>": said under the command line (where the run ran, for one)
    ...(noteAt >= 0 ? {note: argv[noteAt + 1]} : {})};
  fs.mkdirSync(dir, {recursive: true});
  const {rows, ...head} = report;
  const json = `${JSON.stringify(head, null, 1).replace(/\n}$/, '')},\n "rows": [\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n ]\n}\n`;
  for (const [name, body] of [['latest.json', json], ['latest.md', formatLinearReport(report)], ['speedup.svg', linearChart(report)]]) {
    fs.writeFileSync(path.join(dir, name), body);
    console.error(`benchmark: wrote ${path.join(dir, name)}`);
  }
  console.log(formatLinearSummary(report));
}

(async () => {
  const argv = process.argv.slice(2);
  // a child process of the linear rows (linear_cross_entropy.ts): one backend and shape
  if (argv[0] === '--linear-child') return linearChild(argv[1]);
  const args = parseArgs(argv);
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : RESULTS_DIR;
  if (args.losses.includes('linear')) {
    const only = args.losses.length === 1;
    await linear(argv, args, outIndex >= 0 && only ? out : path.join(out, 'linear'));
    if (only) return;
  }
  const losses = args.losses.filter((l): l is Family => l !== 'linear');
  const backends = args.backends ?? Object.keys(TARGETS);
  const unknown = backends.filter((b) => !(b in TARGETS));
  if (unknown.length > 0) throw new Error(`--backends: unknown ${unknown.join(', ')}; known: ${Object.keys(TARGETS).join(', ')}`);
  // per backend, each family that runs there, in --loss order
  const jobs = backends.flatMap((backend) => losses
      .filter((loss) => args.backends !== undefined || DEFAULT_TARGETS[loss].includes(backend))
      .map((loss) => ({backend, loss})));
  const date = new Date();
  const t0 = performance.now();
  const clock = () => {
    const s = Math.round((performance.now() - t0) / 1e3);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const rows: Row[] = [];
  const facts: BackendFacts[] = [];
  let userAgent: string | undefined;
  for (const [i, {backend, loss}] of jobs.entries()) {
    const {page, label} = TARGETS[backend];
    const log = (line: string) => console.error(`[${clock()} ${i + 1}/${jobs.length}] ${line}`);
    const firstOfBackend = !facts.some((f) => f.backend === label);
    if (page !== undefined) {
      const run = await inChromium({loss, shapes: args.shapes, runs: args.runs, backend: page, label, log});
      rows.push(...run.rows);
      if (firstOfBackend) facts.push(run.facts);
      userAgent = run.userAgent;
    } else {
      const run = RUN[loss];
      rows.push(...await run({shapes: args.shapes, runs: args.runs, backends: [backend], log}));
      if (firstOfBackend) facts.push({backend: label, runtime: 'Node', details: await backendDetails()});
    }
  }
  const shapes = Object.fromEntries(losses.map((loss) => [loss, args.shapes ?? DEFAULT_FAMILY_SHAPES[loss]]));
  const report: Report = {date: date.toISOString(), args: argv.join(' '), runs: args.runs ?? DEFAULT_RUNS,
    slowRuns: SLOW_RUNS, warmupRounds: WARMUP_ROUNDS, shapes,
    totalSeconds: Math.round((performance.now() - t0) / 1e3), machine: machineFacts(tf.version.tfjs), userAgent,
    backends: facts, rows};
  for (const file of writeReport(report, out)) console.error(`benchmark: wrote ${file}`);
  console.log(formatSummaries(rows));
})().catch((e) => { console.error(e); process.exit(1); });
