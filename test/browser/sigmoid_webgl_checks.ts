/**
 * Checks of the sigmoid WebGL kernels that run in the page (test/browser.test.ts's 'sigmoid webgl'
 * block asserts on what they return): program runs per step, recompiles across batch sizes, leaks,
 * and results against a float64 formula of this file's own (the contract's math, written again with
 * JavaScript numbers), with float32 textures or, in a page opened with ?f16, float16 ones.
 * Measurements only: the assertions stay in Node.
 *
 * Everything runs through the public ops (sigmoidCrossEntropy and its registered gradient,
 * sigmoidCrossEntropyWithGrad), as users call them; program counts tell ours from tfjs's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad} from '../../index';
import {blocksOf} from '../../kernels/sigmoid_cross_entropy/webgl/problem';

type Reduction = 'none' | 'sum' | 'mean';

/** The options the checks use; weights as plain arrays, one per column. */
interface Options {
  reduction: Reduction;
  labelSmoothing?: number;
  focalGamma?: number;
  focalAlpha?: number;
  posWeight?: number[];
  classWeights?: number[];
}

const columnsOf = (shape: number[]) => (shape.length === 0 ? 1 : shape[shape.length - 1]);

const loss = (logits: tf.Tensor, labels: tf.Tensor, o: Options) => sigmoidCrossEntropy(logits, labels, o);

/** [loss, dlogits] from the loss-and-grad kernel. */
function lossAndGrad(logits: tf.Tensor, labels: tf.Tensor, o: Options): tf.Tensor[] {
  const {loss: l, grad} = sigmoidCrossEntropyWithGrad(logits, labels, o);
  return [l, grad];
}

const valueAndGrad = (logits: tf.Tensor, labels: tf.Tensor, o: Options) =>
  tf.valueAndGrad((z: tf.Tensor) => loss(z, labels, o))(logits);

// ---------------------------------------------------------------------------------------------------
// The float64 formula (docs/semantics.md, written here again: it shares no code with the kernels)

/** log(1 + e^u) without overflow: +∞ at +∞, 0 at −∞. */
function softplus(u: number): number {
  if (u === Infinity) return Infinity;
  if (u === -Infinity) return 0;
  return Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
}

function sigmoid(u: number): number {
  return u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));
}

/** One entry's loss and gradient, and the size of the gradient's terms (a float32 result errs by ulps of it). */
function entry64(x: number, y: number, P: number, w: number, o: Options): {loss: number, grad: number, terms: number} {
  if (Number.isNaN(x) || Number.isNaN(y)) return {loss: NaN, grad: NaN, terms: 0};
  const eps = o.labelSmoothing ?? 0;
  const gamma = o.focalGamma ?? 0;
  const alpha = o.focalAlpha ?? -1;
  const yp = (1 - eps) * y + eps / 2;
  const yn = (1 - eps) * (1 - y) + eps / 2;
  const [sPos, sNeg] = [sigmoid(x), sigmoid(-x)];
  const bce = (P * yp === 0 ? 0 : P * yp * softplus(-x)) + (yn === 0 ? 0 : yn * softplus(x));
  const at = alpha < 0 ? 1 : alpha * yp + (1 - alpha) * yn;
  const q = yp * sNeg + yn * sPos;
  const qg = gamma === 0 ? 1 : q === 0 ? 0 : q ** gamma;
  const coef = w * at * qg;
  const prod = sPos * sNeg;
  const first = gamma === 0 || q === 0 || prod === 0 ? 0 : gamma * q ** (gamma - 1) * (yn - yp) * prod * bce;
  const second = qg * (yn * sPos - P * yp * sNeg);
  return {loss: coef === 0 ? 0 : coef * bce, grad: w * at * (first + second),
    terms: Math.abs(w * at) * (Math.abs(first) + qg * (Math.abs(yn * sPos) + Math.abs(P * yp * sNeg)))};
}

