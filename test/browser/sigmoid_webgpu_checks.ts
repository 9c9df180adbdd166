/**
 * Checks of the sigmoid WebGPU kernels in the page (test/browser.test.ts's 'sigmoid webgpu' block
 * bundles this file as its own page and asserts on what it returns): dispatches per step, pipelines
 * compiled for a new batch size, the kernels tf.profile records, leaks over training, γ = 0's bits,
 * empty inputs, 10^6 entries and more (past 65535 workgroups), and results against a float64 formula
 * of this file's own (the contract's math written again with JavaScript numbers). Measurements only;
 * each part catches its own error (reported under its name), so one failing part does not hide what
 * the others measured.
 *
 * Steps go through the public ops (sigmoidCrossEntropy under tf.valueAndGrad, and
 * sigmoidCrossEntropyWithGrad), so a count includes whatever the op layer adds. Results are read
 * with data() only: webgpu's dataSync reads zeros in headless Chromium (page.ts says why).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import {ready, sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad, SigmoidCrossEntropyOptions} from '../../index';
import '../../backends/webgpu/register';
import {empty, grid, WORKGROUP_SIZE} from '../../backends/webgpu/program';
import type {SigmoidCrossEntropyAttrs} from '../../kernels/sigmoid_cross_entropy/contract';
import {describe, deviceOf} from '../../kernels/sigmoid_cross_entropy/webgpu/problem';
import {runEntries} from '../../kernels/sigmoid_cross_entropy/webgpu/run';
import {rng} from '../rng';
import {counting, Counts} from './webgpu_counters';

export interface SigmoidStep {shape: number[]; variant: string; valueAndGrad: Counts; lossAndGrad: Counts}

/** One problem against the float64 formula: the largest errors, in units of each value's terms. */
export interface SigmoidAgreement {
  name: string;
  entries: number;
  /** per-entry losses ('none') or the reduced loss, forward and loss-and-grad */
  lossErr: number;
  /** the gradient, tape (backward kernel) and loss-and-grad */
  gradErr: number;
  /** where the largest of each was, as text */
  worst: string[];
  /** entries whose NaN or ±∞ differs from the formula's, as text (at most 10) */
  mismatches: string[];
}

export interface SigmoidWebGPUChecks {
  steps: SigmoidStep[];
  profiled: {valueAndGrad: string[], lossAndGrad: string[]};
  /** both steps at N = 200 after both ran at N = 256 (C = 80), and at N = 201 (C = 7, one entry a read) */
  newBatch: Counts;
  /** numDataIds, numTensors, numBytes and the buffer manager's used buffers, before and after */
  leak: {before: number[], after: number[]};
  agreement: SigmoidAgreement[];
  /** loss-and-grad with focalGamma 0 against no focal option, [256, 80] with posWeight: the same bits */
  gammaZeroIdentical: boolean;
  /** an empty input: dispatches of value-and-grad and loss-and-grad, their losses, the gradient's size */
  empty: {dispatches: number, loss: number[], gradSize: number};
  /** the storage-buffer limits of tfjs's device */
  limits: {maxStorageBuffersPerShaderStage: number, maxStorageBufferBindingSize: number};
  errors: Record<string, string>;
  seconds: Record<string, number>;
}

const SHAPES: number[][] = [[256, 80], [4096, 10], [33, 7]];

/** Option sets of the step counts; 'weighted' has posWeight and classWeights per column (7 buffers bound). */
function variants(C: number): Array<[string, SigmoidCrossEntropyOptions]> {
  const cols = (f: (c: number) => number) => Array.from({length: C}, (_, c) => f(c));
  return [
    ['default (mean)', {}],
    ['none', {reduction: 'none'}],
    ['sum, smoothing 0.1', {reduction: 'sum', labelSmoothing: 0.1}],
    ['weighted', {posWeight: cols((c) => 1 + c / C), classWeights: cols((c) => 0.5 + (c % 3) / 2)}],
    ['focal γ 2, α 0.25', {focalGamma: 2, focalAlpha: 0.25}],
    ['focal γ 1.5, none', {focalGamma: 1.5, reduction: 'none'}],
  ];
}

