/**
 * Benchmark, the linear head's rows (`--loss linear`): value-and-grad of the fused LM head,
 * softmaxCrossEntropy(hidden·W + b, labels) with its gradients for hidden, W and b, by the fused op
 * (linearCrossEntropyWithGrad, and linearCrossEntropy under tf.valueAndGrads), by our unfused head and by
 * tf.losses.softmaxCrossEntropy under tf.valueAndGrads (linear_methods.ts), at [N tokens, H, V] shapes,
 * on Node's cpu and wasm and Chromium's webgl and webgpu. Writes its own report (LinearReport:
 * benchmarks/results/linear/latest.json and latest.md).
 *
 * Each backend and shape runs in a process of its own (Node: a child process; Chromium: a fresh
 * browser), so that one method's failure cannot weigh on the next shape: wasm's module aborts for good
 * when its 4 GB heap overflows, a WebGPU device may be lost. Within it every method's first run is its
 * guarded warm-up (peak memory under tf.profile and a count of the backend's buffers); if a failure
 * leaves the backend unusable, or the process or page dies, the shape runs again in a fresh one without
 * that method, whose row says what failed. The methods that ran are then timed in rotation, side by side.
 *
 * cpu and webgl run a shape only while one run of it is estimated to take at most a minute (from the
 * time per multiply-add of the slowest method that ran at a smaller shape); the rest are listed as
 * skipped, with the estimate. Last, the full GPT-2 batch [2048, 768, 50257]: one run of the fused head on
 * wasm for its peak memory, and on each other backend the peak its chunk plan gives.
 *
 *   npx tsx benchmarks/run.ts --loss linear [--runs 5 --backends cpu,wasm,webgl,webgpu --shapes 2048x48x50257]
 *       (--full-batch: the full-batch line with --shapes too)
 */
import {spawn} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {chromium} from 'playwright-core';
import {bundlePage} from '../test/browser/bundle';
import {serve} from '../test/browser/server';
import {describeFailure, LINEAR_SLOW_MS, LINEAR_SLOWER_MS, LinearJob, LinearPeakResult, LinearShape, LinearShapeResult} from './linear_methods';
import type {BackendFacts, LinearMethodId, LinearPeakLine, LinearRow} from './row';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const {ensureChromium, CHROMIUM_ARGS} = require('../scripts/chromium.js') as
    {ensureChromium(): string, CHROMIUM_ARGS: string[]};

/** disco's gpt-nano on a 2048-token batch, GPT-2's head on 512 tokens, a 128k vocabulary (Llama 3's) on 256. */
export const DEFAULT_LINEAR_SHAPES: LinearShape[] = [[2048, 48, 50257], [512, 768, 50257], [256, 1024, 128256]];
/** GPT-2's head on a full 2048-token batch: the peak-memory line. */
export const FULL_GPT2: LinearShape = [2048, 768, 50257];
export const LINEAR_RUNS = 5;
export const LINEAR_SLOW_RUNS = 3;
export const LINEAR_SLOWER_RUNS = 2;
/** A step whose warm-up run took this long is timed by that run alone. */
export const LINEAR_PROBE_ONLY_MS = 100000;
/** cpu and webgl run a shape only if one run is estimated to take no longer. */
const MAX_ESTIMATED_MS = 60000;
/** Backends that run every shape, however long. */
const ALWAYS = new Set(['wasm', 'webgpu']);
/** Where the full batch is measured (one run); elsewhere its peak is computed from the plan. */
const FULL_MEASURED = new Set(['wasm']);

const TARGETS: Record<string, {page?: string, label: string}> = {
  cpu: {label: 'cpu'},
  wasm: {label: 'wasm'},
  webgl: {page: 'webgl', label: 'webgl'},
  webgpu: {page: 'webgpu', label: 'webgpu'},
};

export const LINEAR_BACKENDS = Object.keys(TARGETS);

const seconds = (ms: number) => `${(ms / 1e3).toFixed(1)} s`;
const shapeText = (s: LinearShape) => `[${s.join(',')}]`;
const macs = ([N, H, V]: LinearShape) => N * H * V;

/** What one attempt (a process or a page) gives: its result, or the method it died in. */
class Died extends Error {
  constructor(message: string, readonly during?: LinearMethodId) {
    super(message);
  }
}

type Task = {kind: 'shape', job: LinearJob} | {kind: 'peak', backend: string, shape: LinearShape, seed: number};