/** The float64 results of a problem: losses (or the reduced loss) and the gradient with upstream dy. */
function reference64(x: ArrayLike<number>, y: ArrayLike<number>, C: number, o: Options, dy: ArrayLike<number>) {
  const M = x.length;
  const scale = o.reduction === 'mean' ? (M === 0 ? 0 : 1 / M) : 1;
  const entries = Array.from({length: M}, (_, e) =>
    entry64(x[e], y[e], o.posWeight?.[e % C] ?? 1, o.classWeights?.[e % C] ?? 1, o));
  const up = (e: number) => (o.reduction === 'none' ? dy[e] : dy[0] * scale);
  const grad = entries.map((t, e) => up(e) * t.grad);
  const gradTerms = entries.map((t, e) => Math.abs(up(e)) * t.terms);
  if (o.reduction === 'none') return {loss: entries.map((t) => t.loss), lossTerms: entries.map((t) => Math.abs(t.loss)), grad, gradTerms};
  const sum = entries.reduce((a, t) => a + t.loss, 0);
  const terms = entries.reduce((a, t) => a + Math.abs(t.loss), 0);
  return {loss: [scale * sum], lossTerms: [scale * terms], grad, gradTerms};
}

/** float16's rounding (round to nearest even; what a float16 texture keeps of a float32). */
function toHalf(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return Math.sign(v) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;  // Math.log2 may round up just below a power of two
  e = Math.max(e, -14);  // subnormals below 2^-14 keep 2^-24 steps
  const step = 2 ** (e - 10);
  let m = a / step;
  const f = Math.floor(m);
  m = m - f > 0.5 || (m - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(v) * m * step;
}

/**
 * Below this a value may be 0 on a GPU: shaders flush denormals, and e^−|x| is one past |x| = 87.3,
 * whose products with weights and dy stay within a few of 2^-126.
 */
const FLUSHED = 2 ** -120;
/** With float16 textures: half the spacing of float16's subnormals, which outputs are rounded to. */
const FLUSHED_HALF = 2 ** -25;

/**
 * Largest error of `got` against `ref`, in units of each value's terms (|got − ref| ≤ err·terms +
 * FLUSHED), and every entry whose non-finite value or NaN-ness differs, as text.
 */
function compare(what: string, got: ArrayLike<number>, ref: number[], terms: number[], half: boolean) {
  let err = 0;
  let worst = '';
  const mismatches: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const [g, r] = [got[i], ref[i]];
    if (!Number.isFinite(r) || !Number.isFinite(g)) {
      if (!Object.is(g, r) && !(Number.isNaN(g) && Number.isNaN(r))) mismatches.push(`${what}[${i}]: got ${g}, expected ${r}`);
      continue;
    }
    const off = Math.max(Math.abs(g - r) - (half ? FLUSHED_HALF : FLUSHED), 0);
    const e = off / Math.max(terms[i], 2 ** -126);
    if (e > err) [err, worst] = [e, `${what}[${i}]: got ${g}, expected ${r} (terms ${terms[i]})`];
  }
  return {err, worst, mismatches};
}

export interface Agreement {
  name: string;
  /** largest error of losses, gradients (all three kernels) in units of their terms */
  lossErr: number;
  gradErr: number;
  /** the entry of the largest error of each kind */
  worst: string[];
  mismatches: string[];
}

/** Runs forward, backward (through tf.valueAndGrad, dy as the tape gives it, times `dyScale`) and
 * loss-and-grad on one problem and compares all three with the float64 formula. */