/** Uniform [0, 1) labels with a third exactly 0 and a third exactly 1, and normal logits (σ = 3). */
function problem(shape: number[], seed: number): {x: Float32Array, y: Float32Array} {
  const M = shape.reduce((a, b) => a * b, 1);
  const next = rng(seed);
  const x = new Float32Array(M);
  const y = new Float32Array(M);
  for (let e = 0; e < M; e++) {
    // Box–Muller: one normal of the pair is enough here
    x[e] = 3 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const t = next();
    y[e] = t < 1 / 3 ? 0 : t < 2 / 3 ? 1 : next();
  }
  return {x, y};
}

const vgStep = (z: tf.Tensor, y: tf.Tensor, o: SigmoidCrossEntropyOptions) => {
  const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => sigmoidCrossEntropy(x, y, o))(z);
  return [value, grad];
};
const lgStep = (z: tf.Tensor, y: tf.Tensor, o: SigmoidCrossEntropyOptions) => {
  const {loss, grad} = sigmoidCrossEntropyWithGrad(z, y, o);
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

async function steps(): Promise<SigmoidStep[]> {
  const out: SigmoidStep[] = [];
  for (const [i, shape] of SHAPES.entries()) {
    const {x, y} = problem(shape, 10 + i);
    const z = tf.tensor(x, shape);
    const labels = tf.tensor(y, shape);
    for (const [variant, o] of variants(shape[shape.length - 1])) {
      out.push({shape, variant, valueAndGrad: await countStep(() => vgStep(z, labels, o)),
        lossAndGrad: await countStep(() => lgStep(z, labels, o))});
    }
    tf.dispose([z, labels]);
  }
  return out;
}

async function profiled(): Promise<SigmoidWebGPUChecks['profiled']> {
  const {x, y} = problem([64, 80], 20);
  const z = tf.tensor(x, [64, 80]);
  const labels = tf.tensor(y, [64, 80]);
  const names = async (step: () => tf.Tensor[]) =>
    (await tf.profile(() => { tf.dispose(step()); })).kernels.map((k) => k.name).filter((n) => n !== 'Identity');
  const r = {valueAndGrad: await names(() => vgStep(z, labels, {})), lossAndGrad: await names(() => lgStep(z, labels, {}))};
  tf.dispose([z, labels]);
  return r;
}

/** Both steps at a new N after both ran at another: sizes are uniforms, so nothing new compiles. */
async function newBatch(): Promise<Counts> {
  const run = async (shape: number[], count: boolean) => {
    const {x, y} = problem(shape, shape[0]);
    const z = tf.tensor(x, shape);
    const labels = tf.tensor(y, shape);
    const o: SigmoidCrossEntropyOptions = {focalGamma: 2};
    const both = () => [...vgStep(z, labels, o), ...lgStep(z, labels, o)];
    const {result, counts} = count ? await counting(both) : {result: both(), counts: null};
    await Promise.all(result.map((t) => t.data()));
    tf.dispose([...result, z, labels]);
    return counts;
  };
  await run([256, 80], false);
  await run([203, 7], false);  // 1421 entries: one a read
  const a = await run([200, 80], true) as Counts;
  const b = await run([201, 7], true) as Counts;
  return {dispatches: a.dispatches + b.dispatches, pipelines: a.pipelines + b.pipelines,
    tfjsPrograms: a.tfjsPrograms + b.tfjsPrograms};
}

/** 200 SGD steps on a logits variable, alternating the tape (optimizer.minimize) and loss-and-grad. */
async function leak(): Promise<SigmoidWebGPUChecks['leak']> {
  const backend = tf.backend() as WebGPUBackend;
  const {x, y} = problem([64, 20], 30);
  const v = tf.tidy(() => tf.variable(tf.tensor(x, [64, 20])));
  const labels = tf.tensor(y, [64, 20]);
  const opt = tf.train.sgd(0.1);
  const o: SigmoidCrossEntropyOptions = {focalGamma: 2, posWeight: 2};
  const stepOnce = (i: number) => {
    if (i % 2) {
      opt.minimize(() => sigmoidCrossEntropy(v, labels, o) as tf.Scalar);
    } else {
      tf.tidy(() => v.assign(tf.sub(v, tf.mul(0.1, sigmoidCrossEntropyWithGrad(v, labels, {reduction: 'sum'}).grad))));
    }
  };
  const used = (backend.bufferManager as unknown as {getNumUsedBuffers?(): number}).getNumUsedBuffers;
  // after a read-back tfjs has submitted its commands and released what they held
  const snapshot = () => [backend.numDataIds(), tf.memory().numTensors, tf.memory().numBytes,
    used === undefined ? -1 : used.call(backend.bufferManager)];
  stepOnce(0);
  stepOnce(1);
  await v.data();
  const before = snapshot();
  for (let i = 0; i < 200; i++) stepOnce(i);
  await v.data();
  const after = snapshot();
  tf.dispose([v, labels]);
  opt.dispose();
  return {before, after};
}

/** γ = 0 runs no focal code: the same bits as no focal option. */
async function gammaZero(): Promise<boolean> {
  const {x, y} = problem([256, 80], 60);
  const z = tf.tensor(x, [256, 80]);
  const labels = tf.tensor(y, [256, 80]);
  const a = sigmoidCrossEntropyWithGrad(z, labels, {posWeight: 2, reduction: 'none'});
  const b = sigmoidCrossEntropyWithGrad(z, labels, {posWeight: 2, reduction: 'none', focalGamma: 0});
  const [la, ga, lb, gb] = await Promise.all([a.loss, a.grad, b.loss, b.grad].map((t) => t.data()));
  tf.dispose([z, labels, a.loss, a.grad, b.loss, b.grad]);
  const bits = (v: ArrayLike<number>) => new Uint32Array(Float32Array.from(v).buffer);
  const same = (p: ArrayLike<number>, q: ArrayLike<number>) => {
    const [a, b] = [bits(p), bits(q)];
    return a.length === b.length && a.every((v, i) => v === b[i]);
  };
  return same(la, lb) && same(ga, gb);
}

/** An empty input dispatches nothing: a mean of 0, an empty gradient. */
async function emptyInput(): Promise<SigmoidWebGPUChecks['empty']> {
  const z = tf.zeros([0, 80]);
  const labels = tf.zeros([0, 80]);
  const {result, counts} = await counting(() => [...vgStep(z, labels, {}), ...lgStep(z, labels, {})]);
  const [vl, , ll, lgr] = await Promise.all(result.map((t) => t.data()));
  tf.dispose([z, labels, ...result]);
  return {dispatches: counts.dispatches, loss: [vl[0], ll[0]], gradSize: lgr.length};
}

// ---------------------------------------------------------------------------------------------------
// The float64 formula (docs/semantics.md), written here again: it shares no code with the kernels.

interface Ref {loss: number; grad: number; lossTerms: number; gradTerms: number}

const sp = (u: number) => (u === Infinity ? Infinity : u === -Infinity ? 0 : Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))));
const sig = (u: number) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));
/** c·v, 0 where c = 0 even if v is infinite */
const mul = (c: number, v: number) => (c === 0 ? 0 : c * v);

