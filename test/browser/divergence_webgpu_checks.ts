/**
 * Checks of the softmax divergence WebGPU kernels in the page (test/browser.test.ts's 'divergence
 * webgpu' block bundles this file as its own page and asserts on what it returns): dispatches per
 * step, pipelines compiled for a new batch size, the kernels tf.profile records, leaks over training,
 * empty inputs, the device's binding-size error, and the three kernels against a float64 formula of
 * this file's own (the contract's math written again with JavaScript numbers): every kind and
 * reduction, NaN, ±∞, zeros in P, K = 1, one-hot-like rows, teacher logits near ±1e4 with rows offset
 * by 1000, long rows. Measurements only; each part catches its own error (reported under its name).
 *
 * Steps go through the public ops (under tf.valueAndGrad, and the WithGrad forms), so a count includes
 * whatever the op layer adds; the agreement runs the kernels themselves (runKernel), the backward with
 * dy ≠ 1. Results are read with data() only: webgpu's dataSync reads zeros in headless Chromium.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import {distillationLoss, distillationLossWithGrad, entropy, entropyWithGrad, klDivergence, klDivergenceWithGrad,
  ready} from '../../index';
import '../../backends/webgpu/register';
import {FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, SoftmaxDivergenceAttrs, SoftmaxDivergenceWithLogits}
  from '../../kernels/softmax_divergence/contract';
import {fusedSoftmaxDivergence} from '../../kernels/softmax_divergence/webgpu/forward';
import {rng} from '../rng';
import {counting, Counts} from './webgpu_counters';

type Kind = SoftmaxDivergenceAttrs['kind'];

export interface DivergenceStep {shape: number[]; variant: string; valueAndGrad: Counts; lossAndGrad: Counts}

/** One problem against the float64 formula: the largest errors, in units of each value's terms. */
export interface DivergenceAgreement {
  name: string;
  entries: number;
  /** the forward's and loss-and-grad's losses (per row, or reduced) */
  lossErr: number;
  /** the backward kernel's gradient (dy ≠ 1) and loss-and-grad's */
  gradErr: number;
  /** where the largest of each was, as text */
  worst: string[];
  /** values whose NaN or ±∞ differs from the formula's, as text (at most 10) */
  mismatches: string[];
}

export interface DivergenceWebGPUChecks {
  steps: DivergenceStep[];
  profiled: {valueAndGrad: string[], lossAndGrad: string[]};
  /** both steps of every kind at N = 200 after they ran at N = 256 (K = 1000), and at N = 31 after 33 (K = 7) */
  newBatch: Counts;
  /** numDataIds, numTensors, numBytes and the buffer manager's used buffers, before and after */
  leak: {before: number[], after: number[]};
  agreement: DivergenceAgreement[];
  /** an empty input: dispatches of value-and-grad and loss-and-grad of each kind, their losses, gradient sizes */
  empty: {dispatches: number, loss: number[], gradSize: number[]};
  /** K = 1, every kind (P = 1 for probabilities): losses of the forward and loss-and-grad ('none') and
   * how many gradient entries of the backward and loss-and-grad are not exactly 0 */
  singleClass: Array<{kind: Kind, losses: number[], lossesPositiveZero: boolean, gradNonZero: number}>;
  /** the forward on a device with WebGPU's default 128 MiB binding size, over a tensor past it */
  bindingSizeError: string | null;
  limits: {maxStorageBuffersPerShaderStage: number, maxStorageBufferBindingSize: number};
  errors: Record<string, string>;
  seconds: Record<string, number>;
}

/** The op of each step: a kind with options, through the public ops. */
interface OpCase {variant: string; kind: Kind; reduction: 'none' | 'sum' | 'mean'; temperature?: number}

const OP_CASES: OpCase[] = [
  {variant: 'kl probabilities, mean', kind: 'klProbabilities', reduction: 'mean'},
  {variant: 'kl probabilities, none, T 2', kind: 'klProbabilities', reduction: 'none', temperature: 2},
  {variant: 'kl logits (distillation T 2), mean', kind: 'klLogits', reduction: 'mean', temperature: 2},
  {variant: 'kl logits (distillation), sum', kind: 'klLogits', reduction: 'sum'},
  {variant: 'entropy, mean', kind: 'entropy', reduction: 'mean'},
  {variant: 'entropy, none', kind: 'entropy', reduction: 'none'},
];

