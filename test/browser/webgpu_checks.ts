/**
 * WebGPU-specific checks that run in the page (test/browser.test.ts asserts on what they return): the
 * counterpart of webgl_checks.ts. Dispatches and tfjs programs per step, kernels on the tape,
 * pipelines compiled for a new batch size, NaN rows for invalid class ids, leaks over training,
 * long rows and many short rows against cpu. Measurements only; each part catches its own error
 * (reported under the part's name), so one failing kernel does not hide what the others measured.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {losses, softmaxCrossEntropy, softmaxCrossEntropyWithGrad, SoftmaxCrossEntropyOptions} from '../../index';
import {materialize} from '../cases';
import {Results, runCase, runCaseAsync} from '../parity_run';
import {rng} from '../rng';
import type {PackedResults} from './page';
import {INVALID_CASE, INVALID_ROWS, LARGE_N_CASES} from './webgpu_cases';
import {counting, Counts} from './webgpu_counters';

/** One option set of the dispatch counts, and what a step of it cost. */
export interface StepCounts {shape: [number, number]; variant: string; valueAndGrad: Counts; lossAndGrad: Counts}

export interface WebGPUChecks {
  /** per option set and shape, after a warm-up call of each: counts of one step */
  steps: StepCounts[];
  /** kernel names tf.profile records (Identity counted apart, as the webgl checks do) */
  profiled: {valueAndGrad: string[], valueAndGradIdentities: number, lossAndGrad: string[]};
  /** a value-and-grad and a loss-and-grad step at N = 200 after warm-up at N = 256 (K = 1000) */
  newBatch: Counts;
  /** INVALID_CASE on webgpu, and cpu on its valid rows only (cpu throws on an invalid id) */
  invalid: {loss: Float32Array, vgGrad: Float32Array, lgGrad: Float32Array, cpuLoss: Float32Array,
    cpuGrad: Float32Array};
  validateLabelsError: string | null;
  /** the same with labels a kernel has already uploaded (last: a dataSync on webgpu may lose the device) */
  validateLabelsUploadedError: string | null;
  /** numDataIds, numTensors, numBytes after 2 warm-up steps and after 200 more; usedBuffers is the
   * bufferManager's getNumUsedBuffers() (null if tfjs has no such method) */
  leak: {before: number[], after: number[], usedBuffers: {before: number, after: number} | null};
  /** [8, 262144] against the page's cpu backend: largest |gradient difference|, largest |gradient|,
   * largest relative loss difference */
  longRows: {gradAbs: number, gradMax: number, lossRel: number};
  /** LARGE_N_CASES by name, on webgpu and cpu */
  largeN: Record<string, {webgpu: PackedResults, cpu: PackedResults}>;
  /**
   * γ = 0 (and 'others' with ε = 0) against no option, after a warm-up of no option: whether
   * value-and-grad's loss and gradient and loss-and-grad's have the same bits, and pipelines compiled
   * (0: the same programs run)
   */
  gammaZero: {sameBits: boolean[], pipelines: number};
  /**
   * Inputs tfjs's webgpu Cast only relabels (int32 → float32 keeps the integers: program.ts storedAs)
   * against the same values uploaded as floats: by scenario, whether value-and-grad's loss and gradient
   * and loss-and-grad's have the same bits, and the cast losses (which must be finite and nonzero)
   */
  castInputs: Record<string, {sameBits: boolean[], loss: number}>;
  /** a part's error, by the part's name (or `largeN: <case>`) */
  errors: Record<string, string>;
  /** seconds per part */
  seconds: Record<string, number>;
}

const SHAPES: Array<[number, number]> = [[256, 1000], [8, 5000]];

/** Probability rows on the CPU (uploaded, not computed by a tfjs program). */
function probabilities(N: number, K: number, seed: number): tf.Tensor {
  const next = rng(seed);
  const p = new Float32Array(N * K);
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let c = 0; c < K; c++) sum += (p[i * K + c] = next());
    for (let c = 0; c < K; c++) p[i * K + c] /= sum;
  }
  return tf.tensor(p, [N, K]);
}