/** One entry: loss, gradient (dy = 1), and the sizes of the terms each is formed from. */
function ref64(x: number, y: number, P: number, w: number, o: SigmoidCrossEntropyOptions): Ref {
  if (Number.isNaN(x) || Number.isNaN(y)) return {loss: NaN, grad: NaN, lossTerms: 0, gradTerms: 0};
  const eps = o.labelSmoothing ?? 0;
  const g = o.focalGamma ?? 0;
  const a = o.focalAlpha;
  const yp = (1 - eps) * y + eps / 2;
  const yn = 1 - yp;
  const [s, sn] = [sig(x), sig(-x)];
  const bce = mul(P * yp, sp(-x)) + mul(yn, sp(x));
  const at = a === undefined ? 1 : a * yp + (1 - a) * yn;
  const q = yp * sn + yn * s;
  const qg = g === 0 ? 1 : q ** g;
  const focal = g === 0 || q === 0 || s * sn === 0 ? 0 : g * q ** (g - 1) * (1 - 2 * yp) * s * sn * bce;
  const k = w * at * qg;
  const termsOfGrad = Math.abs(w * at) * (Math.abs(focal) + qg * (Math.abs(yn * s) + Math.abs(P * yp * sn)));
  return {loss: mul(k, bce), grad: w * at * (focal + qg * (yn * s - P * yp * sn)),
    lossTerms: Math.abs(mul(k, bce)), gradTerms: Number.isFinite(termsOfGrad) ? termsOfGrad : 0};
}

