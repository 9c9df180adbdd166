/**
 * The sigmoid ops on every Node backend (cpu, the composite fallback, wasm SIMD; the scalar wasm build
 * in sigmoid_parity_wasm_scalar.test.ts): gradients against central finite differences of the float64
 * reference (logits, labels, posWeight, classWeights), γ = 0 bit-identical to no focal option, the
 * drop-in losses.sigmoidCrossEntropy against tf.losses.sigmoidCrossEntropy (values, gradients and
 * errors), bad input (an Error naming the argument, no leak), and 1000 training steps without a leak.
 */
import * as tf from '@tensorflow/tfjs';
import {losses, sigmoidCrossEntropy, sigmoidCrossEntropyWithGrad} from '../index';
import {BACKENDS, WASM} from './backends';
import {randn, rng} from './rng';
import {expectSameOutcome} from './side_by_side';
import {materializeSigmoid, SIGMOID_CASES, SigmoidCase} from './sigmoid_cases';
import {gammaZeroTable} from './sigmoid_parity';
import {sigmoidReference, SigmoidRefOptions} from './sigmoid_reference';

type Options = NonNullable<Parameters<typeof sigmoidCrossEntropy>[2]>;

let warn: jest.SpyInstance;
beforeAll(() => {
  // the composite fallback's one warning per backend (test/fallback.test.ts checks it)
  warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

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

/**
 * Within tol of the largest |want| (at least 1e-3), entry by entry, or of `terms` (the reference's
 * gradTerms: where the gradient cancels, a float32 backend errs by an ulp of those, far more than of
 * the entries); fails naming the first entry that is not.
 */
function expectClose(what: string, got: ArrayLike<number>, want: number[], tol: number, terms: number[] = []) {
  const scale = Math.max(1e-3, ...want.map(Math.abs), ...terms);
  const bad = want.findIndex((w, i) => !(Math.abs(got[i] - w) <= tol * scale));
  expect(`${what}: ${bad < 0 ? 'ok' : `[${bad}] = ${got[bad]}, expected ${want[bad]}`}`).toBe(`${what}: ok`);
}

const C_OF = (c: SigmoidCase) => (c.shape.length === 0 ? 1 : c.shape[c.shape.length - 1]);
/** An option's per-column values (a number fills every column, none is all 1). */
const perColumn = (v: number | number[] | undefined, C: number) =>
  (v === undefined ? new Array(C).fill(1) : typeof v === 'number' ? new Array(C).fill(v) : v);

/** The table's small, smooth cases: 1 to 64 entries, finite logits below 100 and finite labels. */
const SMALL = SIGMOID_CASES.filter((c) => {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const {logits, labels} = materializeSigmoid(c);
  return size > 0 && size <= 64 && logits.every((x) => Number.isFinite(x) && Math.abs(x) < 100) &&
      labels.every(Number.isFinite);
});
const FLOAT_LABELS = SMALL.filter((c) => (c.labelDtype ?? 'float32') === 'float32');

describe.each(BACKENDS)('$name', (b) => {
  beforeAll(() => b.setup());

  describe('gradients match central differences of the float64 reference', () => {
    const tensors = (c: SigmoidCase) => {
      const {logits, labels} = materializeSigmoid(c);
      const dtype = c.labelDtype ?? 'float32';
      return {z: tf.tensor(logits, c.shape), y: tf.tensor(dtype === 'float32' ? labels : Array.from(labels), c.shape, dtype),
        logits, labels};
    };

    test.each(SMALL)('logits: $name', (c) => {
      const {z, y, logits, labels} = tensors(c);
      const fd = finiteDifference((x) => sigmoidReference(x, labels, C_OF(c), c.options).loss, Array.from(logits));
      const g = tf.grad((x: tf.Tensor) => sigmoidCrossEntropy(x, y, c.options as Options))(z);
      expectClose('d/dlogits', g.dataSync(), fd, 1e-5, sigmoidReference(logits, labels, C_OF(c), c.options).gradTerms);
      tf.dispose([z, y, g]);
    });

    test.each(FLOAT_LABELS)('labels: $name', (c) => {
      const {z, y, logits, labels} = tensors(c);
      const fd = finiteDifference((v) => sigmoidReference(logits, v, C_OF(c), c.options).loss, Array.from(labels), 1e-6);
      const g = tf.grad((v: tf.Tensor) => sigmoidCrossEntropy(z, v, c.options as Options))(y);
      expectClose('d/dlabels', g.dataSync(), fd, 1e-5);
      tf.dispose([z, y, g]);
    });

    test.each(FLOAT_LABELS)('posWeight and classWeights: $name', (c) => {
      const {z, y, logits, labels} = tensors(c);
      const C = C_OF(c);
      const P = perColumn(c.options?.posWeight, C);
      const W = perColumn(c.options?.classWeights, C);
      const ref = (o: SigmoidRefOptions) => sigmoidReference(logits, labels, C, {...c.options, ...o}).loss;
      const fdP = finiteDifference((p) => ref({posWeight: p, classWeights: W}), P);
      const fdW = finiteDifference((w) => ref({posWeight: P, classWeights: w}), W);
      const [pt, wt] = [tf.tensor1d(P), tf.tensor1d(W)];
      const [gP, gW] = tf.grads((p: tf.Tensor, w: tf.Tensor) =>
        sigmoidCrossEntropy(z, y, {...c.options, posWeight: p as tf.Tensor1D, classWeights: w as tf.Tensor1D} as Options))([pt, wt]);
      expectClose('d/dposWeight', gP.dataSync(), fdP, 1e-5);
      expectClose('d/dclassWeights', gW.dataSync(), fdW, 1e-5);
      tf.dispose([z, y, pt, wt, gP, gW]);
    });

    test('no leaks: tf.grads over logits, labels, posWeight and classWeights at once, every reduction', () => {
      const before = tf.memory().numTensors;
      for (const reduction of ['none', 'sum', 'mean'] as const) {
        const {z, y} = tensors({name: 'leaks', shape: [3, 4], labels: 'soft'});
        const [p, w] = [tf.tensor1d([1, 2, 0.5, 3]), tf.tensor1d([1, 0, 2, 1])];
        const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => sigmoidCrossEntropy(a, b,
          {reduction, posWeight: c as tf.Tensor1D, classWeights: d as tf.Tensor1D, focalGamma: 2, focalAlpha: 0.25}))([z, y, p, w]);
        expect(gs.map((g) => g.shape)).toEqual([[3, 4], [3, 4], [4], [4]]);
        tf.dispose([z, y, p, w, ...gs]);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('bad input: an Error naming the argument and what was expected, no leak', () => {
    const z = () => tf.zeros([3, 4]);
    const y = () => tf.fill([3, 4], 0.5);
    type Make = () => [unknown, unknown, unknown?];
    const BAD: Array<[string, Make, RegExp]> = [
      ['int32 logits', () => [tf.zeros([3, 4], 'int32'), y()], /logits must be a float32 tensor; got int32/],
      ['logits an object', () => [{}, y()], /Argument 'logits' passed to '\w+' must be a Tensor or TensorLike, but got 'Object'/],
      ['logits strings', () => [['a', 'b'], y()], /Argument 'logits' passed to '\w+' must be numeric/],
      ['labels an object', () => [z(), {}], /Argument 'labels' passed to '\w+' must be a Tensor or TensorLike, but got 'Object'/],
      ['labels null', () => [z(), null], /labels must be a float32, int32 or bool tensor of the logits' shape \[3,4\]; got null/],
      ['labels of the wrong shape', () => [z(), tf.fill([4, 3], 0.5)], /labels must be .*logits' shape \[3,4\]; got float32 \[4,3\]/],
      ['labels of one entry fewer', () => [z(), tf.fill([3, 3], 0.5)], /labels must be .*\[3,4\]; got float32 \[3,3\]/],
      ['labels a string tensor', () => [z(), tf.tensor(new Array(12).fill('a'), [3, 4])], /labels.*(numeric|string)/],
      ['posWeight of the wrong length', () => [z(), y(), {posWeight: [1, 2, 3]}], /posWeight must be .*4 finite numbers.*length 3/],
      ['posWeight tensor of the wrong shape', () => [z(), y(), {posWeight: tf.ones([5])}], /posWeight must be a float32 tensor of shape \[4\].*\[5\]/],
      ['posWeight int32 tensor', () => [z(), y(), {posWeight: tf.ones([4], 'int32')}], /posWeight must be a float32 tensor of shape \[4\].*int32/],
      ['posWeight NaN', () => [z(), y(), {posWeight: NaN}], /posWeight must be a finite number.*NaN/],
      ['posWeight Infinity', () => [z(), y(), {posWeight: Infinity}], /posWeight must be a finite number.*Infinity/],
      ['posWeight with a non-finite entry', () => [z(), y(), {posWeight: [1, 2, Infinity, 1]}], /posWeight must be .*4 finite numbers.*entry 2 is Infinity/],
      ['classWeights of the wrong length', () => [z(), y(), {classWeights: [1, 2, 3, 4, 5]}], /classWeights must be 4 finite numbers.*length 5/],
      ['classWeights tensor of the wrong shape', () => [z(), y(), {classWeights: tf.ones([2, 2])}], /classWeights must be a float32 tensor of shape \[4\].*\[2,2\]/],
      ['classWeights a number', () => [z(), y(), {classWeights: 2}], /classWeights must be 4 finite numbers.*got 2/],
      ['classWeights with NaN', () => [z(), y(), {classWeights: [1, NaN, 1, 1]}], /classWeights must be 4 finite numbers.*entry 1 is NaN/],
      ['focalGamma below 0', () => [z(), y(), {focalGamma: -1}], /focalGamma must be a finite number >= 0; got -1/],
      ['focalGamma NaN', () => [z(), y(), {focalGamma: NaN}], /focalGamma must be a finite number >= 0; got NaN/],
      ['focalGamma Infinity', () => [z(), y(), {focalGamma: Infinity}], /focalGamma must be a finite number >= 0; got Infinity/],
      ['focalGamma a string', () => [z(), y(), {focalGamma: '2'}], /focalGamma must be a finite number >= 0; got the string '2'/],
      ['focalAlpha above 1', () => [z(), y(), {focalAlpha: 1.5}], /focalAlpha must be a number in \[0, 1\]; got 1.5/],
      ['focalAlpha below 0', () => [z(), y(), {focalAlpha: -0.25}], /focalAlpha must be a number in \[0, 1\]; got -0.25/],
      ['focalAlpha NaN', () => [z(), y(), {focalAlpha: NaN}], /focalAlpha must be a number in \[0, 1\]; got NaN/],
      ['labelSmoothing above 1', () => [z(), y(), {labelSmoothing: 1.5}], /labelSmoothing must be a number in \[0, 1\]; got 1.5/],
      ['labelSmoothing below 0', () => [z(), y(), {labelSmoothing: -0.1}], /labelSmoothing must be a number in \[0, 1\]; got -0.1/],
      ['labelSmoothing Infinity', () => [z(), y(), {labelSmoothing: Infinity}], /labelSmoothing must be a number in \[0, 1\]; got Infinity/],
      ['unknown reduction', () => [z(), y(), {reduction: 'avg'}], /reduction must be 'none', 'sum' or 'mean'; got the string 'avg'/],
      ['a misspelt option', () => [z(), y(), {posWeights: 2}], /unknown option 'posWeights'/],
      ['a softmax-only option', () => [z(), y(), {temperature: 2}], /unknown option 'temperature'/],
      ['options not an object', () => [z(), y(), 3], /options must be an object; got 3/],
      ['validateLabels not a boolean', () => [z(), y(), {validateLabels: 1}], /validateLabels must be a boolean; got 1/],
      ['validateLabels, a label above 1', () => [z(), tf.tensor2d([[0, 1, 0.5, 0], [1, 1.5, 0, 0], [0, 0, 0, 0]]),
        {validateLabels: true}], /labels must be in \[0, 1\]; entry 5 .*has 1.5/],
      ['validateLabels, a label below 0', () => [z(), tf.tensor2d([[0, 1, 0.5, 0], [1, 1, 0, 0], [0, 0, -0.5, 0]]),
        {validateLabels: true}], /labels must be in \[0, 1\]; entry 10 .*has -0.5/],
      ['validateLabels, a NaN label', () => [z(), tf.tensor2d([[NaN, 1, 0.5, 0], [1, 1, 0, 0], [0, 0, 0, 0]]),
        {validateLabels: true}], /labels must be in \[0, 1\]; entry 0 .*has NaN/],
      ['validateLabels, an int32 label 2', () => [z(), tf.tensor2d([[0, 1, 0, 0], [1, 1, 0, 2], [0, 0, 0, 0]], undefined, 'int32'),
        {validateLabels: true}], /labels must be in \[0, 1\]; entry 7 .*has 2/],
    ];
    const OPS = [['sigmoidCrossEntropy', sigmoidCrossEntropy], ['sigmoidCrossEntropyWithGrad', sigmoidCrossEntropyWithGrad]] as const;

    describe.each(OPS)('%s', (name, op) => {
      test.each(BAD)('%s', (_, make, message) => {
        const args = make();
        const before = tf.memory().numTensors;
        const call = () => (op as (...a: unknown[]) => unknown)(...args);
        expect(call).toThrow(message);
        expect(call).toThrow(name);  // the op's name, so a user knows which call it was
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(args as tf.TensorContainer);
      });
    });

    test('validateLabels accepts labels exactly 0 and 1, soft ones, int32 and bool', () => {
      const before = tf.memory().numTensors;
      const labels = [tf.tensor2d([[0, 1, 0.25, 1], [1, 0, 0, 0.75], [0, 0, 1, 0]]),
        tf.tensor2d([[0, 1, 0, 1], [1, 0, 0, 1], [0, 0, 1, 0]], undefined, 'int32'),
        tf.tensor2d([[0, 1, 0, 1], [1, 0, 0, 1], [0, 0, 1, 0]], undefined, 'bool')];
      const logits = z();
      for (const l of labels) tf.dispose(sigmoidCrossEntropy(logits, l, {validateLabels: true}));
      tf.dispose([logits, ...labels]);
      expect(tf.memory().numTensors).toBe(before);
    });

    test('an error inside tf.grad leaks nothing either', () => {
      const logits = z();
      const labels = tf.tensor2d([[0, 1, 0.5, 0], [1, 7, 0, 0], [0, 0, 0, 0]]);
      const before = tf.memory().numTensors;
      expect(() => tf.grad((x: tf.Tensor) => sigmoidCrossEntropy(x, labels, {validateLabels: true}))(logits))
          .toThrow(/entry 5 .*has 7/);
      expect(() => tf.grad((x: tf.Tensor) => sigmoidCrossEntropy(x, labels, {focalGamma: -2}))(logits))
          .toThrow(/focalGamma/);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([logits, labels]);
    });
  });

  describe('the drop-in losses.sigmoidCrossEntropy against tf.losses.sigmoidCrossEntropy', () => {
    const N = 12;
    const C = 5;
    const next = rng(4242);
    const logits = () => tf.tensor(randn(next, N * C, 4), [N, C]);  // no logit is exactly 0 (tfjs's |x|' there is 0)
    const hard = () => tf.tensor(Array.from({length: N * C}, () => (next() < 0.5 ? 0 : 1)), [N, C]);
    const soft = () => tf.tensor(Array.from({length: N * C}, () => next()), [N, C]);
    const WEIGHTS: Array<[string, () => tf.Tensor | undefined]> = [
      ['no weights', () => undefined],
      ['a scalar weight', () => tf.scalar(2.5)],
      ['per-row weights [N,1] with zeros', () => tf.tensor2d(Array.from({length: N}, (_, i) => (i % 4 === 0 ? 0 : 0.5 + next())), [N, 1])],
      ['full-shape weights [N,C] with zeros', () => tf.tensor2d(Array.from({length: N * C}, (_, i) => (i % 7 === 0 ? 0 : next() * 2)), [N, C])],
    ];
    const REDUCTIONS = [tf.Reduction.NONE, tf.Reduction.SUM, tf.Reduction.MEAN, tf.Reduction.SUM_BY_NONZERO_WEIGHTS];
    /** tfjs computes in float32 with x − x·y: a few ulps of the largest term (|x| ≤ 12 here). */
    const close = (what: string, a: tf.Tensor, b: tf.Tensor) => {
      expect(a.shape).toEqual(b.shape);
      const [x, y] = [a.dataSync(), b.dataSync()];
      const scale = Math.max(1, ...Array.from(y, Math.abs));
      const bad = Array.from(y).findIndex((v, i) => !(Math.abs(x[i] - v) <= 2e-6 * scale));
      expect(`${what}: ${bad < 0 ? 'ok' : `[${bad}] = ${x[bad]}, tfjs ${y[bad]}`}`).toBe(`${what}: ok`);
    };

    describe.each(WEIGHTS)('%s', (_, makeWeights) => {
      describe.each([['hard labels', hard], ['soft labels', soft]] as const)('%s', (__, makeLabels) => {
        test.each(REDUCTIONS.flatMap((r) => [0, 0.1].map((s) => [r, s] as const)))(
            'reduction %s, labelSmoothing %s: values and gradients', (reduction, smoothing) => {
              const [z, labels, w] = [logits(), makeLabels(), makeWeights()];
              const before = tf.memory().numTensors;
              const ours = losses.sigmoidCrossEntropy(labels, z, w, smoothing, reduction);
              const theirs = tf.losses.sigmoidCrossEntropy(labels, z, w, smoothing, reduction);
              close('loss', ours, theirs);
              // gradients with respect to the logits and the labels, through each loss
              const gradsOf = (f: typeof tf.losses.sigmoidCrossEntropy) =>
                tf.grads((x: tf.Tensor, l: tf.Tensor) => tf.sum(f(l, x, w, smoothing, reduction)))([z, labels]);
              const [g1, g2] = [gradsOf(losses.sigmoidCrossEntropy), gradsOf(tf.losses.sigmoidCrossEntropy)];
              close('d/dlogits', g1[0], g2[0]);
              close('d/dlabels', g1[1], g2[1]);
              tf.dispose([ours, theirs, ...g1, ...g2]);
              expect(tf.memory().numTensors).toBe(before);
              tf.dispose([z, labels, w]);
            });
      });
    });

    test('the default reduction is SUM_BY_NONZERO_WEIGHTS, as in tfjs', () => {
      const [z, labels] = [logits(), soft()];
      const w = tf.tensor2d(Array.from({length: N}, (_, i) => (i % 3 === 0 ? 0 : 1)), [N, 1]);
      close('loss', losses.sigmoidCrossEntropy(labels, z, w), tf.losses.sigmoidCrossEntropy(labels, z, w));
      close('loss', losses.sigmoidCrossEntropy(labels, z), tf.losses.sigmoidCrossEntropy(labels, z));
    });

    /**
     * Bad and unusual input, side by side with tfjs: where tf.losses.sigmoidCrossEntropy throws, the
     * drop-in throws the same message; where it returns, the drop-in returns the same value (NaN too).
     */
    const l2 = () => tf.tensor2d([[0, 0, 1], [1, 0.5, 0]]);
    const z2 = () => tf.tensor2d([[1, 2, -3], [0.5, 1, -2]]);
    const SIDE_BY_SIDE: Array<[string, () => unknown[]]> = [
      ['multiClassLabels {}', () => [{}, z2()]],
      ['logits {}', () => [l2(), {}]],
      ['weights {}', () => [l2(), z2(), {}]],
      ['multiClassLabels null', () => [null, z2()]],
      ['multiClassLabels undefined', () => [undefined, z2()]],
      ['logits null', () => [l2(), null]],
      ['logits a Float64Array', () => [l2(), new Float64Array(6)]],
      ['multiClassLabels a string', () => ['a', z2()]],
      ['logits a string tensor', () => [l2(), tf.tensor(['a', 'b', 'c', 'd', 'e', 'f'], [2, 3])]],
      ['weights a string', () => [l2(), z2(), 'x']],
      ['shapes that differ', () => [tf.zeros([3, 3]), z2()]],
      ['shapes that differ in rank', () => [tf.zeros([6]), z2()]],
      ['weights that do not broadcast', () => [l2(), z2(), tf.ones([4])]],
      ['weights of a wider shape', () => [l2(), z2(), tf.ones([2, 2, 3])]],
      ['an unknown reduction', () => [l2(), z2(), undefined, 0, 7]],
      ['an unknown reduction with weights', () => [l2(), z2(), tf.ones([2, 1]), 0, 7]],
      ['a null reduction', () => [l2(), z2(), undefined, 0, null]],
      ['int32 logits', () => [l2(), tf.tensor2d([[1, 2, 3], [0, 1, 0]], undefined, 'int32')]],
      ['int32 labels', () => [tf.tensor2d([[0, 0, 1], [1, 0, 0]], undefined, 'int32'), z2()]],
      ['bool labels', () => [tf.tensor2d([[0, 0, 1], [1, 0, 0]], undefined, 'bool'), z2()]],
      ['nested arrays', () => [[[0, 0, 1], [1, 0, 0]], [[1, 2, 3], [0, 1, 0]]]],
      ['labelSmoothing 1.5', () => [l2(), z2(), undefined, 1.5]],
      ['labelSmoothing 1', () => [l2(), z2(), undefined, 1]],
      ['labelSmoothing -1', () => [l2(), z2(), undefined, -1]],
      ['labelSmoothing NaN', () => [l2(), z2(), undefined, NaN]],
      ['rank 1', () => [tf.tensor1d([0, 1]), tf.tensor1d([1, -2])]],
      ['scalars', () => [tf.scalar(1), tf.scalar(-0.5)]],
      ['rank 3 with weights [2,1,1]', () => [tf.ones([2, 2, 3]), tf.ones([2, 2, 3]), tf.ones([2, 1, 1]), 0, tf.Reduction.MEAN]],
      ['labels outside [0, 1]', () => [tf.tensor2d([[2, -1, 0.5], [1, 0, 3]]), z2()]],
      ['a NaN logit', () => [l2(), tf.tensor2d([[1, NaN, -3], [0.5, 1, -2]]), undefined, 0, tf.Reduction.NONE]],
      ['an empty input, NONE', () => [tf.zeros([0, 3]), tf.zeros([0, 3]), undefined, 0, tf.Reduction.NONE]],
    ];

    test.each(SIDE_BY_SIDE)('%s: the same error or result as tf.losses.sigmoidCrossEntropy', (_, args) => {
      expectSameOutcome(tf.losses.sigmoidCrossEntropy, losses.sigmoidCrossEntropy, args);
    });

    // where the drop-in follows the semantics, not tfjs (docs/semantics.md): ±∞ logits give the limits
    // (tfjs: NaN from ∞ − ∞), and an empty input's reduced loss is exactly 0 with a gradient
    test('±∞ logits: the limits, where tfjs gives NaN', () => {
      const labels = tf.tensor2d([[1, 0, 1, 0]]);
      const z = tf.tensor2d([[Infinity, Infinity, -Infinity, -Infinity]]);
      const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => losses.sigmoidCrossEntropy(labels, x, undefined, 0, tf.Reduction.NONE))(z);
      expect(Array.from(value.dataSync())).toEqual([0, Infinity, Infinity, 0]);
      expect(Array.from(grad.dataSync())).toEqual([0, 1, -1, 0]);
      expect(Array.from(tf.losses.sigmoidCrossEntropy(labels, z, undefined, 0, tf.Reduction.NONE).dataSync()).some(Number.isNaN)).toBe(true);
      tf.dispose([labels, z, value, grad]);
    });

    test.each([
      ['SUM_BY_NONZERO_WEIGHTS', undefined, tf.Reduction.SUM_BY_NONZERO_WEIGHTS],
      ['MEAN', undefined, tf.Reduction.MEAN],
      ['SUM', undefined, tf.Reduction.SUM],
      ['SUM_BY_NONZERO_WEIGHTS with weights', () => tf.ones([0, 3]), tf.Reduction.SUM_BY_NONZERO_WEIGHTS],
      ['MEAN with a scalar weight', () => tf.scalar(2), tf.Reduction.MEAN],
    ] as const)('an empty input, %s: exactly 0, with a gradient', (_, weights, reduction) => {
      const labels = tf.zeros([0, 3]);
      const z = tf.zeros([0, 3]);
      const w = weights?.();
      const before = tf.memory().numTensors;
      const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => losses.sigmoidCrossEntropy(labels, x, w, 0, reduction))(z);
      expect([value.shape, value.dataSync()[0], grad.shape]).toEqual([[], 0, [0, 3]]);
      tf.dispose([value, grad]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([labels, z, w]);
    });

    test('the drop-in leaks nothing when it throws', () => {
      const [labels, z, w] = [tf.zeros([2, 3]), tf.zeros([2, 3]), tf.ones([4])];
      const before = tf.memory().numTensors;
      expect(() => losses.sigmoidCrossEntropy(labels, {} as tf.Tensor)).toThrow(/logits/);
      expect(() => losses.sigmoidCrossEntropy([[0, 1]], [[0, 1]], {} as tf.Tensor)).toThrow(/weights/);
      expect(() => losses.sigmoidCrossEntropy(labels, z, w)).toThrow();  // weights that do not broadcast
      expect(() => losses.sigmoidCrossEntropy(labels, z, undefined, 0, 7 as tf.Reduction)).toThrow(/reduction/);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([labels, z, w]);
    });
  });
});

/** γ = 0 runs no focal code (the table's γ = 0 cases, sigmoid_parity.ts). */
gammaZeroTable(BACKENDS);

/**
 * 1000 optimizer.minimize steps of a small multi-label model with the fused loss (every option on):
 * no tensor left behind, and it learns. On cpu and wasm.
 */
describe.each(BACKENDS.filter((b) => b.name === 'cpu' || b === WASM))('$name: 1000 training steps', (b) => {
  test('optimizer.minimize leaks nothing, and the loss falls', async () => {
    await b.setup();
    const next = rng(7);
    const X = tf.tensor(randn(next, 32 * 6, 1), [32, 6]);
    const Y = tf.tensor(Array.from({length: 32 * 5}, () => (next() < 0.3 ? 1 : 0)), [32, 5]);
    const [W, bias] = tf.tidy(() => [tf.variable(tf.tensor(Array.from({length: 30}, (_, i) => Math.sin(i) / 4), [6, 5])),
      tf.variable(tf.zeros([5]))]);
    const opt = tf.train.adam(0.05);
    const options: Options = {posWeight: [1, 2, 3, 0.5, 1], classWeights: [1, 1, 2, 0.5, 1], focalGamma: 2, focalAlpha: 0.25,
      labelSmoothing: 0.05};
    const f = () => sigmoidCrossEntropy(tf.add(tf.matMul(X, W), bias), Y, options) as tf.Scalar;
    const lossAt: number[] = [];
    let counts: number[] = [];
    for (let step = 0; step < 1000; step++) {
      const l = opt.minimize(f, true) as tf.Scalar;
      if (step === 0 || step === 999) lossAt.push(l.dataSync()[0]);
      l.dispose();
      // adam makes its slot variables on the first step: count from the second on
      if (step === 1) counts = [tf.memory().numTensors];
    }
    counts.push(tf.memory().numTensors);
    expect(counts[1]).toBe(counts[0]);
    expect(lossAt[1]).toBeLessThan(0.5 * lossAt[0]);
    tf.dispose([X, Y, W, bias]);
    opt.dispose();
  });
});
