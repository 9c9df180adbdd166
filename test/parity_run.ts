/**
 * One case of the parity table on the active backend, through all three kernels: the forward op alone,
 * forward + backward under tf.valueAndGrad, and loss-and-grad. No jest in here: Node's parity.ts and
 * the browser page (test/browser/page.ts) run this same code, and both compare its plain arrays with
 * the float64 reference in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../index';
import {Case, materialize} from './cases';

/** Each output read back as plain numbers (float32 values, so nothing is lost). */
export interface Results {forward: number[]; vgLoss: number[]; vgGrad: number[]; lgLoss: number[]; lgGrad: number[]}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Throws on an output of the wrong shape, or if the case leaves a tensor behind. `read` turns each
 * output into numbers: dataSync by default; runCaseAsync reads with data(), which webgpu needs (its
 * dataSync goes through a canvas, which destroys the device in headless Chromium on SwiftShader).
 */
export function runCase(c: Case): Results {
  let out: Results | undefined;
  const steps = caseSteps(c);
  try {
    out = read(steps.outputs, (t) => Array.from(t.dataSync()));
  } finally {
    steps.finish();
  }
  return out;
}

/** runCase with asynchronous reads (data()): the same checks. */
export async function runCaseAsync(c: Case): Promise<Results> {
  const steps = caseSteps(c);
  try {
    const values = await Promise.all(steps.outputs.map(async (t) => Array.from(await t.data())));
    return read(steps.outputs, (t) => values[steps.outputs.indexOf(t)]);
  } finally {
    steps.finish();
  }
}

/** The five outputs in Results order (shapes checked), and finish(), which disposes all and counts leaks. */
function caseSteps(c: Case): {outputs: tf.Tensor[], finish(): void} {
  const {logits, labels} = materialize(c);
  const before = tf.memory().numTensors;
  const z = tf.tensor(logits, c.shape, 'float32');
  const y = c.labels === 'ids' ? tf.tensor(labels, c.shape.slice(0, -1), 'int32') : tf.tensor(labels, c.shape, 'float32');
  const opts = c.options ?? {};
  const forward = softmaxCrossEntropy(z, y, opts);
  const vg = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, opts))(z);
  const lg = softmaxCrossEntropyWithGrad(z, y, opts);
  const all = [z, y, forward, vg.value, vg.grad, lg.loss, lg.grad];
  const finish = () => {
    tf.dispose(all);  // also when a check throws, so one failing case does not leak into the next one's count
    const left = tf.memory().numTensors - before;
    if (left !== 0) throw new Error(`${left} tensor(s) left behind (${before} before the case)`);
  };
  try {
    const lossShape = opts.reduction === 'none' ? c.shape.slice(0, -1) : [];
    const checks: Array<[string, tf.Tensor, number[]]> = [['forward loss', forward, lossShape],
      ['valueAndGrad loss', vg.value, lossShape], ['withGrad loss', lg.loss, lossShape],
      ['valueAndGrad grad', vg.grad, c.shape], ['withGrad grad', lg.grad, c.shape]];
    for (const [what, t, shape] of checks) {
      if (!sameShape(t.shape, shape)) throw new Error(`${what} has shape [${t.shape}], expected [${shape}]`);
    }
  } catch (e) {
    tf.dispose(all);
    throw e;
  }
  return {outputs: [forward, vg.value, vg.grad, lg.loss, lg.grad], finish};
}

function read(outputs: tf.Tensor[], values: (t: tf.Tensor) => number[]): Results {
  const [forward, vgLoss, vgGrad, lgLoss, lgGrad] = outputs.map(values);
  return {forward, vgLoss, vgGrad, lgLoss, lgGrad};
}
