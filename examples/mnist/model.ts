/**
 * The classifier `npm start` and `npm run demo` train: a two-layer perceptron on MNIST (784 → 128 →
 * 10), once with the fused loss (logits out, layers.sparseCategoricalCrossentropy) and once with
 * tfjs-layers' own 'sparseCategoricalCrossentropy' (softmax out), from the same initial weights.
 */
import * as tf from '@tensorflow/tfjs';
import {layers} from '../../index';
import {CLASSES, PIXELS} from './data';

export type LossKind = 'fused' | 'built-in';

export const LOSS_LABEL: Record<LossKind, string> = {
  'fused': 'fused layers.sparseCategoricalCrossentropy()',
  'built-in': "tfjs-layers' 'sparseCategoricalCrossentropy'",
};

/** The model for `kind`, its weights seeded (so both kinds start from the same weights). */
export function makeModel(kind: LossKind, learningRate = 1e-3): tf.LayersModel {
  const model = tf.sequential({layers: [
    tf.layers.dense({inputShape: [PIXELS], units: 128, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 1})}),
    // the fused loss takes logits; tfjs-layers' own sparse loss takes probabilities
    tf.layers.dense({units: CLASSES, activation: kind === 'fused' ? 'linear' : 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
  ]});
  const optimizer = tf.train.adam(learningRate);
  if (kind === 'fused') {
    layers.compile(model, {optimizer, loss: layers.sparseCategoricalCrossentropy(), metrics: ['accuracy']});
  } else {
    model.compile({optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy']});
  }
  return model;
}

/**
 * Accuracy of `model` on (x, ids): the argmax of its outputs (logits or probabilities alike). Read
 * with data(): on webgpu in headless Chromium a synchronous read (dataSync) reads zeros.
 */
export async function accuracy(model: tf.LayersModel, x: tf.Tensor2D, ids: tf.Tensor1D): Promise<number> {
  const hits = tf.tidy(() => {
    const predicted = tf.argMax(model.predict(x, {batchSize: 512}) as tf.Tensor, 1);
    return tf.mean(tf.cast(tf.equal(predicted, tf.cast(ids, 'int32')), 'float32'));
  });
  const [value] = await hits.data();
  hits.dispose();
  return value;
}
