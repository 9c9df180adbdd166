/**
 * Divergence gradients on cpu against central finite differences of the float64 reference loss
 * (independent of every gradient formula: the reference's, the kernels' and the composite's): the
 * logits gradient through tf.grad (the registered gradient, FusedSoftmaxDivergenceGrad) and through the
 * WithGrad ops (SoftmaxDivergenceWithLogits), the probability targets' gradient (log P − log p + 1,
 * scaled and reduced), and the teacher logits' (zeros: a frozen teacher). The reference's own gradient
 * meets the same differences, so a slip in its formula cannot hide behind a kernel that makes it too.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {distillationLoss, entropy, klDivergence} from '../index';
import {DIVERGENCE_CASES, DivergenceCase, divergenceAttrs, materializeDivergence} from './divergence_cases';
import {divergenceOps} from './divergence_parity_run';
import {divergenceReference} from './divergence_reference';

/** d(Σ f(x))/d(x_j), central differences in float64. */
function finiteDifference(f: (x: number[]) => number[], x: number[], h = 1e-5): number[] {
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  return x.map((_, j) => {
    const up = [...x];
    const down = [...x];
    up[j] += h;
    down[j] -= h;
    return (sum(f(up)) - sum(f(down))) / (2 * h);
  });
}

/** Every entry within tol of the largest |want| (at least 1e-3). */
function expectClose(got: ArrayLike<number>, want: number[], tol: number): void {
  const scale = Math.max(1e-3, ...want.map(Math.abs));
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= tol * scale)) throw new Error(`[${i}] = ${got[i]}, expected ${w}`);
  });
}

// smooth points only: finite, small, not offset (a step of 1e-5 at 1000 loses six digits to rounding)
const small = DIVERGENCE_CASES.filter((c) => {
  const size = c.shape.reduce((a, b) => a * b, 1);
  return size > 0 && size <= 64 && (c.scale ?? 3) < 100 && (c.targetScale ?? 3) < 100 && !c.offset &&
    !c.targetOffset && !c.logits && !c.masked && !c.targets;
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('logits gradient matches finite differences of the reference loss', () => {
  test.each(small)('$name', (c) => {
    const {logits, targets, K} = materializeDivergence(c);
    const attrs = divergenceAttrs(c);
    const T = Array.from(targets);
    // the teacher moves with the student where it is the student (teacherIsStudent): hold it fixed here
    const fd = finiteDifference((x) => divergenceReference(x, c.op === 'entropy' ? x : T, K, attrs).loss,
        Array.from(logits));
    expectClose(divergenceReference(logits, targets, K, attrs).grad, fd, 1e-6);
    const ops = divergenceOps(c);
    const z = tf.tensor(logits, c.shape);
    const t = tf.tensor(targets, c.shape);
    const g = tf.grad((x: tf.Tensor) => ops.loss(x, t))(z);
    const lg = ops.withGrad(z, t);
    expectClose(g.dataSync(), fd, 1e-5);
    expectClose(lg.grad.dataSync(), fd, 1e-5);
    tf.dispose([z, t, g, lg.loss, lg.grad]);
  });
});

describe('targets gradient', () => {
  const cases: DivergenceCase[] = [
    {name: 'kl targets grad mean', shape: [4, 5], op: 'kl'},
    {name: 'kl targets grad none, temperature 1.7', shape: [4, 5], op: 'kl', options: {reduction: 'none', temperature: 1.7}},
    {name: 'kl targets grad sum', shape: [3, 6], op: 'kl', options: {reduction: 'sum', temperature: 0.6}},
  ];
  test.each(cases)('probabilities: log P − log p + 1, as finite differences say ($name)', (c) => {
    const {logits, targets, K} = materializeDivergence(c);
    const attrs = divergenceAttrs(c);
    const fd = finiteDifference((p) => divergenceReference(logits, p, K, attrs).loss, Array.from(targets), 1e-7);
    const z = tf.tensor(logits, c.shape);
    const g = tf.grad((p: tf.Tensor) => divergenceOps(c).loss(z, p))(tf.tensor(targets, c.shape));
    expectClose(g.dataSync(), fd, 1e-5);
    tf.dispose([z, g]);
  });

  test('teacher logits get zeros (klDivergence with logits, distillationLoss)', () => {
    const c: DivergenceCase = {name: 'teacher grad', shape: [3, 5], op: 'klLogits'};
    const {logits, targets} = materializeDivergence(c);
    const z = tf.tensor(logits, c.shape);
    const t = tf.tensor(targets, c.shape);
    const gk = tf.grad((x: tf.Tensor) => klDivergence(z, x, {targetFormat: 'logits', temperature: 2}))(t);
    const gd = tf.grad((x: tf.Tensor) => distillationLoss(z, x, {temperature: 2}))(t);
    expect([Array.from(gk.dataSync()), Array.from(gd.dataSync())]).toEqual([new Array(15).fill(0), new Array(15).fill(0)]);
    tf.dispose([z, t, gk, gd]);
  });

  test('entropy has one input: tf.grad of the logits sees it once', () => {
    const c: DivergenceCase = {name: 'entropy grad once', shape: [3, 5], op: 'entropy', options: {temperature: 1.3}};
    const {logits, K} = materializeDivergence(c);
    const attrs = divergenceAttrs(c);
    const fd = finiteDifference((x) => divergenceReference(x, x, K, attrs).loss, Array.from(logits));
    const g = tf.grad((x: tf.Tensor) => entropy(x, {temperature: 1.3}))(tf.tensor(logits, c.shape));
    expectClose(g.dataSync(), fd, 1e-5);
    g.dispose();
  });
});