async function agreement(name: string, shape: number[], x: Float32Array, y: Float32Array, o: Options,
    half: boolean, labelsView = false): Promise<Agreement> {
  const C = columnsOf(shape);
  const logits = tf.tensor(x, shape, 'float32');
  const labels = labelsView ? offsetView(y, shape) : tf.tensor(y, shape, 'float32');
  const dyValues = o.reduction === 'none' ? Float32Array.from(x, (_, e) => 0.5 + (e % 7) / 4) : Float32Array.of(1.5);
  const dy = tf.tensor(dyValues, o.reduction === 'none' ? shape : []);
  // the backward kernel with a dy that is not 1: tf.grad's dy argument
  const g = tf.grad((z: tf.Tensor) => loss(z, labels, o))(logits, dy);
  const forward = loss(logits, labels, o);
  const [lgLoss, lgGrad] = lossAndGrad(logits, labels, o);
  const read = async (t: tf.Tensor) => Float32Array.from(await t.data());
  const [f, b, l, lg] = await Promise.all([forward, g, lgLoss, lgGrad].map(read));
  tf.dispose([logits, labels, dy, g, forward, lgLoss, lgGrad]);
  // what the textures keep of the inputs is what the kernels saw
  const round = half ? toHalf : (v: number) => v;
  const weights = (w?: number[]) => w?.map(round);
  const seen: Options = {...o, posWeight: weights(o.posWeight), classWeights: weights(o.classWeights)};
  const xs = Array.from(x, round);
  const ys = Array.from(y, round);
  const lgRef = reference64(xs, ys, C, seen, o.reduction === 'none' ? xs.map(() => 1) : [1]);
  const ref = reference64(xs, ys, C, seen, Array.from(dyValues, round));
  const parts = [compare('forward', f, lgRef.loss, lgRef.lossTerms, half),
    compare('lgLoss', l, lgRef.loss, lgRef.lossTerms, half), compare('backward', b, ref.grad, ref.gradTerms, half),
    compare('lgGrad', lg, lgRef.grad, lgRef.gradTerms, half)];
  const worse = (a: {err: number, worst: string}, b: {err: number, worst: string}) => (a.err >= b.err ? a : b).worst;
  return {name, lossErr: Math.max(parts[0].err, parts[1].err), gradErr: Math.max(parts[2].err, parts[3].err),
    worst: [worse(parts[0], parts[1]), worse(parts[2], parts[3])],
    mismatches: parts.flatMap((p) => p.mismatches).slice(0, 10)};
}

/** Options in a few words, for names. */
const describe = (o: Options) => [o.reduction, o.labelSmoothing && `ε ${o.labelSmoothing}`, o.focalGamma && `γ ${o.focalGamma}`,
  o.focalAlpha !== undefined && `α ${o.focalAlpha}`, o.posWeight && 'posWeight', o.classWeights && 'classWeights']
    .filter(Boolean).join(', ');

/**
 * `values` as a view 37 values into a texture of its own (tfjs's shallow slice: read through an
 * offset, not at the output's texels).
 */
function offsetView(values: Float32Array, shape: number[]): tf.Tensor {
  const whole = tf.tensor(Float32Array.from([...new Array(37).fill(0.5), ...values]));
  (tf.backend() as MathBackendWebGL).uploadToGPU(whole.dataId);
  const view = tf.tidy(() => tf.reshape(tf.slice(whole, [37], [values.length]), shape));
  whole.dispose();
  return view;
}

/** Every logit of the edge grid (x) against every label (y): ±∞ and NaN only where textures keep them. */
function edgeGrid(half: boolean): {x: Float32Array, y: Float32Array, rows: number} {
  // float16 textures keep neither ±∞ nor a sum past 65504 (the grid's 'sum' at ±1e4)
  const big = half ? 1e3 : 1e4;
  const X = [-big, -100, -88, -30, -17, -5, -1, -1e-3, 0, 1e-3, 1, 5, 17, 30, 88, 100, big, NaN,
    ...(half ? [] : [-Infinity, Infinity])];
  const Y = [0, 1, 0.3, NaN];
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < X.length; i++) {
    for (let j = 0; j < 4; j++) {
      x.push(X[i]);
      y.push(Y[(i + j) % 4]);
    }
  }
  return {x: Float32Array.from(x), y: Float32Array.from(y), rows: X.length};
}

/** Seeded normal logits (σ = 3) and 0/1 labels, as the benchmark's. */
function randomProblem(M: number, seed: number): {x: Float32Array, y: Float32Array} {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const x = Float32Array.from({length: M}, () => 3 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()));
  const y = Float32Array.from({length: M}, () => (next() < 0.5 ? 1 : 0));
  return {x, y};
}

// ---------------------------------------------------------------------------------------------------
// Counts

/** Our compiled programs in the backend's cache (every one declares the sg* uniforms). */
const compiledOurs = (b: MathBackendWebGL) => Object.keys((b as unknown as {binaryCache: Record<string, unknown>})
    .binaryCache).filter((key) => key.includes('sgEntries')).length;