function lossOf(c: OpCase, z: tf.Tensor, t: tf.Tensor): tf.Tensor {
  const o = {reduction: c.reduction, temperature: c.temperature};
  if (c.kind === 'klProbabilities') return klDivergence(z, t, o);
  if (c.kind === 'klLogits') return distillationLoss(z, t, o);
  return entropy(z, o);
}

function withGradOf(c: OpCase, z: tf.Tensor, t: tf.Tensor): {loss: tf.Tensor, grad: tf.Tensor} {
  const o = {reduction: c.reduction, temperature: c.temperature};
  if (c.kind === 'klProbabilities') return klDivergenceWithGrad(z, t, o);
  if (c.kind === 'klLogits') return distillationLossWithGrad(z, t, o);
  return entropyWithGrad(z, o);
}

const vgStep = (c: OpCase, z: tf.Tensor, t: tf.Tensor) => {
  const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => lossOf(c, x, t))(z);
  return [value, grad];
};
const lgStep = (c: OpCase, z: tf.Tensor, t: tf.Tensor) => {
  const {loss, grad} = withGradOf(c, z, t);
  return [loss, grad];
};

/** Normal logits (σ = `sigma`) and, per row, probabilities of another such row (softmax in float64). */
function problem(N: number, K: number, seed: number, sigma = 3): {z: Float32Array, t: Float32Array, P: Float32Array} {
  const next = rng(seed);
  const normal = () => sigma * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const z = new Float32Array(N * K);
  const t = new Float32Array(N * K);
  const P = new Float32Array(N * K);
  for (let i = 0; i < N * K; i++) [z[i], t[i]] = [normal(), normal()];
  for (let i = 0; i < N; i++) {
    const row = t.subarray(i * K, (i + 1) * K);
    const m = row.reduce((a, b) => Math.max(a, b), -Infinity);
    let sum = 0;
    for (let c = 0; c < K; c++) sum += Math.exp(row[c] - m);
    for (let c = 0; c < K; c++) P[i * K + c] = Math.exp(row[c] - m) / sum;
  }
  return {z, t, P};
}

/** The target a kind takes: probabilities, or teacher logits (entropy: unused). */
const targetsOf = (kind: Kind, d: {t: Float32Array, P: Float32Array}) => (kind === 'klProbabilities' ? d.P : d.t);

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

const SHAPES: Array<[number, number]> = [[256, 1000], [8, 5000], [33, 7]];

async function steps(): Promise<DivergenceStep[]> {
  const out: DivergenceStep[] = [];
  for (const [i, [N, K]] of SHAPES.entries()) {
    const d = problem(N, K, 10 + i);
    const z = tf.tensor(d.z, [N, K]);
    for (const c of OP_CASES) {
      const t = tf.tensor(targetsOf(c.kind, d), [N, K]);
      out.push({shape: [N, K], variant: c.variant, valueAndGrad: await countStep(() => vgStep(c, z, t)),
        lossAndGrad: await countStep(() => lgStep(c, z, t))});
      t.dispose();
    }
    z.dispose();
  }
  return out;
}

async function profiled(): Promise<DivergenceWebGPUChecks['profiled']> {
  const d = problem(64, 100, 20);
  const z = tf.tensor(d.z, [64, 100]);
  const t = tf.tensor(d.t, [64, 100]);
  const c = OP_CASES[2];
  const names = async (step: () => tf.Tensor[]) =>
    (await tf.profile(() => { tf.dispose(step()); })).kernels.map((k) => k.name).filter((n) => n !== 'Identity');
  const r = {valueAndGrad: await names(() => vgStep(c, z, t)), lossAndGrad: await names(() => lgStep(c, z, t))};
  tf.dispose([z, t]);
  return r;
}

