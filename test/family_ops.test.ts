/**
 * The public ops of the softmax family beyond cross-entropy (klDivergence, distillationLoss, entropy
 * and their WithGrad forms) and softmaxCrossEntropy's new options: bad input gets an error naming the
 * option, nothing leaks (also over a training loop), the fused path and the composite fallback agree,
 * the types tell a scalar from per-row losses. Numbers against the float64 reference are the parity
 * tables' (divergence_parity*.ts, parity*.ts); this file is about the ops' contract with their users.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {distillationLoss, distillationLossWithGrad, entropy, entropyWithGrad, klDivergence, klDivergenceWithGrad,
  softmaxCrossEntropy, softmaxCrossEntropyWithGrad, SoftmaxCrossEntropyOptions} from '../index';
import {BACKENDS} from './backends';

const z = () => tf.tensor2d([[1, 2, 3, 0.5], [0, -1, 4, 2], [3, 3, 3, 3]]);
const ids = () => tf.tensor1d([0, 1, 2], 'int32');
const probs = () => tf.fill([3, 4], 0.25);

/** A call of `f` on inputs made now (so that the test can count the op's own tensors, and free the inputs). */
interface Call { run: () => unknown, inputs: unknown[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function call(f: (...a: any[]) => unknown, ...inputs: unknown[]): Call {
  return {run: () => f(...inputs), inputs};
}

const ERRORS: Array<[string, () => Call, RegExp]> = [
  // softmaxCrossEntropy's new options
  ['negative focalGamma', () => call(softmaxCrossEntropy, z(), ids(), {focalGamma: -1}), /options.focalGamma must be a finite number >= 0; got -1/],
  ['NaN focalGamma', () => call(softmaxCrossEntropyWithGrad, z(), ids(), {focalGamma: NaN}), /options.focalGamma must be a finite number >= 0; got NaN/],
  ['softcap 0', () => call(softmaxCrossEntropy, z(), ids(), {softcap: 0}), /options.softcap must be a finite number > 0 \(omit it for no cap\); got 0/],
  ['negative softcap', () => call(softmaxCrossEntropy, z(), ids(), {softcap: -30}), /options.softcap must be .*got -30/],
  ['labelSmoothingOver misspelt', () => call(softmaxCrossEntropy, z(), ids(),
    {labelSmoothingOver: 'other' as 'others'}), /options.labelSmoothingOver must be 'all' or 'others'; got 'other'/],
  ['labelSmoothingOver others with probabilities', () => call(softmaxCrossEntropy, z(), probs(),
    {labelSmoothing: 0.1, labelSmoothingOver: 'others'}), /labelSmoothingOver 'others' applies to class-id \(int32\) labels only/],
  // klDivergence
  ['int32 targets', () => call(klDivergence, z(), tf.zeros([3, 4], 'int32')), /klDivergence: targets must be a float32 tensor; got int32/],
  ['targets of another shape', () => call(klDivergence, z(), tf.fill([3, 5], 0.2)), /klDivergence: targets must have the shape of logits, \[3,4\]; got \[3,5\]/],
  ['int32 logits', () => call(klDivergence, tf.zeros([3, 4], 'int32'), probs()), /klDivergence: logits must be a float32 tensor; got int32/],
  ['scalar logits', () => call(klDivergence, tf.scalar(1), tf.scalar(1)), /logits must have rank >= 1/],
  ['no classes', () => call(klDivergence, tf.zeros([3, 0]), tf.zeros([3, 0])), /at least one class on the last axis; got shape \[3,0\]/],
  ['targets missing', () => call(klDivergenceWithGrad, z(), undefined as unknown as tf.Tensor), /klDivergenceWithGrad: targets must be a float32 tensor \[\.\.\., K\]; got undefined/],
  ['targets an object', () => call(klDivergence, z(), {} as tf.Tensor), /Argument 'targets' passed to 'klDivergence' must be a Tensor or TensorLike/],
  ['targetFormat unknown', () => call(klDivergence, z(), probs(), {targetFormat: 'logprobs' as 'logits'}), /options.targetFormat must be 'probabilities' or 'logits'; got 'logprobs'/],
  ['targetTemperature with probabilities', () => call(klDivergence, z(), probs(), {targetTemperature: 2}), /targetTemperature applies to targetFormat 'logits' only/],
  ['targetTemperature 0', () => call(klDivergence, z(), z(), {targetFormat: 'logits', targetTemperature: 0}), /options.targetTemperature must be a finite number > 0; got 0/],
  ['temperature negative', () => call(klDivergence, z(), probs(), {temperature: -2}), /klDivergence: options.temperature must be a finite number > 0; got -2/],
  ['reduction unknown', () => call(klDivergence, z(), probs(), {reduction: 'batchmean' as 'mean'}), /options.reduction must be 'none', 'sum' or 'mean'; got 'batchmean'/],
  ['a misspelt option', () => call(klDivergence, z(), probs(), {targetFromat: 'logits'} as never), /klDivergence: unknown option 'targetFromat'/],
  // distillationLoss
  ['teacher of another shape', () => call(distillationLoss, z(), tf.zeros([2, 4])), /distillationLoss: teacherLogits must have the shape of studentLogits, \[3,4\]; got \[2,4\]/],
  ['int32 teacher', () => call(distillationLossWithGrad, z(), tf.zeros([3, 4], 'int32')), /distillationLossWithGrad: teacherLogits must be a float32 tensor; got int32/],
  ['int32 student', () => call(distillationLoss, tf.zeros([3, 4], 'int32'), z()), /distillationLoss: studentLogits must be a float32 tensor; got int32/],
  ['temperature 0', () => call(distillationLoss, z(), z(), {temperature: 0}), /distillationLoss: options.temperature must be a finite number > 0; got 0/],
  ['targetFormat given', () => call(distillationLoss, z(), z(), {targetFormat: 'logits'} as never), /distillationLoss: unknown option 'targetFormat'/],
  // entropy
  ['base 1', () => call(entropy, z(), {base: 1}), /entropy: options.base must be a finite number > 1 \(Math.E for nats, 2 for bits\); got 1/],
  ['base a string', () => call(entropyWithGrad, z(), {base: 'bits' as unknown as number}), /options.base must be .*got 'bits'/],
  ['int32 logits', () => call(entropy, tf.zeros([2, 3], 'int32')), /entropy: logits must be a float32 tensor; got int32/],
  ['reduction unknown', () => call(entropy, z(), {reduction: 'avg' as 'mean'}), /entropy: options.reduction must be 'none', 'sum' or 'mean'; got 'avg'/],
];

const Y = tf.tensor2d([[0.1, 0.2, 0.3, 0.4], [0, 0, 1, 0], [0.5, 0, 0.5, 0]]);
const T = tf.tensor2d([[2, 1, 0, -1], [0, 0, 9, 0], [1e4, 1e4 - 2, -Infinity, 1e4 - 1]]);

/** Every op once, as a scalar loss of the logits (for tf.grad and the training loop). */
const LOSSES: Array<[string, (x: tf.Tensor) => tf.Scalar]> = [
  ['softmaxCrossEntropy focal', (x) => softmaxCrossEntropy(x, ids(), {focalGamma: 2, softcap: 5, labelSmoothing: 0.1})],
  ['softmaxCrossEntropy others', (x) => softmaxCrossEntropy(x, ids(), {labelSmoothing: 0.2, labelSmoothingOver: 'others'})],
  ['klDivergence probabilities', (x) => klDivergence(x, Y)],
  ['klDivergence logits', (x) => klDivergence(x, T, {targetFormat: 'logits', targetTemperature: 3, reduction: 'sum'})],
  ['distillationLoss', (x) => distillationLoss(x, T, {temperature: 2})],
  ['entropy', (x) => entropy(x, {base: 2})],
];

describe.each(BACKENDS)('$name', (b) => {
  beforeAll(() => b.setup());

  test.each(ERRORS)('%s: an error naming it, no leak', (_, make, message) => {
    const c = make();
    const before = tf.memory().numTensors;
    expect(c.run).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(c.inputs.filter((x) => x instanceof tf.Tensor) as tf.Tensor[]);
  });

  test.each(LOSSES)('%s: 200 minimize steps leak nothing and lower the loss', (_, loss) => {
    const x = tf.variable(z());
    const opt = tf.train.sgd(0.1);
    const first = tf.tidy(() => loss(x).dataSync()[0]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) tf.dispose(opt.minimize(() => loss(x), true) as tf.Scalar);
    expect(tf.memory().numTensors).toBe(before);
    const last = tf.tidy(() => loss(x).dataSync()[0]);
    expect(last).toBeLessThan(first);
    tf.dispose([x, opt as unknown as tf.Tensor]);
  });

  test('the WithGrad forms equal the loss and tf.grad of the tape ops', () => {
    const x = z();
    const pairs: Array<[(x: tf.Tensor) => tf.Tensor, (x: tf.Tensor) => {loss: tf.Tensor, grad: tf.Tensor}]> = [
      [(v) => klDivergence(v, Y, {reduction: 'sum'}), (v) => klDivergenceWithGrad(v, Y, {reduction: 'sum'})],
      [(v) => klDivergence(v, T, {targetFormat: 'logits'}), (v) => klDivergenceWithGrad(v, T, {targetFormat: 'logits'})],
      [(v) => distillationLoss(v, T, {temperature: 3}), (v) => distillationLossWithGrad(v, T, {temperature: 3})],
      [(v) => entropy(v, {temperature: 0.5}), (v) => entropyWithGrad(v, {temperature: 0.5})],
      [(v) => softmaxCrossEntropy(v, ids(), {focalGamma: 1.5, classWeights: [0.25, 1, 2, 0.5]}),
        (v) => softmaxCrossEntropyWithGrad(v, ids(), {focalGamma: 1.5, classWeights: [0.25, 1, 2, 0.5]})],
    ];
    for (const [tape, fused] of pairs) {
      const {value, grad} = tf.valueAndGrad(tape as (v: tf.Tensor) => tf.Scalar)(x);
      const r = fused(x);
      const close = (a: tf.Tensor, e: tf.Tensor) => {
        const av = a.dataSync();
        e.dataSync().forEach((v, i) => expect(Math.abs(av[i] - v)).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(v))));
      };
      close(r.loss, value);
      close(r.grad, grad);
      tf.dispose([value, grad, r.loss, r.grad]);
    }
    x.dispose();
  });

  test('reduction none gives one value per row; sum and mean over rows (PyTorch batchmean)', () => {
    const x = z();
    const none = klDivergence(x, Y, {reduction: 'none'});
    expect(none.shape).toEqual([3]);
    const rows = Array.from(none.dataSync());
    expect(klDivergence(x, Y, {reduction: 'sum'}).dataSync()[0]).toBeCloseTo(rows[0] + rows[1] + rows[2], 5);
    expect(klDivergence(x, Y).dataSync()[0]).toBeCloseTo((rows[0] + rows[1] + rows[2]) / 3, 5);
    const e3 = entropy(tf.zeros([2, 3, 8]), {reduction: 'none'});
    expect(e3.shape).toEqual([2, 3]);
    e3.dataSync().forEach((v) => expect(v).toBeCloseTo(Math.log(8), 5));
    expect(entropy(tf.zeros([2, 8]), {base: 2}).dataSync()[0]).toBeCloseTo(3, 5);
    tf.dispose([x, none, e3]);
  });

  test('the teacher is a constant: its gradient is zeros; probability targets get log P − log p + 1', () => {
    const x = z();
    const dTeacher = tf.grad((t: tf.Tensor) => distillationLoss(x, t, {temperature: 2}))(T);
    expect(Array.from(dTeacher.dataSync()).every((v) => v === 0)).toBe(true);
    const P = tf.tensor2d([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]]);
    const dP = tf.grad((p: tf.Tensor) => klDivergence(x, p, {reduction: 'sum'}))(P).dataSync();
    const logp = tf.logSoftmax(x).dataSync();
    const pv = P.dataSync();
    pv.forEach((v, i) => expect(dP[i]).toBeCloseTo(Math.log(v) - logp[i] + 1, 5));
    tf.dispose([x, dTeacher, P]);
  });
});

test('types: reduced losses are tf.Scalar, reduction none is tf.Tensor', () => {
  const x = z();
  const a: tf.Scalar = klDivergence(x, Y);
  const b: tf.Scalar = distillationLoss(x, T, {temperature: 2, reduction: 'sum'});
  const c: tf.Scalar = entropy(x);
  const d: tf.Scalar = entropyWithGrad(x).loss;
  const e: tf.Tensor = klDivergence(x, Y, {reduction: 'none'});
  // @ts-expect-error: per-row values are not a scalar
  const f: tf.Scalar = entropy(x, {reduction: 'none'});
  // @ts-expect-error: nor is a per-row WithGrad loss
  const g: tf.Scalar = distillationLossWithGrad(x, T, {reduction: 'none'}).loss;
  const options: SoftmaxCrossEntropyOptions = {focalGamma: 2, labelSmoothingOver: 'others', softcap: 30};
  const h: tf.Tensor = softmaxCrossEntropy(x, ids(), options);
  for (const s of [a, b, c, d]) expect(s.rank).toBe(0);
  expect(e.shape).toEqual([3]);
  expect(f.shape).toEqual([3]);
  expect(g.shape).toEqual([3]);
  expect(h.rank).toBe(0);
});