/** The method a progress line says is about to run ("probe <method>: ..." or "run <method>"). */
function methodOf(line: string): LinearMethodId | undefined {
  const m = /^(?:probe|run) (fused loss-and-grad|fused tape|unfused ours|tf\.losses)\b/.exec(line);
  return m ? m[1] as LinearMethodId : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Node: a child process per task (run.ts --linear-child <task file>)
// ---------------------------------------------------------------------------------------------------

/** The child's side: runs the task in the file and writes its result next to it. */
export async function linearChild(file: string): Promise<void> {
  const {runLinearPeak, runLinearShape} = await import('./linear_methods');
  await import('@tensorflow/tfjs-backend-wasm');
  await import('../dist/cjs/backends/wasm/register.js');
  const task = JSON.parse(fs.readFileSync(file, 'utf8')) as Task;
  const log = (line: string) => console.error(line);
  const result = task.kind === 'shape' ? await runLinearShape(task.job, log)
      : await runLinearPeak(task.backend, task.shape, task.seed, log);
  fs.writeFileSync(`${file}.out`, JSON.stringify(result));
}

async function inChild<T>(task: Task, log: (line: string) => void): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linear-bench-'));
  const file = path.join(dir, 'task.json');
  fs.writeFileSync(file, JSON.stringify(task));
  try {
    let during: LinearMethodId | undefined;
    let tail = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      // the same node and loader (tsx) as this process
      const child = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'run.ts'), '--linear-child', file],
          {stdio: ['ignore', 'inherit', 'pipe']});
      let partial = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          during = methodOf(line) ?? during;
          tail = (tail + line + '\n').slice(-20000);
          if (!line.startsWith('run ')) log(line);
        }
      });
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(signal ? -1 : c));
    });
    // a wasm module that aborted may still throw after the result is written (emscripten rethrows it)
    if (fs.existsSync(`${file}.out`)) return JSON.parse(fs.readFileSync(`${file}.out`, 'utf8')) as T;
    const lines = tail.split('\n').map((l) => l.trim());
    const error = lines.find((l) => /^(\w*Error\b|Aborted|FATAL ERROR|<--- JS stacktrace)/.test(l)) ??
        lines.filter((l) => l !== '' && !/^(run|probe) /.test(l)).slice(-2).join(' / ');
    throw new Died(`the process died (exit ${code}): ${error || 'no message'}`, during);
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

// ---------------------------------------------------------------------------------------------------
// Chromium: a fresh browser per task (the page is browser_page.ts)
// ---------------------------------------------------------------------------------------------------

interface LinearWindow {
  runLinearShape(job: LinearJob): Promise<LinearShapeResult>;
  runLinearPeak(backend: string, shape: LinearShape, seed: number): Promise<LinearPeakResult>;
}

let bundle: Promise<string> | undefined;