/** Every kind's steps at a new N after they ran at another: sizes are uniforms, nothing new compiles. */
async function newBatch(): Promise<Counts> {
  const run = async (N: number, K: number, count: boolean) => {
    const d = problem(N, K, N);
    const z = tf.tensor(d.z, [N, K]);
    const ts = OP_CASES.map((c) => tf.tensor(targetsOf(c.kind, d), [N, K]));
    const all = () => OP_CASES.flatMap((c, i) => [...vgStep(c, z, ts[i]), ...lgStep(c, z, ts[i])]);
    const {result, counts} = count ? await counting(all) : {result: all(), counts: null};
    await Promise.all(result.map((t) => t.data()));
    tf.dispose([...result, z, ...ts]);
    return counts;
  };
  await run(256, 1000, false);
  await run(33, 7, false);
  const a = await run(200, 1000, true) as Counts;
  const b = await run(31, 7, true) as Counts;
  return {dispatches: a.dispatches + b.dispatches, pipelines: a.pipelines + b.pipelines,
    tfjsPrograms: a.tfjsPrograms + b.tfjsPrograms};
}

/** 200 SGD steps on a logits variable, alternating the tape (optimizer.minimize) and loss-and-grad. */
async function leak(): Promise<DivergenceWebGPUChecks['leak']> {
  const backend = tf.backend() as WebGPUBackend;
  const d = problem(64, 20, 30);
  const v = tf.tidy(() => tf.variable(tf.tensor(d.z, [64, 20])));
  const teacher = tf.tensor(d.t, [64, 20]);
  const P = tf.tensor(d.P, [64, 20]);
  const opt = tf.train.sgd(0.1);
  const stepOnce = (i: number) => {
    if (i % 3 === 0) opt.minimize(() => distillationLoss(v, teacher, {temperature: 2}) as tf.Scalar);
    else if (i % 3 === 1) opt.minimize(() => entropy(v) as tf.Scalar);
    else tf.tidy(() => v.assign(tf.sub(v, tf.mul(0.1, klDivergenceWithGrad(v, P, {reduction: 'sum'}).grad))));
  };
  const used = (backend.bufferManager as unknown as {getNumUsedBuffers?(): number}).getNumUsedBuffers;
  // after a read-back tfjs has submitted its commands and released what they held
  const snapshot = () => [backend.numDataIds(), tf.memory().numTensors, tf.memory().numBytes,
    used === undefined ? -1 : used.call(backend.bufferManager)];
  for (let i = 0; i < 3; i++) stepOnce(i);
  await v.data();
  const before = snapshot();
  for (let i = 0; i < 200; i++) stepOnce(i);
  await v.data();
  const after = snapshot();
  tf.dispose([v, teacher, P]);
  opt.dispose();
  return {before, after};
}

/** An empty input dispatches nothing: means and sums of 0, empty gradients. */
async function emptyInput(): Promise<DivergenceWebGPUChecks['empty']> {
  const z = tf.zeros([0, 80]);
  const t = tf.zeros([0, 80]);
  const cases = OP_CASES.filter((c) => c.reduction !== 'none');
  const {result, counts} = await counting(() => cases.flatMap((c) => [...vgStep(c, z, t), ...lgStep(c, z, t)]));
  const values = await Promise.all(result.map((r) => r.data()));
  tf.dispose([z, t, ...result]);
  return {dispatches: counts.dispatches, loss: values.filter((_, i) => i % 2 === 0).map((v) => v[0]),
    gradSize: values.filter((_, i) => i % 2 === 1).map((v) => v.length)};
}

/** K = 1: KL 0 (P = 1), entropy 0, and every gradient entry exactly 0 (p = 1 exactly: lse = the logit). */
async function singleClass(): Promise<DivergenceWebGPUChecks['singleClass']> {
  const out: DivergenceWebGPUChecks['singleClass'] = [];
  const z = tf.tensor([[3.5], [-1e4], [0], [1e-3], [77]]);
  const ones = tf.ones([5, 1]);
  const teacher = tf.tensor([[1], [2], [-1e4], [5], [0]]);
  const dy = tf.tensor([1, 2, 3, 4, 5]);
  for (const kind of ['klProbabilities', 'klLogits', 'entropy'] as Kind[]) {
    const targets = kind === 'klProbabilities' ? ones : kind === 'klLogits' ? teacher : z;
    const attrs = attrsOf(kind, 'none', 0.7);
    const f = tf.engine().runKernel(FusedSoftmaxDivergence, {logits: z, targets}, attrs) as tf.Tensor[];
    const b = tf.engine().runKernel(FusedSoftmaxDivergenceGrad, {logits: z, targets, lse: f[1], lseLow: f[2], aux: f[3],
      auxLow: f[4], dy}, attrs) as tf.Tensor;
    const lg = tf.engine().runKernel(SoftmaxDivergenceWithLogits, {logits: z, targets}, attrs) as tf.Tensor[];
    const [fl, bg, ll, lgr] = await Promise.all([f[0], b, lg[0], lg[1]].map((t) => t.data()));
    tf.dispose([...f, b, ...lg]);
    const losses = [...fl, ...ll];
    out.push({kind, losses, lossesPositiveZero: losses.every((v) => Object.is(v, 0)),
      gradNonZero: [...bg, ...lgr].filter((g) => !Object.is(g, 0)).length});
  }
  tf.dispose([z, ones, teacher, dy]);
  return out;
}