/** Program runs while f runs: ours, and all (every executeProgram: tfjs's uploads, fills, conversions too). */
function countPrograms<T>(f: () => T): {result: T, programs: number, ours: number} {
  const backend = tf.backend() as MathBackendWebGL;
  const gpgpu = backend.gpgpu;
  const [execute, runProgram] = [gpgpu.executeProgram, backend.runWebGLProgram];
  let programs = 0;
  let ours = 0;
  gpgpu.executeProgram = function(this: typeof gpgpu) {
    programs++;
    return execute.call(this);
  };
  backend.runWebGLProgram = function(this: MathBackendWebGL, ...args: Parameters<MathBackendWebGL['runWebGLProgram']>) {
    if (args[0].customUniforms?.some((u) => u.name === 'sgEntries')) ours++;
    return runProgram.apply(this, args);
  };
  try {
    return {result: f(), programs, ours};
  } finally {
    gpgpu.executeProgram = execute;
    backend.runWebGLProgram = runProgram;
  }
}

/** Waits for the programs that made `out` (one value of each read back, in program order) and frees them. */
async function settle(out: tf.Tensor[]): Promise<void> {
  const probes = out.map((t) => tf.slice(tf.reshape(t, [-1]), 0, Math.min(1, t.size)));
  await Promise.all(probes.map((t) => t.data()));
  tf.dispose([...probes, ...out]);
}

export interface StepCount {
  shape: number[];
  options: string;
  /** our program runs */
  forward: number;
  valueAndGrad: number;
  lossAndGrad: number;
  /** every program run of the value-and-grad step: ours and tfjs's (the tape's dy: a fill for 'none', and
   * with float16 textures the upload of the scalar 1 a float32 backend passes as a uniform) */
  valueAndGradAll: number;
  lossAndGradAll: number;
  /** blocks the reduced loss is summed in (1: one pass) */
  blocks: number;
}

/** Program runs of one forward, one tf.valueAndGrad step and one loss-and-grad call, inputs on the GPU. */
async function stepCounts(shape: number[], o: Options): Promise<StepCount> {
  const M = shape.reduce((a, b) => a * b, 1);
  const {x, y} = randomProblem(M, 11);
  const logits = tf.tensor(x, shape);
  const labels = tf.tensor(y, shape);
  // warm-up: uploads (the first use of a CPU tensor encodes it into a texture) and compiles
  await settle([loss(logits, labels, o), ...Object.values(valueAndGrad(logits, labels, o)), ...lossAndGrad(logits, labels, o)]);
  const f = countPrograms(() => loss(logits, labels, o));
  const vg = countPrograms(() => valueAndGrad(logits, labels, o));
  const lg = countPrograms(() => lossAndGrad(logits, labels, o));
  tf.dispose([f.result, vg.result.value, vg.result.grad, ...lg.result, logits, labels]);
  return {shape, options: describe(o), forward: f.ours, valueAndGrad: vg.ours, lossAndGrad: lg.ours,
    valueAndGradAll: vg.programs, lossAndGradAll: lg.programs, blocks: o.reduction === 'none' ? 0 : blocksOf(M).numBlocks};
}

export interface NewBatch {
  /** e.g. "[64,1000] → [37,1000] mean" */
  what: string;
  /** our programs compiled anew by a step at the new batch size (value-and-grad and loss-and-grad) */
  compiled: number;
}

async function newBatch(C: number, from: number, to: number, o: Options): Promise<NewBatch> {
  const backend = tf.backend() as MathBackendWebGL;
  const stepAt = async (N: number) => {
    const {x, y} = randomProblem(N * C, N);
    const [logits, labels] = [tf.tensor(x, [N, C]), tf.tensor(y, [N, C])];
    const {value, grad} = valueAndGrad(logits, labels, o);
    await settle([value, grad, ...lossAndGrad(logits, labels, o)]);
    tf.dispose([logits, labels]);
  };
  await stepAt(from);
  const before = compiledOurs(backend);
  await stepAt(to);
  return {what: `[${from},${C}] → [${to},${C}] ${describe(o)}`, compiled: compiledOurs(backend) - before};
}

export interface Leak {
  /** numDataIds, tf.memory().numTensors and numBytes, textures in use: before and after */
  before: number[];
  after: number[];
}

