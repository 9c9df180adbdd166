/**
 * The fused linear head in the page (test/browser/page.ts exposes this as fusedCE.linear): each case of
 * test/linear_cases.ts that Node sends runs on the active backend through linearCrossEntropy (no tape;
 * and tf.valueAndGrads, with dy for reduction 'none'), linearCrossEntropyWithGrad, and the unfused head
 * (tf.matMul (+ bias), then softmaxCrossEntropy) on the same inputs; the inputs are linearInputs(c),
 * the same function and seed Node's reference uses. Plain numbers go back: browser.test.ts's 'linear
 * cross-entropy' block meets them with linearReference (float64), and fused with unfused.
 *
 * Besides: a training step's kernels under tf.profile (no output of N·V entries when N > chunkRows, and
 * on webgl and webgpu the [H, V]-biased fused matMul that accumulates dW), tf.memory() over repeated
 * optimizer steps, on webgpu the default chunk plan against the device's maxStorageBufferBindingSize
 * (planned, not allocated), and a short optimizer.minimize curve fused vs unfused from the same
 * weights. Every read is data(), never dataSync (which reads zeros on webgpu in headless Chromium).
 */
import * as tf from '@tensorflow/tfjs-core';
import {linearCrossEntropy, linearCrossEntropyWithGrad, softmaxCrossEntropy} from '../../index';
import type {LinearCrossEntropyOptions, SoftmaxCrossEntropyOptions} from '../../index';
import {backendChunkCap, DEFAULT_CHUNK_BYTES, planChunks} from '../../kernels/linear_cross_entropy/plan';
import {LINEAR_CASES, LinearCase, linearInputs, rowCount} from '../linear_cases';
import {randn, rng} from '../rng';

/** An outcome: the value, or the message it threw with. */
export type Outcome<T> = {value: T} | {error: string};

/** A loss and its gradients, read back as plain numbers (dBias when the case has a bias). */
export interface LinearNumbers {
  loss: number[];
  dHidden: number[];
  dWeight: number[];
  dBias?: number[];
}

export interface LinearCaseRun {
  /** planChunks on this backend for the case (chunks > 1: the dW accumulation runs). */
  plan: {chunkRows: number, chunks: number};
  /** linearCrossEntropy outside a tape (the forward-only chunks). */
  forward: Outcome<number[]>;
  /** tf.valueAndGrads of linearCrossEntropy (dy for 'none'): the taped loss and d/d(hidden, weight, bias). */
  taped: Outcome<LinearNumbers>;
  /** linearCrossEntropyWithGrad (for 'none': the gradients of the summed losses). */
  withGrad: Outcome<LinearNumbers>;
  /** The unfused head outside a tape, and under tf.valueAndGrads with the same dy. */
  unfusedForward: Outcome<number[]>;
  unfused: Outcome<LinearNumbers>;
  /** Per op: tf.memory().numTensors after it (its results disposed) minus before it. */
  leaks: Record<string, number>;
  /** Per op: milliseconds, its read-back included. */
  opMs: Record<string, number>;
  ms: number;
}

/** A step's kernels under tf.profile: the largest output, and the fused matMuls that accumulate dW. */
export interface StepProfile {
  /** The largest number of entries of any kernel's output. */
  largestOutput: number;
  /** Its kernel's name and output shape. */
  largestKernel: string;
  /** Kernels run. */
  kernels: number;
  /** _FusedMatMul runs with an [H, V] (tied: [V, H]) bias: dW += hᵀ·g in one product. */
  accumulatingMatMuls: number;
}

export interface LinearProfile {
  N: number; H: number; V: number; chunkRows: number; chunks: number;
  /** tf.valueAndGrads of the mean (untied, bias) and of 'none' with dy (tied, bias),
   * linearCrossEntropyWithGrad (mean), and the unfused mean's tf.valueAndGrads (which must hold N·V). */
  fusedMean: StepProfile; fusedNone: StepProfile; withGrad: StepProfile; unfused: StepProfile;
}

export interface LinearLeak {
  /** Steps (and calls) after the warm-up. */
  steps: number;
  /** tf.memory().numTensors after a warm-up optimizer.minimize step (sgd), and after LEAK_STEPS more (mean, bias). */
  minimize: [number, number];
  /** The same for linearCrossEntropyWithGrad calls ('none', tied, bias), results disposed. */
  withGrad: [number, number];
  /** numBytes after the warm-up and after the steps. */
  bytes: [number, number];
}

