/**
 * WebGL-specific checks that run in the page (test/browser.test.ts asserts on what they return):
 * program runs per step, recompiles across batch sizes, NaN rows for invalid class ids, leaks, long
 * rows wider than a texture, and the float16-texture limit on class ids. Measurements only: the
 * assertions stay in Node, next to the other browser tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../../index';
import type {SoftmaxCrossEntropyOptions} from '../../ops/options';

/** The backend's compiled-program cache, keyed by tfjs's shader key (which holds the program source). */
const compiledOurs = (b: MathBackendWebGL) => Object.keys((b as unknown as {binaryCache: Record<string, unknown>})
    .binaryCache).filter((key) => key.includes('tilesPerRow')).length;

/** Counts program runs (every executeProgram, conversions and encodes included) while f runs. */
function countPrograms<T>(f: () => T): {result: T, programs: number} {
  const gpgpu = (tf.backend() as MathBackendWebGL).gpgpu;
  const original = gpgpu.executeProgram;
  let programs = 0;
  gpgpu.executeProgram = function(this: typeof gpgpu) {
    programs++;
    return original.call(this);
  };
  try {
    return {result: f(), programs};
  } finally {
    gpgpu.executeProgram = original;
  }
}

function problem(N: number, K: number, seed: number) {
  const logits = tf.randomNormal([N, K], 0, 3, 'float32', seed);
  const ids = tf.randomUniformInt([N], 0, K, seed);
  return {logits, ids};
}

export interface WebGLChecks {
  /** program runs of one tf.valueAndGrad step and one loss-and-grad call, inputs already on the GPU */
  valueAndGradPrograms: number;
  lossAndGradPrograms: number;
  /** kernels tf.profile records for a value-and-grad step, Identity excluded */
  profiledKernels: string[];
  /** our programs compiled anew by a step at a new batch size, after warm-up (tfjs's own upload and
   * download programs are compiled per texture shape, and are not counted) */
  newProgramsForNewBatch: number;
  /** invalid class ids: the loss row and gradient rows of row 1 and row 2 */
  invalid: {loss: number[], badRowGrad: number[], goodRowGrad: number[], refGoodRowGrad: number[]};
  validateLabelsError: string | null;
  /** numDataIds and tf.memory().numTensors/numBytes before and after 200 training steps */
  leak: {before: number[], after: number[]};
  /** [8, 262144]: webgl against the page's cpu backend, largest |difference| / largest |value| */
  longRows: {maxTexture: number, lossRel: number, gradRel: number};
  /** focalGamma, labelSmoothingOver 'others' and softcap (familyChecks) */
  family: FamilyChecks;
}

/** One option set of FAMILY_VARIANTS, measured as the default's step is above. */
export interface FamilyStep {
  name: string;
  /** γ > 0 with spread terms (smoothing, or probabilities): the forward's focal program runs too */
  focalWithSpread: boolean;
  valueAndGradPrograms: number;
  lossAndGradPrograms: number;
  /** our programs its first steps compiled (its sources differ from every variant run before it) */
  compiledAtFirstUse: number;
  /** ... and compiled anew by a step at a new batch size and another value of its options (γ, c, ε, T) */
  compiledForNewSizeAndValues: number;
  /** numDataIds before and after 20 more steps */
  leak: {before: number, after: number};
}

export interface FamilyChecks {
  steps: FamilyStep[];
  /** γ = 0 and 'all' given explicitly: the same bits as no such option, from the same compiled programs */
  gammaZero: {sameBits: boolean, compiled: number};
  /**
   * Confident rows (1 − p_y ≈ 7e-9, below float32's ulp of 1), γ = 2, against the page's own float64
   * formula: the largest relative error of the row losses, of the target entries' gradient (−b_y·q_y)
   * and of the other entries' (B·p_j), with value-and-grad and loss-and-grad.
   */
  confident: {lossRel: number, targetGradRel: number, otherGradRel: number};
}