async function inChromium<T>(task: Task, log: (line: string) => void): Promise<{result: T, runtime: string, userAgent: string}> {
  bundle ??= bundlePage('benchmarks/browser_page.ts').then((b) => b.code);
  const server = await serve(await bundle);
  const browser = await chromium.launch({executablePath: ensureChromium(), args: CHROMIUM_ARGS});
  let during: LinearMethodId | undefined;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'info') return;
      const line = m.text();
      during = methodOf(line) ?? during;
      if (!line.startsWith('run ')) log(line);
    });
    page.on('pageerror', (e) => log(`Chromium: ${e.message}`));
    const died = new Promise<never>((_, reject) => {
      page.on('crash', () => reject(new Died('the page crashed', during)));
      browser.on('disconnected', () => reject(new Died('the browser disconnected', during)));
    });
    await page.goto(server.plain);
    await page.waitForFunction(() => 'runLinearShape' in window);
    const run = task.kind === 'shape'
        ? page.evaluate((job) => (window as unknown as LinearWindow).runLinearShape(job), task.job)
        : page.evaluate(([b, s, seed]) => (window as unknown as LinearWindow).runLinearPeak(b, s, seed),
            [task.backend, task.shape, task.seed] as const);
    let result: T;
    try {
      result = await Promise.race([run, died]) as T;
    } catch (e) {
      if (e instanceof Died) throw e;
      // the page's own exception, or one from playwright because the page went away
      throw new Died(`the page failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, during);
    }
    const userAgent = await page.evaluate(() => navigator.userAgent);
    return {result, runtime: `Chromium ${browser.version()}`, userAgent};
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

export interface LinearRun {
  rows: LinearRow[];
  backends: BackendFacts[];
  skipped: Array<{backend: string, shape: LinearShape, reason: string}>;
  fullBatch: LinearPeakLine[];
  userAgent?: string;
}

const METHOD_ORDER: LinearMethodId[] = ['fused loss-and-grad', 'fused tape', 'unfused ours', 'tf.losses'];

type Facts = (f: BackendFacts, userAgent?: string) => void;

/**
 * One backend and shape: the methods side by side, then again alone, in a fresh process or page each,
 * every method that failed after others had run in the same one (wasm's heap only grows, and
 * fragments: a method may fail for room it would have in a fresh heap). Such a method's row is then
 * its run alone, and says so (LinearRow.alone).
 */
async function runShape(target: string, job: LinearJob, log: (line: string) => void,
    facts: Facts): Promise<{rows: LinearRow[], fullPlan?: LinearRow['plan']}> {
  const together = await attempts(target, job, METHOD_ORDER, log, facts);
  const rows: LinearRow[] = [];
  for (const r of together.rows) {
    if (r.error === undefined || !r.error.includes('; run after ')) {
      rows.push(r);
      continue;
    }
    log(`${r.backend} ${shapeText(job.shape)}: ${r.method} failed after other methods had run; again alone`);
    const solo = (await attempts(target, job, [r.method], log, facts)).rows.find((x) => x.method === r.method)!;
    rows.push({...solo, alone: r.error});
  }
  return {rows, fullPlan: together.fullPlan};
}

/**
 * The methods `only` at one backend and shape, with as many fresh attempts as methods break the
 * backend: each attempt leaves out the methods that broke an earlier one (their rows say how).
 */
async function attempts(target: string, job: LinearJob, only: LinearMethodId[], log: (line: string) => void,
    facts: Facts): Promise<{rows: LinearRow[], fullPlan?: LinearRow['plan']}> {
  const {page, label} = TARGETS[target];
  const broken: LinearRow[] = [];
  const others = METHOD_ORDER.filter((m) => !only.includes(m));
  for (let attempt = 1; ; attempt++) {
    const exclude = [...others, ...broken.map((r) => r.method)];
    let result: LinearShapeResult;
    try {
      const task: Task = {kind: 'shape', job: {...job, exclude}};
      if (page !== undefined) {
        const r = await inChromium<LinearShapeResult>(task, log);
        result = r.result;
        facts({backend: label, runtime: r.runtime, details: result.details}, r.userAgent);
      } else {
        result = await inChild<LinearShapeResult>(task, log);
        facts({backend: label, runtime: 'Node', details: result.details});
      }
    } catch (e) {
      if (!(e instanceof Died) || (e.during !== undefined && exclude.includes(e.during))) throw e;
      if (e.during === undefined) {
        // before any method ran: making the inputs failed
        log(`${label} ${shapeText(job.shape)}: ${e.message} before any method ran`);
        const plan = {chunkRows: 0, chunks: 0};
        const rows = only.filter((m) => !exclude.includes(m)).map((method): LinearRow => ({backend: label,
          shape: job.shape, method, label: method, plan, timesMs: [], runs: 0,
          error: `${describeFailure(e)}, making the inputs (attempt ${attempt})`}));
        return {rows: [...rows, ...broken].sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method))};
      }
      log(`${label} ${shapeText(job.shape)}: ${e.message} during ${e.during}; again without it`);
      // the methods run in METHOD_ORDER: those before it ran first in the same process or page
      const ranBefore = only.filter((m) => !exclude.includes(m)).slice(0, only.filter((m) => !exclude.includes(m)).indexOf(e.during));
      broken.push({backend: label, shape: job.shape, method: e.during, label: e.during, plan: {chunkRows: 0, chunks: 0},
        timesMs: [], runs: 0, error: `${describeFailure(e)} (attempt ${attempt})${ranBefore.length > 0
          ? `; run after ${ranBefore.join(', ')} in the same ${page !== undefined ? 'page' : 'process'}` : ''}`});
      continue;
    }
    if (result.broke !== undefined) {
      const row = result.rows.find((r) => r.method === result.broke)!;
      broken.push({...row, error: `${row.error} (attempt ${attempt}; the backend was not trusted after it: the other ` +
          'methods ran again in a fresh process or page without it)'});
      log(`${label} ${shapeText(job.shape)}: ${result.broke} left the backend unusable; again without it`);
      continue;
    }
    const rows = [...result.rows, ...broken.map((r) => ({...r, plan: result.plan}))];
    rows.sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
    return {rows, fullPlan: result.fullPlan};
  }
}

/** dW + dh + db + two chunks of logits: the plan's peak beyond the inputs (contract.ts). */
export function planBytes([N, H, V]: LinearShape, plan: {chunkRows: number}): number {
  return 4 * (H * V + N * H + V) + 2 * 4 * plan.chunkRows * V;
}

export async function runLinearBenchmark(opts: {shapes?: LinearShape[], runs?: number, backends?: string[],
    /** the full GPT-2 batch's line: by default only with the default shapes */
    fullBatch?: boolean, log: (line: string) => void}): Promise<LinearRun> {
  const shapes = [...(opts.shapes ?? DEFAULT_LINEAR_SHAPES)].sort((a, b) => macs(a) - macs(b));
  for (const s of shapes) if (s.length !== 3 || s.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--shapes: the linear rows take NxHxV (e.g. 2048x48x50257); got ${s.join('x')}`);
  }
  const backends = opts.backends ?? LINEAR_BACKENDS;
  const unknown = backends.filter((b) => !(b in TARGETS));
  if (unknown.length > 0) throw new Error(`--backends: the linear rows run on ${LINEAR_BACKENDS.join(', ')}; not ${unknown.join(', ')}`);
  const runs = opts.runs ?? LINEAR_RUNS;
  const out: LinearRun = {rows: [], backends: [], skipped: [], fullBatch: []};
  const facts = (f: BackendFacts, userAgent?: string) => {
    if (!out.backends.some((b) => b.backend === f.backend)) out.backends.push(f);
    out.userAgent = userAgent ?? out.userAgent;
  };
  const fullPlans = new Map<string, LinearRow['plan']>();
  for (const target of backends) {
    const {label} = TARGETS[target];
    // ms per multiply-add of the slowest method that ran, at the largest shape so far
    let msPerMac: number | undefined;
    let from: LinearShape | undefined;
    for (const shape of shapes) {
      if (!ALWAYS.has(target) && msPerMac !== undefined && msPerMac * macs(shape) > MAX_ESTIMATED_MS) {
        const reason = `one run estimated at ${seconds(msPerMac * macs(shape))} (from ${shapeText(from!)}: the slowest ` +
            `method's time per multiply-add), over the ${MAX_ESTIMATED_MS / 1e3} s limit`;
        opts.log(`benchmark: ${label} linear ${shapeText(shape)}: skipped, ${reason}`);
        out.skipped.push({backend: label, shape, reason});
        continue;
      }
      opts.log(`benchmark: ${label} linear ${shapeText(shape)}: warm-up run of each method under the profiler, then ` +
          `${runs} timed rounds (${LINEAR_SLOW_RUNS} for a step over ${LINEAR_SLOW_MS / 1e3} s, ${LINEAR_SLOWER_RUNS} ` +
          `over ${LINEAR_SLOWER_MS / 1e3} s; a warm-up run over ${LINEAR_PROBE_ONLY_MS / 1e3} s is the one timed run) ...`);
      const t0 = performance.now();
      const job: LinearJob = {backend: TARGETS[target].page ?? target, label, shape, runs, slowRuns: LINEAR_SLOW_RUNS,
        slowerRuns: LINEAR_SLOWER_RUNS, probeOnlyMs: LINEAR_PROBE_ONLY_MS, exclude: [], seed: 23, fullShape: FULL_GPT2};
      const {rows, fullPlan} = await runShape(target, job, opts.log, facts);
      if (fullPlan) fullPlans.set(label, fullPlan);
      out.rows.push(...rows);
      const slowest = Math.max(...rows.map((r) => r.medianMs ?? r.firstMs ?? 0));
      if (slowest > 0) {
        msPerMac = slowest / macs(shape);
        from = shape;
      }
      const lag = rows.find((r) => r.method === 'fused loss-and-grad');
      const unfused = rows.find((r) => r.method === 'unfused ours');
      opts.log(`benchmark: ${label} linear ${shapeText(shape)}: fused ${lag?.medianMs?.toFixed(0) ?? lag?.error} ms, ` +
          `unfused ${unfused?.medianMs?.toFixed(0) ?? unfused?.error} ms (${seconds(performance.now() - t0)})`);
    }
  }
  if (!(opts.fullBatch ?? opts.shapes === undefined)) return out;
  // the full GPT-2 batch
  const [N, H, V] = FULL_GPT2;
  const inputBytes = 4 * (N * H + H * V + V + N);
  for (const target of backends) {
    const {label} = TARGETS[target];
    const plan = fullPlans.get(label);
    if (plan === undefined) continue;
    const line: LinearPeakLine = {backend: label, shape: FULL_GPT2, plan, measured: false, inputBytes,
      computedBytes: planBytes(FULL_GPT2, plan)};
    if (FULL_MEASURED.has(target)) {
      opts.log(`benchmark: ${label} linear ${shapeText(FULL_GPT2)}: one run of the fused head for its peak memory ...`);
      try {
        const task: Task = {kind: 'peak', backend: TARGETS[target].page ?? target, shape: FULL_GPT2, seed: 29};
        const r = TARGETS[target].page !== undefined ? (await inChromium<LinearPeakResult>(task, opts.log)).result
            : await inChild<LinearPeakResult>(task, opts.log);
        Object.assign(line, {measured: r.error === undefined, ms: r.ms, peakBytes: r.peakBytes, bufferPeakBytes: r.bufferPeakBytes,
          error: r.error, plan: r.plan});
      } catch (e) {
        line.error = describeFailure(e);
      }
    }
    out.fullBatch.push(line);
  }
  return out;
}
