/**
 * The computations the benchmark times, on one [N, K] problem: tfjs's two built-in losses and ours,
 * loss only and value-and-grad. Every method gets its own copy of the same logits (see inputs()).
 */
import * as tf from '@tensorflow/tfjs';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../dist/cjs/index.js';
import type {Kind, MethodId} from './row';

/** One timed step: runs the method and returns every tensor it produced (the caller frees them). */
export type Step = () => tf.Tensor[];

export interface Method {
  kind: Kind;
  method: MethodId;
  label: string;
  step: Step;
}

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

let layersLoss: LossFn | undefined;

/**
 * tfjs-layers' sparseCategoricalCrossentropy, the function `model.compile({loss:
 * 'sparseCategoricalCrossentropy'})` trains with. @tensorflow/tfjs 4.22 exports it under no public name
 * (tf.metrics has only sparseCategoricalAccuracy), so it is taken from a compiled one-layer model's
 * lossFunctions. That path calls it with fromLogits=false: it expects probabilities, so the benchmark
 * applies it to tf.softmax(logits), as a tfjs-layers model with a softmax output layer computes it.
 * (Its fromLogits=true branch clips the logits to [1e-7, 1 − 1e-7] before the softmax, a wrong loss.)
 */
function layersSparseCategoricalCrossentropy(): LossFn {
  if (layersLoss === undefined) {
    const input = tf.input({shape: [1]});
    const model = tf.model({inputs: input, outputs: tf.layers.dense({units: 1}).apply(input) as tf.SymbolicTensor});
    model.compile({optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy'});
    layersLoss = model.lossFunctions[0] as LossFn;
    model.dispose();
  }
  return layersLoss;
}

export interface Inputs {
  logits: tf.Tensor;
  /** int32 [N]: our labels */
  ids: tf.Tensor;
  /** float32 [N, K]: tf.losses' labels */
  oneHot: tf.Tensor;
  /** float32 [N]: tfjs-layers' labels, the class ids as model.fit takes them */
  idsFloat: tf.Tensor;
}

export function inputs(N: number, K: number, seed: number): Inputs {
  const ids = tf.randomUniformInt([N], 0, K, seed);
  return {logits: tf.randomNormal([N, K], 0, 3, 'float32', seed), ids, oneHot: tf.oneHot(ids, K).toFloat(),
    idsFloat: tf.cast(ids, 'float32')};
}

/**
 * The methods, baselines first. Each one reads its own copy of the logits: a GPU backend uploads a
 * tensor in the layout of the first program that reads it (packed for tfjs's ops, unpacked for ours),
 * and keeps it so. Returns the methods and the copies to free.
 */
export async function methods(x: Inputs): Promise<[Method[], tf.Tensor[]]> {
  const {ids, oneHot, idsFloat} = x;
  const layers = layersSparseCategoricalCrossentropy();
  const values = await x.logits.data();
  const copies: tf.Tensor[] = [];
  const own = () => {
    copies.push(tf.tensor(values, x.logits.shape, 'float32'));
    return copies[copies.length - 1];
  };
  const builtin = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(oneHot, z);
  const layersMean = (z: tf.Tensor) => tf.mean(layers(idsFloat, tf.softmax(z)));
  const withGrad = (f: (z: tf.Tensor) => tf.Tensor, z: tf.Tensor): Step => () => {
    const {value, grad} = tf.valueAndGrad(f)(z);
    return [value, grad];
  };
  const lossOnly = (f: (z: tf.Tensor) => tf.Tensor, z: tf.Tensor): Step => () => [tf.tidy(() => f(z))];
  const fused = (z: tf.Tensor) => softmaxCrossEntropy(z, ids);
  const z = Array.from({length: 7}, own);
  const list: Method[] = [
    {kind: 'loss', method: 'tf.losses', label: 'tf.losses.softmaxCrossEntropy (one-hot)', step: lossOnly(builtin, z[0])},
    {kind: 'loss', method: 'tfjs-layers', label: 'tfjs-layers sparseCategoricalCrossentropy of tf.softmax (fromLogits=false)',
      step: lossOnly(layersMean, z[1])},
    {kind: 'loss', method: 'fused', label: 'fused softmaxCrossEntropy (class ids)', step: lossOnly(fused, z[2])},
    {kind: 'value-and-grad', method: 'tf.losses', label: 'tf.valueAndGrad of tf.losses.softmaxCrossEntropy (one-hot)',
      step: withGrad(builtin, z[3])},
    {kind: 'value-and-grad', method: 'tfjs-layers',
      label: 'tf.valueAndGrad of tfjs-layers sparseCategoricalCrossentropy of tf.softmax (fromLogits=false)',
      step: withGrad(layersMean, z[4])},
    {kind: 'value-and-grad', method: 'fused tape', label: 'fused tf.valueAndGrad (class ids)', step: withGrad(fused, z[5])},
    {kind: 'value-and-grad', method: 'fused loss-and-grad', label: 'fused softmaxCrossEntropyWithGrad (class ids)',
      step: () => {
        const {loss, grad} = softmaxCrossEntropyWithGrad(z[6], ids);
        return [loss, grad];
      }},
  ];
  return [list, copies];
}
