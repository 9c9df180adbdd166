/**
 * The tfjs-layers losses (ops/layers.ts): the same small model trained with the fused loss and with
 * tfjs-layers' own loss, from the same initial weights, gives the same loss curve, through model.fit
 * (class ids of shape [N] and [N, 1]), fitDataset and a custom optimizer.minimize loop, on cpu and wasm.
 * The browser suite runs the model.fit curve on webgl and webgpu (test/browser/layers_checks.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {layers} from '../index';
import {CPU, WASM} from './backends';
import {builtInTwin, classifier, CURVE_RTOL, toyData} from './layers_run';

describe.each([CPU, WASM])('$name', (backend) => {
  beforeAll(async () => { await backend.setup(); });

  const fitBoth = async (y: (ids: tf.Tensor1D) => tf.Tensor, metrics?: string[]) => {
    const {x, ids} = toyData();
    const fused = classifier();
    const builtIn = builtInTwin(fused);
    layers.compile(fused, {optimizer: tf.train.sgd(0.5), loss: layers.sparseCategoricalCrossentropy(), metrics});
    builtIn.compile({optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy', metrics});
    const target = y(ids);
    // tfjs-layers' own sparse loss floors its targets, which tfjs refuses for int32: give it floats
    const floats = tf.cast(target, 'float32');
    const args = {epochs: 6, batchSize: 32, shuffle: false, verbose: 0 as const};
    const a = await fused.fit(x, target, args);
    const b = await builtIn.fit(x, floats, args);
    tf.dispose([x, ids, target, floats]);
    fused.dispose();
    builtIn.dispose();
    return {fused: a.history, builtIn: b.history};
  };

  test('model.fit with int32 class ids [N]: the loss curve of tfjs-layers\' own loss', async () => {
    const {fused, builtIn} = await fitBoth((ids) => ids.clone());
    expect(fused.loss.length).toBe(6);
    expectCurve(fused.loss as number[], builtIn.loss as number[]);
    expect(fused.loss[5]).toBeLessThan(0.7 * (fused.loss[0] as number));  // it learns
  });

  test('model.fit with float32 class ids [N, 1], and accuracy as sparse accuracy', async () => {
    const {fused, builtIn} = await fitBoth((ids) => tf.cast(ids, 'float32').reshape([-1, 1]), ['accuracy']);
    expectCurve(fused.loss as number[], builtIn.loss as number[]);
    expect(fused.acc).toEqual(builtIn.acc);
  });

  test('fitDataset with a plain model.compile({loss})', async () => {
    const {x, ids} = toyData();
    const fused = classifier();
    const builtIn = builtInTwin(fused);
    fused.compile({optimizer: tf.train.sgd(0.5), loss: layers.sparseCategoricalCrossentropy()});
    builtIn.compile({optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy'});
    // float32 ids: tfjs-layers' own sparse loss floors its targets, which tfjs refuses for int32
    const ys = tf.cast(ids, 'float32');
    const data = () => tf.data.zip({xs: tf.data.array(x.unstack()), ys: tf.data.array(ys.unstack())}).batch(32);
    const a = await fused.fitDataset(data(), {epochs: 4, verbose: 0});
    const b = await builtIn.fitDataset(data(), {epochs: 4, verbose: 0});
    expectCurve(a.history.loss as number[], b.history.loss as number[]);
    tf.dispose([x, ids, ys]);
    fused.dispose();
    builtIn.dispose();
  });

  test('a custom optimizer.minimize loop, leaving no tensors behind', async () => {
    const {x, ids} = toyData();
    const fused = classifier();
    const builtIn = classifier();  // logits too: tf.losses.softmaxCrossEntropy takes logits
    builtIn.setWeights(fused.getWeights());
    const ours = layers.sparseCategoricalCrossentropy();
    const onehot = tf.oneHot(ids, 5);
    const optA = tf.train.sgd(0.5);
    const optB = tf.train.sgd(0.5);
    const a: number[] = [];
    const b: number[] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 8; step++) {
      const la = optA.minimize(() => ours(ids, fused.apply(x) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      const lb = optB.minimize(() => tf.losses.softmaxCrossEntropy(onehot, builtIn.apply(x) as tf.Tensor) as tf.Scalar,
          true) as tf.Scalar;
      a.push(la.dataSync()[0]);
      b.push(lb.dataSync()[0]);
      tf.dispose([la, lb]);
    }
    // the optimizers' own state (sgd: none) and nothing else
    expect(tf.memory().numTensors).toBe(before);
    expectCurve(a, b);
    tf.dispose([x, ids, onehot]);
    fused.dispose();
    builtIn.dispose();
    optA.dispose();
    optB.dispose();
  });

  test('categoricalCrossentropy with one-hot targets: tfjs-layers\' categoricalCrossentropy curve', async () => {
    const {x, ids} = toyData();
    const onehot = tf.oneHot(ids, 5).toFloat();
    const fused = classifier();
    const builtIn = builtInTwin(fused);
    fused.compile({optimizer: tf.train.sgd(0.5), loss: layers.categoricalCrossentropy()});
    builtIn.compile({optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy'});
    const args = {epochs: 4, batchSize: 32, shuffle: false, verbose: 0 as const};
    const a = await fused.fit(x, onehot, args);
    const b = await builtIn.fit(x, onehot, args);
    expectCurve(a.history.loss as number[], b.history.loss as number[]);
    tf.dispose([x, ids, onehot]);
    fused.dispose();
    builtIn.dispose();
  });

  test('fromLogits: false takes a softmax model\'s probabilities', async () => {
    const {x, ids} = toyData();
    const builtIn = builtInTwin(classifier());
    const probs = builtIn.apply(x) as tf.Tensor;
    const ours = layers.sparseCategoricalCrossentropy({fromLogits: false})(ids, probs);
    // tfjs-layers' sparse loss on probabilities: −log of the target's probability, clipped at 1e-7
    const theirs = tf.tidy(() => tf.neg(tf.mean(tf.log(tf.clipByValue(
        tf.sum(tf.mul(probs, tf.oneHot(ids, 5)), 1), 1e-7, 1 - 1e-7)))));
    expect(ours.dataSync()[0]).toBeCloseTo(theirs.dataSync()[0], 5);
    tf.dispose([x, ids, probs, ours, theirs]);
  });
});

describe('layers API checks', () => {
  beforeAll(async () => { await CPU.setup(); });

  test('model.compile alone leaves fit() refusing class ids (what layers.compile is for)', async () => {
    const {x, ids} = toyData();
    const model = classifier();
    model.compile({optimizer: 'sgd', loss: layers.sparseCategoricalCrossentropy()});
    await expect(model.fit(x, ids, {epochs: 1, verbose: 0})).rejects.toThrow(/target expected a batch of elements/);
    tf.dispose([x, ids]);
    model.dispose();
  });

  test('options are checked when the loss is made, naming the option', () => {
    expect(() => layers.sparseCategoricalCrossentropy({labelSmoothing: 2})).toThrow(/options.labelSmoothing/);
    expect(() => layers.sparseCategoricalCrossentropy({fromLogits: 'yes' as unknown as boolean}))
        .toThrow(/options.fromLogits must be a boolean/);
    expect(() => layers.categoricalCrossentropy({ignoreIndex: 0})).toThrow(/options.ignoreIndex applies to class-id/);
  });

  test('targets that are not one id per row are refused, saying what was expected', () => {
    const loss = layers.sparseCategoricalCrossentropy();
    expect(() => loss(tf.zeros([4, 5]), tf.zeros([4, 5]))).toThrow(/one class id per row, shape \[4\] or \[4,1\]/);
  });

  test('ignoreIndex and classWeights reach the kernel (the mean over counted rows\' weights)', () => {
    const logits = tf.tensor2d([[2, 0, 0], [0, 3, 0], [1, 1, 1]]);
    const ids = tf.tensor1d([0, -100, 2], 'int32');
    const got = layers.sparseCategoricalCrossentropy({classWeights: [2, 1, 0.5]})(ids, logits).dataSync()[0];
    const l0 = Math.log(Math.exp(2) + 2) - 2;
    const l2 = Math.log(3);
    expect(got).toBeCloseTo((2 * l0 + 0.5 * l2) / 2.5, 6);
    tf.dispose([logits, ids]);
  });
});

function expectCurve(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => {
    if (Math.abs(v - want[i]) > CURVE_RTOL * Math.abs(want[i])) {
      throw new Error(`loss curves differ at ${i}: fused ${got.join(', ')} against ${want.join(', ')}`);
    }
  });
}