export async function webglChecks(): Promise<WebGLChecks> {
  await tf.setBackend('webgl');
  const backend = tf.backend() as MathBackendWebGL;
  const {logits, ids} = problem(64, 1000, 1);
  await Promise.all([logits.data(), ids.data()]);
  // upload outside the counted steps: the first use of a CPU tensor encodes it into a texture
  tf.dispose(softmaxCrossEntropyWithGrad(logits, ids));
  tf.dispose(tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, ids))(logits));

  const vg = countPrograms(() => tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, ids))(logits));
  tf.dispose([vg.result.value, vg.result.grad]);
  const lg = countPrograms(() => softmaxCrossEntropyWithGrad(logits, ids));
  tf.dispose(lg.result);
  const info = await tf.profile(() => {
    const {value, grad} = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, ids))(logits);
    tf.dispose([value, grad]);
  });

  // a new batch size: same K, other N; every program is already compiled for N = 64
  const compiled = compiledOurs(backend);
  const other = problem(37, 1000, 2);
  await Promise.all([other.logits.data(), other.ids.data()]);
  const step = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, other.ids))(other.logits);
  await step.grad.data();
  tf.dispose([step.value, step.grad, other.logits, other.ids]);
  const newPrograms = compiledOurs(backend) - compiled;

  // invalid class ids: NaN in that row only, no read-back; validateLabels reads back and throws
  const z = tf.tensor2d([[1, 2, 3], [0, 1, 0], [2, 0, 1]]);
  const bad = tf.tensor1d([0, 7, 2], 'int32');
  const none = softmaxCrossEntropyWithGrad(z, bad, {reduction: 'none'});
  const good = softmaxCrossEntropyWithGrad(tf.slice(z, [2, 0], [1, 3]), tf.tensor1d([2], 'int32'), {reduction: 'none'});
  const grad = await none.grad.array() as number[][];
  const invalid = {loss: Array.from(await none.loss.data()), badRowGrad: grad[1], goodRowGrad: grad[2],
    refGoodRowGrad: (await good.grad.array() as number[][])[0]};
  let validateLabelsError: string | null = null;
  try {
    tf.dispose(softmaxCrossEntropy(z, bad, {validateLabels: true}));
  } catch (e) {
    validateLabelsError = (e as Error).message;
  }
  tf.dispose([z, bad, none, good]);

  // 200 SGD steps through both entry points
  const w = tf.variable(tf.randomNormal([16, 10], 0, 0.1, 'float32', 3));
  const x = tf.randomNormal([32, 16], 0, 1, 'float32', 4);
  const y = tf.randomUniformInt([32], 0, 10, 5);
  const opt = tf.train.sgd(0.1);
  const stepOnce = (i: number) => {
    if (i % 2) {
      opt.minimize(() => softmaxCrossEntropy(tf.matMul(x, w), y) as tf.Scalar);
    } else {
      tf.tidy(() => {
        const h = tf.matMul(x, w);
        const {grad} = softmaxCrossEntropyWithGrad(h, y, {labelSmoothing: 0.1});
        w.assign(tf.sub(w, tf.mul(0.1, tf.matMul(x, grad, true, false))));
      });
    }
  };
  stepOnce(0);
  stepOnce(1);
  await w.data();
  const snapshot = () => [backend.numDataIds(), tf.memory().numTensors, tf.memory().numBytes];
  const before = snapshot();
  for (let i = 0; i < 200; i++) stepOnce(i);
  await w.data();
  const after = snapshot();
  tf.dispose([w, x, y]);
  opt.dispose();

  tf.dispose([logits, ids]);
  return {
    valueAndGradPrograms: vg.programs, lossAndGradPrograms: lg.programs,
    profiledKernels: info.kernels.map((k) => k.name).filter((n) => n !== 'Identity'),
    newProgramsForNewBatch: newPrograms, invalid, validateLabelsError, leak: {before, after},
    longRows: await longRows(),
    family: await familyChecks(),
  };
}

/** [8, 262144]: rows longer than the widest texture (tfjs squarifies them), against cpu. */
async function longRows(): Promise<WebGLChecks['longRows']> {
  const maxTexture = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  const {logits, ids} = problem(8, 262144, 6);
  const zv = await logits.data();
  const yv = await ids.data();
  const run = () => {
    const {loss, grad} = softmaxCrossEntropyWithGrad(logits, ids, {labelSmoothing: 0.1});
    const {value, grad: g2} = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, ids))(logits);
    return [loss, grad, value, g2];
  };
  const gpu = await Promise.all(run().map(async (t) => {
    const d = await t.data();
    t.dispose();
    return d;
  }));
  await tf.setBackend('cpu');
  const zc = tf.tensor(zv, [8, 262144]);
  const yc = tf.tensor(yv, [8], 'int32');
  const {loss, grad} = softmaxCrossEntropyWithGrad(zc, yc, {labelSmoothing: 0.1});
  const {value, grad: g2} = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, yc))(zc);
  const cpu = [loss.dataSync(), grad.dataSync(), value.dataSync(), g2.dataSync()];
  tf.dispose([zc, yc, loss, grad, value, g2]);
  await tf.setBackend('webgl');
  tf.dispose([logits, ids]);
  const rel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let d = 0;
    let m = 0;
    for (let i = 0; i < b.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
      m = Math.max(m, Math.abs(b[i]));
    }
    return d / m;
  };
  return {maxTexture, lossRel: Math.max(rel(gpu[0], cpu[0]), rel(gpu[2], cpu[2])),
    gradRel: Math.max(rel(gpu[1], cpu[1]), rel(gpu[3], cpu[3]))};
}

/** The new options' program structures (glsl.ts Variant): whole and fractional γ, focal with and without
 * spread terms, 'others', a softcap, and all at once; `next` changes every option's value. */