const VARIANTS: Array<[string, SoftmaxCrossEntropyOptions, 'ids' | 'probs']> = [
  ['default (ids, mean)', {}, 'ids'],
  ['reduction none', {reduction: 'none'}, 'ids'],
  ['reduction sum', {reduction: 'sum'}, 'ids'],
  ['labelSmoothing 0.1', {labelSmoothing: 0.1}, 'ids'],
  ['probability labels', {}, 'probs'],
  ['classWeights, mean', {}, 'ids'],  // weights made per shape below
  // focal, softcap and 'others': programs of their own, the same dispatches (a few option sets: each
  // compiles its programs, seconds apiece on SwiftShader)
  ['focal 2', {focalGamma: 2}, 'ids'],
  ['focal 0.5, labelSmoothing 0.1, reduction none', {focalGamma: 0.5, labelSmoothing: 0.1, reduction: 'none'}, 'ids'],
  ['softcap 30 probability labels, sum', {softcap: 30, reduction: 'sum'}, 'probs'],
  ['classWeights, focal 2, softcap 30, others, zLoss', {focalGamma: 2, softcap: 30, labelSmoothing: 0.1,
    labelSmoothingOver: 'others', zLoss: 1e-4}, 'ids'],
];

const vgStep = (z: tf.Tensor, y: tf.Tensor, o: SoftmaxCrossEntropyOptions) => {
  const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, o))(z);
  return [value, grad];
};
const lgStep = (z: tf.Tensor, y: tf.Tensor, o: SoftmaxCrossEntropyOptions) => {
  const {loss, grad} = softmaxCrossEntropyWithGrad(z, y, o);
  return [loss, grad];
};

/** Counts of one call of `step`, after a warm-up call (compiles, first uploads) and the GPU finishing. */
async function countStep(step: () => tf.Tensor[]): Promise<Counts> {
  const warm = step();
  await Promise.all(warm.map((t) => t.data()));
  tf.dispose(warm);
  const {result, counts} = await counting(step);
  await Promise.all(result.map((t) => t.data()));
  tf.dispose(result);
  return counts;
}

async function steps(): Promise<StepCounts[]> {
  const out: StepCounts[] = [];
  for (const [N, K] of SHAPES) {
    const z = tf.randomNormal([N, K], 0, 3, 'float32', 1);
    const ids = tf.randomUniformInt([N], 0, K, 2);
    const probs = probabilities(N, K, 3);
    const weights = tf.randomUniform([K], 0.5, 2, 'float32', 4);
    await Promise.all([z.data(), ids.data(), weights.data()]);
    for (const [variant, o, labels] of VARIANTS) {
      const y = labels === 'ids' ? ids : probs;
      const opts = variant.startsWith('classWeights') ? {...o, classWeights: weights as tf.Tensor1D} : o;
      out.push({shape: [N, K], variant, valueAndGrad: await countStep(() => vgStep(z, y, opts)),
        lossAndGrad: await countStep(() => lgStep(z, y, opts))});
    }
    tf.dispose([z, ids, probs, weights]);
  }
  return out;
}

async function profiled(): Promise<WebGPUChecks['profiled']> {
  const z = tf.randomNormal([64, 1000], 0, 3, 'float32', 5);
  const ids = tf.randomUniformInt([64], 0, 1000, 6);
  const names = async (step: () => tf.Tensor[]) =>
    (await tf.profile(() => { tf.dispose(step()); })).kernels.map((k) => k.name);
  const vg = await names(() => vgStep(z, ids, {}));
  const lg = await names(() => lgStep(z, ids, {}));
  tf.dispose([z, ids]);
  return {valueAndGrad: vg.filter((n) => n !== 'Identity'),
    valueAndGradIdentities: vg.filter((n) => n === 'Identity').length, lossAndGrad: lg.filter((n) => n !== 'Identity')};
}

/** Both steps at N = 200 after both ran at N = 256: sizes are uniforms, so nothing new compiles. */
async function newBatch(): Promise<Counts> {
  const run = async (N: number, count: boolean) => {
    const z = tf.randomNormal([N, 1000], 0, 3, 'float32', N);
    const ids = tf.randomUniformInt([N], 0, 1000, N + 1);
    await Promise.all([z.data(), ids.data()]);
    const both = () => [...vgStep(z, ids, {}), ...lgStep(z, ids, {})];
    const {result, counts} = count ? await counting(both) : {result: both(), counts: null};
    await Promise.all(result.map((t) => t.data()));
    tf.dispose([...result, z, ids]);
    return counts;
  };
  await run(256, false);
  return await run(200, true) as Counts;
}

const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => bitsOf(a).join() === bitsOf(b).join();

