/**
 * The parity table in headless Chromium, on every backend the page has: the page (test/browser/page.ts)
 * runs each case through parity_run.ts, the code Node's parity table runs, and hands the numbers back;
 * here they meet the same float64 reference and the same checks as in parity.ts.
 *
 * Runs: cpu, wasm and webgl (SwiftShader: no GPU here) in a plain page, and wasm again in a cross-origin
 * isolated page, where tfjs loads its threaded build and our module its 'simd-shared' build. Chromium
 * comes from scripts/chromium.js (npm's pretest installs Debian's on a bare machine); without it, or if
 * a backend is missing from the page, the tests fail: a browser suite that skips proves nothing.
 */
import {Browser, chromium} from 'playwright-core';
import type {Variant} from '../backends/wasm/module';
import {CPU, Tolerance, WASM, WEBGL_F16_TOLERANCE, WEBGL_TOLERANCE} from './backends';
import {bundlePage} from './browser/bundle';
import type {Facts, PageApi, TableRun} from './browser/page';
import type {WebGLChecks} from './browser/webgl_checks';
import {Server, serve} from './browser/server';
import {CASES, materialize} from './cases';
import {finiteMax} from './compare';
import {expectAgreement, expectReference} from './parity';
import type {Results} from './parity_run';
import {reference} from './reference';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const {findChromium, CHROMIUM_ARGS} = require('../scripts/chromium.js') as
    {findChromium(): string, CHROMIUM_ARGS: string[]};

interface Run {
  label: string;
  page: 'plain' | 'isolated';
  backend: string;
  tolerance: Tolerance;
  /** webgl with float16 textures (the page's ?f16) */
  f16?: boolean;
  /** What the page must report: the set-up this run exists to test. */
  expected?: {crossOriginIsolated: boolean; wasmVariant: Variant};
}

/** The first run is the one the others must agree with. Adding a backend (webgpu) is one line. */
const RUNS: Run[] = [
  {label: 'cpu', page: 'plain', backend: 'cpu', tolerance: CPU.tolerance},
  {label: 'wasm', page: 'plain', backend: 'wasm', tolerance: WASM.tolerance,
    expected: {crossOriginIsolated: false, wasmVariant: 'simd'}},
  {label: 'webgl', page: 'plain', backend: 'webgl', tolerance: WEBGL_TOLERANCE},
  {label: 'webgl, float16 textures', page: 'plain', backend: 'webgl', tolerance: WEBGL_F16_TOLERANCE, f16: true},
  {label: 'wasm, cross-origin isolated', page: 'isolated', backend: 'wasm', tolerance: WASM.tolerance,
    expected: {crossOriginIsolated: true, wasmVariant: 'simd-shared'}},
];

interface Got {facts: Facts; table: TableRun; seconds: number; wasmFetched: string[]}

/** A run's time limit: the table takes seconds; a hung WebGL program must not take the whole suite. */
const RUN_LIMIT_MS = 5 * 60_000;

let browser: Browser | undefined;
let server: Server | undefined;
/** Each run's outcome: what the page reported, or why the run failed (its tests fail with that). */
const outcomes = new Map<string, Got | Error>();
let checks: WebGLChecks | Error | undefined;

type PageWindow = Window & {fusedCE: PageApi};

