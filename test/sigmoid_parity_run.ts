/**
 * One case of the sigmoid parity table on the active backend, through all three paths: the forward op
 * alone, forward + backward under tf.valueAndGrad, and sigmoidCrossEntropyWithGrad. No jest in here:
 * Node's sigmoid_parity.ts and the browser page (test/browser/sigmoid_page.ts) run this same code, and
 * both compare its plain arrays with the float64 reference in Node. The anatomy of parity_run.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import {sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad} from '../index';
import type {Results} from './parity_run';
import {materializeSigmoid, SigmoidCase} from './sigmoid_cases';

export type {Results};

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Throws on an output of the wrong shape, or if the case leaves a tensor behind. Reads with
 * dataSync; runSigmoidCaseAsync reads with data(), which webgpu needs.
 */
export function runSigmoidCase(c: SigmoidCase): Results {
  const steps = caseSteps(c);
  let out: Results | undefined;
  try {
    out = read(steps.outputs.map((t) => Array.from(t.dataSync())));
  } finally {
    steps.finish();
  }
  return out;
}

/** runSigmoidCase with asynchronous reads (data()): the same checks. */
export async function runSigmoidCaseAsync(c: SigmoidCase): Promise<Results> {
  const steps = caseSteps(c);
  try {
    return read(await Promise.all(steps.outputs.map(async (t) => Array.from(await t.data()))));
  } finally {
    steps.finish();
  }
}

/** The five outputs in Results order (shapes checked), and finish(), which disposes all and counts leaks. */
function caseSteps(c: SigmoidCase): {outputs: tf.Tensor[], finish(): void} {
  const {logits, labels} = materializeSigmoid(c);
  const before = tf.memory().numTensors;
  const z = tf.tensor(logits, c.shape, 'float32');
  const dtype = c.labelDtype ?? 'float32';
  const y = tf.tensor(dtype === 'float32' ? labels : Array.from(labels), c.shape, dtype);
  const opts = c.options ?? {};
  const all: tf.Tensor[] = [z, y];
  let forward: tf.Tensor, vg: {value: tf.Tensor, grad: tf.Tensor}, lg: {loss: tf.Tensor, grad: tf.Tensor};
  try {
    forward = sigmoidCrossEntropy(z, y, opts);
    all.push(forward);
    vg = tf.valueAndGrad((x: tf.Tensor) => sigmoidCrossEntropy(x, y, opts))(z);
    all.push(vg.value, vg.grad);
    lg = sigmoidCrossEntropyWithGrad(z, y, opts);
    all.push(lg.loss, lg.grad);
  } catch (e) {
    tf.dispose(all);  // a path that throws leaves nothing behind for the next case's count
    throw e;
  }
  const finish = () => {
    tf.dispose(all);  // also when a check throws, so one failing case does not leak into the next one's count
    const left = tf.memory().numTensors - before;
    if (left !== 0) throw new Error(`${left} tensor(s) left behind (${before} before the case)`);
  };
  try {
    const lossShape = opts.reduction === 'none' ? c.shape : [];
    const checks: Array<[string, tf.Tensor, number[]]> = [['forward loss', forward, lossShape],
      ['valueAndGrad loss', vg.value, lossShape], ['withGrad loss', lg.loss, lossShape],
      ['valueAndGrad grad', vg.grad, c.shape], ['withGrad grad', lg.grad, c.shape]];
    for (const [what, t, shape] of checks) {
      if (!sameShape(t.shape, shape)) throw new Error(`${what} has shape [${t.shape}], expected [${shape}]`);
      if (t.dtype !== 'float32') throw new Error(`${what} has dtype ${t.dtype}, expected float32`);
    }
  } catch (e) {
    tf.dispose(all);
    throw e;
  }
  return {outputs: [forward, vg.value, vg.grad, lg.loss, lg.grad], finish};
}

function read([forward, vgLoss, vgGrad, lgLoss, lgGrad]: number[][]): Results {
  return {forward, vgLoss, vgGrad, lgLoss, lgGrad};
}
