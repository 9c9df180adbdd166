/**
 * The tfjs-layers loss curves in the page (test/browser.test.ts asserts on them): the same small model
 * as test/layers.test.ts's first test, trained through model.fit with the fused loss and with
 * tfjs-layers' own, from the same seeded weights, on the page's active backend (webgl, webgpu).
 * Measurements only: the comparison stays in Node, next to the Node curves' checks.
 */
import * as tf from '@tensorflow/tfjs';
import {layers} from '../../index';
import {builtInTwin, classifier, toyData} from '../layers_run';

export interface LayersCurves {
  /** tf.getBackend() while fitting: tfjs falls back silently when a backend fails to initialize */
  backend: string;
  /** history.loss per epoch: the fused layers.sparseCategoricalCrossentropy() with int32 ids [N] */
  fused: number[];
  /** the same with tfjs-layers' own 'sparseCategoricalCrossentropy' on the softmax twin */
  builtIn: number[];
}

/** Both curves, as layers.test.ts's fitBoth makes them (6 epochs of 3 batches, no shuffling). */
export async function layersCurves(): Promise<LayersCurves> {
  // seeded in tfjs-core's JavaScript, so every backend starts from the same data and weights
  const {x, ids} = toyData();
  const fused = classifier();
  const builtIn = builtInTwin(fused);
  layers.compile(fused, {optimizer: tf.train.sgd(0.5), loss: layers.sparseCategoricalCrossentropy()});
  builtIn.compile({optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy'});
  // tfjs-layers' own sparse loss floors its targets, which tfjs refuses for int32: give it floats
  const floats = tf.cast(ids, 'float32');
  const args = {epochs: 6, batchSize: 32, shuffle: false, verbose: 0 as const};
  try {
    // fit reads its losses with data(), never dataSync (which reads zeros on webgpu in headless Chromium)
    const a = await fused.fit(x, ids, args);
    const b = await builtIn.fit(x, floats, args);
    return {backend: tf.getBackend(), fused: a.history.loss as number[], builtIn: b.history.loss as number[]};
  } finally {
    tf.dispose([x, ids, floats]);
    fused.dispose();
    builtIn.dispose();
  }
}