/** 200 SGD steps of a linear multi-label model through tf.valueAndGrad and loss-and-grad, alternating. */
async function leak(): Promise<Leak> {
  const backend = tf.backend() as MathBackendWebGL;
  const w = tf.variable(tf.randomNormal([16, 10], 0, 0.1, 'float32', 3));
  const xs = tf.randomNormal([32, 16], 0, 1, 'float32', 4);
  const ys = tf.cast(tf.less(tf.randomUniform([32, 10], 0, 1, 'float32', 5), 0.5), 'float32');
  const opt = tf.train.sgd(0.1);
  const reductions: Reduction[] = ['mean', 'sum', 'none'];
  const stepOnce = (i: number) => {
    const o: Options = {reduction: reductions[i % 3], focalGamma: i % 4 === 0 ? 2 : 0,
      posWeight: i % 5 === 0 ? Array(10).fill(2) : undefined};
    if (i % 2 && o.reduction !== 'none') {
      opt.minimize(() => loss(tf.matMul(xs, w), ys, o) as tf.Scalar);
    } else {
      tf.tidy(() => {
        const [, grad] = lossAndGrad(tf.matMul(xs, w), ys, o);
        w.assign(tf.sub(w, tf.mul(0.01, tf.matMul(xs, grad, true, false))));
      });
    }
  };
  for (let i = 0; i < 6; i++) stepOnce(i);
  await w.data();
  const snapshot = () => [backend.numDataIds(), tf.memory().numTensors, tf.memory().numBytes,
    backend.getTextureManager().getNumUsedTextures()];
  const before = snapshot();
  for (let i = 0; i < 200; i++) stepOnce(i);
  await w.data();
  const after = snapshot();
  tf.dispose([w, xs, ys]);
  opt.dispose();
  return {before, after};
}

// ---------------------------------------------------------------------------------------------------

export interface PackedInputs {
  /** whether the matMul logits and the cast labels were packed, as tfjs's programs make them */
  packed: boolean[];
  /** program runs of loss-and-grad on them: all, and ours (the rest are tfjs's unpack programs) */
  programs: number;
  ours: number;
  /** whether loss and gradient have the bits of the same values made on the CPU ('mean', 'none') */
  sameBits: boolean[];
}

/** Logits and labels that packed tfjs programs made: each unpacked once, the same results. */
async function packedInputs(): Promise<PackedInputs> {
  const backend = tf.backend() as MathBackendWebGL;
  const [x, w] = [tf.randomNormal([64, 32], 0, 1, 'float32', 1), tf.randomNormal([32, 100], 0, 1, 'float32', 2)];
  const u = tf.randomUniform([64, 100], 0, 1, 'float32', 3);
  const logits = tf.matMul(x, w);
  const labels = tf.cast(tf.less(u, 0.5), 'float32');
  const packed = [logits, labels].map((t) => backend.texData.get(t.dataId).isPacked === true);
  const [cpuLogits, cpuLabels] = [tf.tensor(await logits.data(), logits.shape), tf.tensor(await labels.data(), labels.shape)];
  const c = countPrograms(() => lossAndGrad(logits, labels, {reduction: 'mean'}));
  const bits = async (ts: tf.Tensor[]) => (await Promise.all(ts.map((t) => t.data())))
      .map((d) => Array.from(new Uint32Array(Float32Array.from(d).buffer)).join(','));
  const sameBits: boolean[] = [];
  for (const reduction of ['mean', 'none'] as Reduction[]) {
    const [a, b] = [lossAndGrad(logits, labels, {reduction}), lossAndGrad(cpuLogits, cpuLabels, {reduction})];
    const [ba, bb] = [await bits(a), await bits(b)];
    sameBits.push(ba.every((s, i) => s === bb[i]));
    tf.dispose([...a, ...b]);
  }
  tf.dispose([x, w, u, logits, labels, cpuLogits, cpuLabels, ...c.result]);
  return {packed, programs: c.programs, ours: c.ours, sameBits};
}

