/** Bad input: each gets an Error naming the argument and what was expected, and leaks no tensor. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad, SoftmaxCrossEntropyOptions} from '../index';
import {BACKENDS} from './backends';

const z = () => tf.zeros([3, 4]);
const ids = () => tf.tensor1d([0, 1, 2], 'int32');
const probs = () => tf.fill([3, 4], 0.25);

const cases: Array<[string, () => [tf.Tensor | number[], tf.Tensor | number[], SoftmaxCrossEntropyOptions?], RegExp]> = [
  ['int32 logits', () => [tf.zeros([3, 4], 'int32'), ids()], /logits must be a float32 tensor; got int32/],
  ['logits an object', () => [{} as tf.Tensor, ids()], /Argument 'logits' passed to '\w+' must be a Tensor or TensorLike, but got 'Object'/],
  ['labels an object', () => [z(), {} as tf.Tensor], /Argument 'labels' passed to '\w+' must be a Tensor or TensorLike, but got 'Object'/],
  ['logits strings', () => [['a', 'b'] as unknown as number[], ids()], /Argument 'logits' passed to '\w+' must be numeric/],
  ['scalar logits', () => [tf.scalar(1), ids()], /logits must have rank >= 1/],
  ['K = 0', () => [tf.zeros([3, 0]), tf.tensor1d([0, 0, 0], 'int32')], /at least one class.*\[3,0\]/],
  ['float32 class ids', () => [z(), tf.tensor1d([0, 1, 2])], /Class ids must be int32/],
  ['int32 probabilities', () => [z(), tf.zeros([3, 4], 'int32')], /labels must be int32 class ids of shape \[3\] or float32 probabilities of shape \[3,4\]; got int32 \[3,4\]/],
  ['labels of the wrong shape', () => [z(), tf.tensor1d([0, 1], 'int32')], /labels must be .*got int32 \[2\]/],
  ['non-integer class ids in an array', () => [z(), [0, 1.5, 2]], /class ids must be integers; row 1 has 1.5/],
  ['class id out of range', () => [z(), tf.tensor1d([0, 4, 1], 'int32')], /class ids in \[0, 4\).*row 1 has 4/],
  ['negative class id', () => [z(), tf.tensor1d([0, 1, -3], 'int32')], /row 2 has -3/],
  ['classWeights of the wrong length', () => [z(), ids(), {classWeights: [1, 2, 3]}], /classWeights must be 4 finite numbers.*length 3/],
  ['classWeights tensor of the wrong shape', () => [z(), ids(), {classWeights: tf.ones([5]) as tf.Tensor1D}], /classWeights must be a float32 tensor of shape \[4\].*\[5\]/],
  ['non-finite classWeights', () => [z(), ids(), {classWeights: [1, NaN, 1, 1]}], /classWeights must be 4 finite numbers/],
  ['labelSmoothing above 1', () => [z(), ids(), {labelSmoothing: 1.5}], /labelSmoothing must be a number in \[0, 1\]; got 1.5/],
  ['labelSmoothing below 0', () => [z(), ids(), {labelSmoothing: -0.1}], /labelSmoothing must be a number in \[0, 1\]/],
  ['temperature 0', () => [z(), ids(), {temperature: 0}], /temperature must be a finite number > 0; got 0/],
  ['negative temperature', () => [z(), ids(), {temperature: -1}], /temperature must be a finite number > 0/],
  ['infinite temperature', () => [z(), ids(), {temperature: Infinity}], /temperature must be a finite number > 0; got Infinity/],
  ['NaN zLoss', () => [z(), ids(), {zLoss: NaN}], /zLoss must be a finite number >= 0; got NaN/],
  ['negative zLoss', () => [z(), ids(), {zLoss: -1}], /zLoss must be a finite number >= 0/],
  ['non-integer ignoreIndex', () => [z(), ids(), {ignoreIndex: 0.5}], /ignoreIndex must be an integer; got 0.5/],
  ['ignoreIndex with probabilities', () => [z(), probs(), {ignoreIndex: -1}], /ignoreIndex applies to class-id \(int32\) labels only/],
  ['unknown reduction', () => [z(), ids(), {reduction: 'avg' as 'mean'}], /reduction must be 'none', 'sum' or 'mean'; got 'avg'/],
  ['a misspelt option', () => [z(), ids(), {labelSmothing: 0.1} as SoftmaxCrossEntropyOptions], /unknown option 'labelSmothing'/],
  ['validateLabels not a boolean', () => [z(), ids(), {validateLabels: 1 as unknown as boolean}], /validateLabels must be a boolean/],
];

describe.each(BACKENDS)('$name', (b) => {
  beforeAll(() => b.setup());
  describe.each([
    ['softmaxCrossEntropy', softmaxCrossEntropy], ['softmaxCrossEntropyWithGrad', softmaxCrossEntropyWithGrad],
  ] as const)('%s', (name, op) => {
    test.each(cases)('%s', (_, make, message) => {
      const args = make();
      const before = tf.memory().numTensors;
      expect(() => op(...args)).toThrow(message);
      // the op's name, except for class ids the kernel rejects (it serves both ops)
      expect(() => op(...args)).toThrow(/row \d+ has/.test(message.source) ? 'softmaxCrossEntropy' : name);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(args as tf.TensorContainer);
    });
  });

  test('validateLabels throws on a bad class id', () => {
    const y = tf.tensor1d([0, 7, 1], 'int32');
    expect(() => softmaxCrossEntropy(z(), y, {validateLabels: true})).toThrow(/row 1 has 7/);
  });

  test('an error inside tf.grad leaks nothing either', () => {
    const logits = z();
    const y = tf.tensor1d([0, 9, 1], 'int32');
    const before = tf.memory().numTensors;
    expect(() => tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, y))(logits)).toThrow(/row 1 has 9/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, y]);
  });
});