async function runInPage(run: Run): Promise<Got> {
  const page = await (browser as Browser).newPage();
  // the page's own complaints belong in the test output (a warning may be why a case fails), printed
  // together when the run ends. Left out: the GL driver's note that a readback stalls the GPU, which
  // every dataSync() on webgl causes and the table does on purpose.
  const messages: string[] = [];
  let readbackNotes = 0;
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    if (/GL Driver Message \(OpenGL, Performance.*GPU stall due to ReadPixels/.test(m.text())) readbackNotes++;
    else messages.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => messages.push(`uncaught: ${e.stack ?? e.message}`));
  const srv = server as Server;
  const firstRequest = srv.requests.length;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${run.label} did not finish within ${RUN_LIMIT_MS / 1000} s`)), RUN_LIMIT_MS);
  });
  const work = async (): Promise<Got> => {
    await page.goto((run.page === 'plain' ? srv.plain : srv.isolated) + (run.f16 ? '?f16' : ''));
    await page.waitForFunction(() => 'fusedCE' in window, undefined, {timeout: 30_000});
    const t0 = Date.now();
    const facts = await page.evaluate((b) => (window as unknown as PageWindow).fusedCE.facts(b), run.backend);
    const table = await page.evaluate((b) => (window as unknown as PageWindow).fusedCE.runTable(b), run.backend);
    const wasmFetched = srv.requests.slice(firstRequest).filter((p) => p.endsWith('.wasm'))
        .map((p) => p.slice(p.lastIndexOf('/') + 1));
    return {facts, table, seconds: (Date.now() - t0) / 1000, wasmFetched};
  };
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
    await page.close();  // also ends a run that hit the limit
    if (messages.length > 0) {
      const notes = readbackNotes > 0 ? `\n  (and ${readbackNotes} GL notes "GPU stall due to ReadPixels")` : '';
      console.warn(`Chromium [${run.label}] said:\n  ${messages.join('\n  ')}${notes}`);
    }
  }
}

/** One line per run: the facts a reader needs to know what was tested. */
function summary(version: string, executablePath: string): string {
  const reported = RUNS.map((r) => outcomes.get(r.label)).find((g): g is Got => g !== undefined && !(g instanceof Error));
  const lines = [`Chromium ${version} (${executablePath}); tfjs backends in the page: ` +
      `${reported?.facts.registered.join(', ') ?? '?'}`];
  for (const run of RUNS) {
    const g = outcomes.get(run.label) as Got | Error;
    if (g instanceof Error) {
      lines.push(`  ${run.label} (${run.page} page): FAILED: ${g.message}`);
      continue;
    }
    const f = g.facts;
    const parts = [`backend ${f.backend}`, `fused kernels: ${f.fusedKernels.length > 0 ? f.fusedKernels.join(', ') :
      'none (composite fallback)'}`, `crossOriginIsolated ${f.crossOriginIsolated}`];
    if (f.wasm) {
      parts.push(`our wasm build ${f.wasm.variant}`, `shared memory ${f.wasm.sharedMemory}`,
          `tfjs SIMD ${f.wasm.simd}, multithread ${f.wasm.multithread}, threads ${f.wasm.threads}`,
          `tfjs fetched ${g.wasmFetched.join(', ') || 'no .wasm'}`);
    }
    if (f.webgl) {
      parts.push(`WEBGL_VERSION ${f.webgl.version}`, `WEBGL_RENDER_FLOAT32_ENABLED ${f.webgl.renderFloat32}`,
          `WEBGL_MAX_TEXTURE_SIZE ${f.webgl.maxTextureSize}`, `renderer ${f.webgl.renderer}`);
    }
    const errors = Object.keys(g.table.errors).length;
    parts.push(`${CASES.length - errors}/${CASES.length} cases ran without throwing, in ${g.seconds.toFixed(1)} s`);
    const slowest = Object.entries(g.table.ms).sort((a, b) => b[1] - a[1]).slice(0, 2);
    parts.push(`slowest: ${slowest.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`);
    lines.push(`  ${run.label} (${run.page} page): ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

beforeAll(async () => {
  const executablePath = findChromium();  // throws, saying what to install, when there is none
  server = await serve((await bundlePage()).code);
  try {
    browser = await chromium.launch({executablePath, args: CHROMIUM_ARGS, timeout: 60_000});
  } catch (e) {
    throw new Error(`Chromium (${executablePath}) did not start: ${(e as Error).message}`);
  }
  // one run after another: each is single-threaded JavaScript or SwiftShader, and this machine has 2 cores
  for (const run of RUNS) {
    try {
      outcomes.set(run.label, await runInPage(run));
    } catch (e) {
      outcomes.set(run.label, e instanceof Error ? e : new Error(String(e)));
    }
  }
  console.log(summary(browser.version(), executablePath));
  const page = await browser.newPage();
  try {
    await page.goto((server as Server).plain);
    await page.waitForFunction(() => 'fusedCE' in window, undefined, {timeout: 30_000});
    checks = await page.evaluate(() => (window as unknown as PageWindow).fusedCE.webglChecks());
    console.log(`webgl checks: ${JSON.stringify({...checks, invalid: undefined})}`);
  } catch (e) {
    checks = e instanceof Error ? e : new Error(String(e));
  } finally {
    await page.close();
  }
}, (RUNS.length + 1) * RUN_LIMIT_MS + 2 * 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A run's results and facts; throws why the run failed. */
function gotOf(run: Run): Got {
  const g = outcomes.get(run.label);
  if (g === undefined) throw new Error(`${run.label}: the browser suite did not get to this run`);
  if (g instanceof Error) throw new Error(`${run.label} in Chromium failed: ${g.stack ?? g.message}`);
  return g;
}

test.each(RUNS)('$label: the page has the backend and ran the table on it', (run) => {
  const g = gotOf(run);
  // tfjs falls back to another backend when one fails to initialize: check which one ran
  expect(`${g.facts.backend}, ${g.table.backend}`).toBe(`${run.backend}, ${run.backend}`);
});

test.each(RUNS.filter((r) => r.expected !== undefined))('$label: page isolation and wasm build as intended', (run) => {
  const f = gotOf(run).facts;
  expect({crossOriginIsolated: f.crossOriginIsolated, wasmVariant: f.wasm?.variant}).toEqual(run.expected);
});

test('webgl renders to float32 textures, and to float16 ones when forced (tolerances follow)', () => {
  for (const run of RUNS.filter((r) => r.backend === 'webgl')) {
    expect(gotOf(run).facts.webgl?.renderFloat32).toBe(!run.f16);
  }
});

describe('webgl kernels', () => {
  const got = (): WebGLChecks => {
    if (checks instanceof Error) throw new Error(`the webgl checks failed in Chromium: ${checks.stack ?? checks.message}`);
    if (checks === undefined) throw new Error('the webgl checks did not run');
    return checks;
  };
  test('value-and-grad and loss-and-grad run 3 programs each, no pack/unpack; the tape holds the two kernels', () => {
    const c = got();
    expect([c.valueAndGradPrograms, c.lossAndGradPrograms]).toEqual([3, 3]);
    expect(c.profiledKernels).toEqual(['FusedSoftmaxCrossEntropy', 'FusedSoftmaxCrossEntropyGrad']);
  });
  test('a new batch size compiles no new program (sizes are uniforms)', () => {
    expect(got().newProgramsForNewBatch).toBe(0);
  });
  test('an invalid class id gives a NaN row without a read-back; validateLabels throws naming it', () => {
    const {invalid, validateLabelsError} = got();
    expect(Number.isNaN(invalid.loss[1]) && invalid.badRowGrad.every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(invalid.loss[0]) && Number.isFinite(invalid.loss[2])).toBe(true);
    expect(invalid.goodRowGrad).toEqual(invalid.refGoodRowGrad);
    expect(validateLabelsError).toMatch(/row 1 has 7/);
  });
  test('no textures or tensors leak over 200 training steps', () => {
    const {before, after} = got().leak;
    expect(after).toEqual(before);
  });
  test('rows of 262144 classes, wider than the widest texture, match cpu', () => {
    const {maxTexture, lossRel, gradRel} = got().longRows;
    expect(maxTexture).toBeLessThan(262144);
    expect(lossRel).toBeLessThan(2e-6);
    expect(gradRel).toBeLessThan(2e-6);
  });
});

/**
 * tfjs's float16 textures do not keep ±∞ (on them tf.neg(tf.tensor([-Infinity])) reads back NaN), so
 * masked (−∞) logits are outside what that mode supports; the README says so. Those cases run on
 * every other backend.
 */
const runsFor = (c: (typeof CASES)[number]) => RUNS.filter((r) => !(r.f16 &&
    ((c.masked ?? []).length > 0 || (c.logits ?? []).some(([, , v]) => v === -Infinity))));

/** Class ids above 2048 are not exact in float16: the kernels refuse such a problem before running. */
const refusedInF16 = (run: Run, c: (typeof CASES)[number]) =>
  run.f16 === true && c.labels === 'ids' && c.shape[c.shape.length - 1] - 1 > 2048;

describe.each(CASES)('$name', (c) => {
  const {logits, labels, K} = materialize(c);
  const ref = reference(logits, K, labels, c.labels === 'ids', c.options);
  const maxLogit = finiteMax(logits) / (c.options?.temperature ?? 1);

  /** The case's results from one run, or the error the page caught for it. */
  const resultsOf = (run: Run): Results => {
    const table = gotOf(run).table;
    const error = table.errors[c.name];
    if (error !== undefined) throw new Error(`${run.label} in Chromium threw: ${error}`);
    const r = table.results[c.name];
    return {forward: Array.from(r.forward), vgLoss: Array.from(r.vgLoss), vgGrad: Array.from(r.vgGrad),
      lgLoss: Array.from(r.lgLoss), lgGrad: Array.from(r.lgGrad)};
  };

  test.each(runsFor(c))('$label in Chromium matches the float64 reference', (run) => {
    if (refusedInF16(run, c)) {
      expect(gotOf(run).table.errors[c.name]).toMatch(/float16 textures, which hold class ids only up to 2048/);
      return;
    }
    expectReference(`${run.label} (Chromium)`, resultsOf(run), ref, run.tolerance, maxLogit);
  });

  test('Chromium backends agree with Chromium cpu', () => {
    const [first, ...rest] = RUNS;
    const a = resultsOf(first);
    for (const run of rest.filter((r) => !r.f16)) {  // float16 is checked against the reference only
      expectAgreement(first.label, a, run.label, resultsOf(run), run.tolerance, maxLogit, ref.gradTerms);
    }
  });
});
