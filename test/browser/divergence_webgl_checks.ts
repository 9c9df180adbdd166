/**
 * Checks of the softmax divergence WebGL kernels that run in the page (test/browser.test.ts's
 * 'divergence webgl' block asserts on what they return), bundled as a page of their own: program runs
 * per step, recompiles across batch sizes, leaks, and results against a float64 formula of this file's
 * own (the contract's math written again with JavaScript numbers), with float32 textures or, in a page
 * opened with ?f16, float16 ones. Measurements only: the assertions stay in Node.
 *
 * The kernels are called by name (tf.engine().runKernel, with the contract's attrs), as the ops call
 * them; value-and-grad steps go through tf.valueAndGrad, so the tape runs the registered gradient and
 * its backward kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '../../index';
import '../../backends/webgl/register';
import {DivergenceKind, FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, Reduction, SoftmaxDivergenceAttrs,
  SoftmaxDivergenceWithLogits} from '../../kernels/softmax_divergence/contract';
import {rng} from '../rng';

// ?f16: tfjs stores tensors in float16 textures (set before the backend exists: tfjs reads the flag once)
if (typeof location !== 'undefined' && new URL(location.href).searchParams.has('f16')) {
  tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
}

/** The attrs of a call: the contract's, with defaults. */
type Options = Partial<SoftmaxDivergenceAttrs> & {kind: DivergenceKind};
const attrsOf = (o: Options): SoftmaxDivergenceAttrs => ({reduction: 'mean', temperature: 1, targetTemperature: 1,
  scale: 1, ...o});

/** The forward kernel's outputs. */
const forward = (z: tf.Tensor, t: tf.Tensor, o: Options) =>
  tf.engine().runKernel(FusedSoftmaxDivergence, {logits: z, targets: t}, attrsOf(o)) as tf.Tensor[];
/** [loss, dlogits] from the loss-and-grad kernel. */
const lossAndGrad = (z: tf.Tensor, t: tf.Tensor, o: Options) =>
  tf.engine().runKernel(SoftmaxDivergenceWithLogits, {logits: z, targets: t}, attrsOf(o)) as tf.Tensor[];
/** The backward kernel on the forward's saved outputs. */
function backward(z: tf.Tensor, t: tf.Tensor, o: Options, dy: tf.Tensor): tf.Tensor {
  const [loss, lse, lseLow, aux, auxLow] = forward(z, t, o);
  const g = tf.engine().runKernel(FusedSoftmaxDivergenceGrad, {logits: z, targets: t, lse, lseLow, aux, auxLow, dy},
      attrsOf(o)) as tf.Tensor;
  tf.dispose([loss, lse, lseLow, aux, auxLow]);
  return g;
}
/** One tf.valueAndGrad step with respect to the logits (the teacher or probabilities held fixed). */
const valueAndGrad = (z: tf.Tensor, t: tf.Tensor, o: Options) => tf.valueAndGrad((x: tf.Tensor) =>
  // entropy: the op passes the logits themselves as targets
  forward(x, o.kind === 'entropy' ? x : t, o)[0])(z);

// ---------------------------------------------------------------------------------------------------
// The float64 formula (kernels/softmax_divergence/contract.ts, written here again: no shared code)

interface Reference {
  loss: number[];
  /** the size of the terms each loss is made of (a float32 result errs by ulps of it) */
  lossTerms: number[];
  grad: number[];
  gradTerms: number[];
}