/**
 * The forward kernel on a second WebGPU backend whose device keeps WebGPU's default binding size
 * (128 MiB), over logits one float past it, held on the CPU: program.ts dispatch() must throw its
 * error before anything is uploaded or bound.
 */
async function bindingSizeError(): Promise<string | null> {
  const adapter = await (navigator as Navigator & {gpu: GPU}).gpu.requestAdapter();
  if (adapter === null) throw new Error('navigator.gpu.requestAdapter() gave no adapter');
  const device = await adapter.requestDevice();
  const small = new WebGPUBackend(device);
  const K = 1000;
  const N = Math.floor(device.limits.maxStorageBufferBindingSize / 4 / K) + 1;
  const logits = small.makeTensorInfo([N, K], 'float32', new Float32Array(N * K));
  const attrs: SoftmaxDivergenceAttrs = {kind: 'entropy', reduction: 'mean', temperature: 1, targetTemperature: 1, scale: 1};
  let message: string | null = null;
  try {
    fusedSoftmaxDivergence({inputs: {logits, targets: logits}, backend: small, attrs});
  } catch (e) {
    message = (e as Error).message;
  } finally {
    small.disposeData(logits.dataId);
    small.dispose();
  }
  return message;
}

// ---------------------------------------------------------------------------------------------------
// The float64 formula (docs/semantics.md), written here again: it shares no code with the kernels.

interface RowRef {
  loss: number;      // unscaled
  lossTerms: number;
  grad: Float64Array;       // ∂loss/∂z (unscaled, dy = 1)
  gradTerms: Float64Array;
}

/**
 * log softmax of xs (finite or −∞): (x − m) − log1p(Σ_rest), the sum without the max's own 1, so a
 * one-hot-like row keeps its tiny log p of the max (m + log(1 + rest) would round rest away in float64
 * too); null for a row of all −∞.
 */
function logSoftmax64(xs: number[]): number[] | null {
  const m = xs.reduce((a, b) => Math.max(a, b), -Infinity);
  if (m === -Infinity) return null;
  const top = xs.indexOf(m);
  let rest = 0;
  xs.forEach((x, c) => { if (c !== top) rest += Math.exp(x - m); });
  const l = Math.log1p(rest);
  return xs.map((x) => (x - m) - l);
}

