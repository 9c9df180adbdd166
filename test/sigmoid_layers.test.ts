/**
 * The binary tfjs-layers losses (ops/layers_binary.ts): a multi-label model trained with
 * layers.binaryCrossentropy gives tfjs-layers' own 'binaryCrossentropy' loss curve (from the same
 * initial weights, its twin with a sigmoid output), through model.fit, layers.compile and an
 * optimizer.minimize loop; binaryFocalCrossentropy is Keras' formula; 'none' is one loss per row; on
 * cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import {layers} from '../index';
import {CPU, WASM} from './backends';
import {CURVE_RTOL} from './layers_run';

const C = 6;

/** 96 points in 8 dimensions with 6 tags each, from a fixed random linear map (seeded). */
function tagData(): {x: tf.Tensor2D, tags: tf.Tensor2D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([96, 8], 0, 1, 'float32', 21) as tf.Tensor2D;
    const tags = tf.cast(tf.greater(tf.matMul(x, tf.randomNormal([8, C], 0, 1, 'float32', 22)), 0.5), 'float32');
    return {x, tags: tags as tf.Tensor2D};
  });
}

function tagger(activation: 'linear' | 'sigmoid' = 'linear'): tf.LayersModel {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [8], units: 16, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    tf.layers.dense({units: C, activation, kernelInitializer: tf.initializers.glorotUniform({seed: 4})}),
  ]});
}

function twin(model: tf.LayersModel): tf.LayersModel {
  const t = tagger('sigmoid');
  t.setWeights(model.getWeights());
  return t;
}

function expectCurve(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(CURVE_RTOL * Math.abs(b[i])));
}

/** Keras' binary focal cross-entropy, written out in tfjs ops on probabilities (per entry). */
function kerasFocal(y: tf.Tensor, p: tf.Tensor, gamma: number, alpha?: number): tf.Tensor {
  return tf.tidy(() => {
    const pc = tf.clipByValue(p, 1e-7, 1 - 1e-7);
    const bce = tf.neg(tf.add(tf.mul(y, tf.log(pc)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, pc)))));
    const pt = tf.add(tf.mul(y, pc), tf.mul(tf.sub(1, y), tf.sub(1, pc)));
    let loss = tf.mul(tf.pow(tf.sub(1, pt), gamma), bce);
    if (alpha !== undefined) loss = tf.mul(tf.add(tf.mul(y, alpha), tf.mul(tf.sub(1, y), 1 - alpha)), loss);
    return tf.mean(loss, -1);
  });
}