export interface LinearWebGPUPlan {
  /** device.limits.maxStorageBufferBindingSize, and what plan.ts reads as the cap. */
  limit: number; cap: number;
  /** The shape planned (N·V·4 bytes > limit; never allocated) and the plans. */
  N: number; H: number; V: number;
  /** The default request; chunkBytes of 4× the limit; an H whose H-row minimum exceeds the limit; and the
   * 32 MiB budget at a small H. */
  plans: Array<{what: string, H: number, chunkRows: number, chunks: number}>;
}

export interface LinearCurves {
  /** Loss per optimizer.minimize step (sgd), fused and unfused, from the same initial variables. */
  fused: number[];
  unfused: number[];
  /** Chunks per step of the fused head. */
  chunks: number;
}

export interface LinearRun {
  backend: string;
  /** Whether webgl stored tensors in float32 textures (null on the other backends). */
  renderFloat32: boolean | null;
  cases: Record<string, LinearCaseRun>;
  profile: Outcome<LinearProfile>;
  leak: Outcome<LinearLeak>;
  webgpuPlan?: Outcome<LinearWebGPUPlan>;
  curves: Outcome<LinearCurves>;
  seconds: Record<string, number>;
}

const message = (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));

/** Runs `work`, recording its value or error, and under `name` its change in numTensors and its time. */
async function outcome<T>(leaks: Record<string, number> | undefined, name: string, work: () => Promise<T>,
    ms?: Record<string, number>): Promise<Outcome<T>> {
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  let out: Outcome<T>;
  try {
    out = {value: await work()};
  } catch (e) {
    out = {error: message(e)};
  }
  if (leaks !== undefined) leaks[name] = tf.memory().numTensors - before;
  if (ms !== undefined) ms[name] = Math.round(performance.now() - t0);
  return out;
}

const read = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

/** Reads the tensors and disposes them. */
async function readAll(loss: tf.Tensor, grads: tf.Tensor[], withBias: boolean): Promise<LinearNumbers> {
  try {
    const [l, dh, dw, db] = await Promise.all([loss, ...grads].map(read));
    return {loss: l, dHidden: dh, dWeight: dw, ...(withBias ? {dBias: db} : {})};
  } finally {
    tf.dispose([loss, ...grads]);
  }
}

/** The case's loss options for softmaxCrossEntropy (the head's own options dropped). */
function lossOptions(c: LinearCase): SoftmaxCrossEntropyOptions {
  const {chunkRows: _r, chunkBytes: _b, ...loss} = c.options;
  return loss;
}

/** The unfused head: logits [N, V] = hidden·W (+ b), then softmaxCrossEntropy; the loss in the rows' shape. */
function unfusedHead(c: LinearCase, h: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, y: tf.Tensor): tf.Tensor {
  const N = rowCount(c);
  const z = tf.matMul(tf.reshape(h, [N, c.H]) as tf.Tensor2D, w as tf.Tensor2D, false, c.transposeWeight);
  const zb = b === undefined ? z : tf.add(z, b);
  const loss = softmaxCrossEntropy(zb as tf.Tensor2D, tf.reshape(y, [N]), lossOptions(c));
  return c.options.reduction === 'none' ? tf.reshape(loss, c.rows) : loss;
}