function rowRef(kind: Kind, z: ArrayLike<number>, t: ArrayLike<number>, T: number, Tt: number): RowRef {
  const K = z.length;
  const nanRow = (): RowRef => ({loss: NaN, lossTerms: 0, grad: new Float64Array(K).fill(NaN), gradTerms: new Float64Array(K)});
  const zs = Array.from(z);
  const ts = Array.from(t);
  if (zs.some((x) => Number.isNaN(x) || x === Infinity)) return nanRow();
  if (kind === 'klLogits' && ts.some((x) => Number.isNaN(x) || x === Infinity)) return nanRow();
  if (kind === 'klProbabilities' && ts.some((x) => !(x >= 0) || x === Infinity)) return nanRow();
  const s = zs.map((x) => x / T);
  const logp = logSoftmax64(s);
  if (logp === null) return nanRow();
  const p = logp.map(Math.exp);
  const grad = new Float64Array(K);
  const gradTerms = new Float64Array(K);
  if (kind === 'entropy') {
    let H = 0;
    let terms = 0;
    for (let c = 0; c < K; c++) {
      if (p[c] === 0) continue;
      H -= p[c] * logp[c];
      terms += Math.abs(p[c] * logp[c]);
    }
    for (let c = 0; c < K; c++) {
      if (s[c] === -Infinity) continue;
      grad[c] = -p[c] * (logp[c] + H) / T;
      gradTerms[c] = p[c] * (Math.abs(logp[c]) + H) / T;
    }
    return {loss: H, lossTerms: terms, grad, gradTerms};
  }
  let P: number[];
  let logP: number[];
  if (kind === 'klLogits') {
    const logPu = logSoftmax64(ts.map((x) => x / Tt));
    if (logPu === null) return nanRow();
    logP = logPu;
    P = logP.map(Math.exp);
  } else {
    P = ts;
    logP = ts.map(Math.log);
  }
  const A = P.reduce((a, b) => a + b, 0);
  let kl = 0;
  let terms = 0;
  for (let c = 0; c < K; c++) {
    const has = kind === 'klLogits' ? logP[c] !== -Infinity : P[c] !== 0;
    if (!has) continue;
    kl += s[c] === -Infinity ? Infinity : P[c] * (logP[c] - logp[c]);
    terms += P[c] * (Math.abs(logP[c]) + Math.abs(logp[c]));
  }
  for (let c = 0; c < K; c++) {
    if (s[c] === -Infinity) continue;
    grad[c] = (A * p[c] - P[c]) / T;
    gradTerms[c] = (A * p[c] + P[c]) / T;
  }
  return {loss: kl, lossTerms: Number.isFinite(terms) ? terms : 0, grad, gradTerms};
}

/** Below this a GPU may flush a value to 0 (denormals). */
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

interface AgreementCase {
  name: string;
  shape: number[];
  attrs: SoftmaxDivergenceAttrs;
  /** logits and targets of N·K entries */
  data: () => {z: Float32Array, t: Float32Array};
  /** make the inputs as integers relabelled float32 (tf.cast of int32: webgpu keeps the integers) */
  intInputs?: boolean;
}

/** Forward, backward (dy ≠ 1) and loss-and-grad on one problem, kernels run directly, against the formula. */
async function agreement(c: AgreementCase): Promise<DivergenceAgreement> {
  const {shape, attrs} = c;
  const K = shape[shape.length - 1];
  const M = shape.reduce((a, b) => a * b, 1);
  const N = M / K;
  const {z, t} = c.data();
  const rowShape = shape.slice(0, -1);
  const reduced = attrs.reduction !== 'none';
  const dyRows = Float32Array.from({length: N}, (_, i) => 0.5 + (i % 5) / 4);
  const dyValue = 1.5;
  const make = (x: Float32Array) => (c.intInputs ? tf.tidy(() => tf.cast(tf.tensor(Int32Array.from(x), shape, 'int32'), 'float32'))
    : tf.tensor(x, shape));
  const logits = make(z);
  const targets = attrs.kind === 'entropy' ? logits : make(t);
  const dy = reduced ? tf.scalar(dyValue) : tf.tensor(dyRows, rowShape);
  const fwd = tf.engine().runKernel(FusedSoftmaxDivergence, {logits, targets}, attrs) as tf.Tensor[];
  const back = tf.engine().runKernel(FusedSoftmaxDivergenceGrad, {logits, targets, lse: fwd[1], lseLow: fwd[2],
    aux: fwd[3], auxLow: fwd[4], dy}, attrs) as tf.Tensor;
  const lg = tf.engine().runKernel(SoftmaxDivergenceWithLogits, {logits, targets}, attrs) as tf.Tensor[];
  const [f, b, ll, lgr] = await Promise.all([fwd[0], back, lg[0], lg[1]].map((x) => x.data()));
  // the data as the kernels saw it (integers come back as their values)
  const [zr, tr] = c.intInputs ? [Float32Array.from(Int32Array.from(z)), Float32Array.from(Int32Array.from(t))] : [z, t];
  tf.dispose([logits, targets, dy, ...fwd, back, ...lg]);
  const loss = new Errors();
  const grad = new Errors();
  const {scale, temperature: T, targetTemperature: Tt} = attrs;
  const perRow = attrs.reduction === 'mean' ? scale / N : scale;
  let sum = 0;
  let terms = 0;
  for (let i = 0; i < N; i++) {
    const r = rowRef(attrs.kind, zr.subarray(i * K, (i + 1) * K), tr.subarray(i * K, (i + 1) * K), T, Tt);
    const dyi = reduced ? dyValue : dyRows[i];
    for (let c2 = 0; c2 < K; c2++) {
      const e = i * K + c2;
      grad.add(`backward[${i}, ${c2}]`, b[e], dyi * perRow * r.grad[c2], dyi * perRow * r.gradTerms[c2]);
      grad.add(`lgGrad[${i}, ${c2}]`, lgr[e], perRow * r.grad[c2], perRow * r.gradTerms[c2]);
    }
    if (reduced) {
      sum += r.loss;
      terms += r.lossTerms;
    } else {
      loss.add(`forward[${i}]`, f[i], scale * r.loss, scale * r.lossTerms);
      loss.add(`lgLoss[${i}]`, ll[i], scale * r.loss, scale * r.lossTerms);
    }
  }
  if (reduced) {
    loss.add('forward', f[0], perRow * sum, perRow * terms);
    loss.add('lgLoss', ll[0], perRow * sum, perRow * terms);
  }
  return {name: c.name, entries: M, lossErr: loss.err, gradErr: grad.err, worst: [loss.worst, grad.worst],
    mismatches: [...loss.mismatches, ...grad.mismatches].slice(0, 10)};
}

