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