describe.each([CPU, WASM])('$name', (backend) => {
  beforeAll(async () => { await backend.setup(); });

  test.each([
    ['model.compile', (m: tf.LayersModel, loss: layers.LayersLoss) => m.compile({optimizer: tf.train.sgd(0.5), loss})],
    ['layers.compile', (m: tf.LayersModel, loss: layers.LayersLoss) => layers.compile(m, {optimizer: tf.train.sgd(0.5), loss})],
  ])('%s + model.fit on [N, C] targets: the curve of tfjs-layers\' binaryCrossentropy', async (_, compile) => {
    const {x, tags} = tagData();
    const fused = tagger();
    const builtIn = twin(fused);
    compile(fused, layers.binaryCrossentropy());
    builtIn.compile({optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy'});
    const args = {epochs: 6, batchSize: 32, shuffle: false, verbose: 0 as const};
    const a = await fused.fit(x, tags, args);
    const b = await builtIn.fit(x, tags, args);
    expectCurve(a.history.loss as number[], b.history.loss as number[]);
    expect(a.history.loss[5]).toBeLessThan(0.8 * (a.history.loss[0] as number));  // it learns
    tf.dispose([x, tags]);
    fused.dispose();
    builtIn.dispose();
  });

  test('fromLogits: false on a sigmoid output is tfjs-layers\' loss; reduction none is one loss per row', () => {
    const {x, tags} = tagData();
    const model = tagger('sigmoid');
    const p = model.predict(x) as tf.Tensor;
    const ours = layers.binaryCrossentropy({fromLogits: false, reduction: 'none'})(tags, p);
    const theirs = tf.metrics.binaryCrossentropy(tags, p);
    expect(ours.shape).toEqual([96]);
    const [o, t] = [ours.dataSync(), theirs.dataSync()];
    o.forEach((v, i) => expect(Math.abs(v - t[i])).toBeLessThanOrEqual(1e-5 * Math.abs(t[i]) + 1e-7));
    const sum = layers.binaryCrossentropy({fromLogits: false, reduction: 'sum'})(tags, p).dataSync()[0];
    expect(Math.abs(sum - tf.sum(theirs).dataSync()[0])).toBeLessThanOrEqual(1e-5 * sum);
    tf.dispose([x, tags, p, ours, theirs]);
    model.dispose();
  });

  test.each([[2, undefined], [2, 0.25], [0.5, 0.6]])('binaryFocalCrossentropy γ = %s, α = %s: Keras\' formula', (gamma, alpha) => {
    const {x, tags} = tagData();
    const model = tagger();
    const z = model.predict(x) as tf.Tensor;
    const p = tf.sigmoid(z);
    const options = gamma === 2 ? (alpha === undefined ? {} : {focalAlpha: alpha}) : {focalGamma: gamma, focalAlpha: alpha};
    const ours = layers.binaryFocalCrossentropy({...options, reduction: 'none'})(tags, z);
    const keras = kerasFocal(tags, p, gamma, alpha);
    const [o, k] = [ours.dataSync(), keras.dataSync()];
    o.forEach((v, i) => expect(Math.abs(v - k[i])).toBeLessThanOrEqual(2e-5 * Math.abs(k[i]) + 1e-7));
    const mean = layers.binaryFocalCrossentropy(options)(tags, z).dataSync()[0];
    expect(Math.abs(mean - tf.mean(keras).dataSync()[0])).toBeLessThanOrEqual(2e-5 * mean);
    tf.dispose([x, tags, z, p, ours, keras]);
    model.dispose();
  });

  test('an optimizer.minimize loop leaves no tensor behind', () => {
    const {x, tags} = tagData();
    const model = tagger();
    const loss = layers.binaryFocalCrossentropy({focalAlpha: 0.25});
    const opt = tf.train.adam(0.01);
    const step = () => opt.minimize(() => loss(tags, model.apply(x) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
    tf.dispose(step());  // the optimizer's slots are made on the first step
    const before = tf.memory().numTensors;
    let first = NaN;
    let last = NaN;
    for (let i = 0; i < 50; i++) {
      const l = step();
      last = l.dataSync()[0];
      if (i === 0) first = last;
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    tf.dispose([x, tags]);
    model.dispose();
  });

  test('bad options and targets name what is wrong', () => {
    expect(() => layers.binaryCrossentropy({fromLogits: 1 as unknown as boolean}))
        .toThrow("layers.binaryCrossentropy: options.fromLogits must be a boolean; got 1.");
    expect(() => layers.binaryFocalCrossentropy({focalGamma: -2}))
        .toThrow('layers.binaryFocalCrossentropy: options.focalGamma must be a finite number >= 0; got -2.');
    expect(() => layers.binaryCrossentropy({ignoreIndex: 3} as never))
        .toThrow("layers.binaryCrossentropy: unknown option 'ignoreIndex'");
    const loss = layers.binaryCrossentropy();
    const before = tf.memory().numTensors;
    expect(() => loss(tf.zeros([4, 3]), tf.zeros([4, 2])))
        .toThrow("layers.binaryCrossentropy: targets must have the outputs' shape [4,2]; got [4,3].");
    expect(tf.memory().numTensors).toBe(before + 2);  // the two zeros are the test's own
  });
});