const attrsOf = (kind: Kind, reduction: 'none' | 'sum' | 'mean', temperature = 1, targetTemperature = temperature,
    scale = 1): SoftmaxDivergenceAttrs => ({kind, reduction, temperature, targetTemperature, scale});

/** Rows with every edge the contract names, for `kind`, over K = 8 (the rest of each row normal). */
function specialRows(kind: Kind): () => {z: Float32Array, t: Float32Array} {
  return () => {
    const N = 10;
    const K = 8;
    const d = problem(N, K, 70);
    const {z} = d;
    const t = kind === 'klProbabilities' ? d.P : d.t;
    const set = (a: Float32Array, i: number, values: number[]) => values.forEach((v, c) => { a[i * K + c] = v; });
    if (kind === 'klProbabilities') {
      set(t, 0, [0.5, 0, 0, 0.5, 0, 0, 0, 0]);                              // zeros in P
      set(z, 1, [-Infinity, 1, 2, -Infinity, 0, 0, 0, 0]);                   // −∞ logits where P = 0: finite
      set(t, 1, [0, 0.25, 0.25, 0, 0.125, 0.125, 0.125, 0.125]);
      set(z, 2, [-Infinity, 1, 2, 3, 0, 0, 0, 0]);                           // mass at a −∞ logit: +∞
      t[3 * K + 2] = NaN;                                                    // NaN probability
      t[4 * K + 5] = -0.01;                                                  // negative probability
      z[5 * K + 1] = Infinity;                                               // +∞ logit
      set(z, 6, Array(K).fill(-Infinity));                                   // all −∞
      set(t, 7, [1, 0, 0, 0, 0, 0, 0, 0]);                                   // one-hot P, confident model
      set(z, 7, [30, 0, 0, 0, 0, 0, 0, 0]);
      set(t, 8, Array(K).fill(0));                                           // P all 0: KL 0, gradient 0
      z[9 * K + 3] = NaN;
    } else if (kind === 'klLogits') {
      set(t, 0, [-Infinity, 1, 2, -Infinity, 0, 0, 0, 0]);                   // teacher −∞: no term
      set(z, 1, [-Infinity, 1, 2, -Infinity, 0, 0, 0, 0]);                   // both −∞: no term
      set(t, 1, [-Infinity, 1, 2, -Infinity, 0, 0, 0, 0]);
      set(z, 2, [-Infinity, 1, 2, 3, 0, 0, 0, 0]);                           // teacher mass at a −∞ logit: +∞
      t[3 * K + 2] = NaN;
      t[4 * K + 5] = Infinity;                                               // +∞ teacher logit
      set(t, 5, Array(K).fill(-Infinity));                                   // teacher all −∞
      set(z, 6, Array(K).fill(-Infinity));                                   // student all −∞
      set(z, 7, [100, 0, 0, 0, 0, 0, 0, 0]);                                 // both one-hot-like
      set(t, 7, [100, 0, 0, 0, 0, 0, 0, 0]);
      z.set(t.subarray(8 * K, 9 * K), 8 * K);                                // student = teacher: 0
      z[9 * K + 3] = -Infinity;
      t[9 * K + 3] = -200;                                                   // teacher mass exp(−200) at −∞: +∞
    } else {
      set(z, 0, [30, 0, 0, 0, 0, 0, 0, 0]);                                  // one-hot-like rows
      set(z, 1, [60, 0, 0, 0, 0, 0, 0, 0]);
      set(z, 2, [100, 0, 0, 0, 0, 0, 0, 0]);
      set(z, 3, [20, -Infinity, 0, -Infinity, 1, 2, -Infinity, 3]);          // −∞ logits: p log p = 0
      set(z, 4, [5, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);  // H = 0
      z[5 * K + 1] = Infinity;
      set(z, 6, Array(K).fill(-Infinity));
      z[7 * K + 3] = NaN;
      set(z, 8, Array(K).fill(1000));                                        // uniform at an offset: log 8
      set(z, 9, [1e4, 1e4 - 1, 1e4 - 2, 1e4 - 30, 1e4, 1e4 - 3, 1e4 - 4, 1e4 - 5]);
    }
    return {z, t};
  };
}

/** Rows offset by 1000 (student) and teacher logits near ±1e4. */
function farRows(N: number, K: number, seed: number): () => {z: Float32Array, t: Float32Array} {
  return () => {
    const d = problem(N, K, seed);
    for (let i = 0; i < N; i++) {
      const [zo, to] = [1000 * (i % 2 ? -1 : 1), 1e4 * (i % 3 === 0 ? -1 : 1)];
      for (let c = 0; c < K; c++) {
        d.z[i * K + c] += zo;
        d.t[i * K + c] += to;
      }
    }
    return {z: d.z, t: d.t};
  };
}

const plain = (N: number, K: number, kind: Kind, seed: number, sigma = 3) => () => {
  const d = problem(N, K, seed, sigma);
  return {z: d.z, t: targetsOf(kind, d)};
};

/** The agreement problems: every kind and reduction, the edges, long rows, odd K, rank 3, integer inputs. */
function agreements(): AgreementCase[] {
  const cases: AgreementCase[] = [];
  for (const kind of ['klProbabilities', 'klLogits', 'entropy'] as Kind[]) {
    cases.push({name: `${kind} [10, 8] edges, none`, shape: [10, 8], attrs: attrsOf(kind, 'none'), data: specialRows(kind)});
    cases.push({name: `${kind} [10, 8] edges, sum, T 0.5`, shape: [10, 8], attrs: attrsOf(kind, 'sum', 0.5),
      data: specialRows(kind)});
    cases.push({name: `${kind} [7, 1] K = 1, mean`, shape: [7, 1], attrs: attrsOf(kind, 'mean'), data: () => {
      const d = problem(7, 1, 80);
      return {z: d.z, t: kind === 'klProbabilities' ? d.P : d.t};
    }});
    cases.push({name: `${kind} [33, 7] odd K, sum, T 1.5`, shape: [33, 7], attrs: attrsOf(kind, 'sum', 1.5),
      data: plain(33, 7, kind, 81)});
    cases.push({name: `${kind} [2, 3, 50] rank 3, mean, T 0.7, scale 1/ln 2`, shape: [2, 3, 50],
      attrs: attrsOf(kind, 'mean', 0.7, 1.3, 1 / Math.LN2), data: plain(6, 50, kind, 82)});
    // the benchmark's shape for distillation; 32 rows of it for the others (the same layout, 16 threads a row)
    const N = kind === 'klLogits' ? 256 : 32;
    cases.push({name: `${kind} [${N}, 32000] mean`, shape: [N, 32000],
      attrs: kind === 'klLogits' ? attrsOf(kind, 'mean', 2, 2, 4) : attrsOf(kind, 'mean'), data: plain(N, 32000, kind, 83)});
    cases.push({name: `${kind} [4, 300000] none (tiles)`, shape: [4, 300000], attrs: attrsOf(kind, 'none'),
      data: plain(4, 300000, kind, 84)});
  }
  cases.push({name: 'klLogits [64, 1000] teacher ±1e4, student ±1000, T 1, none', shape: [64, 1000],
    attrs: attrsOf('klLogits', 'none'), data: farRows(64, 1000, 90)});
  cases.push({name: 'klLogits [64, 1003] teacher ±1e4, distillation T 2, sum', shape: [64, 1003],
    attrs: attrsOf('klLogits', 'sum', 2, 2, 4), data: farRows(64, 1003, 91)});
  cases.push({name: 'entropy [64, 1000] rows at ±1000, none', shape: [64, 1000], attrs: attrsOf('entropy', 'none'),
    data: farRows(64, 1000, 92)});
  cases.push({name: 'klProbabilities [64, 1000] logits ±1000, mean', shape: [64, 1000],
    attrs: attrsOf('klProbabilities', 'mean'), data: () => {
      const far = farRows(64, 1000, 93)();
      return {z: far.z, t: problem(64, 1000, 93).P};
    }});
  cases.push({name: 'klProbabilities [65536, 10] mean (256 workgroups)', shape: [65536, 10],
    attrs: attrsOf('klProbabilities', 'mean'), data: plain(65536, 10, 'klProbabilities', 94)});
  cases.push({name: 'klLogits [32, 20] integer inputs (cast from int32), none', shape: [32, 20],
    attrs: attrsOf('klLogits', 'none'), intInputs: true, data: plain(32, 20, 'klLogits', 95)});
  cases.push({name: 'klProbabilities [32, 20] one-hot integer targets (cast from int32), sum', shape: [32, 20],
    attrs: attrsOf('klProbabilities', 'sum'), intInputs: true, data: () => {
      const d = problem(32, 20, 96);
      const t = new Float32Array(32 * 20);
      for (let i = 0; i < 32; i++) t[i * 20 + (i * 7) % 20] = 1;
      return {z: d.z, t};
    }});
  return cases;
}

/** `only`: run just the parts whose names contain one of its comma-separated words (for working on one). */
export async function divergenceWebgpuChecks(only?: string): Promise<DivergenceWebGPUChecks> {
  if (!await tf.setBackend('webgpu')) throw new Error(`tf.setBackend('webgpu') failed (navigator.gpu ${
    'gpu' in navigator ? 'exists' : 'is undefined'}); the page's console says why`);
  await ready();
  const device = (tf.backend() as WebGPUBackend).device;
  const c: DivergenceWebGPUChecks = {steps: [], profiled: {valueAndGrad: [], lossAndGrad: []},
    newBatch: {dispatches: NaN, pipelines: NaN, tfjsPrograms: NaN}, leak: {before: [], after: []}, agreement: [],
    empty: {dispatches: NaN, loss: [], gradSize: []}, singleClass: [], bindingSizeError: null,
    limits: {maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize}, errors: {}, seconds: {}};
  // a pipeline or bind group WebGPU refuses is reported asynchronously, and its outputs stay unwritten
  const deviceErrors: string[] = [];
  device.addEventListener('uncapturederror', (e) => {
    if (deviceErrors.length < 5) deviceErrors.push((e as GPUUncapturedErrorEvent).error.message);
  });
  const part = async (name: string, f: () => Promise<void>) => {
    if (only !== undefined && !only.split(',').some((o) => name.includes(o))) return;
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
  for (const a of agreements()) {
    await part(`agreement: ${a.name}`, async () => { c.agreement.push(await agreement(a)); });
  }
  await part('steps', async () => { c.steps = await steps(); });
  await part('profiled', async () => { c.profiled = await profiled(); });
  await part('newBatch', async () => { c.newBatch = await newBatch(); });
  await part('leak', async () => { c.leak = await leak(); });
  await part('empty', async () => { c.empty = await emptyInput(); });
  await part('singleClass', async () => { c.singleClass = await singleClass(); });
  await part('bindingSize', async () => { c.bindingSizeError = await bindingSizeError(); });
  if (deviceErrors.length > 0) c.errors.device = deviceErrors.join('\n');
  return c;
}

/** What the page offers Node (browser.test.ts's inPage waits for window.fusedCE). */
export interface DivergenceWebGPUPage {
  divergenceWebgpuChecks(only?: string): Promise<DivergenceWebGPUChecks>;
}

// bundled as its own page (browser.test.ts), this file hands Node its checks
if (typeof window !== 'undefined') {
  const w = window as unknown as {fusedCE?: object};
  w.fusedCE = Object.assign(w.fusedCE ?? {}, {divergenceWebgpuChecks} satisfies DivergenceWebGPUPage);
}
