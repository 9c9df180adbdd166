/**
 * The softmax-family tfjs-layers losses (ops/layers_family.ts): categoricalFocalCrossentropy is Keras'
 * CategoricalFocalCrossentropy formula, kullbackLeiblerDivergence Keras' KLDivergence, both train through
 * model.fit; the new softmaxCrossEntropy options reach layers.sparseCategoricalCrossentropy and
 * layers.categoricalCrossentropy; on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import {layers, softmaxCrossEntropy} from '../index';
import {CPU, WASM} from './backends';

const K = 5;

function data(): {x: tf.Tensor2D, y: tf.Tensor2D, soft: tf.Tensor2D, ids: tf.Tensor1D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([64, 6], 0, 1, 'float32', 31) as tf.Tensor2D;
    const scores = tf.matMul(x, tf.randomNormal([6, K], 0, 1, 'float32', 32));
    const ids = tf.cast(tf.argMax(scores, -1), 'int32') as tf.Tensor1D;
    return {x, ids, y: tf.cast(tf.oneHot(ids, K), 'float32') as tf.Tensor2D, soft: tf.softmax(scores) as tf.Tensor2D};
  });
}

function classifier(): tf.LayersModel {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [6], units: 12, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed: 5})}),
    tf.layers.dense({units: K, kernelInitializer: tf.initializers.glorotUniform({seed: 6})}),
  ]});
}

/** Keras' categorical focal cross-entropy from logits, in tfjs ops: per row. */
function kerasFocal(y: tf.Tensor, z: tf.Tensor, gamma: number, alpha: number | number[], eps = 0): tf.Tensor {
  return tf.tidy(() => {
    const ys = eps > 0 ? tf.add(tf.mul(y, 1 - eps), eps / K) : y;
    const p = tf.clipByValue(tf.softmax(z), 1e-7, 1 - 1e-7);
    const a = Array.isArray(alpha) ? tf.tensor1d(alpha) : tf.scalar(alpha);
    return tf.sum(tf.mul(tf.mul(a, tf.pow(tf.sub(1, p), gamma)), tf.neg(tf.mul(ys, tf.log(p)))), -1);
  });
}

/** Keras' KLDivergence from probabilities, in tfjs ops: per row. */
function kerasKL(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const yc = tf.clipByValue(y, 1e-7, 1);
    const pc = tf.clipByValue(p, 1e-7, 1);
    return tf.sum(tf.mul(yc, tf.log(tf.div(yc, pc))), -1);
  });
}

function expectClose(a: tf.Tensor, b: tf.Tensor, rtol: number): void {
  const [av, bv] = [a.dataSync(), b.dataSync()];
  expect(av.length).toBe(bv.length);
  av.forEach((v, i) => expect(Math.abs(v - bv[i])).toBeLessThanOrEqual(rtol * Math.abs(bv[i]) + 1e-7));
}

