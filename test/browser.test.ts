/**
 * The parity table in headless Chromium, on every backend the page has: the page (test/browser/page.ts)
 * runs each case through parity_run.ts, the code Node's parity table runs, and hands the numbers back;
 * here they meet the same float64 reference and the same checks as in parity.ts.
 *
 * Runs: cpu, wasm, webgl and webgpu (both on SwiftShader: no GPU here) in a plain page, and wasm again
 * in a cross-origin isolated page, where tfjs loads its threaded build and our module its 'simd-shared'
 * build. On webgl and webgpu it also trains test/layers_run.ts's model through model.fit with the fused
 * and with tfjs-layers' own loss (browser/layers_checks.ts), as layers.test.ts does on cpu and wasm.
 * Chromium comes from scripts/chromium.js (npm's pretest installs Debian's on a bare machine);
 * without it, or if a backend is missing from the page, the tests fail: a browser suite that skips
 * proves nothing (BROWSER_BACKENDS below narrows a run on purpose, and its skips show).
 */
import {Browser, chromium, Page} from 'playwright-core';
import type {Variant} from '../backends/wasm/module';
import {CPU, Tolerance, WASM, WEBGL_F16_TOLERANCE, WEBGL_TOLERANCE, WEBGPU_TOLERANCE} from './backends';
import {SIGMOID_KERNEL_NAMES} from '../kernels/sigmoid_cross_entropy/contract';
import {SigmoidTolerance, WEBGL_F16_SIGMOID_TOLERANCE, WEBGL_SIGMOID_TOLERANCE, WEBGPU_SIGMOID_TOLERANCE} from './backends';
import type {SigmoidTableRun} from './browser/sigmoid_page';
import {DIVERGENCE_KERNEL_NAMES} from '../kernels/softmax_divergence/contract';
import {DIVERGENCE_WEBGL_F16_TOLERANCE, DIVERGENCE_WEBGL_TOLERANCE, DIVERGENCE_WEBGPU_TOLERANCE, DivergenceTolerance}
  from './backends';
import type {DivergenceTableRun} from './browser/divergence_page';
import type {EvaluationCase, EvaluationCaseRun, EvaluationRun, Outcome} from './browser/evaluation_page';
import type {LinearCaseRun, LinearNumbers, LinearRun, Outcome as LinearOutcome} from './browser/linear_page';
import {LINEAR_CASES, LinearCase, linearInputs, rowCount} from './linear_cases';
import {linearReference, LinearRefResult} from './linear_reference';
import {DIVERGENCE_CASES, DivergenceCase} from './divergence_cases';
import {divergenceCaseReference, expectDivergenceAgreement, expectDivergenceReference} from './divergence_parity';
import {SIGMOID_CASES, SigmoidCase} from './sigmoid_cases';
import {expectSigmoidAgreement, expectSigmoidReference, sigmoidCaseReference} from './sigmoid_parity';
import {bundlePage} from './browser/bundle';
import type {Facts, PageApi, TableRun} from './browser/page';
import {EmptyChecks, emptyProblems} from './browser/empty_checks';
import type {LayersCurves} from './browser/layers_checks';
import type {WebGLChecks} from './browser/webgl_checks';
import type {SigmoidWebGLChecks} from './browser/sigmoid_webgl_checks';
import type {SigmoidWebGLPage} from './browser/sigmoid_webgl_page';
import {INVALID_CASE, INVALID_ROWS, LARGE_N_CASES} from './browser/webgpu_cases';
import type {WebGPUChecks} from './browser/webgpu_checks';
import type {SigmoidWebGPUChecks, SigmoidWebGPUPage} from './browser/sigmoid_webgpu_checks';
import type {DivergenceWebGLChecks, DivergenceWebGLPage} from './browser/divergence_webgl_checks';
import type {DivergenceWebGPUChecks, DivergenceWebGPUPage} from './browser/divergence_webgpu_checks';
import type {Counts} from './browser/webgpu_counters';
import {Server, serve} from './browser/server';
import {CASES, materialize} from './cases';
import {CURVE_RTOL} from './layers_run';
import {finiteMax, mismatch} from './compare';
import {expectAgreement, expectReference, maxScaledLogit} from './parity';
import type {Results} from './parity_run';
import {classifier, gridSearchT, plainCalibration, topOf} from './evaluation_reference';
import {reference} from './reference';
import {randn, rng} from './rng';

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

/** The first run is the one the others must agree with. Adding a backend is one line. */
const ALL_RUNS: Run[] = [
  {label: 'cpu', page: 'plain', backend: 'cpu', tolerance: CPU.tolerance},
  {label: 'wasm', page: 'plain', backend: 'wasm', tolerance: WASM.tolerance,
    expected: {crossOriginIsolated: false, wasmVariant: 'simd'}},
  {label: 'webgl', page: 'plain', backend: 'webgl', tolerance: WEBGL_TOLERANCE},
  {label: 'webgl, float16 textures', page: 'plain', backend: 'webgl', tolerance: WEBGL_F16_TOLERANCE, f16: true},
  // float32 storage buffers: unlike webgl's float16 mode, every case runs (−∞ ones included)
  {label: 'webgpu', page: 'plain', backend: 'webgpu', tolerance: WEBGPU_TOLERANCE},
  {label: 'wasm, cross-origin isolated', page: 'isolated', backend: 'wasm', tolerance: WASM.tolerance,
    expected: {crossOriginIsolated: true, wasmVariant: 'simd-shared'}},
];

/**
 * BROWSER_BACKENDS=webgpu (comma-separated backend names) runs only those backends' runs and checks,
 * plus cpu's run, which the others must agree with: for working on one backend. Unset: everything.
 */
const ONLY = process.env.BROWSER_BACKENDS?.split(',').map((b) => b.trim()).filter((b) => b !== '');
const selected = (backend: string) => ONLY === undefined || backend === 'cpu' || ONLY.includes(backend);
const RUNS = ALL_RUNS.filter((r) => selected(r.backend));
/** The tests of a backend left out by BROWSER_BACKENDS show as skipped, not as passed. */
const describeFor = (backend: string) => (selected(backend) ? describe : describe.skip);
const testFor = (backend: string) => (selected(backend) ? test : test.skip);

interface Got {facts: Facts; table: TableRun; seconds: number; wasmFetched: string[]}

/** A run's time limit: the table takes seconds; a hung WebGL program must not take the whole suite. */
const RUN_LIMIT_MS = 5 * 60_000;

let browser: Browser | undefined;
let server: Server | undefined;
/** Each run's outcome: what the page reported, or why the run failed (its tests fail with that). */
const outcomes = new Map<string, Got | Error>();
let checks: WebGLChecks | Error | undefined;
let gpuChecks: WebGPUChecks | Error | undefined;
/** The GPU backends the tfjs-layers loss curves run on (cpu and wasm: test/layers.test.ts, in Node). */
const LAYERS_BACKENDS = ['webgl', 'webgpu'];
/** Each backend's tfjs-layers loss curves (test/browser/layers_checks.ts), or why they failed. */
const layersOutcomes = new Map<string, LayersCurves | Error>();
/** Empty batches (browser/empty_checks.ts) on each GPU backend, with our kernels and with the composite
 * fallback on that backend's own tfjs kernels, keyed 'webgl', 'webgl-composite', ...; or why they failed. */
const emptyOutcomes = new Map<string, EmptyChecks | Error>();

type PageWindow = Window & {fusedCE: PageApi};

