/**
 * The small model and data the tfjs-layers tests train, in Node (layers.test.ts) and in the browser
 * suite: no jest in here.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * How far the fused loss curve may be from tfjs-layers' own. tfjs-layers takes log(softmax) with the
 * probabilities clipped at 1e-7 and in float32 ops, ours the fused kernels; both are a few float32
 * ulps per step, and a few dozen SGD steps compound them a little.
 */
export const CURVE_RTOL = 2e-5;

/** 96 points in 8 dimensions, labelled by a fixed random linear map into 5 classes (seeded). */
export function toyData(): {x: tf.Tensor2D, ids: tf.Tensor1D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([96, 8], 0, 1, 'float32', 11) as tf.Tensor2D;
    const teacher = tf.randomNormal([8, 5], 0, 1, 'float32', 12);
    const ids = tf.argMax(tf.matMul(x, teacher), 1).toInt() as tf.Tensor1D;
    return {x, ids};
  });
}

/** A two-layer classifier that outputs logits, its weights seeded. */
export function classifier(activation: 'linear' | 'softmax' = 'linear'): tf.LayersModel {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [8], units: 16, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 1})}),
    tf.layers.dense({units: 5, activation, kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
  ]});
}

/** The same model with a softmax on its output (what tfjs-layers' own losses take), same weights. */
export function builtInTwin(model: tf.LayersModel): tf.LayersModel {
  const twin = classifier('softmax');
  twin.setWeights(model.getWeights());
  return twin;
}