/** Below this a GPU may flush a value to 0 (denormals; e^−|x| past |x| = 87 times weights and dy). */
const FLUSHED = 2 ** -120;

/** Tracks the largest error in units of terms, and non-finite mismatches. */
class Errors {
  err = 0;
  worst = '';
  mismatches: string[] = [];
  add(what: string, got: number, want: number, terms: number): void {
    if (!Number.isFinite(got) || !Number.isFinite(want)) {
      if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want)) && this.mismatches.length < 10) {
        this.mismatches.push(`${what}: got ${got}, expected ${want}`);
      }
      return;
    }
    const e = Math.max(Math.abs(got - want) - FLUSHED, 0) / Math.max(terms, 2 ** -126);
    if (e > this.err) [this.err, this.worst] = [e, `${what}: got ${got}, expected ${want} (terms ${terms})`];
  }
}

/**
 * Which data a problem has: 'special' puts ±∞, NaN, ±1e4 and exact 0.5 labels into it; 'int32' and
 * 'bool' give 0/1 labels of that dtype, which the op casts (tfjs's webgpu Cast only relabels them: the
 * kernels read integers).
 */
type Data = 'plain' | 'special' | 'int32' | 'bool';

/** Forward, the tape's backward (tf.grad with dy ≠ 1) and loss-and-grad on one problem, against the
 * formula over every entry. */
async function agreement(name: string, shape: number[], o: SigmoidCrossEntropyOptions, data: Data):
    Promise<SigmoidAgreement> {
  const M = shape.reduce((a, b) => a * b, 1);
  const C = shape.length === 0 ? 1 : shape[shape.length - 1];
  const {x, y} = problem(shape, 40 + M % 97);
  if (data === 'int32' || data === 'bool') y.forEach((v, e) => { y[e] = v < 0.5 ? 0 : 1; });
  if (data === 'special') {
    const odd = [Infinity, -Infinity, NaN, 1e4, -1e4, 40, -40, 0, 90, -90, 17, -17];
    for (let e = 0; e < M; e += 3) x[e] = odd[(e / 3) % odd.length];
    for (let e = 1; e < M; e += 11) y[e] = e % 2 ? 0.5 : NaN;
  }
  const P = (c: number) => (typeof o.posWeight === 'number' ? o.posWeight : (o.posWeight as number[] | undefined)?.[c] ?? 1);
  const W = (c: number) => (o.classWeights as number[] | undefined)?.[c] ?? 1;
  const reduction = o.reduction ?? 'mean';
  const reduced = reduction !== 'none';
  const dyValue = 1.5;
  const z = tf.tensor(x, shape);
  const labels = data === 'int32' || data === 'bool' ? tf.tensor(Int32Array.from(y), shape, data) : tf.tensor(y, shape);
  const dy = reduced ? tf.scalar(dyValue) : tf.fill(shape, dyValue);
  const forward = sigmoidCrossEntropy(z, labels, o);
  const back = tf.grad((t: tf.Tensor) => sigmoidCrossEntropy(t, labels, o))(z, dy);
  const lg = sigmoidCrossEntropyWithGrad(z, labels, o);
  const [f, b, ll, lgr] = await Promise.all([forward, back, lg.loss, lg.grad].map((t) => t.data()));
  tf.dispose([z, labels, dy, forward, back, lg.loss, lg.grad]);
  const loss = new Errors();
  const grad = new Errors();
  const scale = reduction === 'mean' ? 1 / M : 1;
  let sum = 0;
  let terms = 0;
  for (let e = 0; e < M; e++) {
    const r = ref64(x[e], y[e], P(e % C), W(e % C), o);
    grad.add(`backward[${e}]`, b[e], dyValue * scale * r.grad, dyValue * scale * r.gradTerms);
    grad.add(`lgGrad[${e}]`, lgr[e], scale * r.grad, scale * r.gradTerms);
    if (reduced) {
      sum += r.loss;
      terms += r.lossTerms;
    } else {
      loss.add(`forward[${e}]`, f[e], r.loss, r.lossTerms);
      loss.add(`lgLoss[${e}]`, ll[e], r.loss, r.lossTerms);
    }
  }
  if (reduced) {
    loss.add('forward', f[0], scale * sum, scale * terms);
    loss.add('lgLoss', ll[0], scale * sum, scale * terms);
  }
  return {name, entries: M, lossErr: loss.err, gradErr: grad.err, worst: [loss.worst, grad.worst],
    mismatches: [...loss.mismatches, ...grad.mismatches].slice(0, 10)};
}

