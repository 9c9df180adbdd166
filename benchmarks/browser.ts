/**
 * Runs the benchmark (softmax_cross_entropy.ts, bundled with the webgl and webgpu kernels into a page) in
 * headless Chromium and returns its rows: the host side, in Node. Chromium as the browser suite finds it
 * (scripts/chromium.js installs Debian's where it can).
 */
import {chromium} from 'playwright-core';
import {bundlePage} from '../test/browser/bundle';
import {serve} from '../test/browser/server';
import type {Row} from './softmax_cross_entropy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const {ensureChromium, CHROMIUM_ARGS} = require('../scripts/chromium.js') as
    {ensureChromium(): string, CHROMIUM_ARGS: string[]};

export interface Options {shapes?: Array<[number, number]>; runs?: number; backends: string[];
  log: (line: string) => void}

type BenchWindow = Window & {runBenchmark(o: Omit<Options, 'log'>): Promise<Row[]>};

export async function inChromium(opts: Options): Promise<Row[]> {
  const executablePath = ensureChromium();
  const server = await serve((await bundlePage('benchmarks/browser_page.ts')).code);
  const browser = await chromium.launch({executablePath, args: CHROMIUM_ARGS});
  try {
    const page = await browser.newPage();
    // the page's progress lines (console.info) are this run's progress
    page.on('console', (m) => { if (m.type() === 'info') opts.log(`${m.text()} (Chromium ${browser.version()})`); });
    page.on('pageerror', (e) => opts.log(`Chromium: ${e.message}`));
    await page.goto(server.plain);
    await page.waitForFunction(() => 'runBenchmark' in window);
    const {log: _, ...rest} = opts;
    return await page.evaluate((o) => (window as unknown as BenchWindow).runBenchmark(o), rest);
  } finally {
    await browser.close();
    await server.close();
  }
}