/** Both steps' four outputs, read back, for each option set. */
async function outputs(z: tf.Tensor, y: tf.Tensor, o: SoftmaxCrossEntropyOptions): Promise<Float32Array[]> {
  const out = [...vgStep(z, y, o), ...lgStep(z, y, o)];
  const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  return values;
}

/** γ = 0 and ε = 0 'others' run the plain programs: no compile after the plain ones, the same bits. */
async function gammaZero(): Promise<WebGPUChecks['gammaZero']> {
  const z = tf.randomNormal([64, 100], 0, 3, 'float32', 11);
  const ids = tf.randomUniformInt([64], 0, 100, 12);
  const plain = await outputs(z, ids, {});
  const {result, counts} = await counting(() => Promise.all([outputs(z, ids, {focalGamma: 0}),
    outputs(z, ids, {focalGamma: 0, labelSmoothingOver: 'others'})]));
  tf.dispose([z, ids]);
  return {sameBits: result.flatMap((r) => r.map((v, i) => sameBits(v, plain[i]))), pipelines: counts.pipelines};
}

/**
 * int32 one-hot labels, logits and class weights through tf.cast (which on webgpu keeps the integers
 * and relabels them float32), read four classes at a time (K = 12) and one (K = 7), against the same
 * values made as float32: reading the integers as such gives the same bits (f32(i) is exact); read as
 * float bits they were subnormals (loss 0) or NaN.
 */
async function castInputs(): Promise<WebGPUChecks['castInputs']> {
  const out: WebGPUChecks['castInputs'] = {};
  const N = 10;
  for (const K of [12, 7]) {
    const idsArr = Int32Array.from({length: N}, (_, i) => (i * 5) % K);
    const hot = new Int32Array(N * K);
    idsArr.forEach((y, i) => { hot[i * K + y] = 1; });
    const zInt = Int32Array.from({length: N * K}, (_, e) => ((e * 7) % 11) - 5);
    const wInt = Int32Array.from({length: K}, (_, c) => 1 + (c % 3));
    /** Both steps on the cast inputs and on the float ones: `make(cast)` gives logits, labels, options. */
    const run = async (name: string, make: (cast: boolean) => [tf.Tensor, tf.Tensor, SoftmaxCrossEntropyOptions]) => {
      const [zc, yc, oc] = make(true);
      const [zf, yf, of] = make(false);
      const [a, b] = [await outputs(zc, yc, oc), await outputs(zf, yf, of)];
      tf.dispose([zc, yc, zf, yf, ...[oc.classWeights, of.classWeights].filter((w): w is tf.Tensor1D => w instanceof tf.Tensor)]);
      out[`K = ${K} ${name}`] = {sameBits: a.map((v, i) => sameBits(v, b[i])), loss: a[0][0]};
    };
    const cast = (v: Int32Array, shape: number[]) => tf.tidy(() => tf.cast(tf.tensor(v, shape, 'int32'), 'float32'));
    const either = (c: boolean, v: Int32Array, shape: number[]) => (c ? cast(v, shape) : tf.tensor(Float32Array.from(v), shape));
    const ids = () => tf.tensor(idsArr, [N], 'int32');
    if (K === 12) {
      await run('cast one-hot labels', (c) => [either(false, zInt, [N, K]), either(c, hot, [N, K]), {}]);
      await run('cast logits and class weights, ids, smoothing', (c) => [either(c, zInt, [N, K]), ids(),
        {labelSmoothing: 0.1, classWeights: either(c, wInt, [K]) as tf.Tensor1D}]);
      // the drop-in casts int32 one-hot labels itself (tf.losses.softmaxCrossEntropy's signature)
      const z = either(false, zInt, [N, K]);
      const [hotInt, hotFloat] = [tf.tensor(hot, [N, K], 'int32'), either(false, hot, [N, K])];
      const [a, b] = await Promise.all([losses.softmaxCrossEntropy(hotInt, z), losses.softmaxCrossEntropy(hotFloat, z)]
          .map(async (t) => { const v = await t.data(); t.dispose(); return v; }));
      tf.dispose([hotInt, hotFloat, z]);
      out[`K = ${K} drop-in losses.softmaxCrossEntropy, int32 one-hot`] = {sameBits: [sameBits(a, b)], loss: a[0]};
    } else {
      await run('cast logits, labels and class weights, probability labels', (c) => [either(c, zInt, [N, K]),
        either(c, hot, [N, K]), {classWeights: either(c, wInt, [K]) as tf.Tensor1D}]);
      await run('cast logits, ids', (c) => [either(c, zInt, [N, K]), ids(), {}]);
    }
  }
  return out;
}