describe.each([CPU, WASM])('$name', (backend) => {
  beforeAll(async () => { await backend.setup(); });

  test.each([
    ['defaults (γ 2, α 0.25)', {}, 2, 0.25, 0],
    ['γ 0.5, α per class, smoothing', {gamma: 0.5, alpha: [0.1, 0.2, 0.3, 0.2, 0.2], labelSmoothing: 0.1}, 0.5, [0.1, 0.2, 0.3, 0.2, 0.2], 0.1],
    ['γ 0: α-weighted cross-entropy', {gamma: 0, alpha: 1}, 0, 1, 0],
  ] as const)('categoricalFocalCrossentropy %s: Keras\' formula', (_, options, gamma, alpha, eps) => {
    const {x, y} = data();
    const model = classifier();
    const z = model.predict(x) as tf.Tensor;
    const ours = layers.categoricalFocalCrossentropy({...options, reduction: 'none'} as layers.FocalLayersLossOptions)(y, z);
    const keras = kerasFocal(y, z, gamma, alpha as number | number[], eps);
    expect(ours.shape).toEqual([64]);
    expectClose(ours, keras, 2e-5);
    const mean = layers.categoricalFocalCrossentropy(options as layers.FocalLayersLossOptions)(y, z);
    expectClose(mean, tf.mean(keras), 2e-5);
    tf.dispose([x, y, z, ours, keras, mean]);
    model.dispose();
  });

  test('kullbackLeiblerDivergence: Keras\' formula, from logits and from softmax outputs', () => {
    const {x, soft} = data();
    const model = classifier();
    const z = model.predict(x) as tf.Tensor;
    const ours = layers.kullbackLeiblerDivergence({reduction: 'none'})(soft, z);
    const keras = kerasKL(soft, tf.softmax(z));
    expectClose(ours, keras, 2e-4);  // Keras rounds p to float32 before its log: the fused loss does not
    const fromProbs = layers.kullbackLeiblerDivergence({fromLogits: false})(soft, tf.softmax(z));
    expectClose(fromProbs, tf.mean(keras), 2e-4);
    tf.dispose([x, soft, z, ours, keras, fromProbs]);
    model.dispose();
  });

  test.each([
    ['categoricalFocalCrossentropy', () => layers.categoricalFocalCrossentropy(), 'one-hot'],
    ['kullbackLeiblerDivergence', () => layers.kullbackLeiblerDivergence(), 'soft'],
  ] as const)('%s trains through model.fit', async (_, make, targets) => {
    const d = data();
    const model = classifier();
    model.compile({optimizer: tf.train.adam(0.05), loss: make()});
    const h = await model.fit(d.x, targets === 'soft' ? d.soft : d.y, {epochs: 8, batchSize: 32, shuffle: false, verbose: 0});
    const loss = h.history.loss as number[];
    expect(loss[7]).toBeLessThan(0.8 * loss[0]);
    tf.dispose([d.x, d.y, d.soft, d.ids]);
    model.dispose();
  });

  test('the new options reach the class-id and probability layers losses', () => {
    const {x, y, ids} = data();
    const model = classifier();
    const z = model.predict(x) as tf.Tensor;
    const options = {focalGamma: 1, softcap: 2, labelSmoothing: 0.1};
    expectClose(layers.sparseCategoricalCrossentropy({...options, labelSmoothingOver: 'others'})(ids, z),
        softmaxCrossEntropy(z, ids, {...options, labelSmoothingOver: 'others'}), 1e-6);
    expectClose(layers.categoricalCrossentropy(options)(y, z), softmaxCrossEntropy(z, y, options), 1e-6);
    tf.dispose([x, y, ids, z]);
    model.dispose();
  });

  test('bad options name what is wrong', () => {
    expect(() => layers.categoricalFocalCrossentropy({gamma: -1}))
        .toThrow('layers.categoricalFocalCrossentropy: options.focalGamma must be a finite number >= 0; got -1.');
    expect(() => layers.categoricalFocalCrossentropy({alpha: [0.5, NaN]}))
        .toThrow('layers.categoricalFocalCrossentropy: options.alpha must be a finite number >= 0 or an array of them');
    expect(() => layers.categoricalFocalCrossentropy({focalGamma: 2} as never))
        .toThrow("layers.categoricalFocalCrossentropy: unknown option 'focalGamma'");
    expect(() => layers.kullbackLeiblerDivergence({targetFormat: 'logits'} as never))
        .toThrow("layers.kullbackLeiblerDivergence: unknown option 'targetFormat'");
    expect(() => layers.sparseCategoricalCrossentropy({softcap: -1}))
        .toThrow('layers.sparseCategoricalCrossentropy: options.softcap must be a finite number > 0');
    expect(() => layers.categoricalCrossentropy({labelSmoothingOver: 'others'}))
        .toThrow("layers.categoricalCrossentropy: options.labelSmoothingOver 'others' applies to class-id");
    const loss = layers.categoricalFocalCrossentropy({alpha: [1, 2, 3]});
    const [yt, yp] = [tf.zeros([2, 4]), tf.zeros([2, 4])];
    const before = tf.memory().numTensors;
    expect(() => loss(yt, yp)).toThrow('layers.categoricalFocalCrossentropy: options.alpha has 3 entries; the model outputs 4 classes.');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yt, yp]);
  });
});