/**
 * More than 65535 workgroups, past one dimension of the grid (program.ts grid() adds a second): the
 * backward kernel's own runner (run.ts) with its layout narrowed to one element a thread, over
 * 2^24 + 1 entries (odd: one a read) in 65537 workgroups (the kernels' own layout reaches that only
 * past 2^28 entries, more than this device binds). Every 1021st entry and the last ones are read
 * back (tfjs's gather) and checked.
 */
async function pastOneGridRow(): Promise<SigmoidAgreement> {
  const M = 2 ** 24 + 1;
  const backend = tf.backend() as WebGPUBackend;
  const attrs: SigmoidCrossEntropyAttrs = {reduction: 'sum', labelSmoothing: 0, focalGamma: 0, focalAlpha: -1,
    posWeighted: false, classWeighted: false};
  const logits = tf.randomNormal([M, 1], 0, 3, 'float32', 50);
  const labels = tf.randomUniform([M, 1], 0, 1, 'float32', 51);
  const ones = tf.ones([1]);
  const dy = tf.scalar(2.5);
  const p = describe({logits, labels, posWeight: ones, classWeights: ones}, attrs, 'backward', deviceOf(backend));
  const narrow = {...p, perThread: 1, groups: Math.ceil(p.elements / WORKGROUP_SIZE)};
  const grad = empty(backend, [M, 1]);
  runEntries(backend, narrow, 'backward', {grad, dy});
  const g = tf.engine().makeTensorFromTensorInfo(grad);
  const at = tf.tensor1d([...Array.from({length: Math.floor(M / 1021)}, (_, k) => k * 1021), M - 3, M - 2, M - 1], 'int32');
  const picked = tf.tidy(() => [logits, labels, g].map((t) => tf.gather(tf.reshape(t, [M]), at)));
  const [xs, ys, gs] = await Promise.all(picked.map((t) => t.data()));
  tf.dispose([logits, labels, ones, dy, g, at, ...picked]);
  const errors = new Errors();
  for (let k = 0; k < xs.length; k++) {
    const r = ref64(xs[k], ys[k], 1, 1, {});
    errors.add(`backward[${k}]`, gs[k], 2.5 * r.grad, 2.5 * r.gradTerms);
  }
  return {name: `[${M}, 1] backward, sum, ${narrow.groups} workgroups (grid ${grid(narrow.groups)}), ` +
    `${xs.length} entries read`, entries: M, lossErr: 0, gradErr: errors.err, worst: ['', errors.worst],
    mismatches: errors.mismatches};
}