/** Notes a synchronous read causes (webgl's table reads with dataSync on purpose): counted, not printed. */
const READBACK_NOTES: Array<[RegExp, string]> = [
  [/GL Driver Message \(OpenGL, Performance.*GPU stall due to ReadPixels/, 'GL notes "GPU stall due to ReadPixels"'],
  [/synchronously reading data from GPU to CPU is poor on the webgpu backend/, 'webgpu notes on synchronous reads'],
];

/**
 * Opens `url` in a new page, waits for the page's API and runs `work` on it, within RUN_LIMIT_MS. The
 * page's own complaints belong in the test output (a warning may be why a case fails), printed
 * together at the end under `label`.
 */
async function inPage<T>(label: string, url: string, work: (page: Page) => Promise<T>): Promise<T> {
  const page = await (browser as Browser).newPage();
  const messages: string[] = [];
  const notes = READBACK_NOTES.map(() => 0);
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const note = READBACK_NOTES.findIndex(([re]) => re.test(m.text()));
    if (note >= 0) notes[note]++;
    else messages.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => messages.push(`uncaught: ${e.stack ?? e.message}`));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${RUN_LIMIT_MS / 1000} s`)), RUN_LIMIT_MS);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'fusedCE' in window, undefined, {timeout: 30_000});
    return await Promise.race([work(page), limit]);
  } finally {
    clearTimeout(timer);
    await page.close();  // also ends a run that hit the limit
    if (messages.length > 0) {
      const counted = READBACK_NOTES.map(([, what], i) => (notes[i] > 0 ? `\n  (and ${notes[i]} ${what})` : ''));
      console.warn(`Chromium [${label}] said:\n  ${messages.join('\n  ')}${counted.join('')}`);
    }
  }
}

async function runInPage(run: Run): Promise<Got> {
  const srv = server as Server;
  const firstRequest = srv.requests.length;
  const url = (run.page === 'plain' ? srv.plain : srv.isolated) + (run.f16 ? '?f16' : '');
  return inPage(run.label, url, async (page) => {
    const t0 = Date.now();
    const facts = await page.evaluate((b) => (window as unknown as PageWindow).fusedCE.facts(b), run.backend);
    const table = await page.evaluate((b) => (window as unknown as PageWindow).fusedCE.runTable(b), run.backend);
    const wasmFetched = srv.requests.slice(firstRequest).filter((p) => p.endsWith('.wasm'))
        .map((p) => p.slice(p.lastIndexOf('/') + 1));
    return {facts, table, seconds: (Date.now() - t0) / 1000, wasmFetched};
  });
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
    if (f.webgpu) {
      parts.push(`adapter ${f.webgpu.adapter}`,
          `maxStorageBuffersPerShaderStage ${f.webgpu.maxStorageBuffersPerShaderStage}`);
    }
    const errors = Object.keys(g.table.errors).length;
    parts.push(`${CASES.length - errors}/${CASES.length} cases ran without throwing, in ${g.seconds.toFixed(1)} s`);
    const slowest = Object.entries(g.table.ms).sort((a, b) => b[1] - a[1]).slice(0, 2);
    parts.push(`slowest: ${slowest.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`);
    lines.push(`  ${run.label} (${run.page} page): ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

const countsText = (c: Counts) =>
  `${c.dispatches} dispatches (${c.tfjsPrograms} tfjs programs, ${c.pipelines} compiles)`;

/** What the webgpu checks measured, for the log; each part that threw, by name, with its first line. */
function webgpuSummary(c: WebGPUChecks): string {
  const lines = ['webgpu checks:'];
  for (const r of c.steps) {
    lines.push(`  [${r.shape}] ${r.variant}: value-and-grad ${countsText(r.valueAndGrad)}; ` +
        `loss-and-grad ${countsText(r.lossAndGrad)}`);
  }
  lines.push(`  tf.profile: value-and-grad ${c.profiled.valueAndGrad.join(', ')} (+${c.profiled.valueAndGradIdentities} ` +
      `Identity); loss-and-grad ${c.profiled.lossAndGrad.join(', ')}`);
  lines.push(`  N 256 → 200: ${countsText(c.newBatch)}`);
  lines.push(`  leak [numDataIds, numTensors, numBytes]: ${JSON.stringify(c.leak.before)} → ` +
      `${JSON.stringify(c.leak.after)}` +
      `; used GPU buffers ${c.leak.usedBuffers === null ? 'not readable (no getNumUsedBuffers)' :
        `${c.leak.usedBuffers.before} → ${c.leak.usedBuffers.after}`}`);
  lines.push(`  [8,262144] vs cpu: gradient |diff| ≤ ${c.longRows.gradAbs} (largest |entry| ${c.longRows.gradMax}), ` +
      `loss relative ${c.longRows.lossRel}`);
  lines.push(`  validateLabels: ${c.validateLabelsError}; after upload: ${c.validateLabelsUploadedError}`);
  lines.push(`  seconds: ${JSON.stringify(c.seconds)}`);
  for (const [part, e] of Object.entries(c.errors)) lines.push(`  ${part} THREW: ${e.split('\n')[0]}`);
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
  const plain = (server as Server).plain;
  if (selected('webgl')) {
    try {
      checks = await inPage('webgl checks', plain,
          (page) => page.evaluate(() => (window as unknown as PageWindow).fusedCE.webglChecks()));
      console.log(`webgl checks: ${JSON.stringify({...checks, invalid: undefined})}`);
    } catch (e) {
      checks = e instanceof Error ? e : new Error(String(e));
    }
  }
  if (selected('webgpu')) {
    try {
      gpuChecks = await inPage('webgpu checks', plain,
          (page) => page.evaluate(() => (window as unknown as PageWindow).fusedCE.webgpuChecks()));
      console.log(webgpuSummary(gpuChecks));
    } catch (e) {
      gpuChecks = e instanceof Error ? e : new Error(String(e));
      console.log(`webgpu checks: FAILED: ${gpuChecks.message}`);
    }
  }
  for (const backend of LAYERS_BACKENDS.filter(selected)) {
    for (const composite of [false, true]) {
      const key = composite ? `${backend}-composite` : backend;
      try {
        emptyOutcomes.set(key, await inPage(`empty batches on ${key}`, plain,
            (page) => page.evaluate(([b, c]) => (window as unknown as PageWindow).fusedCE.emptyChecks(b, c),
                [backend, composite] as const)));
      } catch (e) {
        emptyOutcomes.set(key, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
  for (const backend of LAYERS_BACKENDS.filter(selected)) {
    try {
      const curves = await inPage(`tfjs-layers on ${backend}`, plain,
          (page) => page.evaluate((b) => (window as unknown as PageWindow).fusedCE.layersCurves(b), backend));
      layersOutcomes.set(backend, curves);
      console.log(`tfjs-layers model.fit on ${curves.backend}: fused ${curves.fused.join(', ')}; built-in ` +
          `${curves.builtIn.join(', ')}; largest relative difference ${largestRelative(curves).toExponential(2)}`);
    } catch (e) {
      layersOutcomes.set(backend, e instanceof Error ? e : new Error(String(e)));
    }
  }
}, (RUNS.length + 2 + 3 * LAYERS_BACKENDS.length) * RUN_LIMIT_MS + 2 * 60_000);

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

const isolated = RUNS.filter((r) => r.expected !== undefined);
// jest rejects an empty table: left out by BROWSER_BACKENDS, the wasm runs show as skipped
(isolated.length > 0 ? test.each(isolated) : test.skip.each(ALL_RUNS.filter((r) => r.expected !== undefined)))(
    '$label: page isolation and wasm build as intended', (run) => {
  const f = gotOf(run).facts;
  expect({crossOriginIsolated: f.crossOriginIsolated, wasmVariant: f.wasm?.variant}).toEqual(run.expected);
});

testFor('webgl')('webgl renders to float32 textures, and to float16 ones when forced (tolerances follow)', () => {
  for (const run of RUNS.filter((r) => r.backend === 'webgl')) {
    expect(gotOf(run).facts.webgl?.renderFloat32).toBe(!run.f16);
  }
});

describeFor('webgl')('webgl kernels', () => {
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
  // focalGamma, labelSmoothingOver 'others' and softcap (browser/webgl_checks.ts familyChecks)
  test('focal, others, softcap: 3 programs per step as the default, 4 for focal with spread terms; no compile for a new N or option values; no leaks', () => {
    const {steps} = got().family;
    expect(steps.length).toBeGreaterThan(0);
    for (const r of steps) {
      const programs = r.focalWithSpread ? 4 : 3;
      expect({[r.name]: [r.valueAndGradPrograms, r.lossAndGradPrograms, r.compiledForNewSizeAndValues, r.leak.after]})
          .toEqual({[r.name]: [programs, programs, 0, r.leak.before]});
      expect(r.compiledAtFirstUse).toBeGreaterThan(0);  // its own sources: the cache keys tell them apart
    }
  });
  test('γ = 0 and labelSmoothingOver \'all\' given: the default\'s bits, from the programs it compiled', () => {
    expect(got().family.gammaZero).toEqual({sameBits: true, compiled: 0});
  });
  test('focal at confident rows (1 − p_y ≈ 1e-8, below float32\'s ulp of 1): loss and gradient to 2e-6 of themselves', () => {
    const {lossRel, targetGradRel, otherGradRel} = got().family.confident;
    expect(Math.max(lossRel, targetGradRel, otherGradRel)).toBeLessThan(2e-6);
  });
});

describeFor('webgpu')('webgpu kernels', () => {
  /** The checks' results; throws why they failed, or why `part` did. */
  const got = (part: string): WebGPUChecks => {
    if (gpuChecks instanceof Error) {
      throw new Error(`the webgpu checks failed in Chromium: ${gpuChecks.stack ?? gpuChecks.message}`);
    }
    if (gpuChecks === undefined) throw new Error('the webgpu checks did not run');
    const error = gpuChecks.errors[part];
    if (error !== undefined) throw new Error(`the webgpu check '${part}' threw in Chromium: ${error}`);
    return gpuChecks;
  };
  /** Every step that breaks a bound, as text (so a failure names the shape and options). */
  const over = (bound: (variant: string) => {vg: number, lg: number}) => got('steps').steps.flatMap((r) => {
    const b = bound(r.variant);
    const [vg, lg] = [r.valueAndGrad, r.lossAndGrad];
    const bad = vg.dispatches > b.vg || lg.dispatches > b.lg || vg.tfjsPrograms + lg.tfjsPrograms > 0 ||
        vg.pipelines + lg.pipelines > 0;
    return bad ? [`[${r.shape}] ${r.variant}: value-and-grad ${countsText(r.valueAndGrad)}, loss-and-grad ` +
        `${countsText(r.lossAndGrad)}; allowed ${b.vg} and ${b.lg} dispatches, no tfjs program, no compile`] : [];
  });

  test('value-and-grad ≤ 2 dispatches, loss-and-grad 1, no tfjs program, nothing compiled on a second call', () => {
    expect(got('steps').steps.length).toBeGreaterThan(0);
    // class weights: tfjs's device allows 8 storage buffers per shader stage, which may split a program
    expect(over((v) => (v.startsWith('classWeights') ? {vg: 4, lg: 4} : {vg: 2, lg: 1}))).toEqual([]);
  });
  test('tf.profile: value-and-grad records the two fused kernels, loss-and-grad one', () => {
    const {profiled} = got('profiled');
    expect(profiled.valueAndGrad).toEqual(['FusedSoftmaxCrossEntropy', 'FusedSoftmaxCrossEntropyGrad']);
    expect(profiled.lossAndGrad).toEqual(['SoftmaxCrossEntropyWithLogits']);
  });
  test('a new batch size (N 256 → 200) compiles no new pipeline (sizes are uniforms)', () => {
    expect(got('newBatch').newBatch.pipelines).toBe(0);
  });
  test('an invalid class id gives NaN rows without a read-back, the other rows match cpu', () => {
    const {invalid} = got('invalid');
    const {logits, K} = materialize(INVALID_CASE);
    const N = INVALID_CASE.shape[0];
    const goodRows = Array.from({length: N}, (_, i) => i).filter((i) => !INVALID_ROWS.includes(i));
    const rowsOf = (a: Float32Array, rows: number[], width: number) =>
      rows.flatMap((i) => Array.from(a.subarray(i * width, (i + 1) * width)));
    const nanRows = (a: Float32Array, width: number) => rowsOf(a, INVALID_ROWS, width).every(Number.isNaN);
    expect({loss: nanRows(invalid.loss, 1), vgGrad: nanRows(invalid.vgGrad, K), lgGrad: nanRows(invalid.lgGrad, K)})
        .toEqual({loss: true, vgGrad: true, lgGrad: true});
    const tol = WEBGPU_TOLERANCE;
    const twice = {rtol: 2 * tol.rtol, atol: 2 * tol.atol, perLogit: 2 * tol.perLogit, perTerm: 2 * tol.perTerm};
    const maxLogit = finiteMax(logits);
    const cpuLoss = Array.from(invalid.cpuLoss);
    const cpuGrad = Array.from(invalid.cpuGrad);
    expect({
      loss: mismatch(rowsOf(invalid.loss, goodRows, 1), cpuLoss, twice, maxLogit) ?? 'ok',
      vgGrad: mismatch(rowsOf(invalid.vgGrad, goodRows, K), cpuGrad, twice, maxLogit) ?? 'ok',
      lgGrad: mismatch(rowsOf(invalid.lgGrad, goodRows, K), cpuGrad, twice, maxLogit) ?? 'ok',
    }).toEqual({loss: 'ok', vgGrad: 'ok', lgGrad: 'ok'});
  });
  test('validateLabels: true reads the ids back and throws naming the row', () => {
    expect(got('validateLabels').validateLabelsError).toMatch(/row 1 has 10\./);
  });
  // webgpu cannot read GPU-only ids synchronously (its dataSync reads zeros in headless Chromium), so
  // the op refuses them with an error that says so, rather than passing them unchecked
  test('validateLabels: true refuses ids a kernel has already uploaded, saying why', () => {
    expect(got('validateLabels uploaded').validateLabelsUploadedError).toMatch(/validateLabels on the webgpu backend needs labels whose values are still on the CPU/);
  });
  test('no tensors, data ids or GPU buffers leak over 200 training steps', () => {
    const {leak} = got('leak');
    expect(leak.after).toEqual(leak.before);
    if (leak.usedBuffers === null) {
      console.warn('webgpu leak check: tfjs has no bufferManager.getNumUsedBuffers(); GPU buffers not counted');
    } else {
      expect(leak.usedBuffers.after).toBeLessThanOrEqual(leak.usedBuffers.before);
    }
  });
  test('[8,262144] matches cpu: gradient within 7e-8, loss within 1e-6 relative', () => {
    const {longRows} = got('longRows');
    expect(longRows.gradAbs).toBeLessThan(7e-8);
    expect(longRows.lossRel).toBeLessThan(1e-6);
  });
  test('focalGamma 0 (and \'others\' with ε = 0) runs the plain programs: nothing compiled, the same bits', () => {
    expect(got('gammaZero').gammaZero).toEqual({sameBits: Array(8).fill(true), pipelines: 0});
  });
  test('inputs tfjs\'s Cast relabels int32 → float32 (one-hot labels, logits, class weights) give the bits of float ones', () => {
    const {castInputs} = got('castInputs');
    expect(Object.keys(castInputs).length).toBe(5);
    expect(Object.entries(castInputs).filter(([, r]) => !r.sameBits.every((b) => b) || !(r.loss > 0 && r.loss < Infinity))
        .map(([name, r]) => `${name}: ${JSON.stringify(r)}`)).toEqual([]);
  });
  describe.each(LARGE_N_CASES)('$name', (c) => {
    const {logits, labels, K} = materialize(c);
    const ref = reference(logits, K, labels, true, c.options);
    const maxLogit = finiteMax(logits);
    const results = (which: 'webgpu' | 'cpu'): Results => {
      const r = got(`largeN: ${c.name}`).largeN[c.name][which];
      return {forward: Array.from(r.forward), vgLoss: Array.from(r.vgLoss), vgGrad: Array.from(r.vgGrad),
        lgLoss: Array.from(r.lgLoss), lgGrad: Array.from(r.lgGrad)};
    };
    test('webgpu matches the float64 reference and cpu', () => {
      expectReference('webgpu (Chromium)', results('webgpu'), ref, WEBGPU_TOLERANCE, maxLogit);
      expectAgreement('cpu', results('cpu'), 'webgpu', results('webgpu'), WEBGPU_TOLERANCE, maxLogit, ref.gradTerms,
          ref.rowLse, ref.lossTerms);
    });
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
  const maxLogit = maxScaledLogit(logits, c.options?.softcap ?? 0) / (c.options?.temperature ?? 1);

  /** The case's results from one run, or the error the page caught for it. */
  const resultsOf = (run: Run): Results => {
    const table = gotOf(run).table;
    const error = table.errors[c.name];
    if (error !== undefined) throw new Error(`${run.label} in Chromium threw: ${error}`);
    const r = table.results[c.name];
    return {forward: Array.from(r.forward), vgLoss: Array.from(r.vgLoss), vgGrad: Array.from(r.vgGrad),
      lgLoss: Array.from(r.lgLoss), lgGrad: Array.from(r.lgGrad)};
  };

  // float16 holds nothing below 2^-24 ≈ 6e-8 (its smallest subnormal): a case whose whole gradient, and
  // the terms it is formed from, are below that ('softcap 30, logits ±1e4 ids': sech² ≈ 0 leaves entries
  // of 1e-11; the focal γ = 2 confident rows, 1e-23) reads back zeros there, which float16 cannot do
  // better than; those cases run on every other run
  const belowFloat16 = finiteMax(ref.grad) > 0 && Math.max(finiteMax(ref.grad), finiteMax(ref.gradTerms)) < 2 ** -24;
  test.each(runsFor(c).filter((r) => !(r.f16 && belowFloat16)))('$label in Chromium matches the float64 reference', (run) => {
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
      expectAgreement(first.label, a, run.label, resultsOf(run), run.tolerance, maxLogit, ref.gradTerms, ref.rowLse,
          ref.lossTerms);
    }
  });
});

/**
 * Empty batches on the GPU backends, with our kernels and through the composite fallback on tfjs's own
 * webgl and webgpu kernels: the checks test/empty_batch.test.ts makes on cpu and wasm in Node.
 */
for (const backend of LAYERS_BACKENDS) {
  describeFor(backend)(`empty batches on ${backend}`, () => {
    const got = (composite: boolean): EmptyChecks => {
      const c = emptyOutcomes.get(composite ? `${backend}-composite` : backend);
      if (c === undefined) throw new Error(`the empty-batch checks on ${backend} did not run`);
      if (c instanceof Error) throw new Error(`the empty-batch checks on ${backend} failed in Chromium: ${c.stack ?? c.message}`);
      return c;
    };
    test.each([false, true])('composite fallback %s: empty or exactly 0 losses and gradients, no leaks', (composite) => {
      const c = got(composite);
      expect([c.backend, c.fusedKernels.length]).toEqual([composite ? `${backend}-composite` : backend, composite ? 0 : 3]);
      expect(c.runs.length).toBeGreaterThan(300);
      expect(emptyProblems(c)).toEqual([]);
    });
  });
}

/** max_i |fused_i − builtIn_i| / |builtIn_i| over the epochs of one backend's curves */
const largestRelative = (c: LayersCurves) =>
  Math.max(...c.fused.map((v, i) => Math.abs(v - c.builtIn[i]) / Math.abs(c.builtIn[i])));

/**
 * The tfjs-layers half of issue 6 on the GPU backends: test/layers.test.ts's first test (model.fit
 * with int32 class ids [N], fused loss against tfjs-layers' own, same seeded weights), in the page.
 *
 * Tolerance: CURVE_RTOL (2e-5), as on cpu and wasm. Both models run the same float32 dense layers on
 * the same backend, so the curves differ only by the loss and its gradient: the fused kernels against
 * softmax, clip, log and autodiff in float32. On SwiftShader the two curves agree to 2.4e-7 (webgl)
 * and 2.0e-7 (webgpu) relative, as in Chromium's cpu (0.8e-7) and wasm (1.3e-7): float32 GPU
 * arithmetic needs no more here. A real GPU may be less exact than SwiftShader (GLSL ES 3.00 and WGSL
 * allow exp an error of (3 + 2·|x|) ulps and log 3 ulps); 2e-5 leaves it 80 times what was measured.
 */
for (const backend of LAYERS_BACKENDS) {
  describeFor(backend)(`tfjs-layers on ${backend}`, () => {
    test('model.fit with the fused loss gives tfjs-layers\' own loss curve, and the model learns', () => {
      const c = layersOutcomes.get(backend);
      if (c === undefined) throw new Error(`the tfjs-layers curves on ${backend} did not run`);
      if (c instanceof Error) throw new Error(`the tfjs-layers curves on ${backend} failed in Chromium: ${c.stack ?? c.message}`);
      expect(c.backend).toBe(backend);  // tfjs falls back silently when a backend fails to initialize
      expect([c.fused.length, c.builtIn.length]).toEqual([6, 6]);
      const apart = c.fused.flatMap((v, i) => (Math.abs(v - c.builtIn[i]) <= CURVE_RTOL * Math.abs(c.builtIn[i]) ? [] :
        [`epoch ${i}: fused ${v}, built-in ${c.builtIn[i]}`]));
      expect(apart).toEqual([]);
      expect(c.fused[5]).toBeLessThan(0.7 * c.fused[0]);  // it learns, as in layers.test.ts
    });
  });
}

/**
 * The sigmoid parity table (test/sigmoid_cases.ts) in Chromium, on every run above: the page runs each
 * case through sigmoid_parity_run.ts (browser/sigmoid_page.ts), the code Node's table runs, and here
 * the numbers meet the same float64 reference and checks as in test/sigmoid_parity.ts.
 */
describe('sigmoid parity', () => {
  const sigmoidRuns = new Map<string, SigmoidTableRun | Error>();
  const sigmoidTolerance = (run: Run): SigmoidTolerance => (run.backend === 'cpu' ? CPU.sigmoidTolerance
    : run.backend === 'wasm' ? WASM.sigmoidTolerance : run.backend === 'webgpu' ? WEBGPU_SIGMOID_TOLERANCE
      : run.f16 ? WEBGL_F16_SIGMOID_TOLERANCE : WEBGL_SIGMOID_TOLERANCE);

  beforeAll(async () => {
    const srv = server as Server;
    for (const run of RUNS) {
      const url = (run.page === 'plain' ? srv.plain : srv.isolated) + (run.f16 ? '?f16' : '');
      try {
        const t0 = Date.now();
        const got = await inPage(`sigmoid table on ${run.label}`, url,
            (page) => page.evaluate((b) => (window as unknown as PageWindow).fusedCE.sigmoidTable(b), run.backend));
        const slowest = Object.entries(got.ms).sort((a, b) => b[1] - a[1]).slice(0, 2);
        console.log(`sigmoid table on ${run.label}: ${SIGMOID_CASES.length - Object.keys(got.errors).length}/` +
            `${SIGMOID_CASES.length} cases ran without throwing, in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
            `slowest: ${slowest.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`);
        sigmoidRuns.set(run.label, got);
      } catch (e) {
        sigmoidRuns.set(run.label, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }, RUNS.length * RUN_LIMIT_MS + 60_000);

  const tableOf = (run: Run): SigmoidTableRun => {
    const t = sigmoidRuns.get(run.label);
    if (t === undefined) throw new Error(`the sigmoid table did not run on ${run.label}`);
    if (t instanceof Error) throw new Error(`the sigmoid table on ${run.label} failed in Chromium: ${t.stack ?? t.message}`);
    return t;
  };

  test.each(RUNS)('$label: ran on its backend with the three sigmoid kernels', (run) => {
    const t = tableOf(run);
    expect([t.backend, t.sigmoidKernels]).toEqual([run.backend, [...SIGMOID_KERNEL_NAMES]]);
  });

  /**
   * float16 textures do not keep ±∞ (see runsFor above), nor a loss past float16's largest value
   * (65504), which comes back as NaN, not +∞ ('logits ±1e4 soft sum': 156887): those cases run on every
   * other run.
   */
  const beyondFloat16 = (c: SigmoidCase) => sigmoidCaseReference(c).loss.some((v) => Math.abs(v) > 65504);
  const sigmoidRunsFor = (c: SigmoidCase) => RUNS.filter((r) => !(r.f16 &&
      ((c.logits ?? []).some(([, v]) => v === Infinity || v === -Infinity) || beyondFloat16(c))));

  describe.each(SIGMOID_CASES)('$name', (c) => {
    const resultsOf = (run: Run): Results => {
      const t = tableOf(run);
      const error = t.errors[c.name];
      if (error !== undefined) throw new Error(`${run.label} in Chromium threw: ${error}`);
      const r = t.results[c.name];
      return {forward: Array.from(r.forward), vgLoss: Array.from(r.vgLoss), vgGrad: Array.from(r.vgGrad),
        lgLoss: Array.from(r.lgLoss), lgGrad: Array.from(r.lgGrad)};
    };

    // float16 textures: the reference of the float16 values the textures hold (sigmoidCaseReference)
    test.each(sigmoidRunsFor(c))('$label in Chromium matches the float64 reference', (run) => {
      expectSigmoidReference(`${run.label} (Chromium)`, resultsOf(run), sigmoidCaseReference(c, run.f16 === true),
          sigmoidTolerance(run));
    });

    test('Chromium backends agree with Chromium cpu', () => {
      const [first, ...rest] = RUNS;
      const a = resultsOf(first);
      for (const run of rest.filter((r) => !r.f16)) {  // float16 is checked against the reference only
        expectSigmoidAgreement(first.label, a, run.label, resultsOf(run), sigmoidTolerance(run), sigmoidCaseReference(c));
      }
    });
  });
});

/**
 * The divergence parity table (test/divergence_cases.ts: KL, distillation, entropy) in Chromium, on
 * every run above: the page runs each case through divergence_parity_run.ts
 * (browser/divergence_page.ts), the code Node's table runs, and here the numbers meet the same float64
 * reference and checks as in test/divergence_parity.ts.
 */
describe('divergence parity', () => {
  const divergenceRuns = new Map<string, DivergenceTableRun | Error>();
  const divergenceTolerance = (run: Run): DivergenceTolerance => (run.backend === 'cpu' ? CPU.divergenceTolerance
    : run.backend === 'wasm' ? WASM.divergenceTolerance : run.backend === 'webgpu' ? DIVERGENCE_WEBGPU_TOLERANCE
      : run.f16 ? DIVERGENCE_WEBGL_F16_TOLERANCE : DIVERGENCE_WEBGL_TOLERANCE);

  beforeAll(async () => {
    const srv = server as Server;
    for (const run of RUNS) {
      const url = (run.page === 'plain' ? srv.plain : srv.isolated) + (run.f16 ? '?f16' : '');
      try {
        const t0 = Date.now();
        const got = await inPage(`divergence table on ${run.label}`, url,
            (page) => page.evaluate((b) => (window as unknown as PageWindow).fusedCE.divergenceTable(b), run.backend));
        const slowest = Object.entries(got.ms).sort((a, b) => b[1] - a[1]).slice(0, 2);
        console.log(`divergence table on ${run.label}: ${DIVERGENCE_CASES.length - Object.keys(got.errors).length}/` +
            `${DIVERGENCE_CASES.length} cases ran without throwing, in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
            `slowest: ${slowest.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`);
        divergenceRuns.set(run.label, got);
      } catch (e) {
        divergenceRuns.set(run.label, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }, RUNS.length * RUN_LIMIT_MS + 60_000);

  const tableOf = (run: Run): DivergenceTableRun => {
    const t = divergenceRuns.get(run.label);
    if (t === undefined) throw new Error(`the divergence table did not run on ${run.label}`);
    if (t instanceof Error) throw new Error(`the divergence table on ${run.label} failed in Chromium: ${t.stack ?? t.message}`);
    return t;
  };

  test.each(RUNS)('$label: ran on its backend with the three divergence kernels', (run) => {
    const t = tableOf(run);
    expect([t.backend, t.divergenceKernels]).toEqual([run.backend, [...DIVERGENCE_KERNEL_NAMES]]);
  });

  /**
   * float16 textures do not keep ±∞ (see runsFor above: −∞ masks in logits or teacher logits, +∞
   * rows, +∞ losses), nor a loss past float16's largest value (65504), which comes back as NaN: those
   * cases run on every other run.
   */
  const infinite = (v: number) => v === Infinity || v === -Infinity;
  const beyondFloat16 = (c: DivergenceCase) => (c.masked ?? []).length > 0 ||
    [...(c.logits ?? []), ...(c.targets ?? [])].some(([, , v]) => infinite(v)) ||
    divergenceCaseReference(c).loss.some((v) => infinite(v) || Math.abs(v) > 65504);
  const divergenceRunsFor = (c: DivergenceCase) => RUNS.filter((r) => !(r.f16 && beyondFloat16(c)));

  describe.each(DIVERGENCE_CASES)('$name', (c) => {
    const resultsOf = (run: Run): Results => {
      const t = tableOf(run);
      const error = t.errors[c.name];
      if (error !== undefined) throw new Error(`${run.label} in Chromium threw: ${error}`);
      const r = t.results[c.name];
      return {forward: Array.from(r.forward), vgLoss: Array.from(r.vgLoss), vgGrad: Array.from(r.vgGrad),
        lgLoss: Array.from(r.lgLoss), lgGrad: Array.from(r.lgGrad)};
    };

    // float16 textures: the reference of the float16 values the textures hold (divergenceCaseReference)
    test.each(divergenceRunsFor(c))('$label in Chromium matches the float64 reference', (run) => {
      expectDivergenceReference(`${run.label} (Chromium)`, resultsOf(run), divergenceCaseReference(c, run.f16 === true),
          divergenceTolerance(run));
    });

    test('Chromium backends agree with Chromium cpu', () => {
      const [first, ...rest] = RUNS;
      const a = resultsOf(first);
      for (const run of rest.filter((r) => !r.f16)) {  // float16 is checked against the reference only
        expectDivergenceAgreement(first.label, a, run.label, resultsOf(run), divergenceTolerance(run),
            divergenceCaseReference(c));
      }
    });
  });
});

/**
 * The sigmoid WebGL kernels' own checks (browser/sigmoid_webgl_checks.ts, in a page of their own:
 * browser/sigmoid_webgl_page.ts), with float32 textures and with float16 ones: program runs per step,
 * no compile at a new batch size, no leaks, γ = 0's bits, empty inputs, and results against the
 * checks' own float64 formula. Bounds are in units of each value's terms (the checks' compare()):
 * float32 measured at most 6.0e-7 on SwiftShader (a few roundings of ~10 float32 operations); float16
 * textures round every input and output to 11 bits (2^-11 = 4.9e-4; the inputs' rounding is the
 * reference's too, the outputs' is not), and a reduced loss also each block's partial sum.
 */
describeFor('webgl')('sigmoid webgl', () => {
  const MODES = [{label: 'float32 textures', query: '', half: false}, {label: 'float16 textures', query: '?f16', half: true}];
  const bound = (half: boolean) => (half ? {loss: 1e-3, grad: 5e-4} : {loss: 1.5e-6, grad: 1.5e-6});
  const sigmoidChecks = new Map<string, SigmoidWebGLChecks | Error>();

  beforeAll(async () => {
    const own = await serve((await bundlePage('test/browser/sigmoid_webgl_page.ts')).code);
    try {
      for (const mode of MODES) {
        try {
          const c = await inPage(`sigmoid webgl checks, ${mode.label}`, own.plain + mode.query, (page) =>
            page.evaluate(() => (window as unknown as {fusedCE: SigmoidWebGLPage}).fusedCE.sigmoidWebglChecks()));
          const steps = c.steps.map((s) => `[${s.shape}] ${s.options}: ${s.forward}/${s.valueAndGrad}/${s.lossAndGrad}`);
          console.log(`sigmoid webgl checks, ${mode.label}: our programs forward/value-and-grad/loss-and-grad ` +
              `${steps.join('; ')}; [${c.largeMean.shape}] mean loss relative error ${c.largeMean.lossRel.toExponential(2)}; ` +
              `largest errors in terms: loss ${Math.max(...c.agreement.map((a) => a.lossErr)).toExponential(2)}, ` +
              `gradient ${Math.max(...c.agreement.map((a) => a.gradErr)).toExponential(2)}`);
          sigmoidChecks.set(mode.label, c);
        } catch (e) {
          sigmoidChecks.set(mode.label, e instanceof Error ? e : new Error(String(e)));
        }
      }
    } finally {
      await own.close();
    }
  }, 2 * RUN_LIMIT_MS + 60_000);

  describe.each(MODES)('$label', (mode) => {
    /** The checks' results; throws why they failed, or why `part` did. */
    const got = (part: string): SigmoidWebGLChecks => {
      const c = sigmoidChecks.get(mode.label);
      if (c === undefined) throw new Error(`the sigmoid webgl checks (${mode.label}) did not run`);
      if (c instanceof Error) throw new Error(`the sigmoid webgl checks (${mode.label}) failed in Chromium: ${c.stack ?? c.message}`);
      if (c.errors[part] !== undefined) throw new Error(`the sigmoid webgl check '${part}' threw in Chromium: ${c.errors[part]}`);
      return c;
    };
    test('the page runs with the textures this mode is about', () => {
      expect(got('steps').renderFloat32).toBe(!mode.half);
    });
    // WebGL 2 can sum M entries only in two draws (kernels/sigmoid_cross_entropy/webgl/sum_program.ts):
    // past one block a reduced forward is 2 programs, value-and-grad 3, and loss-and-grad 3 (its
    // partial sums in a program of their own: loss_and_grad.ts says why)
    test('programs per step: \'none\' and one-block sums 1 per kernel, longer sums 2 (loss-and-grad 3); tfjs adds only the tape\'s dy', () => {
      const bad = got('steps').steps.flatMap((s) => {
        const sum = s.blocks > 1 ? 1 : 0;
        const want = {forward: 1 + sum, valueAndGrad: 2 + sum, lossAndGrad: 1 + 2 * sum,
          // tfjs's: a fill for 'none' (ones of the loss's shape), with float16 textures the upload of
          // the scalar 1 that float32 ones pass as a uniform; none in loss-and-grad
          valueAndGradAll: 2 + sum + (s.options.startsWith('none') || mode.half ? 1 : 0), lossAndGradAll: 1 + 2 * sum};
        const have = {forward: s.forward, valueAndGrad: s.valueAndGrad, lossAndGrad: s.lossAndGrad,
          valueAndGradAll: s.valueAndGradAll, lossAndGradAll: s.lossAndGradAll};
        return JSON.stringify(have) === JSON.stringify(want) ? [] :
          [`[${s.shape}] ${s.options} (${s.blocks} blocks): ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`];
      });
      expect(bad).toEqual([]);
    });
    test('tf.profile: value-and-grad records the forward and backward kernels', () => {
      expect(got('profile').profiledKernels).toEqual(['FusedSigmoidCrossEntropy', 'FusedSigmoidCrossEntropyGrad']);
    });
    test('a new batch size compiles no new program (sizes are uniforms)', () => {
      expect(got('newBatch').newBatch.filter((b) => b.compiled !== 0)).toEqual([]);
    });
    test('losses and gradients match the float64 formula; NaN, ±∞ and zero coefficients exactly', () => {
      const {agreement} = got('agreement');
      expect(agreement.length).toBeGreaterThan(20);
      const b = bound(mode.half);
      expect(agreement.flatMap((a) => [...a.mismatches.map((m) => `${a.name}: ${m}`),
        ...(a.lossErr > b.loss ? [`${a.name}: loss error ${a.lossErr} (${a.worst[0]})`] : []),
        ...(a.gradErr > b.grad ? [`${a.name}: gradient error ${a.gradErr} (${a.worst[1]})`] : [])])).toEqual([]);
    });
    test('a mean over many entries: compensated float32 sums keep the loss to a few float32 roundings', () => {
      const {largeMean} = got('largeMean');
      expect(largeMean.lossRel).toBeLessThan(mode.half ? 1e-3 : 3e-7);
      expect(largeMean.gradErr).toBeLessThan(bound(mode.half).grad);
    });
    test('one loss of 1e4 and 2047 of 1e-4 sum to within float32 rounding (compensated; float16 output)', () => {
      expect(got('compensated').compensated.rel).toBeLessThan(mode.half ? 1e-3 : 1e-7);
    });
    test('γ = 0 gives the bits of no focal term', () => {
      expect(got('gammaZero').gammaZeroIdentical).toBe(true);
    });
    test('packed inputs (a matMul\'s logits, cast labels) are unpacked once each and give the same bits', () => {
      // [64, 100], 'mean': 3 programs of ours, and 1 unpack per input for all three
      expect(got('packedInputs').packedInputs).toEqual({packed: [true, true], programs: 5, ours: 3, sameBits: [true, true]});
    });
    test('an empty input runs no program: losses exactly 0, an empty gradient', () => {
      expect(got('empty').empty).toEqual({programs: 0, loss: [0, 0], gradSize: 0});
    });
    test('no textures, data ids or tensors leak over 200 training steps', () => {
      const {leak} = got('leak');
      expect(leak.before.length).toBe(4);
      expect(leak.after).toEqual(leak.before);
    });
  });
});

/**
 * The sigmoid WebGPU kernels' own checks (browser/sigmoid_webgpu_checks.ts, bundled as a page of its
 * own): dispatches per step, no compile at a new batch size, the kernels on the tape, no leaks,
 * γ = 0's bits, empty inputs, 10^6 entries and more (past 65535 workgroups), and results against the
 * checks' own float64 formula. Error bounds are in units of each value's terms (the checks' Errors):
 * measured at most 1.3e-6 on SwiftShader (γ = 5: q^γ multiplies q's own rounding by γ), 5e-7 without
 * a focal term.
 */
describeFor('webgpu')('sigmoid webgpu', () => {
  let sigmoidGpu: SigmoidWebGPUChecks | Error | undefined;

  beforeAll(async () => {
    const own = await serve((await bundlePage('test/browser/sigmoid_webgpu_checks.ts')).code);
    try {
      sigmoidGpu = await inPage('sigmoid webgpu checks', own.plain, (page) => page.evaluate(() =>
        (window as unknown as {fusedCE: SigmoidWebGPUPage}).fusedCE.sigmoidWebgpuChecks()));
      const c = sigmoidGpu;
      console.log(`sigmoid webgpu checks: value-and-grad / loss-and-grad dispatches ${c.steps.map((s) =>
        `[${s.shape}] ${s.variant}: ${s.valueAndGrad.dispatches}/${s.lossAndGrad.dispatches}`).join('; ')}; ` +
          `largest errors in terms: ${c.agreement.map((a) => `${a.name} ${a.lossErr.toExponential(1)}/` +
          `${a.gradErr.toExponential(1)}`).join('; ')}; seconds ${JSON.stringify(c.seconds)}`);
    } catch (e) {
      sigmoidGpu = e instanceof Error ? e : new Error(String(e));
    } finally {
      await own.close();
    }
  }, RUN_LIMIT_MS + 60_000);

  /** The checks' results; throws why they failed, or why `part` did. */
  const got = (part: string): SigmoidWebGPUChecks => {
    const c = sigmoidGpu;
    if (c === undefined) throw new Error('the sigmoid webgpu checks did not run');
    if (c instanceof Error) throw new Error(`the sigmoid webgpu checks failed in Chromium: ${c.stack ?? c.message}`);
    if (c.errors[part] !== undefined) throw new Error(`the sigmoid webgpu check '${part}' threw in Chromium: ${c.errors[part]}`);
    return c;
  };

  test('value-and-grad 2 dispatches, loss-and-grad 1, every option; no tfjs program, nothing compiled on a second call', () => {
    const {steps} = got('steps');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.flatMap((s) => {
      const [vg, lg] = [s.valueAndGrad, s.lossAndGrad];
      const ok = vg.dispatches <= 2 && lg.dispatches <= 1 && vg.tfjsPrograms + lg.tfjsPrograms === 0 &&
        vg.pipelines + lg.pipelines === 0;
      return ok ? [] : [`[${s.shape}] ${s.variant}: ${JSON.stringify({vg, lg})}`];
    })).toEqual([]);
  });
  test('tf.profile: value-and-grad records the forward and backward kernels, loss-and-grad one', () => {
    expect(got('profiled').profiled).toEqual({valueAndGrad: ['FusedSigmoidCrossEntropy', 'FusedSigmoidCrossEntropyGrad'],
      lossAndGrad: ['SigmoidCrossEntropyWithLogits']});
  });
  test('a new batch size compiles no new pipeline (sizes are uniforms)', () => {
    expect(got('newBatch').newBatch.pipelines).toBe(0);
  });
  test('no tensors, data ids or GPU buffers leak over 200 training steps', () => {
    const {leak} = got('leak');
    expect(leak.before.length).toBe(4);
    expect(leak.after).toEqual(leak.before);
  });
  test('γ = 0 gives the bits of no focal term', () => {
    expect(got('gammaZero').gammaZeroIdentical).toBe(true);
  });
  test('an empty input dispatches nothing: losses exactly 0, an empty gradient', () => {
    expect(got('empty').empty).toEqual({dispatches: 0, loss: [0, 0], gradSize: 0});
  });
  test('losses and gradients match the float64 formula (10^6 entries and more too); NaN, ±∞ and zero coefficients exactly', () => {
    const c = got('steps');
    // every agreement part ran (each is its own part)
    expect(Object.keys(c.errors).filter((k) => k.startsWith('agreement') || k === 'past one grid row')).toEqual([]);
    expect(c.agreement.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...c.agreement.map((a) => a.entries))).toBeGreaterThan(1e7);
    expect(c.agreement.flatMap((a) => [...a.mismatches.map((m) => `${a.name}: ${m}`),
      ...(a.lossErr > 2e-6 ? [`${a.name}: loss error ${a.lossErr} (${a.worst[0]})`] : []),
      ...(a.gradErr > 2e-6 ? [`${a.name}: gradient error ${a.gradErr} (${a.worst[1]})`] : [])])).toEqual([]);
  });
});

/**
 * The divergence WebGL kernels' own checks (browser/divergence_webgl_checks.ts, a page of its own),
 * with float32 and float16 textures: programs per step, no compile at a new batch size, no leaks, K = 1's
 * exact zeros, empty inputs, a teacher at 1e4, and results against the checks' own float64 formula.
 * Bounds are in units of each value's terms (the checks' compare()): float32 measured at most 4.4e-8
 * (losses) and 1.8e-7 (gradients) on SwiftShader; float16 textures round every stored value to 11 bits
 * (2^-11 = 4.9e-4; measured 2.4e-4 and 4.8e-4).
 */
describeFor('webgl')('divergence webgl', () => {
  const MODES = [{label: 'float32 textures', query: '', half: false}, {label: 'float16 textures', query: '?f16', half: true}];
  const bound = (half: boolean) => (half ? 1e-3 : 5e-7);
  const divergenceChecks = new Map<string, DivergenceWebGLChecks | Error>();

  beforeAll(async () => {
    const own = await serve((await bundlePage('test/browser/divergence_webgl_checks.ts')).code);
    try {
      for (const mode of MODES) {
        try {
          const c = await inPage(`divergence webgl checks, ${mode.label}`, own.plain + mode.query, (page) =>
            page.evaluate(() => (window as unknown as {fusedCE: DivergenceWebGLPage}).fusedCE.divergenceWebglChecks()));
          console.log(`divergence webgl checks, ${mode.label}: our programs forward/value-and-grad/loss-and-grad ` +
              `(all value-and-grad) ${c.steps.map((s) => `[${s.shape}] ${s.options}: ${s.forward}/${s.valueAndGrad}/` +
              `${s.lossAndGrad} (${s.valueAndGradAll})`).join('; ')}; ` +
              `teacher at 1e4: loss relative error ${c.teacher.lossRel.toExponential(2)}; largest errors in terms: ` +
              `loss ${Math.max(...c.agreement.map((a) => a.lossErr)).toExponential(2)}, ` +
              `gradient ${Math.max(...c.agreement.map((a) => a.gradErr)).toExponential(2)}`);
          divergenceChecks.set(mode.label, c);
        } catch (e) {
          divergenceChecks.set(mode.label, e instanceof Error ? e : new Error(String(e)));
        }
      }
    } finally {
      await own.close();
    }
  }, 2 * RUN_LIMIT_MS + 60_000);

  describe.each(MODES)('$label', (mode) => {
    /** The checks' results; throws why they failed, or why `part` did. */
    const got = (part: string): DivergenceWebGLChecks => {
      const c = divergenceChecks.get(mode.label);
      if (c === undefined) throw new Error(`the divergence webgl checks (${mode.label}) did not run`);
      if (c instanceof Error) throw new Error(`the divergence webgl checks (${mode.label}) failed in Chromium: ${c.stack ?? c.message}`);
      if (c.errors[part] !== undefined) throw new Error(`the divergence webgl check '${part}' threw in Chromium: ${c.errors[part]}`);
      return c;
    };
    test('the page runs with the textures this mode is about', () => {
      expect(got('steps').renderFloat32).toBe(!mode.half);
    });
    // tfjs's own programs in a KL value-and-grad step: only the tape's dy (for 'none' a fill of ones of
    // the loss's shape; with float16 textures the upload of the scalar 1 that float32 ones pass as a
    // uniform). Entropy's step is not asserted on them: the op passes the logits as the targets too, so
    // the tape adds the targets' zero gradient to the logits' (logged above).
    test('programs per step: forward 2, value-and-grad 3 (the tape\'s backward 1), loss-and-grad 3 and no tfjs program', () => {
      const c = got('steps');
      expect(c.tape).toBe(true);
      expect(c.steps.length).toBeGreaterThan(0);
      expect(c.steps.filter((s) => s.forward !== 2 || s.valueAndGrad !== 3 || s.lossAndGrad !== 3 || s.lossAndGradAll !== 3 ||
        (!s.options.startsWith('entropy') && s.valueAndGradAll !== 3 + (s.options.includes('none') || mode.half ? 1 : 0)))
          .map((s) => `[${s.shape}] ${s.options}: ${JSON.stringify(s)}`)).toEqual([]);
    });
    test('a new batch size compiles no new program (sizes are uniforms)', () => {
      const {newBatch} = got('newBatch');
      expect(newBatch.length).toBeGreaterThan(0);
      expect(newBatch.filter((b) => b.compiled !== 0)).toEqual([]);
    });
    test('losses and gradients match the float64 formula; NaN, ±∞ exactly', () => {
      const {agreement} = got('agreement');
      expect(agreement.length).toBeGreaterThan(50);
      const b = bound(mode.half);
      expect(agreement.flatMap((a) => [...a.mismatches.map((m) => `${a.name}: ${m}`),
        ...(a.lossErr > b ? [`${a.name}: loss error ${a.lossErr} (${a.worst[0]})`] : []),
        ...(a.gradErr > b ? [`${a.name}: gradient error ${a.gradErr} (${a.worst[1]})`] : [])])).toEqual([]);
    });
    test('distillation with teacher and student logits near ±1e4 (±1e3 with float16 textures) stays exact', () => {
      const {teacher} = got('teacher');
      expect(teacher.lossRel).toBeLessThan(mode.half ? 2e-3 : 1e-6);
      expect(teacher.gradErr).toBeLessThan(bound(mode.half));
    });
    test('K = 1: every loss and gradient entry is exactly 0', () => {
      expect(got('singleClass').singleClass.map((s) => ({kind: s.kind, zero: s.losses.every((v) => Object.is(v, 0)),
        gradNonZero: s.gradNonZero}))).toEqual(['klProbabilities', 'klLogits', 'entropy'].map((kind) =>
        ({kind, zero: true, gradNonZero: 0})));
    });
    test('an empty input runs no program: losses exactly 0, an empty gradient', () => {
      expect(got('empty').empty).toEqual({programs: 0, loss: [0, 0], gradSize: 0});
    });
    test('no textures, data ids or tensors leak over 200 training steps', () => {
      const {leak} = got('leak');
      expect(leak.before.length).toBe(4);
      expect(leak.after).toEqual(leak.before);
    });
  });
});

/**
 * The divergence WebGPU kernels' own checks (browser/divergence_webgpu_checks.ts, a page of its own):
 * dispatches per step, no compile at a new batch size, the tape's kernels, no leaks, empty inputs, K = 1's
 * exact zeros, the device's binding-size error, and the kernels against the checks' own float64 formula
 * (edges, teacher logits near ±1e4, long rows). Bounds are in units of each value's terms: measured at
 * most 2.6e-6 (losses) and 4.3e-6 (gradients) on SwiftShader, at entries of e^-60 and below, where its
 * exp errs by about an ulp per unit of |x|; 1.5e-6 elsewhere.
 */
describeFor('webgpu')('divergence webgpu', () => {
  let divergenceGpu: DivergenceWebGPUChecks | Error | undefined;

  beforeAll(async () => {
    const own = await serve((await bundlePage('test/browser/divergence_webgpu_checks.ts')).code);
    try {
      divergenceGpu = await inPage('divergence webgpu checks', own.plain, (page) => page.evaluate(() =>
        (window as unknown as {fusedCE: DivergenceWebGPUPage}).fusedCE.divergenceWebgpuChecks()));
      const c = divergenceGpu;
      console.log(`divergence webgpu checks: value-and-grad / loss-and-grad dispatches (tfjs's programs) ${c.steps.map((s) =>
        `[${s.shape}] ${s.variant}: ${s.valueAndGrad.dispatches} (${s.valueAndGrad.tfjsPrograms})/` +
        `${s.lossAndGrad.dispatches}`).join('; ')}; largest errors in terms: loss ` +
        `${Math.max(...c.agreement.map((a) => a.lossErr)).toExponential(1)}, gradient ` +
        `${Math.max(...c.agreement.map((a) => a.gradErr)).toExponential(1)}; seconds ${JSON.stringify(c.seconds)}`);
    } catch (e) {
      divergenceGpu = e instanceof Error ? e : new Error(String(e));
    } finally {
      await own.close();
    }
  }, RUN_LIMIT_MS + 60_000);

  /** The checks' results; throws why they failed, or why `part` did. */
  const got = (part: string): DivergenceWebGPUChecks => {
    const c = divergenceGpu;
    if (c === undefined) throw new Error('the divergence webgpu checks did not run');
    if (c instanceof Error) throw new Error(`the divergence webgpu checks failed in Chromium: ${c.stack ?? c.message}`);
    if (c.errors[part] !== undefined) throw new Error(`the divergence webgpu check '${part}' threw in Chromium: ${c.errors[part]}`);
    if (c.errors.device !== undefined) throw new Error(`WebGPU reported errors: ${c.errors.device}`);
    return c;
  };

  // Entropy's value-and-grad also runs 2 tfjs programs: the op passes the logits as the targets too, so
  // the tape adds the targets' zero gradient to the logits' (a fill and an add; not the kernels').
  test('value-and-grad 2 dispatches of ours (3 at most in all for KL), loss-and-grad 1; nothing compiled on a second call', () => {
    const {steps} = got('steps');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.flatMap((s) => {
      const [vg, lg] = [s.valueAndGrad, s.lossAndGrad];
      const ok = vg.dispatches - vg.tfjsPrograms <= 2 && lg.dispatches === 1 && lg.tfjsPrograms === 0 &&
        (s.variant.startsWith('entropy') || vg.dispatches <= 3) && vg.pipelines + lg.pipelines === 0;
      return ok ? [] : [`[${s.shape}] ${s.variant}: ${JSON.stringify({vg, lg})}`];
    })).toEqual([]);
  });
  test('tf.profile: value-and-grad records the forward and backward kernels, loss-and-grad one', () => {
    expect(got('profiled').profiled).toEqual({valueAndGrad: ['FusedSoftmaxDivergence', 'FusedSoftmaxDivergenceGrad'],
      lossAndGrad: ['SoftmaxDivergenceWithLogits']});
  });
  test('a new batch size compiles no new pipeline (sizes are uniforms)', () => {
    expect(got('newBatch').newBatch.pipelines).toBe(0);
  });
  test('no tensors, data ids or GPU buffers leak over 200 training steps', () => {
    const {leak} = got('leak');
    expect(leak.before.length).toBe(4);
    expect(leak.after).toEqual(leak.before);
  });
  test('an empty input dispatches nothing: means and sums exactly 0, empty gradients', () => {
    const {empty} = got('empty');
    expect(empty.dispatches).toBe(0);
    expect(empty.loss.length).toBeGreaterThan(0);
    expect(empty.loss.every((v) => v === 0) && empty.gradSize.every((n) => n === 0)).toBe(true);
  });
  test('K = 1: every loss is +0 and every gradient entry exactly 0', () => {
    expect(got('singleClass').singleClass.map((s) => ({kind: s.kind, zero: s.lossesPositiveZero, gradNonZero: s.gradNonZero})))
        .toEqual(['klProbabilities', 'klLogits', 'entropy'].map((kind) => ({kind, zero: true, gradNonZero: 0})));
  });
  test('a tensor past the device\'s maxStorageBufferBindingSize is refused with the other kernels\' error', () => {
    expect(got('bindingSize').bindingSizeError).toMatch(/would bind a tensor of \d+ entries .*maxStorageBufferBindingSize.*split the batch/);
  });
  test('losses and gradients match the float64 formula (every kind and reduction, edges, long rows); NaN and ±∞ exactly', () => {
    const c = got('agreement');
    expect(Object.keys(c.errors).filter((k) => k.startsWith('agreement'))).toEqual([]);
    expect(c.agreement.length).toBeGreaterThanOrEqual(28);
    expect(c.agreement.flatMap((a) => [...a.mismatches.map((m) => `${a.name}: ${m}`),
      ...(a.lossErr > 5e-6 ? [`${a.name}: loss error ${a.lossErr} (${a.worst[0]})`] : []),
      ...(a.gradErr > 1e-5 ? [`${a.name}: gradient error ${a.gradErr} (${a.worst[1]})`] : [])])).toEqual([]);
  });
  test('teacher logits near ±1e4 and rows offset by ±1000 stay exact (loss within 1e-6 of its terms)', () => {
    const far = got('agreement').agreement.filter((a) => /1e4|±1000/.test(a.name));
    expect(far.length).toBe(4);
    expect(far.filter((a) => a.lossErr > 1e-6 || a.gradErr > 3e-6 || a.mismatches.length > 0)).toEqual([]);
  });
});

/**
 * The evaluation ops (ops/perplexity.ts, ops/calibration.ts, ops/fit_temperature.ts) in Chromium, on
 * cpu, wasm (plain and cross-origin isolated), webgl with float32 textures and webgpu: Node makes the
 * inputs and sends them; the page (browser/evaluation_page.ts) runs each op on them, reading back with
 * data() only, and hands back plain numbers, which meet the float64 computations below, made here from
 * the same inputs and sharing no code with the ops (test/evaluation.test.ts's checks, in Node):
 * perplexity as exp of the reference's mean loss, ECE, MCE and the bins as a plain loop over softmax
 * probabilities, the fitted temperature as a grid search of the reference's NLL refined by golden-section
 * steps. A streamed evaluation (batches of uneven sizes, an empty one among them) must give the one
 * batch's result, and no op may leave a tensor behind.
 *
 * Tolerances: every backend forms the losses and confidences in float32 (float16 textures are not this
 * block's: webgl runs with float32 ones, and the test checks it), so perplexity to 1e-5 relative, ECE,
 * MCE and bin confidences to 1e-5 absolute, bin counts and accuracies exactly (the inputs keep every
 * confidence at least 1e-5 from an inner bin edge, so no float32 rounding moves a row across one), and
 * the temperature to 1e-4 relative of the grid search.
 */
describe('evaluation ops', () => {
  const EVAL_RUNS = RUNS.filter((r) => !r.f16);
  const EDGE_MARGIN = 1e-5;
  const TOL = {perplexity: 1e-5, ece: 1e-5, temperature: 1e-4, nll: 1e-5};

  /**
   * Scales (by 1.001 at a time) each row whose float64 confidence lies within EDGE_MARGIN of an inner
   * edge b/B, so that bin counts can be compared exactly; returns how many rows it moved.
   */
  const clearOfEdges = (z: Float32Array, N: number, K: number, B: number, T: number): number => {
    let moved = 0;
    for (let i = 0; i < N; i++) {
      const near = () => {
        const {p} = topOf(z, i, K, T);
        for (let b = 1; b < B; b++) if (Math.abs(p - b / B) < EDGE_MARGIN) return true;
        return false;
      };
      if (!near()) continue;
      moved++;
      while (near()) for (let c = 0; c < K; c++) z[i * K + c] = Math.fround(z[i * K + c] * 1.001);
    }
    return moved;
  };

  /** The cases' inputs (made once; sent to every run). */
  const makeCases = (): EvaluationCase[] => {
    const a = classifier(300 * 10, 300, 10, 3);
    clearOfEdges(a.z, 300, 10, 15, 1);
    const b = classifier(203 * 37, 203, 37, 2);
    for (const i of [0, 7, 50, 111, 202]) b.y[i] = -100;
    clearOfEdges(b.z, 203, 37, 10, 1.7);
    // soft targets: the logits, blurred, at T = 2
    const c = classifier(3, 160, 6, 2.5);
    clearOfEdges(c.z, 160, 6, 12, 1);
    const blur = randn(rng(9), 160 * 6, 0.3);
    const P = new Float32Array(160 * 6);
    for (let i = 0; i < 160; i++) {
      const s = Array.from({length: 6}, (_, k) => (c.z[i * 6 + k] + blur[i * 6 + k]) / 2);
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const sum = e.reduce((x, y) => x + y, 0);
      e.forEach((v, k) => { P[i * 6 + k] = v / sum; });
    }
    return [
      {name: 'over-confident classifier [300, 10]', N: 300, K: 10, logits: a.z, labels: a.y, perplexity: {},
        calibration: {}, fit: {}, edges: [0, 128, 128, 129, 300]},
      {name: 'odd K [203, 37], ignored rows, temperatures, class weights', N: 203, K: 37, logits: b.z, labels: b.y,
        perplexity: {temperature: 2, classWeights: Array.from({length: 37}, (_, k) => [0.25, 0.5, 1, 2, 4][k % 5])},
        calibration: {bins: 10, temperature: 1.7}, fit: {}, edges: [0, 64, 150, 150, 203]},
      {name: 'probability labels [160, 6]', N: 160, K: 6, logits: c.z, labels: P, calibration: {bins: 12}, fit: {},
        edges: [0, 1, 80, 160]},
      {name: 'N = 0 [0, 10]', N: 0, K: 10, logits: new Float32Array(0), labels: new Int32Array(0), perplexity: {},
        calibration: {}, fit: {}, edges: [0, 0, 0]},
    ];
  };
  const EVAL_CASES = makeCases();

  /** What the op must give, in float64 from the same inputs. */
  interface Expected {
    perplexity?: {perplexity: number, loss: number, count: number};
    calibration?: {ece: number, mce: number, count: number[], correct: number[], confidence: number[]};
    temperature?: {T: number, nllBefore: number, nllAt: number};
  }

  const plainCalibrationOf = (c: EvaluationCase): NonNullable<Expected['calibration']> =>
    plainCalibration(c.logits, c.K, c.labels, c.labels instanceof Int32Array, c.calibration?.bins ?? 15,
        c.calibration?.temperature ?? 1, c.calibration?.ignoreIndex ?? -100);

  const expectedOf = (c: EvaluationCase): Expected => {
    const sparse = c.labels instanceof Int32Array;
    const out: Expected = {};
    if (c.perplexity !== undefined && c.N > 0) {
      const o = c.perplexity;
      const w = o.classWeights as number[] | undefined;
      const loss = reference(c.logits, c.K, c.labels, true, {temperature: o.temperature, classWeights: w}).loss[0];
      let count = 0;
      for (let i = 0; i < c.N; i++) if (c.labels[i] !== -100) count += w === undefined ? 1 : w[c.labels[i]];
      out.perplexity = {perplexity: Math.exp(loss), loss, count};
    }
    if (c.calibration !== undefined) out.calibration = plainCalibrationOf(c);
    if (c.fit !== undefined && c.N > 0) {
      const f = (T: number) => reference(c.logits, c.K, c.labels, sparse, {temperature: T}).loss[0];
      const T = gridSearchT(f);
      out.temperature = {T, nllBefore: f(1), nllAt: f(T)};
    }
    return out;
  };
  const EXPECTED = new Map(EVAL_CASES.map((c) => [c.name, expectedOf(c)]));

  const evaluationRuns = new Map<string, EvaluationRun | Error>();
  const runOf = (run: Run): EvaluationRun => {
    const r = evaluationRuns.get(run.label);
    if (r === undefined) throw new Error(`the evaluation ops did not run on ${run.label}`);
    if (r instanceof Error) throw new Error(`the evaluation ops on ${run.label} failed in Chromium: ${r.stack ?? r.message}`);
    return r;
  };
  const valueOf = <T>(o: Outcome<T> | undefined, what: string): T => {
    if (o === undefined) throw new Error(`${what} did not run`);
    if ('error' in o) throw new Error(`${what} threw in Chromium: ${o.error}`);
    return o.value;
  };
  const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

  /** The largest errors of one run's results, by kind, and the case each is from (for the log). */
  const errorsOf = (r: EvaluationRun) => {
    const e: Record<'perplexity' | 'ece' | 'temperature' | 'nll', {err: number, at: string}> = {perplexity: {err: 0, at: ''},
      ece: {err: 0, at: ''}, temperature: {err: 0, at: ''}, nll: {err: 0, at: ''}};
    const note = (kind: keyof typeof e, err: number, at: string) => {
      if (!(err <= e[kind].err)) e[kind] = {err: Number.isNaN(err) ? Infinity : err, at};
    };
    for (const c of EVAL_CASES) {
      const want = EXPECTED.get(c.name) as Expected;
      const got = r.cases[c.name];
      if (got === undefined) continue;
      const at = c.name.split(' [')[0];
      const value = <T>(o: Outcome<T> | undefined): T | undefined => (o !== undefined && 'value' in o ? o.value : undefined);
      if (want.perplexity !== undefined) {
        const p = want.perplexity.perplexity;
        note('perplexity', rel(value(got.perplexity) ?? NaN, p), at);
        note('perplexity', rel(value(got.streamedPerplexity)?.perplexity ?? NaN, p), `${at}, streamed`);
      }
      if (want.calibration !== undefined) {
        const w = want.calibration;
        for (const [o, where] of [[got.calibration, at], [got.streamedCalibration, `${at}, streamed`]] as const) {
          const v = value(o);
          if (v === undefined) {
            note('ece', Infinity, where);
            continue;
          }
          note('ece', Math.max(Math.abs(v.ece - w.ece), Math.abs(v.mce - w.mce),
              ...v.bins.map((bin, k) => Math.abs(bin.confidence - w.confidence[k]))), where);
        }
      }
      if (want.temperature !== undefined) {
        const v = value(got.fit);
        note('temperature', v === undefined ? Infinity : rel(v.temperature, want.temperature.T), at);
        note('nll', v === undefined ? Infinity : Math.max(rel(v.nllBefore, want.temperature.nllBefore),
            rel(v.nllAfter, want.temperature.nllAt)), at);
      }
    }
    return e;
  };
  const errorText = (x: {err: number, at: string}) => `${x.err.toExponential(1)} (${x.at})`;

  beforeAll(async () => {
    const srv = server as Server;
    const t0 = Date.now();
    for (const run of EVAL_RUNS) {
      const url = run.page === 'plain' ? srv.plain : srv.isolated;
      try {
        const t1 = Date.now();
        const got = await inPage(`evaluation ops on ${run.label}`, url, (page) => page.evaluate(([b, cases]) =>
          (window as unknown as PageWindow).fusedCE.evaluation(b, cases), [run.backend, EVAL_CASES] as const));
        evaluationRuns.set(run.label, got);
        const e = errorsOf(got);
        console.log(`evaluation ops on ${run.label}: ${((Date.now() - t1) / 1000).toFixed(1)} s with the page's load ` +
            `(ops ${got.seconds.toFixed(1)} s: ${Object.entries(got.cases).map(([n, c]) => `${n.split(' [')[0]} ` +
            `${c.ms} ms`).join(', ')}); largest errors: perplexity ${errorText(e.perplexity)} relative, ` +
            `ECE/MCE/confidence ${errorText(e.ece)}, temperature ${errorText(e.temperature)} relative of ` +
            `the grid search, NLL ${errorText(e.nll)} relative`);
      } catch (e) {
        evaluationRuns.set(run.label, e instanceof Error ? e : new Error(String(e)));
      }
    }
    console.log(`evaluation ops: ${EVAL_RUNS.length} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, EVAL_RUNS.length * RUN_LIMIT_MS + 60_000);

  test('the inputs keep every confidence clear of the inner bin edges', () => {
    const close = EVAL_CASES.flatMap((c) => {
      const B = c.calibration?.bins ?? 15;
      const T = c.calibration?.temperature ?? 1;
      return Array.from({length: c.N}, (_, i) => topOf(c.logits, i, c.K, T).p)
          .flatMap((p, i) => (Array.from({length: B - 1}, (_, b) => (b + 1) / B).some((x) => Math.abs(p - x) < EDGE_MARGIN) ?
            [`${c.name} row ${i}: ${p}`] : []));
    });
    expect(close).toEqual([]);
  });

  test.each(EVAL_RUNS)('$label: ran on its backend (on webgl, with float32 textures); no op left a tensor behind', (run) => {
    const r = runOf(run);
    expect([r.backend, r.renderFloat32]).toEqual([run.backend, run.backend === 'webgl' ? true : null]);
    const leaks = EVAL_CASES.flatMap((c) => Object.entries(r.cases[c.name].leaks).filter(([, n]) => n !== 0)
        .map(([op, n]) => `${c.name}: ${op} left ${n} tensors`));
    expect(leaks).toEqual([]);
    expect(EVAL_CASES.every((c) => Object.keys(r.cases[c.name].leaks).length > 0)).toBe(true);
  });

  describe.each(EVAL_CASES)('$name', (c) => {
    const want = EXPECTED.get(c.name) as Expected;
    const caseOf = (run: Run): EvaluationCaseRun => {
      const got = runOf(run).cases[c.name];
      if (got === undefined) throw new Error(`${run.label}: the page did not run '${c.name}'`);
      return got;
    };

    if (c.perplexity !== undefined) {
      test.each(EVAL_RUNS)('$label: perplexity = exp of the reference mean loss; streamed = one batch', (run) => {
        const got = caseOf(run);
        const one = valueOf(got.perplexity, 'perplexity');
        const streamed = valueOf(got.streamedPerplexity, 'createPerplexity');
        if (want.perplexity === undefined) {  // no rows: 1, and a streamed loss of 0 over a count of 0
          expect([one, streamed]).toEqual([1, {perplexity: 1, loss: 0, count: 0}]);
          return;
        }
        const w = want.perplexity;
        const bad = [['perplexity', one, w.perplexity], ['streamed perplexity', streamed.perplexity, w.perplexity],
          ['streamed loss', streamed.loss, w.loss]].flatMap(([what, v, x]) =>
          (rel(v as number, x as number) <= TOL.perplexity ? [] : [`${what}: ${v}, expected ${x}`]));
        expect(bad).toEqual([]);
        expect(streamed.count).toBe(w.count);
        expect(rel(streamed.perplexity, one)).toBeLessThan(1e-6);
      });
    }

    if (c.calibration !== undefined) {
      test.each(EVAL_RUNS)('$label: ECE, MCE and bins = a plain float64 loop; streamed = one batch', (run) => {
        const got = caseOf(run);
        const w = want.calibration as NonNullable<Expected['calibration']>;
        const B = w.count.length;
        const one = valueOf(got.calibration, 'expectedCalibrationError');
        const streamed = valueOf(got.streamedCalibration, 'createCalibrationError');
        for (const [what, r] of [['one batch', one], ['streamed', streamed]] as const) {
          expect({what, bins: r.bins.map((b) => [b.lower, b.upper]), count: r.bins.map((b) => b.count),
            correct: r.bins.map((b) => Math.round(b.accuracy * b.count)),
            accuracy: r.bins.map((b) => b.accuracy)}).toEqual({what,
            bins: Array.from({length: B}, (_, k) => [k / B, (k + 1) / B]), count: w.count, correct: w.correct,
            accuracy: w.count.map((n, k) => (n === 0 ? 0 : w.correct[k] / n))});
          const bad = [['ece', r.ece, w.ece], ['mce', r.mce, w.mce],
            ...r.bins.map((b, k) => [`bin ${k} confidence`, b.confidence, w.confidence[k]])]
              .flatMap(([name, v, x]) => (Math.abs((v as number) - (x as number)) <= TOL.ece ? [] :
                [`${what} ${name}: ${v}, expected ${x}`]));
          expect(bad).toEqual([]);
        }
        expect(Math.abs(streamed.ece - one.ece)).toBeLessThan(1e-9);
        expect(Math.abs(streamed.mce - one.mce)).toBeLessThan(1e-9);
      });
    }

    if (c.fit !== undefined) {
      test.each(EVAL_RUNS)('$label: fitTemperature = a float64 grid search (1e-4 relative)', (run) => {
        const got = caseOf(run);
        if (want.temperature === undefined) {
          const o = got.fit;
          expect(o !== undefined && 'error' in o ? o.error.split('\n')[0] : o).toMatch(/fitTemperature: no rows to fit/);
          return;
        }
        const r = valueOf(got.fit, 'fitTemperature');
        const w = want.temperature;
        expect({converged: r.converged, iterationsWithin50: r.iterations <= 50, improved: r.nllAfter <= r.nllBefore})
            .toEqual({converged: true, iterationsWithin50: true, improved: true});
        expect(rel(r.temperature, w.T)).toBeLessThan(TOL.temperature);
        expect(rel(r.nllBefore, w.nllBefore)).toBeLessThan(TOL.nll);
        expect(rel(r.nllAfter, w.nllAt)).toBeLessThan(TOL.nll);
      });
    }
  });
});

/**
 * linearCrossEntropy (the LM head hidden·W + b and its softmax cross-entropy in row chunks) in
 * Chromium, on cpu, wasm (plain and isolated page), webgl (float32 textures) and webgpu: the page
 * (browser/linear_page.ts) runs each case of LINEAR_SUBSET on linearInputs(c) without a tape, under
 * tf.valueAndGrads (dy for reduction 'none') and through linearCrossEntropyWithGrad, and runs the
 * unfused head (tf.matMul + bias, then softmaxCrossEntropy) on the same inputs; here they meet
 * linearReference (float64) and each other. Besides: a training step's kernels at N > chunkRows never
 * output N·V entries (tf.profile), and on webgl and webgpu dW accumulates through tf.fused.matMul with
 * the [H, V] sum so far as its bias (the path only these two backends take); tf.memory() holds still
 * over repeated steps; on webgpu the default chunk plan fits maxStorageBufferBindingSize; and a short
 * optimizer.minimize curve is the unfused head's.
 *
 * Tolerance, per entry: |got − ref| ≤ K·2^-24·(|ref| + terms), terms from linearReference: for a loss
 * its lossLogitTerms (the logits' float32 matMul over H products errs by ulps of |z| = Σ|h·W| + |b|,
 * times the loss's slope) plus its lossTerms (the kernel's lse − s in float32); for a gradient entry
 * the Σ of |products| of its float32 dot product (V terms for dHidden; N, across chunks, for dWeight
 * and dBias). cpu's matMul sums in float64 before it rounds: K = 8 (measured ≤ 2.7). wasm (XNNPACK),
 * webgl and webgpu accumulate in float32, whose error grows like √n ulps of the terms: K = 32 (n here
 * ≤ 200: √200 ≈ 14; measured ≤ 6.6). Fused against unfused uses the same bound (measured ≤ 8.9 on the
 * float32 backends: two float32 summation orders). Like the evaluation block, this one leaves float16
 * textures out: they would round every chunk's logits, gradients and dW partial sums to 11 bits
 * (2^-11 ≈ 5e-4 of each), a bound too loose to check a head by; webgl runs with float32 textures, and
 * the first test checks it.
 */
describe('linear cross-entropy', () => {
  const LINEAR_RUNS = RUNS.filter((r) => !r.f16);
  const U = 2 ** -24;
  const K = (run: Run) => (run.backend === 'cpu' ? 8 : 32);
  const CURVE_RTOL = 1e-5;

  /**
   * A subset of LINEAR_CASES small enough for SwiftShader (the whole table takes about a minute on its
   * webgpu, most of it compiling pipelines): sum and mean, tied and untied, with and without bias,
   * 'none' with a dy per row, ignored rows and every row ignored, N not a multiple of chunkRows (5
   * chunks: the dW accumulation runs 4 times), one row, H = 1, V = 1, N = 0, and class weights,
   * smoothing, z-loss and temperature together.
   */
  const SUBSET_NAMES = ['sum [12] H16 V50', 'smoothing, weights, ignore, T, zLoss mean', 'all rows ignored mean',
    'N = 37 chunkRows 8 mean', 'N = 37 chunkRows 8 none', 'one row', 'H = 1', 'V = 1 none', 'N = 0 sum tied'];
  const byName = new Map(LINEAR_CASES.map((c) => [c.name, c]));
  const LINEAR_SUBSET: LinearCase[] = SUBSET_NAMES.map((n) => {
    const c = byName.get(n);
    if (c === undefined) throw new Error(`test/linear_cases.ts has no case '${n}'`);
    return c;
  });
  /**
   * 8 or more chunks of a reduced loss: the chunks' losses were once summed by one tf.addN, which
   * tfjs-backend-webgpu 4.22 binds in one shader, beyond maxStorageBuffersPerShaderStage (8 here): the
   * pipeline was invalid, the loss a stale buffer, and the rest of that command buffer (the gradients)
   * dropped. Kept last in the page (linear_page.ts runLinear) so a return of that bug spoils no other case.
   */
  const MANY_CHUNKS: LinearCase = {...(byName.get('N = 37 chunkRows 8 mean') as LinearCase),
    name: 'N = 37 chunkRows 4 mean (10 chunks)', options: {chunkRows: 4}};
  const ALL_CASES = [...LINEAR_SUBSET, MANY_CHUNKS];

  /** Each case's float64 reference: with dy (tf.valueAndGrads of 'none') and without (withGrad). */
  const REFS = new Map(ALL_CASES.map((c) => {
    const inputs = linearInputs(c);
    return [c.name, {dy: linearReference(c, inputs, true), sum: linearReference(c, inputs, false)}];
  }));

  const linearRuns = new Map<string, LinearRun | Error>();
  const runOf = (run: Run): LinearRun => {
    const r = linearRuns.get(run.label);
    if (r === undefined) throw new Error(`linearCrossEntropy did not run on ${run.label}`);
    if (r instanceof Error) throw new Error(`linearCrossEntropy on ${run.label} failed in Chromium: ${r.stack ?? r.message}`);
    return r;
  };
  const valueOf = <T>(o: LinearOutcome<T> | undefined, what: string): T => {
    if (o === undefined) throw new Error(`${what} did not run`);
    if ('error' in o) throw new Error(`${what} threw in Chromium: ${o.error}`);
    return o.value;
  };

  /** The worst |got − want| / (2^-24·(|want| + terms)) of an array, and where (NaN or a length mismatch: ∞). */
  const worstUlps = (got: number[] | undefined, want: number[], terms: number[]): {ulps: number, at: string} => {
    if (got === undefined || got.length !== want.length) {
      return {ulps: Infinity, at: `length ${got?.length ?? 'none'}, expected ${want.length}`};
    }
    let w = {ulps: 0, at: ''};
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      // an entry with no terms (an ignored row's, an exact 0) must be exact; NaN is never within
      const ulps = d === 0 ? 0 : d / (U * (Math.abs(want[i]) + terms[i]));
      if (!(ulps <= w.ulps)) w = {ulps: Number.isNaN(ulps) ? Infinity : ulps, at: `[${i}] = ${got[i]}, expected ${want[i]}`};
    }
    return w;
  };
  const add = (a: number[], b: number[]) => a.map((x, i) => x + b[i]);

  /** Every part of `got` against `want` (numbers from the reference or the page) in units of ref's terms. */
  const partsUlps = (got: LinearNumbers, want: LinearNumbers, ref: LinearRefResult) => {
    const parts: Array<[string, {ulps: number, at: string}]> = [
      ['loss', worstUlps(got.loss, want.loss, add(ref.lossLogitTerms, ref.lossTerms))],
      ['dHidden', worstUlps(got.dHidden, want.dHidden, ref.dHiddenTerms)],
      ['dWeight', worstUlps(got.dWeight, want.dWeight, ref.dWeightTerms)]];
    if (ref.dBias !== undefined) {
      parts.push(['dBias', worstUlps(got.dBias, want.dBias as number[], ref.dBiasTerms as number[])]);
    } else if (got.dBias !== undefined) {
      parts.push(['dBias', {ulps: Infinity, at: 'a dBias for a case without bias'}]);
    }
    return parts;
  };
  const refNumbers = (r: LinearRefResult): LinearNumbers =>
    ({loss: r.loss, dHidden: r.dHidden, dWeight: r.dWeight, ...(r.dBias !== undefined ? {dBias: r.dBias} : {})});

  /** The parts of a case's results beyond k ulps of its reference's terms (none: []), and the worst seen. */
  const referenceProblems = (c: LinearCase, got: LinearCaseRun, k: number) => {
    const ref = REFS.get(c.name) as {dy: LinearRefResult, sum: LinearRefResult};
    const lossOnly = (loss: number[]): LinearNumbers => ({loss, dHidden: [], dWeight: []});
    const checks: Array<[string, LinearNumbers, LinearRefResult, boolean]> = [
      ['linearCrossEntropy (no tape)', lossOnly(valueOf(got.forward, 'linearCrossEntropy')), ref.sum, true],
      ['tf.valueAndGrads(linearCrossEntropy)', valueOf(got.taped, 'tf.valueAndGrads(linearCrossEntropy)'), ref.dy, false],
      ['linearCrossEntropyWithGrad', valueOf(got.withGrad, 'linearCrossEntropyWithGrad'), ref.sum, false]];
    const problems: string[] = [];
    let worst = 0;
    for (const [what, numbers, r, lossOnlyCheck] of checks) {
      for (const [part, e] of partsUlps(numbers, refNumbers(r), r).slice(0, lossOnlyCheck ? 1 : undefined)) {
        worst = Math.max(worst, e.ulps);
        if (!(e.ulps <= k)) problems.push(`${what} ${part}: ${e.at} (${e.ulps.toPrecision(3)} > ${k} ulps of its terms)`);
      }
    }
    return {problems, worst};
  };

  /** Fused against unfused in the same page: the no-tape losses, and tf.valueAndGrads' loss and gradients. */
  const agreementProblems = (c: LinearCase, got: LinearCaseRun, k: number) => {
    const ref = (REFS.get(c.name) as {dy: LinearRefResult}).dy;
    const problems: string[] = [];
    let worst = 0;
    const forward = worstUlps(valueOf(got.forward, 'linearCrossEntropy'), valueOf(got.unfusedForward, 'the unfused head'),
        add(ref.lossLogitTerms, ref.lossTerms));
    const parts: Array<[string, {ulps: number, at: string}]> = [['no-tape loss', forward],
      ...partsUlps(valueOf(got.taped, 'tf.valueAndGrads(linearCrossEntropy)'),
          valueOf(got.unfused, 'tf.valueAndGrads(the unfused head)'), ref)];
    for (const [part, e] of parts) {
      worst = Math.max(worst, e.ulps);
      if (!(e.ulps <= k)) problems.push(`${part}: fused ${e.at.replace('expected', 'unfused')} (${e.ulps.toPrecision(3)} > ${k})`);
    }
    return {problems, worst};
  };

  beforeAll(async () => {
    const srv = server as Server;
    const t0 = Date.now();
    for (const run of LINEAR_RUNS) {
      const url = run.page === 'plain' ? srv.plain : srv.isolated;
      try {
        const t1 = Date.now();
        const got = await inPage(`linear cross-entropy on ${run.label}`, url, (page) => page.evaluate(
            ([b, cases, last]) => (window as unknown as PageWindow).fusedCE.linear(b, cases, last),
            [run.backend, LINEAR_SUBSET, [MANY_CHUNKS]] as [string, LinearCase[], LinearCase[]]));
        linearRuns.set(run.label, got);
        const worst = (f: typeof referenceProblems, cases: LinearCase[]) => Math.max(...cases.map((c) => {
          try {
            return f(c, got.cases[c.name], Infinity).worst;
          } catch {
            return Infinity;
          }
        }));
        const withUnfused = LINEAR_SUBSET.filter((c) => rowCount(c) > 0);
        console.log(`linear cross-entropy on ${run.label}: ${((Date.now() - t1) / 1000).toFixed(1)} s with the page's ` +
            `load (${Object.entries(got.seconds).map(([k, s]) => `${k} ${s.toFixed(1)} s`).join(', ')}); worst, in ` +
            `2^-24 of the terms: against float64 ${worst(referenceProblems, LINEAR_SUBSET).toFixed(1)}, fused against ` +
            `unfused ${worst(agreementProblems, withUnfused).toFixed(1)}; ` +
            `10 chunks against float64 ${worst(referenceProblems, [MANY_CHUNKS]).toPrecision(3)}`);
      } catch (e) {
        linearRuns.set(run.label, e instanceof Error ? e : new Error(String(e)));
      }
    }
    console.log(`linear cross-entropy: ${LINEAR_RUNS.length} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, LINEAR_RUNS.length * RUN_LIMIT_MS + 60_000);

  test.each(LINEAR_RUNS)('$label: ran on its backend (on webgl, with float32 textures); no fused op left a tensor ' +
      'behind; tensors and bytes unchanged over repeated optimizer.minimize steps and linearCrossEntropyWithGrad calls', (run) => {
    const r = runOf(run);
    expect([r.backend, r.renderFloat32]).toEqual([run.backend, run.backend === 'webgl' ? true : null]);
    const fusedOps = ['linearCrossEntropy', 'tf.valueAndGrads(linearCrossEntropy)', 'linearCrossEntropyWithGrad'];
    const leaks = ALL_CASES.flatMap((c) => {
      const got = r.cases[c.name];
      if (got === undefined) return [`${c.name}: did not run`];
      // the unfused head throws on tfjs's webgl and webgpu at N = 0 (and tfjs keeps what it made then)
      const ops = 'error' in got.unfused ? fusedOps : [...fusedOps, 'unfused', 'tf.valueAndGrads(unfused)', 'the case as a whole'];
      return ops.filter((op) => got.leaks[op] !== 0).map((op) => `${c.name}: ${op} left ${got.leaks[op]} tensors`);
    });
    expect(leaks).toEqual([]);
    const l = valueOf(r.leak, 'the repeated steps');
    expect(l.steps).toBeGreaterThanOrEqual(3);
    expect({minimize: l.minimize[1] - l.minimize[0], withGrad: l.withGrad[1] - l.withGrad[0], bytes: l.bytes[1] - l.bytes[0]})
        .toEqual({minimize: 0, withGrad: 0, bytes: 0});
  });

  test.each(LINEAR_RUNS)('$label: a training step at N > chunkRows outputs no tensor of N·V entries (the unfused ' +
      'head\'s does); on webgl and webgpu dW accumulates in chunks − 1 fused matMuls with an [H, V] bias', (run) => {
    const p = valueOf(runOf(run).profile, 'tf.profile of the steps');
    expect(p.N).toBeGreaterThan(p.chunkRows);
    const NV = p.N * p.V;
    // the largest output allowed: one chunk's logits or gradient, or dW itself
    const allowed = Math.max(p.chunkRows * p.V, p.H * p.V);
    expect(allowed).toBeLessThan(NV);
    const steps = {fusedMean: p.fusedMean, fusedNone: p.fusedNone, withGrad: p.withGrad};
    for (const [name, s] of Object.entries(steps)) {
      expect({name, largest: s.largestKernel, within: s.largestOutput <= allowed}).toEqual({name, largest: s.largestKernel,
        within: true});
    }
    expect(p.unfused.largestOutput).toBeGreaterThanOrEqual(NV);  // the check sees an [N, V] tensor when there is one
    const accumulating = run.backend === 'webgl' || run.backend === 'webgpu' ? p.chunks - 1 : 0;
    expect(Object.values(steps).map((s) => s.accumulatingMatMuls)).toEqual([accumulating, accumulating, accumulating]);
  });

  test.each(LINEAR_RUNS)(`$label: optimizer.minimize (sgd, 5 chunks) gives the unfused head's losses ` +
      `(${CURVE_RTOL} relative), and they fall`, (run) => {
    const c = valueOf(runOf(run).curves, 'the loss curves');
    expect(c.chunks).toBeGreaterThan(1);
    expect(c.fused.length).toBeGreaterThanOrEqual(5);
    expect(c.unfused).toHaveLength(c.fused.length);
    const off = c.fused.flatMap((v, i) => (Math.abs(v - c.unfused[i]) <= CURVE_RTOL * Math.abs(c.unfused[i]) ? [] :
      [`step ${i}: fused ${v}, unfused ${c.unfused[i]}`]));
    expect(off).toEqual([]);
    expect(c.fused.every((v, i) => i === 0 || v < c.fused[i - 1])).toBe(true);
  });

  testFor('webgpu')('webgpu: the default chunk plan of a head whose [N, V] logits exceed maxStorageBufferBindingSize ' +
      'fits one binding (planned with the device\'s limit, not allocated)', () => {
    const run = LINEAR_RUNS.find((r) => r.backend === 'webgpu') as Run;
    const p = valueOf(runOf(run).webgpuPlan, 'the webgpu plan');
    expect(p.cap).toBe(p.limit);
    expect(4 * p.N * p.V).toBeGreaterThan(p.limit);
    const bad = p.plans.flatMap((q) => {
      const problems: string[] = [];
      if (!(4 * q.chunkRows * p.V <= p.limit)) problems.push(`a chunk of ${4 * q.chunkRows * p.V} bytes`);
      if (!(q.chunks * q.chunkRows >= p.N && (q.chunks - 1) * q.chunkRows < p.N)) problems.push('rows not covered once');
      return problems.map((x) => `${q.what} (H ${q.H}): ${x}`);
    });
    expect(bad).toEqual([]);
    // the cap is what binds where the H-row minimum (or an explicit budget) asks for more than one binding
    const minimum = p.plans.find((q) => q.what.startsWith('H-row minimum')) as (typeof p.plans)[number];
    expect(4 * minimum.H * p.V).toBeGreaterThan(p.limit);
    expect(minimum.chunks).toBeGreaterThan(1);
  });

  describe.each(LINEAR_SUBSET)('$name', (c) => {
    const caseOf = (run: Run): LinearCaseRun => {
      const got = runOf(run).cases[c.name];
      if (got === undefined) throw new Error(`${run.label}: the page did not run '${c.name}'`);
      return got;
    };

    test.each(LINEAR_RUNS)('$label: loss (no tape and taped), tf.valueAndGrads and linearCrossEntropyWithGrad ' +
        'gradients = float64 reference', (run) => {
      expect(referenceProblems(c, caseOf(run), K(run)).problems).toEqual([]);
    });

    // the unfused head fails at N = 0 in tfjs 4.22 itself (its gradient throws on webgl and webgpu, and
    // gives a bias gradient of 1 on wasm): the fused head at N = 0 is checked against the reference only
    if (rowCount(c) > 0) {
      test.each(LINEAR_RUNS)('$label: fused = unfused (matMul + softmaxCrossEntropy) in the same page', (run) => {
        expect(agreementProblems(c, caseOf(run), K(run)).problems).toEqual([]);
      });
    }
  });

  describe(MANY_CHUNKS.name, () => {
    // 10 chunks of a reduced loss: their losses were once summed by one tf.addN, which tfjs's webgpu
    // backend binds in one shader, past maxStorageBuffersPerShaderStage (8 here): garbage on webgpu.
    test.each(LINEAR_RUNS)('$label: = float64 reference, and = unfused', (run) => {
      const got = runOf(run).cases[MANY_CHUNKS.name];
      expect(got.plan.chunks).toBe(10);
      expect(referenceProblems(MANY_CHUNKS, got, K(run)).problems).toEqual([]);
      expect(agreementProblems(MANY_CHUNKS, got, K(run)).problems).toEqual([]);
    });
  });
});