/** Row losses (reduced as asked) and the gradient for upstream dy (per row for 'none'). */
function reference64(z: ArrayLike<number>, t: ArrayLike<number>, K: number, o: Options, dy: ArrayLike<number>): Reference {
  const a = attrsOf(o);
  const N = K === 0 ? 0 : z.length / K;
  const rows: number[] = [];
  const rowTerms: number[] = [];
  const grad = new Array<number>(z.length).fill(0);
  const gradTerms = new Array<number>(z.length).fill(0);
  const logSumExp = (x: number[]) => {
    const m = Math.max(...x);
    if (m === -Infinity) return -Infinity;
    return m + Math.log(x.reduce((acc, v) => acc + Math.exp(v - m), 0));
  };
  for (let i = 0; i < N; i++) {
    const zs = Array.from({length: K}, (_, c) => z[i * K + c]);
    const ts = Array.from({length: K}, (_, c) => t[i * K + c]);
    const s = zs.map((v) => v / a.temperature);
    const lse = logSumExp(s);
    const poisoned = (v: number) => Number.isNaN(v) || v === Infinity;
    let bad = zs.some(poisoned) || lse === -Infinity;
    let P: number[];
    let logP: number[];
    // the float32 error of u − lse_u (a teacher's): an ulp of the largest |u|
    let Mu = 0;
    if (a.kind === 'klLogits') {
      const u = ts.map((v) => v / a.targetTemperature);
      const lseU = logSumExp(u);
      bad = bad || ts.some(poisoned) || lseU === -Infinity;
      logP = u.map((v) => v - lseU);
      P = logP.map(Math.exp);
      Mu = Math.max(Math.abs(lseU), ...u.filter(Number.isFinite).map(Math.abs));
    } else if (a.kind === 'klProbabilities') {
      bad = bad || ts.some((v) => Number.isNaN(v) || v < 0 || v === Infinity);
      P = ts;
      logP = ts.map(Math.log);
    } else {
      logP = s.map((v) => v - lse);
      P = logP.map(Math.exp);
    }
    const rowDy = a.scale / a.temperature * (a.reduction === 'none' ? dy[i] : a.reduction === 'sum' ? dy[0] : dy[0] / N);
    if (bad) {
      rows.push(NaN);
      rowTerms.push(0);
      for (let c = 0; c < K; c++) grad[i * K + c] = NaN;
      continue;
    }
    const logp = s.map((v) => v - lse);
    const p = logp.map(Math.exp);
    // the float32 error of s − lse: an ulp of the largest |s| (and of |lse|)
    const M = Math.max(Math.abs(lse), ...s.filter(Number.isFinite).map(Math.abs));
    let loss = 0;
    let terms = 0;
    if (a.kind === 'entropy') {
      for (let c = 0; c < K; c++) {
        if (p[c] > 0) {
          loss -= p[c] * logp[c];
          terms += p[c] * (Math.abs(logp[c]) + M);
        }
      }
    } else {
      for (let c = 0; c < K; c++) {
        const noMass = a.kind === 'klProbabilities' ? P[c] === 0 : logP[c] === -Infinity;
        if (noMass) continue;
        if (logp[c] === -Infinity) {
          loss = Infinity;
          continue;
        }
        loss += P[c] * (logP[c] - logp[c]);
        terms += P[c] * (Math.abs(logP[c]) + Math.abs(logp[c]) + M + Mu);
      }
    }
    rows.push(loss * a.scale);
    rowTerms.push(terms * a.scale);
    const A = P.reduce((acc, v) => acc + v, 0);
    for (let c = 0; c < K; c++) {
      if (s[c] === -Infinity) continue;  // 0: an impossible class
      const e = i * K + c;
      // an error of an ulp of M in log p is one of M·p in p
      if (a.kind === 'entropy') {
        grad[e] = -rowDy * p[c] * (logp[c] + loss);
        gradTerms[e] = Math.abs(rowDy) * p[c] * (Math.abs(logp[c]) + loss + 1) * (1 + M);
      } else {
        grad[e] = rowDy * (A * p[c] - P[c]);
        gradTerms[e] = Math.abs(rowDy) * (A * p[c] * (1 + M) + P[c] * (1 + Mu));
      }
    }
  }
  if (a.reduction === 'none') return {loss: rows, lossTerms: rowTerms, grad, gradTerms};
  const sum = rows.reduce((acc, v) => acc + v, 0);
  const terms = rowTerms.reduce((acc, v) => acc + v, 0);
  const k = a.reduction === 'mean' ? (N === 0 ? 0 : 1 / N) : 1;
  return {loss: [N === 0 ? 0 : sum * k], lossTerms: [terms * k], grad, gradTerms};
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

/** Below this a value may be 0 on a GPU (flushed denormals). */
const FLUSHED = 2 ** -120;
/**
 * With float16 textures: the step of float16's subnormals (below 6.1e-5), by which an input there
 * may differ from toHalf's rounding (SwiftShader's conversion of uploads does not always round to
 * nearest), and an output be off; a gradient entry takes it times its row's factor scale·dy/T.
 */
const HALF_STEP = 2 ** -24;

/**
 * Largest error of `got` against `ref`, in units of each value's terms (|got − ref| ≤ err·terms +
 * floor), and every entry whose non-finite value or NaN-ness differs, as text. `factor`: the largest
 * |scale·dy/T| of a row, for the float16 floor.
 */
function compare(what: string, got: ArrayLike<number>, ref: number[], terms: number[], half: boolean, factor = 1) {
  let err = 0;
  let worst = '';
  const mismatches: string[] = [];
  if (got.length !== ref.length) mismatches.push(`${what}: ${got.length} values, expected ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const [g, r] = [got[i], ref[i]];
    if (!Number.isFinite(r) || !Number.isFinite(g)) {
      if (!Object.is(g, r) && !(Number.isNaN(g) && Number.isNaN(r))) mismatches.push(`${what}[${i}]: got ${g}, expected ${r}`);
      continue;
    }
    const off = Math.max(Math.abs(g - r) - (half ? 2 * HALF_STEP * Math.max(1, factor) : FLUSHED), 0);
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

/**
 * Runs forward, backward (dy not 1) and loss-and-grad on one problem and compares all three with the
 * float64 formula; `exact`: entries whose values must be exactly 0 (K = 1), checked bit for bit.
 */
async function agreement(name: string, shape: number[], z: Float32Array, t: Float32Array, o: Options,
    half: boolean): Promise<Agreement> {
  const K = shape[shape.length - 1];
  const logits = tf.tensor(z, shape, 'float32');
  const targets = o.kind === 'entropy' ? logits : tf.tensor(t, shape, 'float32');
  const reduction = o.reduction ?? 'mean';
  const rowShape = shape.slice(0, -1);
  const rows = rowShape.reduce((a, b) => a * b, 1);
  const dyValues = reduction === 'none' ? Float32Array.from({length: rows}, (_, i) => 0.5 + (i % 7) / 4) : Float32Array.of(1.5);
  const dy = tf.tensor(dyValues, reduction === 'none' ? rowShape : []);
  const f = forward(logits, targets, o);
  const b = backward(logits, targets, o, dy);
  const [lgLoss, lgGrad] = lossAndGrad(logits, targets, o);
  const read = async (x: tf.Tensor) => Float32Array.from(await x.data());
  const [fl, bg, ll, lg] = await Promise.all([f[0], b, lgLoss, lgGrad].map(read));
  tf.dispose([logits, targets, dy, ...f, b, lgLoss, lgGrad]);
  // what the textures keep of the inputs is what the kernels saw
  const round = half ? toHalf : (v: number) => v;
  const zs = Array.from(z, round);
  const ts = o.kind === 'entropy' ? zs : Array.from(t, round);
  const ones = reduction === 'none' ? new Array<number>(rows).fill(1) : [1];
  const lgRef = reference64(zs, ts, K, o, ones);
  const ref = reference64(zs, ts, K, o, Array.from(dyValues, round));
  const a = attrsOf(o);
  const factor = (a.scale / a.temperature) * Math.max(...dyValues.map(Math.abs)) / (reduction === 'mean' ? rows : 1);
  const parts = [compare('forward', fl, lgRef.loss, lgRef.lossTerms, half),
    compare('lgLoss', ll, lgRef.loss, lgRef.lossTerms, half),
    compare('backward', bg, ref.grad, ref.gradTerms, half, factor),
    compare('lgGrad', lg, lgRef.grad, lgRef.gradTerms, half, factor)];
  const worse = (a: {err: number, worst: string}, c: {err: number, worst: string}) => (a.err >= c.err ? a : c).worst;
  return {name, lossErr: Math.max(parts[0].err, parts[1].err), gradErr: Math.max(parts[2].err, parts[3].err),
    worst: [worse(parts[0], parts[1]), worse(parts[2], parts[3])],
    mismatches: parts.flatMap((p) => p.mismatches).slice(0, 10)};
}

/** Seeded logits (normal, σ = `spread`) and targets for `kind`: probabilities, a teacher's logits, or none. */
function randomProblem(N: number, K: number, kind: DivergenceKind, seed: number, spread = 3) {
  const next = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const z = Float32Array.from({length: N * K}, () => spread * normal());
  const t = new Float32Array(N * K);
  if (kind === 'klLogits') {
    for (let e = 0; e < N * K; e++) t[e] = 0.7 * z[e] + spread * 0.5 * normal();
  } else if (kind === 'klProbabilities') {
    for (let i = 0; i < N; i++) {
      let total = 0;
      for (let c = 0; c < K; c++) total += (t[i * K + c] = Math.exp(2 * normal()) * (next() < 0.2 ? 0 : 1));
      for (let c = 0; c < K; c++) t[i * K + c] = total === 0 ? 1 / K : t[i * K + c] / total;
    }
  }
  return {z, t};
}

/**
 * Rows of awkward values, K = 6 (a row per line): teacher logits near ±1e4 and rows offset by 1000
 * (max-shifted, both rows), −∞ logits with and without target mass there, zeros in P, one-hot-like
 * rows, NaN and +∞ (float32 textures only: float16 ones keep neither ±∞ nor 1e4 exactly).
 */
function edgeRows(kind: DivergenceKind, half: boolean): {z: Float32Array, t: Float32Array, rows: number} {
  const inf = Infinity;
  const big = half ? 1000 : 1e4;
  const rowsZ: number[][] = [
    [1, 2, 3, 4, 5, 6],
    [big, big - 1, big - 3, big + 2, big - 30, big],
    [-big, -big - 1, -big - 3, -big + 2, -big - 30, -big],
    [1000.5, 1001, 999, 1003, 1000, 998],
    [30, 0, 0, 0, 0, 0],  // one-hot-like: p_0 ≈ 1 − 5e-13
    [90, 0, -10, 0, 5, 0],
    [0, 0, 0, 0, 0, 0],
    ...(half ? [] : [
      [-inf, 1, 2, -inf, 3, 0],
      [-inf, -inf, 5, -inf, -inf, -inf],
      [-inf, -inf, -inf, -inf, -inf, -inf],
      [NaN, 1, 2, 3, 4, 5],
      [inf, 1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5, 6],  // paired with a bad target row below
    ]),
  ];
  const teacher: number[][] = [
    [6, 5, 4, 3, 2, 1],
    [big + 1, big, big - 2, big + 2, big - 10, big - 1],
    [-big, -big + 1, -big - 3, -big - 2, -big - 30, -big],
    [1001, 1000, 1000.5, 1003, 1001, 997],
    [29, 1, 0, -1, 0, 0],
    [80, 0, -10, 1, 5, 0],
    [0, 1, 0, 1, 0, 1],
    ...(half ? [] : [
      [-inf, 1, 2, 0, 3, -inf],  // mass at a −∞ logit (class 3): +∞
      [-inf, -inf, 5, -inf, -inf, -inf],
      [1, 2, 3, 4, 5, 6],
      [1, 2, 3, 4, 5, 6],
      [1, 2, 3, 4, 5, 6],
      [NaN, 1, 2, 3, 4, 5],
    ]),
  ];
  const probability = (u: number[], row: number) => {
    // zeros where the teacher is −∞ (no mass at an impossible class), else its softmax
    if (!half && row === rowsZ.length - 1) return [0.5, Number.NaN, 0.5, 0, 0, 0];
    const m = Math.max(...u.filter((v) => !Number.isNaN(v)));
    const e = u.map((v) => (Number.isNaN(v) ? 0 : Math.exp(v - m)));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  };
  const targets = teacher.map((u, row) => (kind === 'klProbabilities' ? probability(u, row) : u));
  return {z: Float32Array.from(rowsZ.flat()), t: Float32Array.from(targets.flat()), rows: rowsZ.length};
}

// ---------------------------------------------------------------------------------------------------
// Counts

/** Our compiled programs in the backend's cache (every one declares the dv* uniforms). */
const compiledOurs = (b: MathBackendWebGL) => Object.keys((b as unknown as {binaryCache: Record<string, unknown>})
    .binaryCache).filter((key) => key.includes('dvTiles')).length;

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
    if (args[0].customUniforms?.some((u) => u.name === 'dvTiles')) ours++;
    return runProgram.apply(this, args);
  };
  try {
    return {result: f(), programs, ours};
  } finally {
    gpgpu.executeProgram = execute;
    backend.runWebGLProgram = runProgram;
  }
}

/** Waits for the programs that made `out` (one value of each read back) and frees them. */
async function settle(out: tf.Tensor[]): Promise<void> {
  const probes = out.map((x) => tf.slice(tf.reshape(x, [-1]), 0, Math.min(1, x.size)));
  await Promise.all(probes.map((x) => x.data()));
  tf.dispose([...probes, ...out]);
}

export interface StepCount {
  shape: number[];
  options: string;
  /** our program runs: forward, a tf.valueAndGrad step (when the gradient is registered), loss-and-grad */
  forward: number;
  valueAndGrad: number;
  lossAndGrad: number;
  /** every program run of value-and-grad (-1 without the tape) and loss-and-grad, tfjs's included */
  valueAndGradAll: number;
  lossAndGradAll: number;
}

const describeOptions = (o: Options) => [o.kind, o.reduction ?? 'mean', o.temperature && `T ${o.temperature}`,
  o.targetTemperature && `T_t ${o.targetTemperature}`, o.scale && `scale ${o.scale}`].filter(Boolean).join(', ');

async function stepCounts(shape: number[], o: Options): Promise<StepCount> {
  const [N, K] = shape;
  const {z, t} = randomProblem(N, K, o.kind, 11);
  const logits = tf.tensor(z, shape);
  const targets = tf.tensor(t, shape);
  const tape = tf.getGradient?.(FusedSoftmaxDivergence) !== undefined;
  // warm-up: uploads (the first use of a CPU tensor encodes it into a texture) and compiles
  await settle([...forward(logits, targets, o), ...lossAndGrad(logits, targets, o),
    ...(tape ? Object.values(valueAndGrad(logits, targets, o)) : [])]);
  const f = countPrograms(() => forward(logits, targets, o));
  const vg = tape ? countPrograms(() => valueAndGrad(logits, targets, o)) : undefined;
  const lg = countPrograms(() => lossAndGrad(logits, targets, o));
  tf.dispose([...f.result, ...(vg ? [vg.result.value, vg.result.grad] : []), ...lg.result, logits, targets]);
  return {shape, options: describeOptions(o), forward: f.ours, valueAndGrad: vg?.ours ?? -1, lossAndGrad: lg.ours,
    valueAndGradAll: vg?.programs ?? -1, lossAndGradAll: lg.programs};
}

export interface NewBatch {
  what: string;
  /** our programs compiled anew by a step at the new batch size (forward, backward and loss-and-grad) */
  compiled: number;
}

async function newBatch(K: number, from: number, to: number, o: Options): Promise<NewBatch> {
  const backend = tf.backend() as MathBackendWebGL;
  const stepAt = async (N: number) => {
    const {z, t} = randomProblem(N, K, o.kind, N);
    const [logits, targets] = [tf.tensor(z, [N, K]), tf.tensor(t, [N, K])];
    const dy = o.reduction === 'none' ? tf.ones([N]) : tf.scalar(1);
    await settle([...forward(logits, targets, o), backward(logits, targets, o, dy), ...lossAndGrad(logits, targets, o)]);
    tf.dispose([logits, targets, dy]);
  };
  await stepAt(from);
  const before = compiledOurs(backend);
  await stepAt(to);
  return {what: `[${from},${K}] → [${to},${K}] ${describeOptions(o)}`, compiled: compiledOurs(backend) - before};
}

export interface Leak {
  /** numDataIds, tf.memory().numTensors and numBytes, textures in use: before and after */
  before: number[];
  after: number[];
}

/** 200 SGD steps of a linear student distilled from a fixed teacher, through both entry points. */
async function leak(): Promise<Leak> {
  const backend = tf.backend() as MathBackendWebGL;
  const w = tf.variable(tf.randomNormal([16, 10], 0, 0.1, 'float32', 3));
  const xs = tf.randomNormal([32, 16], 0, 1, 'float32', 4);
  const teacher = tf.randomNormal([32, 10], 0, 2, 'float32', 5);
  const probs = tf.softmax(teacher);
  const opt = tf.train.sgd(0.1);
  const kinds: Options[] = [{kind: 'klLogits', temperature: 2, targetTemperature: 2, scale: 4},
    {kind: 'klProbabilities', reduction: 'sum'}, {kind: 'entropy', reduction: 'none'}];
  const tape = tf.getGradient?.(FusedSoftmaxDivergence) !== undefined;
  const stepOnce = (i: number) => {
    const o = kinds[i % 3];
    const t = o.kind === 'klProbabilities' ? probs : teacher;
    if (tape && i % 2 && o.reduction !== 'none') {
      opt.minimize(() => {
        const z = tf.matMul(xs, w);
        return forward(z, o.kind === 'entropy' ? z : t, o)[0] as tf.Scalar;
      });
    } else {
      tf.tidy(() => {
        const z = tf.matMul(xs, w);
        const [, grad] = lossAndGrad(z, o.kind === 'entropy' ? z : t, o);
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
  tf.dispose([w, xs, teacher, probs]);
  opt.dispose();
  return {before, after};
}

// ---------------------------------------------------------------------------------------------------

export interface DivergenceWebGLChecks {
  renderFloat32: boolean;
  /** whether a gradient is registered for the forward kernel (value-and-grad steps counted only then) */
  tape: boolean;
  steps: StepCount[];
  newBatch: NewBatch[];
  /** the edge rows and random problems against the float64 formula */
  agreement: Agreement[];
  /**
   * Distillation at teacher and student logits near 1e4 (float32 textures; 1e3 with float16 ones),
   * [64, 1000], T = 2, scale T²: the loss's error relative to the loss, and the gradient's in terms
   */
  teacher: {lossRel: number, gradErr: number, loss: number, expected: number};
  /** K = 1: every loss exactly 0 and every gradient entry exactly 0, for each kind */
  singleClass: {kind: string, losses: number[], gradNonZero: number}[];
  /** an empty batch: programs run and the outputs */
  empty: {programs: number, loss: number[], gradSize: number};
  leak: Leak;
  /** each part that threw, by name */
  errors: Record<string, string>;
}

const KINDS: DivergenceKind[] = ['klProbabilities', 'klLogits', 'entropy'];

export async function divergenceWebglChecks(): Promise<DivergenceWebGLChecks> {
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
  const tape = tf.getGradient?.(FusedSoftmaxDivergence) !== undefined;
  const distill: Options = {kind: 'klLogits', temperature: 2, targetTemperature: 2, scale: 4};
  const steps = await attempt('steps', async () => {
    const out: StepCount[] = [];
    for (const shape of [[64, 10], [256, 1000], [8, 32000]]) {
      for (const o of [{kind: 'klProbabilities'}, {kind: 'klProbabilities', reduction: 'none'}, {kind: 'entropy'},
        {kind: 'entropy', reduction: 'none'}, {kind: 'klLogits', reduction: 'sum'}, distill] as Options[]) {
        out.push(await stepCounts(shape, o));
      }
    }
    return out;
  }, []);
  const batches = await attempt('newBatch', async () => {
    const out: NewBatch[] = [];
    for (const o of [distill, {kind: 'entropy', reduction: 'none'}, {kind: 'klProbabilities', reduction: 'sum'}] as Options[]) {
      out.push(await newBatch(1000, 64, 37, o), await newBatch(100, 8, 5, o));
    }
    return out;
  }, []);
  const agreements = await attempt('agreement', async () => {
    const out: Agreement[] = [];
    for (const kind of KINDS) {
      const edge = edgeRows(kind, half);
      for (const o of [{kind, reduction: 'none'}, {kind, reduction: 'none', temperature: 1.7, targetTemperature: 0.6},
        {kind, reduction: 'none', temperature: 4, targetTemperature: 4, scale: 16}] as Options[]) {
        out.push(await agreement(`edge rows, ${describeOptions(o)}`, [edge.rows, 6], edge.z, edge.t, o, half));
      }
      // finite rows only for the reduced ones (one NaN row makes the whole loss NaN)
      const finite = 7;
      out.push(await agreement(`edge rows, finite, ${kind}, sum`, [finite, 6], edge.z.slice(0, finite * 6),
          edge.t.slice(0, finite * 6), {kind, reduction: 'sum'}, half));
      // rows in ascending order: every class a new max of the online sums (their rescaling, each time)
      for (const K of [512, 3000]) {
        const {z, t} = randomProblem(4, K, kind, K);
        for (let i = 0; i < 4; i++) {
          const sort = (a: Float32Array) => a.subarray(i * K, (i + 1) * K).sort();
          sort(z);
          if (kind === 'klLogits' || i % 2) sort(t);
        }
        out.push(await agreement(`[4,${K}] ascending rows, ${kind}`, [4, K], z, t,
            {kind, reduction: 'none', temperature: 0.7, targetTemperature: 1.3}, half));
      }
      for (const shape of [[1, 1], [5, 1], [7, 5], [3, 4, 9], [33, 17], [40, 513], [6, 3000], [2, 20000]]) {
        const N = shape.slice(0, -1).reduce((a, b) => a * b, 1);
        const K = shape[shape.length - 1];
        const {z, t} = randomProblem(N, K, kind, N * K + 1);
        for (const o of [{kind, reduction: 'mean'}, {kind, reduction: 'none', temperature: 2, scale: 4},
          {kind, reduction: 'sum', temperature: 0.5, targetTemperature: 3}] as Options[]) {
          out.push(await agreement(`[${shape}] ${describeOptions(o)}`, shape, z, t, o, half));
        }
      }
    }
    return out;
  }, []);
  const teacher = await attempt('teacher', async () => {
    const [N, K] = [64, 1000];
    const base = half ? 1000 : 1e4;
    const {z, t} = randomProblem(N, K, 'klLogits', 77, 2);
    for (let e = 0; e < N * K; e++) {
      const row = Math.floor(e / K);
      z[e] += row % 2 ? base : -base;
      t[e] += row % 3 ? base : -base;
    }
    const o: Options = {kind: 'klLogits', reduction: 'mean', temperature: 2, targetTemperature: 2, scale: 4};
    const [logits, targets] = [tf.tensor(z, [N, K]), tf.tensor(t, [N, K])];
    const [l, g] = lossAndGrad(logits, targets, o);
    const [lv, gv] = [await l.data(), await g.data()];
    tf.dispose([l, g, logits, targets]);
    const round = half ? toHalf : (v: number) => v;
    const ref = reference64(Array.from(z, round), Array.from(t, round), K, o, [1]);
    return {lossRel: Math.abs(lv[0] - ref.loss[0]) / ref.loss[0], loss: lv[0], expected: ref.loss[0],
      gradErr: compare('grad', gv, ref.grad, ref.gradTerms, half).err};
  }, {lossRel: NaN, gradErr: NaN, loss: NaN, expected: NaN});
  const singleClass = await attempt('singleClass', async () => {
    const out: DivergenceWebGLChecks['singleClass'] = [];
    for (const kind of KINDS) {
      const z = tf.tensor([[3.7], [-1e3], [0.1], [42]]);
      const t = kind === 'klProbabilities' ? tf.ones([4, 1]) : tf.tensor([[1], [5], [-2], [1e3]]);
      const o: Options = {kind, reduction: 'none', temperature: 1.3, targetTemperature: 0.7, scale: 3};
      const [l, g] = lossAndGrad(z, t, o);
      const f = forward(z, t, {...o, reduction: 'sum'});
      const dy = tf.tensor([1, 2, 3, 4]);
      const b = backward(z, t, o, dy);
      const losses = [...await l.data(), ...await f[0].data()];
      const grads = [...await g.data(), ...await b.data()];
      out.push({kind, losses, gradNonZero: grads.filter((v) => !Object.is(v, 0)).length});
      tf.dispose([z, t, dy, l, g, ...f, b]);
    }
    return out;
  }, []);
  const empty = await attempt('empty', async () => {
    const [logits, targets] = [tf.zeros([0, 5]), tf.zeros([0, 5])];
    const c = countPrograms(() => [...lossAndGrad(logits, targets, {kind: 'klLogits'}),
      ...forward(logits, targets, {kind: 'entropy', reduction: 'sum'})]);
    const got = {programs: c.programs, loss: [...await c.result[0].data(), ...await c.result[2].data()],
      gradSize: c.result[1].size};
    tf.dispose([...c.result, logits, targets]);
    return got;
  }, {programs: -1, loss: [], gradSize: -1});
  const leaked = await attempt('leak', leak, {before: [], after: []});
  return {renderFloat32: !half, tape, steps, newBatch: batches, agreement: agreements, teacher, singleClass, empty,
    leak: leaked, errors};
}

/** What the page offers Node (browser.test.ts's inPage waits for window.fusedCE). */
export interface DivergenceWebGLPage {
  divergenceWebglChecks(): Promise<DivergenceWebGLChecks>;
}

if (typeof window !== 'undefined') {
  const w = window as unknown as {fusedCE?: object};
  w.fusedCE = Object.assign(w.fusedCE ?? {}, {divergenceWebglChecks} satisfies DivergenceWebGLPage);
}
