/**
 * The browser side of test/browser.test.ts, bundled by esbuild (test/browser/bundle.ts) straight from
 * the TypeScript sources. It runs the parity table through the same parity_run.ts as Node (and the
 * tfjs-layers loss curves, layers_checks.ts), on whichever backend Node asks for, and hands back plain
 * numbers: the float64 reference and the comparison stay in Node, so the browser's results meet exactly
 * the checks Node's own results meet.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {getThreadsCount, setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, ready, SoftmaxCrossEntropyWithLogits} from '../../index';
import '../../backends/cpu/register';
import '../../backends/wasm/register';
import '../../backends/webgl/register';
import '../../backends/webgpu/register';
import {loadedVariant, WasmBackend} from '../../backends/wasm/module';
import {CASES} from '../cases';
import {runCase, runCaseAsync} from '../parity_run';
import {EmptyChecks, runEmptyChecks, useComposite} from './empty_checks';
import {LayersCurves, layersCurves} from './layers_checks';
import {runSigmoidTable, SigmoidTableRun} from './sigmoid_page';
import {DivergenceTableRun, runDivergenceTable} from './divergence_page';
import {EvaluationCase, EvaluationRun, runEvaluation} from './evaluation_page';
import {LinearRun, runLinear} from './linear_page';
import type {LinearCase} from '../linear_cases';
import {runTableCases, TableRun} from './table_run';
import {WebGLChecks, webglChecks} from './webgl_checks';
import {WebGPUChecks, webgpuChecks} from './webgpu_checks';

export type {PackedResults, TableRun} from './table_run';

export interface Facts {
  /** tf.getBackend() after the switch: tfjs falls back silently when a backend fails to initialize. */
  backend: string;
  /** Every backend tfjs has a factory for in this page. */
  registered: string[];
  /** Which of our three kernels the active backend has (none: the composite fallback runs). */
  fusedKernels: string[];
  crossOriginIsolated: boolean;
  userAgent: string;
  wasm?: {variant: string | null; sharedMemory: boolean; simd: boolean; multithread: boolean; threads: number};
  webgl?: {version: number; renderFloat32: boolean; maxTextureSize: number; renderer: string};
  /** adapter: vendor/architecture as tfjs's backend keeps them (it drops the adapter's description);
   * the storage-buffer limit of tfjs's device bounds how many tensors one of our dispatches can bind */
  webgpu?: {adapter: string; maxStorageBuffersPerShaderStage: number};
}

// a case's error should show where in our ops it started; V8 keeps 10 frames, often all inside tfjs
Error.stackTraceLimit = 50;

// ?f16: tfjs stores tensors in float16 textures, as on a device without float32 render targets (set
// before the webgl backend exists: tfjs reads the flag once)
if (new URL(location.href).searchParams.has('f16')) tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);

// the .wasm files sit next to this page (the test's server serves them), whatever its path
setWasmPaths(new URL('.', location.href).href);

/** Why a backend is missing from the page, where we know (tfjs registers webgpu only if navigator.gpu exists). */
function whyMissing(backend: string): string {
  if (backend !== 'webgpu') return '';
  if (!('gpu' in navigator)) {
    return ` (navigator.gpu is undefined: this Chromium offers no WebGPU; isSecureContext ${self.isSecureContext})`;
  }
  return '';
}

async function use(backend: string): Promise<void> {
  if (!(backend in tf.engine().registryFactory)) {
    throw new Error(`this page has no '${backend}' backend${whyMissing(backend)}`);
  }
  // webgpu's factory is async (it awaits an adapter and a device); tfjs logs its error and returns false
  if (!await tf.setBackend(backend)) {
    throw new Error(`tf.setBackend('${backend}') failed to initialize it (tfjs logged why in the console)` +
        (backend === 'webgpu' ? `; navigator.gpu.requestAdapter() gives ${await adapterOrNull()}` : ''));
  }
  await ready();
}

async function adapterOrNull(): Promise<string> {
  try {
    const a = await (navigator as Navigator & {gpu: GPU}).gpu.requestAdapter();
    if (a === null) return 'null (no adapter)';
    // GPUAdapter.info is newer than the @webgpu/types installed here
    const info = (a as unknown as {info?: {vendor: string, architecture: string}}).info;
    return `an adapter (${info?.vendor ?? '?'}/${info?.architecture ?? '?'})`;
  } catch (e) {
    return `an error: ${(e as Error).message}`;
  }
}

async function runTable(backend: string): Promise<TableRun> {
  await use(backend);
  return runTableCases(CASES, runCase, runCaseAsync);
}