/** The agreement problems: every option, the three column layouts, 10^6 entries and more. */
function agreements(): Array<[string, number[], SigmoidCrossEntropyOptions, Data]> {
  const cols = (C: number, f: (c: number) => number) => Array.from({length: C}, (_, c) => f(c));
  return [
    ['[6, 8] every option, special values', [6, 8], {reduction: 'none', labelSmoothing: 0.1, posWeight: cols(8, (c) => 0.5 + c / 4),
      classWeights: cols(8, (c) => (c === 2 ? 0 : 1 + c / 8)), focalGamma: 2, focalAlpha: 0.25}, 'special'],
    ['[9, 5] special values, mean', [9, 5], {}, 'special'],
    ['[7, 3] special values, sum, γ 0.5', [7, 3], {reduction: 'sum', focalGamma: 0.5}, 'special'],
    ['[] one entry', [], {posWeight: 3}, 'plain'],
    ['[2, 3, 4, 5] rank 4, α 0.75', [2, 3, 4, 5], {focalAlpha: 0.75, reduction: 'none'}, 'plain'],
    ['[1048576, 1] mean', [1048576, 1], {}, 'plain'],
    ['[1000, 1001] weighted, smoothing, focal γ 2 α 0.25, sum', [1000, 1001], {reduction: 'sum', labelSmoothing: 0.1,
      posWeight: cols(1001, (c) => 1 + (c % 5) / 2), classWeights: cols(1001, (c) => 0.25 + (c % 4) / 4),
      focalGamma: 2, focalAlpha: 0.25}, 'plain'],
    ['[999999] mean, γ 5, posWeight 2', [999999], {focalGamma: 5, posWeight: 2}, 'plain'],
    ['[65536, 80] none, γ 1.5', [65536, 80], {reduction: 'none', focalGamma: 1.5}, 'plain'],
    ['[4, 5] int32 labels, mean', [4, 5], {}, 'int32'],
    ['[40, 3] bool labels, none, posWeight per column', [40, 3], {reduction: 'none', posWeight: [1, 2, 3]}, 'bool'],
    ['[512, 8] int32 labels, classWeights, γ 2, sum', [512, 8], {reduction: 'sum', classWeights: cols(8, (c) => 1 + c),
      focalGamma: 2}, 'int32'],
  ];
}

export async function sigmoidWebgpuChecks(): Promise<SigmoidWebGPUChecks> {
  if (!await tf.setBackend('webgpu')) throw new Error(`tf.setBackend('webgpu') failed (navigator.gpu ${
    'gpu' in navigator ? 'exists' : 'is undefined'}); the page's console says why`);
  await ready();
  const device = (tf.backend() as WebGPUBackend).device;
  const c: SigmoidWebGPUChecks = {steps: [], profiled: {valueAndGrad: [], lossAndGrad: []},
    newBatch: {dispatches: NaN, pipelines: NaN, tfjsPrograms: NaN}, leak: {before: [], after: []}, agreement: [],
    gammaZeroIdentical: false, empty: {dispatches: NaN, loss: [], gradSize: NaN},
    limits: {maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize}, errors: {}, seconds: {}};
  const part = async (name: string, f: () => Promise<void>) => {
    const t0 = performance.now();
    const tensors = tf.memory().numTensors;
    try {
      await f();
    } catch (e) {
      c.errors[name] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    }
    c.seconds[name] = Math.round(performance.now() - t0) / 1000;
    const left = tf.memory().numTensors - tensors;
    if (left !== 0 && c.errors[name] === undefined) c.errors[name] = `${left} tensor(s) left behind`;
  };
  await part('steps', async () => { c.steps = await steps(); });
  await part('profiled', async () => { c.profiled = await profiled(); });
  await part('newBatch', async () => { c.newBatch = await newBatch(); });
  await part('leak', async () => { c.leak = await leak(); });
  await part('gammaZero', async () => { c.gammaZeroIdentical = await gammaZero(); });
  await part('empty', async () => { c.empty = await emptyInput(); });
  for (const [name, shape, o, data] of agreements()) {
    await part(`agreement: ${name}`, async () => { c.agreement.push(await agreement(name, shape, o, data)); });
  }
  await part('past one grid row', async () => { c.agreement.push(await pastOneGridRow()); });
  return c;
}

/** What the page offers Node (browser.test.ts's inPage waits for window.fusedCE). */
export interface SigmoidWebGPUPage {
  sigmoidWebgpuChecks(): Promise<SigmoidWebGPUChecks>;
}

// bundled as its own page (browser.test.ts), this file hands Node its checks
if (typeof window !== 'undefined') {
  const w = window as unknown as {fusedCE?: object};
  w.fusedCE = Object.assign(w.fusedCE ?? {}, {sigmoidWebgpuChecks} satisfies SigmoidWebGPUPage);
}
