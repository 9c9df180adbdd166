/**
 * Runs the benchmark (softmax_cross_entropy.ts, sigmoid_cross_entropy.ts and relatives.ts, bundled with the webgl and
 * webgpu kernels into a page) in headless Chromium on one backend and returns its rows and facts: the host side, in Node. Chromium as
 * the browser suite finds it (scripts/chromium.js installs Debian's where it can). One browser per
 * backend and family (softmax, sigmoid, relatives), so that one run's garbage (GPU textures, a grown wasm heap)
 * does not weigh on the next.
 */
import {chromium} from 'playwright-core';
import {bundlePage} from '../test/browser/bundle';
import {serve} from '../test/browser/server';
import type {BackendFacts, Family, Row} from './row';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const {ensureChromium, CHROMIUM_ARGS} = require('../scripts/chromium.js') as
    {ensureChromium(): string, CHROMIUM_ARGS: string[]};

export interface Options {
  /** which rows: softmax_cross_entropy.ts's, sigmoid_cross_entropy.ts's or relatives.ts' (on their default shapes if none given) */
  loss: Family;
  shapes?: Array<[number, number]>;
  runs?: number;
  /** tfjs's name of the backend to run in the page */
  backend: string;
  /** the rows' backend: 'webgl', 'cpu (Chromium)' */
  label: string;
  log: (line: string) => void;
}

type Run = (o: {shapes?: Array<[number, number]>, runs?: number, backends: string[], label: string}) => Promise<Row[]>;

interface BenchWindow {
  runBenchmark: Run;
  runSigmoidBenchmark: Run;
  runRelativesBenchmark: Run;
  backendDetails(): Promise<string>;
}

export async function inChromium(opts: Options): Promise<{rows: Row[], facts: BackendFacts, userAgent: string}> {
  const executablePath = ensureChromium();
  const server = await serve((await bundlePage('benchmarks/browser_page.ts')).code);
  const browser = await chromium.launch({executablePath, args: CHROMIUM_ARGS});
  try {
    const page = await browser.newPage();
    // the page's progress lines (console.info) are this run's progress
    page.on('console', (m) => { if (m.type() === 'info') opts.log(m.text()); });
    page.on('pageerror', (e) => opts.log(`Chromium: ${e.message}`));
    await page.goto(server.plain);
    await page.waitForFunction(() => 'runBenchmark' in window);
    const {shapes, runs, backend, label} = opts;
    const o = {shapes, runs, backends: [backend], label};
    const entry = ({softmax: 'runBenchmark', sigmoid: 'runSigmoidBenchmark', relatives: 'runRelativesBenchmark'} as const)[opts.loss];
    const rows = await page.evaluate(([x, name]) => (window as unknown as BenchWindow)[name](x), [o, entry] as const);
    const details = await page.evaluate(() => (window as unknown as BenchWindow).backendDetails());
    const userAgent = await page.evaluate(() => navigator.userAgent);
    return {rows, facts: {backend: label, runtime: `Chromium ${browser.version()}`, details}, userAgent};
  } finally {
    await browser.close();
    await server.close();
  }
}