function unmaskedRenderer(gl: WebGLRenderingContext): string {
  // Chromium still offers the unmasked name: it tells SwiftShader from a real GPU
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function facts(backend: string): Promise<Facts> {
  await use(backend);
  const active = tf.getBackend();
  const f: Facts = {
    backend: active,
    registered: Object.keys(tf.engine().registryFactory),
    fusedKernels: [FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, SoftmaxCrossEntropyWithLogits]
        .filter((k) => tf.getKernel(k, active) !== undefined),
    crossOriginIsolated: self.crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
  if (active === 'wasm') {
    const b = tf.backend() as unknown as WasmBackend;
    const memory = b.wasm.wasmMemory ?? b.wasm.asm?.memory;
    f.wasm = {
      variant: loadedVariant(b),
      sharedMemory: typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer,
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
      multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean,
      threads: getThreadsCount(),
    };
  }
  if (active === 'webgl') {
    f.webgl = {
      version: tf.env().getNumber('WEBGL_VERSION'),
      renderFloat32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
      maxTextureSize: tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'),
      renderer: unmaskedRenderer((tf.backend() as MathBackendWebGL).gpgpu.gl),
    };
  }
  if (active === 'webgpu') {
    const b = tf.backend() as WebGPUBackend;
    // AdapterInfo keeps these two as private fields, and nothing else of the adapter's info
    const info = b.adapterInfo as unknown as {vendor?: string, architecture?: string} | undefined;
    f.webgpu = {
      adapter: `${info?.vendor || '?'}/${info?.architecture || '?'}`,
      maxStorageBuffersPerShaderStage: b.device.limits.maxStorageBuffersPerShaderStage,
    };
  }
  return f;
}

/** What Node calls through page.evaluate. */
export interface PageApi {
  caseNames(): string[];
  runTable(backend: string): Promise<TableRun>;
  facts(backend: string): Promise<Facts>;
  webglChecks(): Promise<WebGLChecks>;
  webgpuChecks(): Promise<WebGPUChecks>;
  layersCurves(backend: string): Promise<LayersCurves>;
  /** Empty batches on `backend` (webgl, webgpu), with our kernels or (`composite`) without them. */
  emptyChecks(backend: string, composite: boolean): Promise<EmptyChecks>;
  /** The sigmoid parity table on `backend` (sigmoid_page.ts). */
  sigmoidTable(backend: string): Promise<SigmoidTableRun>;
  /** The divergence parity table on `backend` (divergence_page.ts). */
  divergenceTable(backend: string): Promise<DivergenceTableRun>;
  /** The evaluation ops on `backend`, on inputs Node sends (evaluation_page.ts). */
  evaluation(backend: string, cases: EvaluationCase[]): Promise<EvaluationRun>;
  /** linearCrossEntropy on `backend`: the cases Node sends, the head's checks, then `lastCases` (linear_page.ts). */
  linear(backend: string, cases: LinearCase[], lastCases: LinearCase[]): Promise<LinearRun>;
}

/** A second instance of a GPU backend, for its composite fallback (empty_checks.ts useComposite). */
async function newBackend(backend: string): Promise<tf.KernelBackend> {
  if (backend === 'webgl') return new MathBackendWebGL();
  const adapter = await (navigator as Navigator & {gpu: GPU}).gpu.requestAdapter();
  if (adapter === null) throw new Error('navigator.gpu.requestAdapter() gave no adapter');
  const info = (adapter as unknown as {info?: GPUAdapterInfo}).info;
  return new WebGPUBackend(await adapter.requestDevice(), info);
}

const api: PageApi = {caseNames: () => CASES.map((c) => c.name), runTable, facts, webglChecks, webgpuChecks,
  layersCurves: async (backend) => {
    await use(backend);
    return layersCurves();
  },
  emptyChecks: async (backend, composite) => {
    await use(backend);
    if (composite) await useComposite(backend, () => newBackend(backend));
    return runEmptyChecks();
  },
  sigmoidTable: async (backend) => {
    await use(backend);
    return runSigmoidTable();
  },
  divergenceTable: async (backend) => {
    await use(backend);
    return runDivergenceTable();
  },
  evaluation: async (backend, cases) => {
    await use(backend);
    return runEvaluation(cases);
  },
  linear: async (backend, cases, lastCases) => {
    await use(backend);
    return runLinear(cases, lastCases);
  }};
(window as unknown as {fusedCE: PageApi}).fusedCE = api;