const FAMILY_VARIANTS: Array<{name: string, probs?: boolean, options: SoftmaxCrossEntropyOptions,
  next: SoftmaxCrossEntropyOptions}> = [
  {name: 'focal 2', options: {focalGamma: 2}, next: {focalGamma: 3}},
  {name: 'focal 2.5', options: {focalGamma: 2.5}, next: {focalGamma: 0.7}},
  {name: 'focal 2, smoothing 0.1', options: {focalGamma: 2, labelSmoothing: 0.1}, next: {focalGamma: 1, labelSmoothing: 0.2}},
  {name: 'focal 0.5 probs', probs: true, options: {focalGamma: 0.5}, next: {focalGamma: 1.5}},
  {name: "smoothing 0.1 over 'others'", options: {labelSmoothing: 0.1, labelSmoothingOver: 'others'},
    next: {labelSmoothing: 0.3, labelSmoothingOver: 'others'}},
  {name: 'softcap 30', options: {softcap: 30}, next: {softcap: 10}},
  {name: 'softcap 30 probs', probs: true, options: {softcap: 30}, next: {softcap: 10}},
  {name: "focal 2, softcap 30, 'others', z-loss, T 1.5", options: {focalGamma: 2, softcap: 30, labelSmoothing: 0.1,
    labelSmoothingOver: 'others', zLoss: 1e-3, temperature: 1.5}, next: {focalGamma: 4, softcap: 5, labelSmoothing: 0.2,
    labelSmoothingOver: 'others', zLoss: 1e-2, temperature: 0.5}},
];

/** Probability rows of shape [N, K] (a softmax of random logits), from the CPU: tfjs's softmax writes a
 * packed texture, which each of our programs would unpack first (a program run more each). */
async function probabilities(N: number, K: number, seed: number): Promise<tf.Tensor> {
  const p = tf.tidy(() => tf.softmax(tf.randomNormal([N, K], 0, 2, 'float32', seed)));
  const values = await p.data();
  p.dispose();
  return tf.tensor(values, [N, K]);
}

/** All of our softmax programs compiled so far (each one's source names numClasses; compiledOurs's
 * tilesPerRow leaves out the gradient programs). */
const compiledAll = (b: MathBackendWebGL) => Object.keys((b as unknown as {binaryCache: Record<string, unknown>})
    .binaryCache).filter((key) => key.includes('numClasses')).length;

/** Program runs, compiles and leaks of each new option set, [64, 1000] then [37, 1000]. */
async function familySteps(): Promise<FamilyStep[]> {
  const backend = tf.backend() as MathBackendWebGL;
  const steps: FamilyStep[] = [];
  for (const [k, v] of FAMILY_VARIANTS.entries()) {
    const {logits, ids} = problem(64, 1000, 10 + k);
    const labels = v.probs ? await probabilities(64, 1000, 20 + k) : ids;
    const other = problem(37, 1000, 30 + k);
    const otherLabels = v.probs ? await probabilities(37, 1000, 40 + k) : other.ids;
    await Promise.all([logits, labels, other.logits, otherLabels].map((t) => t.data()));
    const vgStep = (z: tf.Tensor, y: tf.Tensor, o: SoftmaxCrossEntropyOptions) =>
      tf.valueAndGrad((t: tf.Tensor) => softmaxCrossEntropy(t, y, o))(z);
    const compiled0 = compiledAll(backend);
    tf.dispose(softmaxCrossEntropyWithGrad(logits, labels, v.options));
    tf.dispose(vgStep(logits, labels, v.options));
    const compiledAtFirstUse = compiledAll(backend) - compiled0;
    const vg = countPrograms(() => vgStep(logits, labels, v.options));
    tf.dispose([vg.result.value, vg.result.grad]);
    const lg = countPrograms(() => softmaxCrossEntropyWithGrad(logits, labels, v.options));
    tf.dispose(lg.result);
    const compiled1 = compiledAll(backend);
    const a = vgStep(other.logits, otherLabels, v.next);
    const b = softmaxCrossEntropyWithGrad(other.logits, otherLabels, v.next);
    await Promise.all([a.grad.data(), b.grad.data()]);
    tf.dispose([a.value, a.grad, b.loss, b.grad]);
    const compiledForNewSizeAndValues = compiledAll(backend) - compiled1;
    const before = backend.numDataIds();
    for (let i = 0; i < 20; i++) {
      tf.dispose(i % 2 ? vgStep(logits, labels, v.options) : softmaxCrossEntropyWithGrad(logits, labels, v.next));
    }
    const sync = tf.zeros([1]);
    await sync.data();
    sync.dispose();
    const after = backend.numDataIds();
    const focalWithSpread = (v.options.focalGamma ?? 0) > 0 && (v.probs === true || (v.options.labelSmoothing ?? 0) > 0);
    steps.push({name: v.name, focalWithSpread, valueAndGradPrograms: vg.programs, lossAndGradPrograms: lg.programs, compiledAtFirstUse,
      compiledForNewSizeAndValues, leak: {before, after}});
    tf.dispose([logits, ids, labels, other.logits, other.ids, otherLabels]);
  }
  return steps;
}