/** Runs `f` on the cpu backend, then switches back to webgpu. */
async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('webgpu');
  }
}

async function invalid(): Promise<WebGPUChecks['invalid']> {
  const {logits, labels, K} = materialize(INVALID_CASE);
  const N = labels.length;
  const opts = INVALID_CASE.options as SoftmaxCrossEntropyOptions;
  const z = tf.tensor(logits, [N, K]);
  const y = tf.tensor(labels, [N], 'int32');
  const [vgLoss, vgGrad] = vgStep(z, y, opts);
  const [lgLoss, lgGrad] = lgStep(z, y, opts);
  const [loss, vg, lg] = await Promise.all([lgLoss.data(), vgGrad.data(), lgGrad.data()]);
  tf.dispose([z, y, vgLoss, vgGrad, lgLoss, lgGrad]);
  const good = labels.map((_, i) => i).filter((i) => !INVALID_ROWS.includes(i));
  const cpu = await onCpu(() => tf.tidy(() => {
    const zc = tf.tensor(good.flatMap((i) => Array.from(logits.subarray(i * K, (i + 1) * K))), [good.length, K]);
    const r = softmaxCrossEntropyWithGrad(zc, tf.tensor(good.map((i) => labels[i]), [good.length], 'int32'), opts);
    return {loss: r.loss.dataSync() as Float32Array, grad: r.grad.dataSync() as Float32Array};
  }));
  return {loss: loss as Float32Array, vgGrad: vg as Float32Array, lgGrad: lg as Float32Array,
    cpuLoss: cpu.loss, cpuGrad: cpu.grad};
}

/**
 * validateLabels: true, with the labels still on the CPU, or (`uploaded`) after a kernel has uploaded
 * them: tfjs then drops the CPU copy, and the op's check reads them back with dataSync.
 */
async function validateLabels(uploaded: boolean): Promise<string | null> {
  const {logits, labels, K} = materialize(INVALID_CASE);
  const z = tf.tensor(logits, [labels.length, K]);
  const y = tf.tensor(labels, [labels.length], 'int32');
  if (uploaded) {
    const r = softmaxCrossEntropyWithGrad(z, y, {reduction: 'none'});
    await r.grad.data();
    tf.dispose(r);
  }
  try {
    tf.dispose(softmaxCrossEntropy(z, y, {validateLabels: true}));
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    tf.dispose([z, y]);
  }
}

/** 200 SGD steps on a logits variable, alternating the tape (optimizer.minimize) and loss-and-grad. */
async function leak(): Promise<WebGPUChecks['leak']> {
  const backend = tf.backend() as WebGPUBackend;
  const v = tf.tidy(() => tf.variable(tf.randomNormal([64, 100], 0, 1, 'float32', 7)));
  const ids = tf.randomUniformInt([64], 0, 100, 8);
  const opt = tf.train.sgd(0.1);
  const stepOnce = (i: number) => {
    if (i % 2) {
      opt.minimize(() => softmaxCrossEntropy(v, ids) as tf.Scalar);
    } else {
      tf.tidy(() => v.assign(tf.sub(v, tf.mul(0.1, softmaxCrossEntropyWithGrad(v, ids, {labelSmoothing: 0.1}).grad))));
    }
  };
  const used = (backend.bufferManager as unknown as {getNumUsedBuffers?(): number}).getNumUsedBuffers;
  // after a read-back tfjs has submitted its commands, and released what they held
  const snapshot = () => [backend.numDataIds(), tf.memory().numTensors, tf.memory().numBytes];
  stepOnce(0);
  stepOnce(1);
  await v.data();
  const before = snapshot();
  const usedBefore = used?.call(backend.bufferManager);
  for (let i = 0; i < 200; i++) stepOnce(i);
  await v.data();
  const after = snapshot();
  const usedAfter = used?.call(backend.bufferManager);
  tf.dispose([v, ids]);
  opt.dispose();
  return {before, after,
    usedBuffers: usedBefore === undefined ? null : {before: usedBefore, after: usedAfter as number}};
}

