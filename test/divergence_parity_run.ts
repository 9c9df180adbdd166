/**
 * One case of the divergence parity table on the active backend, through all three paths: the public op
 * alone (klDivergence, distillationLoss or entropy: the FusedSoftmaxDivergence kernel where the backend
 * has it, else the composite fallback), forward + backward under tf.valueAndGrad (the registered
 * gradient, kernels/softmax_divergence/gradient.ts: FusedSoftmaxDivergenceGrad), and the op's WithGrad
 * form (SoftmaxDivergenceWithLogits). No jest in here: Node's divergence_parity.ts and the browser page
 * (test/browser/divergence_page.ts) run this same code. The anatomy of parity_run.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import {distillationLoss, distillationLossWithGrad, entropy, entropyWithGrad, klDivergence, klDivergenceWithGrad}
  from '../index';
import {DivergenceCase, materializeDivergence} from './divergence_cases';
import type {LossAndGrad} from '../index';
import type {Results} from './parity_run';

export type {Results};

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The case's op and its WithGrad form, on student logits z and targets t (ignored by entropy). */
export function divergenceOps(c: DivergenceCase):
    {loss(z: tf.Tensor, t: tf.Tensor): tf.Tensor, withGrad(z: tf.Tensor, t: tf.Tensor): LossAndGrad} {
  const o = c.options ?? {};
  const common = {...(o.temperature === undefined ? {} : {temperature: o.temperature}),
    ...(o.reduction === undefined ? {} : {reduction: o.reduction})};
  switch (c.op) {
    case 'kl':
      return {loss: (z, t) => klDivergence(z, t, common), withGrad: (z, t) => klDivergenceWithGrad(z, t, common)};
    case 'klLogits': {
      const opts = {...common, targetFormat: 'logits' as const,
        ...(o.targetTemperature === undefined ? {} : {targetTemperature: o.targetTemperature})};
      return {loss: (z, t) => klDivergence(z, t, opts), withGrad: (z, t) => klDivergenceWithGrad(z, t, opts)};
    }
    case 'distillation':
      return {loss: (z, t) => distillationLoss(z, t, common), withGrad: (z, t) => distillationLossWithGrad(z, t, common)};
    case 'entropy': {
      const opts = {...common, ...(o.base === undefined ? {} : {base: o.base})};
      return {loss: (z) => entropy(z, opts), withGrad: (z) => entropyWithGrad(z, opts)};
    }
  }
}

/**
 * Throws on an output of the wrong shape or dtype, or if the case leaves a tensor behind. Reads with
 * dataSync; runDivergenceCaseAsync reads with data(), which webgpu needs.
 */
export function runDivergenceCase(c: DivergenceCase): Results {
  const steps = caseSteps(c);
  let out: Results | undefined;
  try {
    out = read(steps.outputs.map((t) => Array.from(t.dataSync())));
  } finally {
    steps.finish();
  }
  return out;
}

/** runDivergenceCase with asynchronous reads (data()): the same checks. */
export async function runDivergenceCaseAsync(c: DivergenceCase): Promise<Results> {
  const steps = caseSteps(c);
  try {
    return read(await Promise.all(steps.outputs.map(async (t) => Array.from(await t.data()))));
  } finally {
    steps.finish();
  }
}

/** The five outputs in Results order (shapes checked), and finish(), which disposes all and counts leaks. */
function caseSteps(c: DivergenceCase): {outputs: tf.Tensor[], finish(): void} {
  const {logits, targets} = materializeDivergence(c);
  const before = tf.memory().numTensors;
  const z = tf.tensor(logits, c.shape, 'float32');
  const t = c.op === 'entropy' ? z : tf.tensor(targets, c.shape, 'float32');
  const ops = divergenceOps(c);
  const all: tf.Tensor[] = c.op === 'entropy' ? [z] : [z, t];
  let forward: tf.Tensor, vg: {value: tf.Tensor, grad: tf.Tensor}, lg: LossAndGrad;
  try {
    forward = ops.loss(z, t);
    all.push(forward);
    vg = tf.valueAndGrad((x: tf.Tensor) => ops.loss(x, t))(z);
    all.push(vg.value, vg.grad);
    lg = ops.withGrad(z, t);
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
    const lossShape = c.options?.reduction === 'none' ? c.shape.slice(0, -1) : [];
    const checks: Array<[string, tf.Tensor, number[]]> = [['forward loss', forward, lossShape],
      ['valueAndGrad loss', vg.value, lossShape], ['withGrad loss', lg.loss, lossShape],
      ['valueAndGrad grad', vg.grad, c.shape], ['withGrad grad', lg.grad, c.shape]];
    for (const [what, x, shape] of checks) {
      if (!sameShape(x.shape, shape)) throw new Error(`${what} has shape [${x.shape}], expected [${shape}]`);
      if (x.dtype !== 'float32') throw new Error(`${what} has dtype ${x.dtype}, expected float32`);
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