/** γ = 0 and labelSmoothingOver 'all', given: no new program compiles and the bits are the default's. */
async function gammaZero(): Promise<FamilyChecks['gammaZero']> {
  const backend = tf.backend() as MathBackendWebGL;
  const {logits, ids} = problem(48, 700, 50);
  let sameBits = true;
  let compiled = 0;
  for (const base of [{}, {labelSmoothing: 0.1, zLoss: 1e-3}] as SoftmaxCrossEntropyOptions[]) {
    const run = async (o: SoftmaxCrossEntropyOptions) => {
      const vg = tf.valueAndGrad((t: tf.Tensor) => softmaxCrossEntropy(t, ids, o))(logits);
      const lg = softmaxCrossEntropyWithGrad(logits, ids, {...o, reduction: 'none'});
      const out = await Promise.all([vg.value, vg.grad, lg.loss, lg.grad].map(async (t) => new Uint32Array(
          (await t.data() as Float32Array).buffer)));
      tf.dispose([vg.value, vg.grad, lg.loss, lg.grad]);
      return out;
    };
    const plain = await run(base);
    const before = compiledAll(backend);
    const explicit = await run({...base, focalGamma: 0, labelSmoothingOver: 'all'});
    compiled += compiledAll(backend) - before;
    sameBits = sameBits && plain.every((a, i) => a.length === explicit[i].length && a.every((x, j) => x === explicit[i][j]));
  }
  tf.dispose([logits, ids]);
  return {sameBits, compiled};
}

/**
 * Rows [20, 0, ..., 0] (K = 7; target 0, and row 1 with the others at −1 and −3 too): lse − s_y =
 * log1p(R) with R ≈ 6·e^-20 ≈ 1.2e-8, where a float32 log(1 + R) is 0 and so q_y, the loss and its
 * gradient. Checked against this float64 formula, not against cpu, so a page whose cpu kernels lack
 * the option still measures webgl.
 */
async function confident(): Promise<FamilyChecks['confident']> {
  const K = 7;
  const rows = [[20, 0, 0, 0, 0, 0, 0], [20, 0, -1, 0, -3, 0, 0], [19.5, 0, 0, 1, 0, 0, 0]];
  const gamma = 2;
  const z = tf.tensor2d(rows);
  const y = tf.tensor1d([0, 0, 0], 'int32');
  const options: SoftmaxCrossEntropyOptions = {focalGamma: gamma, reduction: 'none'};
  const lg = softmaxCrossEntropyWithGrad(z, y, options);
  const vg = tf.valueAndGrad((t: tf.Tensor) => softmaxCrossEntropy(t, y, options))(z);
  const [lgLoss, lgGrad, vgLoss, vgGrad] = await Promise.all([lg.loss, lg.grad, vg.value, vg.grad].map((t) => t.data()));
  tf.dispose([z, y, lg.loss, lg.grad, vg.value, vg.grad]);
  let lossRel = 0;
  let targetGradRel = 0;
  let otherGradRel = 0;
  const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
  rows.forEach((row, i) => {
    // float64: the row's lse − s_c = (m − s_c) + log1p(R), R = Σ_{c ≠ 0} exp(s_c − s_0)
    const R = row.slice(1).reduce((t, v) => t + Math.exp(v - row[0]), 0);
    const d = row.map((v) => (row[0] - v) + Math.log1p(R));
    const q = -Math.expm1(-d[0]);
    const p = d.map((x) => Math.exp(-x));
    const qg = q ** gamma;
    const loss = qg * d[0];
    const B = qg * (1 + gamma * p[0] * d[0] / q);  // b_y: r = p·log p / q = −p·d/q
    for (const [l, g] of [[lgLoss, lgGrad], [vgLoss, vgGrad]]) {
      lossRel = Math.max(lossRel, rel(l[i], loss));
      targetGradRel = Math.max(targetGradRel, rel(g[i * K], -B * q));  // (B·p_y − b_y) with B = b_y
      for (let c = 1; c < K; c++) otherGradRel = Math.max(otherGradRel, rel(g[i * K + c], B * p[c]));
    }
  });
  return {lossRel, targetGradRel, otherGradRel};
}

/** The checks of focalGamma, labelSmoothingOver 'others' and softcap, on the page's webgl backend. */
export async function familyChecks(): Promise<FamilyChecks> {
  return {steps: await familySteps(), gammaZero: await gammaZero(), confident: await confident()};
}