/** [8, 262144]: a value-and-grad step and loss-and-grad with smoothing, against cpu. */
async function longRows(): Promise<WebGPUChecks['longRows']> {
  const z = tf.randomNormal([8, 262144], 0, 3, 'float32', 9);
  const ids = tf.randomUniformInt([8], 0, 262144, 10);
  const zv = await z.data();
  const yv = await ids.data();
  const run = (zz: tf.Tensor, yy: tf.Tensor) => [...vgStep(zz, yy, {}), ...lgStep(zz, yy, {labelSmoothing: 0.1})];
  const out = run(z, ids);
  const gpu = await Promise.all(out.map((t) => t.data()));
  tf.dispose([...out, z, ids]);
  const cpu = await onCpu(() => tf.tidy(() =>
    run(tf.tensor(zv, [8, 262144]), tf.tensor(yv, [8], 'int32')).map((t) => t.dataSync())));
  let gradAbs = 0;
  let gradMax = 0;
  let lossRel = 0;
  for (const k of [1, 3]) {
    for (let i = 0; i < cpu[k].length; i++) {
      gradAbs = Math.max(gradAbs, Math.abs(gpu[k][i] - cpu[k][i]));
      gradMax = Math.max(gradMax, Math.abs(cpu[k][i]));
    }
  }
  for (const k of [0, 2]) lossRel = Math.max(lossRel, Math.abs(gpu[k][0] - cpu[k][0]) / Math.abs(cpu[k][0]));
  return {gradAbs, gradMax, lossRel};
}

const pack = (r: Results): PackedResults => ({forward: new Float32Array(r.forward),
  vgLoss: new Float32Array(r.vgLoss), vgGrad: new Float32Array(r.vgGrad), lgLoss: new Float32Array(r.lgLoss),
  lgGrad: new Float32Array(r.lgGrad)});

export async function webgpuChecks(): Promise<WebGPUChecks> {
  if (!await tf.setBackend('webgpu')) throw new Error(`tf.setBackend('webgpu') failed (navigator.gpu ${
    'gpu' in navigator ? 'exists' : 'is undefined'}); the page's console says why`);
  const c: WebGPUChecks = {steps: [], profiled: {valueAndGrad: [], valueAndGradIdentities: 0, lossAndGrad: []},
    newBatch: {dispatches: NaN, pipelines: NaN, tfjsPrograms: NaN},
    invalid: {loss: new Float32Array(), vgGrad: new Float32Array(), lgGrad: new Float32Array(),
      cpuLoss: new Float32Array(), cpuGrad: new Float32Array()},
    validateLabelsError: null, validateLabelsUploadedError: null, leak: {before: [], after: [], usedBuffers: null},
    longRows: {gradAbs: NaN, gradMax: NaN, lossRel: NaN}, largeN: {}, gammaZero: {sameBits: [], pipelines: NaN},
    castInputs: {}, errors: {}, seconds: {}};
  const part = async (name: string, f: () => Promise<void>) => {
    const t0 = performance.now();
    const tensors = tf.memory().numTensors;
    try {
      await f();
    } catch (e) {
      c.errors[name] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      if (tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
    }
    c.seconds[name] = Math.round(performance.now() - t0) / 1000;
    // a part that returns normally must free what it made (a throw may leave tensors behind; its error says why)
    const left = tf.memory().numTensors - tensors;
    if (left !== 0 && c.errors[name] === undefined) c.errors[name] = `${left} tensor(s) left behind`;
  };
  await part('steps', async () => { c.steps = await steps(); });
  await part('profiled', async () => { c.profiled = await profiled(); });
  await part('newBatch', async () => { c.newBatch = await newBatch(); });
  await part('invalid', async () => { c.invalid = await invalid(); });
  await part('validateLabels', async () => { c.validateLabelsError = await validateLabels(false); });
  await part('leak', async () => { c.leak = await leak(); });
  await part('longRows', async () => { c.longRows = await longRows(); });
  await part('gammaZero', async () => { c.gammaZero = await gammaZero(); });
  await part('castInputs', async () => { c.castInputs = await castInputs(); });
  for (const lc of LARGE_N_CASES) {
    await part(`largeN: ${lc.name}`, async () => {
      const webgpu = pack(await runCaseAsync(lc));  // see page.ts: no dataSync on webgpu
      c.largeN[lc.name] = {webgpu, cpu: pack(await onCpu(() => runCase(lc)))};
    });
  }
  await part('validateLabels uploaded', async () => { c.validateLabelsUploadedError = await validateLabels(true); });
  return c;
}