export interface SigmoidWebGLChecks {
  renderFloat32: boolean;
  steps: StepCount[];
  /** kernels tf.profile records for a value-and-grad step, Identity excluded */
  profiledKernels: string[];
  newBatch: NewBatch[];
  /** the edge grid and random problems against the float64 formula */
  agreement: Agreement[];
  /** [4096, 1000] (float32 textures; [256, 100] with float16 ones), 'mean': relative error of the loss */
  largeMean: {shape: number[], lossRel: number, gradErr: number};
  /**
   * A sum float32 rounding would lose most of: one loss of 1e4, then 2047 of 1e-4 each (a float32 ulp
   * of 1e4 is 9.8e-4), in one block: the 'sum' and its float64 value, and their relative difference
   */
  compensated: {loss: number, expected: number, rel: number};
  /** γ = 0 gives no focal's bits (loss and gradient) */
  gammaZeroIdentical: boolean;
  packedInputs: PackedInputs;
  /** an empty input: programs run and the outputs */
  empty: {programs: number, loss: number[], gradSize: number};
  leak: Leak;
  /** each part that threw, by name */
  errors: Record<string, string>;
}

export async function sigmoidWebglChecks(): Promise<SigmoidWebGLChecks> {
  await tf.setBackend('webgl');
  const half = !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  const errors: Record<string, string> = {};
  const attempt = async <T>(part: string, f: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      errors[part] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      return fallback;
    }
  };
  const focal: Options = {reduction: 'mean', focalGamma: 2, focalAlpha: 0.25};
  const steps = await attempt('steps', async () => {
    const out: StepCount[] = [];
    for (const shape of [[64, 10], [4096, 1000], [65536, 80], [1048576, 1]]) {
      for (const o of [{reduction: 'mean'}, {reduction: 'sum'}, {reduction: 'none'}, focal] as Options[]) {
        out.push(await stepCounts(shape, o));
      }
    }
    return out;
  }, []);
  const profiledKernels = await attempt('profile', async () => {
    const {x, y} = randomProblem(640, 3);
    const [logits, labels] = [tf.tensor(x, [64, 10]), tf.tensor(y, [64, 10])];
    const info = await tf.profile(() => {
      const {value, grad} = valueAndGrad(logits, labels, {reduction: 'mean'});
      tf.dispose([value, grad]);
    });
    tf.dispose([logits, labels]);
    return info.kernels.map((k) => k.name).filter((n) => n !== 'Identity');
  }, []);
  const batches = await attempt('newBatch', async () => {
    const out: NewBatch[] = [];
    for (const o of [{reduction: 'mean'}, {reduction: 'none'}, focal] as Options[]) {
      out.push(await newBatch(1000, 64, 37, o), await newBatch(100, 8, 5, o));
    }
    return out;
  }, []);
  const agreements = await attempt('agreement', async () => {
    const out: Agreement[] = [];
    const grid = edgeGrid(half);
    const sets: Array<[string, Options]> = [
      ['plain', {reduction: 'none'}],
      ['weighted', {reduction: 'none', posWeight: [1, 2.5, 0, 1], classWeights: [1, 0.5, 2, 0]}],
      ['smoothing', {reduction: 'none', labelSmoothing: 0.1}],
      ['focal γ 2 α 0.25', {reduction: 'none', focalGamma: 2, focalAlpha: 0.25}],
      ['focal γ 0.5, smoothing, weights', {reduction: 'none', focalGamma: 0.5, labelSmoothing: 0.1,
        posWeight: [1, 2.5, 0, 1], classWeights: [1, 0.5, 2, 0]}],
      ['focal γ 5', {reduction: 'none', focalGamma: 5}],
      ['α alone', {reduction: 'none', focalAlpha: 0.75}],
    ];
    for (const [name, o] of sets) {
      out.push(await agreement(`edge grid, ${name}`, [grid.rows, 4], grid.x, grid.y, o, half));
      out.push(await agreement(`edge grid, ${name}, sum`, [grid.rows, 4], grid.x, grid.y, {...o, reduction: 'sum'}, half));
    }
    // finite values only for the reduced ones below (a NaN would make the whole loss NaN)
    // [maxTexture, 1]: loss-and-grad's two halves need more rows than a texture has (layout.ts's
    // squarish fallback, read through flat indices)
    const shapes: number[][] = [[], [7], [3, 5, 2, 4], [33, 17], [300, 70], [2, 9000],
      [tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'), 1]];
    for (const shape of shapes) {
      const M = shape.reduce((a, b) => a * b, 1);
      const {x, y} = randomProblem(M, M);
      const C = columnsOf(shape);
      const pw = Array.from({length: C}, (_, c) => 0.5 + (c % 3));
      for (const o of [{reduction: 'mean'}, {reduction: 'none', focalGamma: 2, focalAlpha: 0.25},
        {reduction: 'sum', posWeight: pw, labelSmoothing: 0.2, focalGamma: 1.5}] as Options[]) {
        out.push(await agreement(`[${shape}] ${describe(o)}`, shape, x, y, o, half));
      }
    }
    // labels at an offset into their texture, next to logits read at the output's texels
    const {x, y} = randomProblem(33 * 17, 4);
    for (const o of [{reduction: 'none'}, {reduction: 'mean', focalGamma: 2}] as Options[]) {
      out.push(await agreement(`[33,17] labels at an offset, ${describe(o)}`, [33, 17], x, y, o, half, true));
    }
    return out;
  }, []);
  const largeMean = await attempt('largeMean', async () => {
    const shape = half ? [256, 100] : [4096, 1000];
    const M = shape[0] * shape[1];
    const {x, y} = randomProblem(M, 5);
    const [logits, labels] = [tf.tensor(x, shape), tf.tensor(y, shape)];
    const [l, g] = lossAndGrad(logits, labels, {reduction: 'mean'});
    const [lv, gv] = [await l.data(), await g.data()];
    tf.dispose([l, g, logits, labels]);
    const round = half ? toHalf : (v: number) => v;
    const ref = reference64(Array.from(x, round), Array.from(y, round), shape[1], {reduction: 'mean'}, [1]);
    return {shape, lossRel: Math.abs(lv[0] - ref.loss[0]) / ref.loss[0],
      gradErr: compare('grad', gv, ref.grad, ref.gradTerms, half).err};
  }, {shape: [], lossRel: NaN, gradErr: NaN});
  const compensated = await attempt('compensated', async () => {
    const x = Float32Array.from({length: 2048}, (_, e) => (e === 0 ? -1e4 : 9.21));
    const y = new Float32Array(2048).fill(1);
    const [logits, labels] = [tf.tensor(x), tf.tensor(y)];
    const l = loss(logits, labels, {reduction: 'sum'});
    const got = (await l.data())[0];
    tf.dispose([l, logits, labels]);
    const round = half ? toHalf : (v: number) => v;
    const expected = reference64(Array.from(x, round), Array.from(y, round), 2048, {reduction: 'sum'}, [1]).loss[0];
    return {loss: got, expected, rel: Math.abs(got - expected) / expected};
  }, {loss: NaN, expected: NaN, rel: NaN});
  const gammaZeroIdentical = await attempt('gammaZero', async () => {
    const {x, y} = randomProblem(2000, 9);
    const [logits, labels] = [tf.tensor(x, [200, 10]), tf.tensor(y, [200, 10])];
    const bits = async (o: Options) => {
      const out = [...lossAndGrad(logits, labels, o), loss(logits, labels, {...o, reduction: 'none'})];
      const data = await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
      return data.map((d) => Array.from(new Uint32Array(Float32Array.from(d).buffer)).join(','));
    };
    const [a, b] = [await bits({reduction: 'mean', focalAlpha: 0.25}), await bits({reduction: 'mean', focalAlpha: 0.25, focalGamma: 0})];
    tf.dispose([logits, labels]);
    return a.every((s, i) => s === b[i]);
  }, false);
  const empty = await attempt('empty', async () => {
    const [logits, labels] = [tf.zeros([0, 5]), tf.zeros([0, 5])];
    const c = countPrograms(() => [...lossAndGrad(logits, labels, {reduction: 'mean'}),
      loss(logits, labels, {reduction: 'sum'})]);
    const got = {programs: c.programs, loss: [...Array.from(await c.result[0].data()), ...Array.from(await c.result[2].data())],
      gradSize: c.result[1].size};
    tf.dispose([...c.result, logits, labels]);
    return got;
  }, {programs: -1, loss: [], gradSize: -1});
  const packed = await attempt('packedInputs', packedInputs, {packed: [], programs: -1, ours: -1, sameBits: []});
  const leaked = await attempt('leak', leak, {before: [], after: []});
  return {renderFloat32: !half, steps, profiledKernels, newBatch: batches, agreement: agreements, largeMean,
    compensated, gammaZeroIdentical, packedInputs: packed, empty, leak: leaked, errors};
}