async function runCase(c: LinearCase): Promise<LinearCaseRun> {
  const t0 = performance.now();
  const inputs = linearInputs(c);
  const N = rowCount(c);
  const leaks: Record<string, number> = {};
  const opMs: Record<string, number> = {};
  const none = c.options.reduction === 'none';
  const withBias = inputs.bias !== undefined;
  const plan = planChunks(N, c.H, c.V, {chunkRows: c.options.chunkRows, chunkBytes: c.options.chunkBytes});
  const before = tf.memory().numTensors;
  const hidden = tf.tensor(inputs.hidden, [...c.rows, c.H], 'float32');
  const weight = tf.tensor2d(inputs.weight, c.transposeWeight ? [c.V, c.H] : [c.H, c.V], 'float32');
  const bias = withBias ? tf.tensor1d(inputs.bias as Float32Array, 'float32') : undefined;
  const labels = tf.tensor(inputs.labels, c.rows, 'int32');
  const dy = tf.tensor(inputs.dy, c.rows, 'float32');
  const xs = [hidden, weight, ...(bias !== undefined ? [bias] : [])];
  const options = (b: tf.Tensor | undefined): LinearCrossEntropyOptions =>
    ({...c.options, transposeWeight: c.transposeWeight, ...(b !== undefined ? {bias: b as tf.Tensor1D} : {})});
  const fused = (h: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => linearCrossEntropy(h, w, labels, options(b));
  const unfused = (h: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => tf.tidy(() => unfusedHead(c, h, w, b, labels));
  const taped = async (f: (...t: tf.Tensor[]) => tf.Tensor) => {
    const {value, grads} = tf.valueAndGrads(f)(xs, none ? dy : undefined);
    return readAll(value, grads, withBias);
  };
  const forward = async (f: (...t: tf.Tensor[]) => tf.Tensor) => {
    const l = f(...xs);
    try {
      return await read(l);
    } finally {
      l.dispose();
    }
  };
  try {
    const run: LinearCaseRun = {
      plan,
      forward: await outcome(leaks, 'linearCrossEntropy', () => forward(fused), opMs),
      taped: await outcome(leaks, 'tf.valueAndGrads(linearCrossEntropy)', () => taped(fused), opMs),
      withGrad: await outcome(leaks, 'linearCrossEntropyWithGrad', async () => {
        const r = linearCrossEntropyWithGrad(hidden, weight, labels, options(bias));
        return readAll(r.loss, [r.dHidden, r.dWeight, ...(r.dBias !== undefined ? [r.dBias] : [])], withBias);
      }, opMs),
      unfusedForward: await outcome(leaks, 'unfused', () => forward(unfused), opMs),
      unfused: await outcome(leaks, 'tf.valueAndGrads(unfused)', () => taped(unfused), opMs),
      leaks, opMs, ms: 0,
    };
    run.ms = Math.round(performance.now() - t0);
    return run;
  } finally {
    tf.dispose([...xs, labels, dy]);
    leaks['the case as a whole'] = tf.memory().numTensors - before;
  }
}

/** The case's inputs as tensors, in its layout (bias when it has one). */
function tensorsOf(c: LinearCase) {
  const i = linearInputs(c);
  return {
    hidden: tf.tensor2d(i.hidden, [rowCount(c), c.H], 'float32'),
    weight: tf.tensor2d(i.weight, c.transposeWeight ? [c.V, c.H] : [c.H, c.V], 'float32'),
    bias: i.bias !== undefined ? tf.tensor1d(i.bias, 'float32') : undefined,
    labels: tf.tensor1d(i.labels, 'int32'),
    dy: tf.tensor1d(i.dy, 'float32'),
  };
}

/** Every tensor of tensorsOf's result. */
const all = (t: ReturnType<typeof tensorsOf>): tf.Tensor[] =>
  [t.hidden, t.weight, t.labels, t.dy, ...(t.bias !== undefined ? [t.bias] : [])];

/**
 * The checks below run on the shapes of two cases of the table (N = 37 > chunkRows 8, H = 16, V = 200;
 * untied with bias, mean; tied with bias, 'none'), which the page has run by then: webgl's programs
 * and webgpu's pipelines are compiled, so the checks cost their own work only.
 */
const caseNamed = (name: string): LinearCase => {
  const c = LINEAR_CASES.find((x) => x.name === name);
  if (c === undefined) throw new Error(`test/linear_cases.ts has no case '${name}'`);
  return c;
};
const CHECK_CASES = {mean: 'N = 37 chunkRows 8 mean', none: 'N = 37 chunkRows 8 none'};

async function profileStep(H: number, V: number, tied: boolean, step: () => tf.Tensor[]): Promise<StepProfile> {
  const info = await tf.profile(() => { tf.dispose(step()); });
  const p: StepProfile = {largestOutput: 0, largestKernel: '', kernels: info.kernels.length, accumulatingMatMuls: 0};
  const dW = tied ? [V, H] : [H, V];
  for (const k of info.kernels) {
    for (const s of k.outputShapes) {
      const n = (s ?? []).reduce((a, b) => a * b, 1);
      if (n > p.largestOutput) {
        p.largestOutput = n;
        p.largestKernel = `${k.name} [${(s ?? []).join(', ')}]`;
      }
    }
    const bias = k.inputShapes[2];
    if (k.name === '_FusedMatMul' && bias != null && tf.util.arraysEqual(bias, dW)) p.accumulatingMatMuls++;
  }
  return p;
}

/** The kernels of training steps at N > chunkRows: the fused head's, and the unfused head's for contrast. */
async function profiled(): Promise<LinearProfile> {
  const cm = caseNamed(CHECK_CASES.mean);
  const cn = caseNamed(CHECK_CASES.none);
  const m = tensorsOf(cm);
  const n = tensorsOf(cn);
  const chunkRows = cm.options.chunkRows as number;
  const N = rowCount(cm);
  try {
    const mean = (h: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      linearCrossEntropy(h, w, m.labels, {bias: b as tf.Tensor1D, chunkRows});
    const perRow = (h: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => linearCrossEntropy(h, w, n.labels,
      {bias: b as tf.Tensor1D, transposeWeight: true, reduction: 'none', chunkRows: cn.options.chunkRows});
    const unfusedMean = (h: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      softmaxCrossEntropy(tf.add(tf.matMul(h, w), b) as tf.Tensor2D, m.labels);
    const vg = (f: (...t: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], d?: tf.Tensor) => () => {
      const {value, grads} = tf.valueAndGrads(f)(xs, d);
      return [value, ...grads];
    };
    const withBias = (t: typeof m) => [t.hidden, t.weight, t.bias as tf.Tensor];
    return {N, H: cm.H, V: cm.V, chunkRows, chunks: Math.ceil(N / chunkRows),
      fusedMean: await profileStep(cm.H, cm.V, false, vg(mean, withBias(m))),
      fusedNone: await profileStep(cn.H, cn.V, true, vg(perRow, withBias(n), n.dy)),
      withGrad: await profileStep(cm.H, cm.V, false, () => {
        const r = linearCrossEntropyWithGrad(m.hidden, m.weight, m.labels, {bias: m.bias, chunkRows});
        return [r.loss, r.dHidden, r.dWeight, r.dBias as tf.Tensor];
      }),
      unfused: await profileStep(cm.H, cm.V, false, vg(unfusedMean, withBias(m))),
    };
  } finally {
    tf.dispose([...all(m), ...all(n)]);
  }
}

/** Steps after the warm-up in leak(): a tensor kept per step shows as LEAK_STEPS of them. */
const LEAK_STEPS = 3;

/** tf.memory() over repeated training steps (optimizer.minimize, sgd) and linearCrossEntropyWithGrad calls, after warm-up. */
async function leak(): Promise<LinearLeak> {
  const cm = caseNamed(CHECK_CASES.mean);
  const cn = caseNamed(CHECK_CASES.none);
  const m = tensorsOf(cm);
  const n = tensorsOf(cn);
  const W = tf.variable(m.weight);
  const b = tf.variable(m.bias as tf.Tensor1D);
  const optimizer = tf.train.sgd(0.1);
  const step = async () => {
    const l = optimizer.minimize(() => linearCrossEntropy(m.hidden, W, m.labels, {bias: b, chunkRows: cm.options.chunkRows}),
        true) as tf.Scalar;
    await l.data();
    l.dispose();
  };
  const withGrad = async () => {
    const r = linearCrossEntropyWithGrad(n.hidden, n.weight, n.labels,
        {bias: n.bias, transposeWeight: true, reduction: 'none', chunkRows: cn.options.chunkRows});
    await r.dWeight.data();
    tf.dispose(r);
  };
  try {
    // one step to warm up (sgd makes nothing at its first step, but tfjs's caches may), then STEPS more
    await step();
    const m0 = tf.memory();
    for (let i = 0; i < LEAK_STEPS; i++) await step();
    const m1 = tf.memory();
    await withGrad();
    const g0 = tf.memory().numTensors;
    for (let i = 0; i < LEAK_STEPS; i++) await withGrad();
    const g1 = tf.memory().numTensors;
    return {steps: LEAK_STEPS, minimize: [m0.numTensors, m1.numTensors], withGrad: [g0, g1], bytes: [m0.numBytes, m1.numBytes]};
  } finally {
    optimizer.dispose();
    tf.dispose([W, b, ...all(m), ...all(n)]);
  }
}

/** webgpu: the default plan of a shape whose [N, V] logits exceed one storage binding fits in one. */
function webgpuPlan(): LinearWebGPUPlan {
  const device = (tf.backend() as unknown as {device: GPUDevice}).device;
  const limit = device.limits.maxStorageBufferBindingSize;
  const V = 50257;
  // N·V·4 > limit by a margin (and > 32 MiB's default budget): 3 bindings' worth of rows
  const N = Math.ceil((3 * limit) / (4 * V));
  const H = 768;
  // H rows per chunk at least: an H this large asks for more than one binding holds
  const bigH = Math.ceil((2 * limit) / (4 * V));
  const plans = [
    {what: 'default', H, ...planChunks(N, H, V, {})},
    {what: 'chunkBytes 4× the limit', H, ...planChunks(N, H, V, {chunkBytes: 4 * limit})},
    {what: 'H-row minimum above the limit', H: bigH, ...planChunks(N, bigH, V, {})},
    {what: 'default budget (32 MiB), small H', H: 64, ...planChunks(N, 64, V, {chunkBytes: DEFAULT_CHUNK_BYTES})},
  ];
  return {limit, cap: backendChunkCap(), N, H, V, plans};
}

const CURVE_STEPS = 5;

/**
 * A few sgd steps through optimizer.minimize, fused and unfused, from the same initial variables: a
 * projection P (tanh(x·P) is the hidden state, so d/d(hidden) trains P) and the head W, b, on the
 * mean case's shapes (N = 37, H = 16, V = 200, chunks of 8 rows) and labels.
 */
async function curves(): Promise<LinearCurves> {
  const cm = caseNamed(CHECK_CASES.mean);
  const m = tensorsOf(cm);
  const [N, H0, steps] = [rowCount(cm), 10, CURVE_STEPS];
  const chunkRows = cm.options.chunkRows as number;
  const x = tf.tensor2d(randn(rng(301), N * H0, 1), [N, H0], 'float32');
  const run = async (fusedHead: boolean): Promise<number[]> => {
    const P = tf.variable(tf.tensor2d(randn(rng(302), H0 * cm.H, 1 / Math.sqrt(H0)), [H0, cm.H], 'float32'));
    const W = tf.variable(tf.clone(m.weight));
    const b = tf.variable(tf.clone(m.bias as tf.Tensor1D));
    const optimizer = tf.train.sgd(0.5);
    const losses: number[] = [];
    try {
      for (let s = 0; s < steps; s++) {
        const l = optimizer.minimize(() => {
          const hidden = tf.tanh(tf.matMul(x, P));
          return fusedHead ? linearCrossEntropy(hidden, W, m.labels, {bias: b, chunkRows})
            : softmaxCrossEntropy(tf.add(tf.matMul(hidden, W), b) as tf.Tensor2D, m.labels);
        }, true) as tf.Scalar;
        losses.push((await l.data())[0]);
        l.dispose();
      }
      return losses;
    } finally {
      optimizer.dispose();
      tf.dispose([P, W, b]);
    }
  };
  try {
    return {fused: await run(true), unfused: await run(false), chunks: Math.ceil(N / chunkRows)};
  } finally {
    tf.dispose([x, ...all(m)]);
  }
}

/**
 * Runs the cases and the checks on the active backend (the page has switched to it), then `lastCases`:
 * cases that may leave the backend in a bad state (on webgpu an invalid pipeline drops the rest of its
 * command buffer), so that they cannot spoil the others.
 */
export async function runLinear(cases: LinearCase[], lastCases: LinearCase[] = []): Promise<LinearRun> {
  const backend = tf.getBackend();
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      seconds[name] = Math.round(performance.now() - t0) / 1000;
    }
  };
  const out: LinearRun = {backend,
    renderFloat32: backend === 'webgl' ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
    cases: {}, profile: {error: 'did not run'}, leak: {error: 'did not run'}, curves: {error: 'did not run'}, seconds};
  await timed('cases', async () => {
    for (const c of cases) out.cases[c.name] = await runCase(c);
  });
  out.profile = await timed('profile', () => outcome(undefined, 'profile', profiled));
  out.leak = await timed('leak', () => outcome(undefined, 'leak', leak));
  if (backend === 'webgpu') out.webgpuPlan = await outcome(undefined, 'webgpuPlan', async () => webgpuPlan());
  out.curves = await timed('curves', () => outcome(undefined, 'curves', curves));
  await timed('last cases', async () => {
    for (const c of lastCases) out.cases[c.name] = await runCase(c);
  });
  return out;
}
