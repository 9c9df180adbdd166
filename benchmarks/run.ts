/**
 * `npm run bench`: the benchmark (softmax_cross_entropy.ts) on cpu and wasm here in Node, and on webgl,
 * webgpu, cpu and wasm in headless Chromium (browser.ts), then the report (report.ts):
 * benchmarks/results/latest.json, latest.md and speedup.svg. Progress goes to stderr, the Markdown to
 * stdout.
 *
 *   npm run bench [-- --runs 7 --shapes 64x10,512x1000 --backends cpu,wasm,webgl,webgpu,chromium-cpu,chromium-wasm
 *                     --out benchmarks/results]
 *   npx tsx benchmarks/run.ts --backends webgpu --shapes 256x32000,8x262144   (dist/ as built)
 */
import * as tf from '@tensorflow/tfjs';
import {inChromium} from './browser';
import {backendDetails} from './backend_facts';
import {formatSummary, formatTable} from './markdown';
import {machineFacts, RESULTS_DIR, writeReport} from './report';
import type {BackendFacts, Report, Row} from './row';
import {DEFAULT_RUNS, DEFAULT_SHAPES, parseArgs, runBenchmark, WARMUP_ROUNDS} from './softmax_cross_entropy';

/** --backends names: Node's cpu and wasm by their own names, the page's with a chromium- prefix. */
const TARGETS: Record<string, {page?: string, label: string}> = {
  'cpu': {label: 'cpu'},
  'wasm': {label: 'wasm'},
  'webgl': {page: 'webgl', label: 'webgl'},
  'webgpu': {page: 'webgpu', label: 'webgpu'},
  'chromium-cpu': {page: 'cpu', label: 'cpu (Chromium)'},
  'chromium-wasm': {page: 'wasm', label: 'wasm (Chromium)'},
};

(async () => {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : RESULTS_DIR;
  const backends = args.backends ?? Object.keys(TARGETS);
  const unknown = backends.filter((b) => !(b in TARGETS));
  if (unknown.length > 0) throw new Error(`--backends: unknown ${unknown.join(', ')}; known: ${Object.keys(TARGETS).join(', ')}`);
  const date = new Date();
  const t0 = performance.now();
  const clock = () => {
    const s = Math.round((performance.now() - t0) / 1e3);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const rows: Row[] = [];
  const facts: BackendFacts[] = [];
  let userAgent: string | undefined;
  for (const [i, backend] of backends.entries()) {
    const {page, label} = TARGETS[backend];
    const log = (line: string) => console.error(`[${clock()} ${i + 1}/${backends.length}] ${line}`);
    if (page !== undefined) {
      const run = await inChromium({shapes: args.shapes, runs: args.runs, backend: page, label, log});
      rows.push(...run.rows);
      facts.push(run.facts);
      userAgent = run.userAgent;
    } else {
      rows.push(...await runBenchmark({shapes: args.shapes, runs: args.runs, backends: [backend], log}));
      facts.push({backend: label, runtime: 'Node', details: await backendDetails()});
    }
  }
  const report: Report = {date: date.toISOString(), args: argv.join(' '), runs: args.runs ?? DEFAULT_RUNS,
    warmupRounds: WARMUP_ROUNDS, shapes: args.shapes ?? DEFAULT_SHAPES,
    totalSeconds: Math.round((performance.now() - t0) / 1e3), machine: machineFacts(tf.version.tfjs), userAgent,
    backends: facts, rows};
  for (const file of writeReport(report, out)) console.error(`benchmark: wrote ${file}`);
  console.log(`${formatSummary(rows)}\n\n${formatTable(rows)}`);
})().catch((e) => { console.error(e); process.exit(1); });
