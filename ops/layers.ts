/**
 * tfjs-layers integration: loss functions for model.compile({loss}) on the fused kernels, and
 * compile(), which lets model.fit take class ids as targets.
 *
 * Why compile(): tfjs-layers checks fit()'s targets against the model's output shape ([N, K]) unless
 * the compiled loss is its own sparseCategoricalCrossentropy (by function identity, in a private
 * field), so class ids of shape [N] or [N, 1] are refused for any other loss. compile() compiles with
 * that loss's name, which makes fit() accept class ids (and 'accuracy' mean sparse accuracy), then puts
 * the fused loss in `model.lossFunctions`, the public field the training and evaluation steps call
 * (for a Sequential, also in the LayersModel it wraps). No tfjs function is replaced. The model's
 * `loss` still names tfjs's loss, so a model saved with its training config and loaded again needs
 * layers.compile again. fitDataset() and custom loops do not check targets that way: there a
 * plain model.compile({loss}) is enough. (A loss given as a {outputName: loss} map is passed to
 * model.compile unchanged.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel, ModelCompileArgs} from '@tensorflow/tfjs-layers';
import {softmaxCrossEntropy} from './softmax_cross_entropy.js';
import {SoftmaxCrossEntropyOptions, toAttrs} from './options.js';
import {logitsOf, splitFromLogits} from './layers_common.js';

export {binaryCrossentropy, binaryFocalCrossentropy} from './layers_binary.js';
export type {BinaryLayersLossOptions} from './layers_binary.js';
export {categoricalFocalCrossentropy, kullbackLeiblerDivergence} from './layers_family.js';
export type {FocalLayersLossOptions, KLLayersLossOptions} from './layers_family.js';

/** Options of the tfjs-layers losses: softmaxCrossEntropy's, and whether the model outputs logits. */
export interface LayersLossOptions extends SoftmaxCrossEntropyOptions {
  /**
   * true (default): the model's last layer outputs logits (no softmax activation), the fused path.
   * false: it outputs probabilities (a softmax layer); the loss takes their log as logits, clipped
   * at 1e-7 as tfjs-layers' own loss clips them.
   */
  fromLogits?: boolean;
}

/** A tfjs-layers loss: (targets, model outputs) → the loss (a scalar, or one per row for 'none'). */
export type LayersLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Marks the class-id losses, which compile() lets fit() give class ids. */
const SPARSE = Symbol('tfjs-fused-cross-entropy sparse loss');

function split(op: string, options: LayersLossOptions, sparse: boolean) {
  const {fromLogits, rest} = splitFromLogits(op, options);
  toAttrs(op, rest, sparse);  // every other option checked now, naming it, not at the first training step
  return {fromLogits, rest};
}

/**
 * Sparse (class-id) softmax cross-entropy for model.compile: targets are class ids, shape [N] or
 * [N, 1] (any numeric dtype: tfjs-layers hands targets over as given, often float32), outputs are
 * logits [N, K]. Compile with {@link compile} to give model.fit() class ids; fitDataset() and custom
 * loops take it from model.compile() directly.
 *
 * @param options softmaxCrossEntropy's options (reduction default 'mean': with ignoreIndex or class
 *   weights, the mean over the counted rows' weights, as PyTorch's), and fromLogits (default true).
 */
export function sparseCategoricalCrossentropy(options: LayersLossOptions = {}): LayersLoss {
  const op = 'layers.sparseCategoricalCrossentropy';
  const {fromLogits, rest} = split(op, options, true);
  const loss: LayersLoss = (yTrue, yPred) => tf.tidy(() => {
    const logits = logitsOf(yPred, fromLogits);
    const rows = logits.shape.slice(0, -1);
    const N = rows.reduce((a, b) => a * b, 1);
    if (yTrue.size !== N) {
      throw new Error(`${op}: targets must be one class id per row, shape [${rows}] or [${rows},1]; got ` +
          `[${yTrue.shape}] for outputs [${logits.shape}]. (One-hot targets: use layers.categoricalCrossentropy.)`);
    }
    const flat = tf.reshape(yTrue, rows);
    const ids = flat.dtype === 'int32' ? flat : tf.cast(flat, 'int32');
    return softmaxCrossEntropy(logits, ids, rest);
  });
  Object.defineProperty(loss, SPARSE, {value: true});
  return loss;
}

/**
 * Softmax cross-entropy with probability targets (one-hot or soft) of the outputs' shape [N, K], for
 * model.compile({loss}) as it is.
 *
 * @param options softmaxCrossEntropy's options except ignoreIndex (class ids only), and fromLogits.
 */
export function categoricalCrossentropy(options: LayersLossOptions = {}): LayersLoss {
  const op = 'layers.categoricalCrossentropy';
  const {fromLogits, rest} = split(op, options, false);
  return (yTrue, yPred) => tf.tidy(() => {
    const labels = yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32');
    return softmaxCrossEntropy(logitsOf(yPred, fromLogits), labels, rest);
  });
}

/**
 * model.compile(args), except that a loss from {@link sparseCategoricalCrossentropy} lets
 * model.fit() take class ids of shape [N] or [N, 1] as targets, and `metrics: ['accuracy']` then
 * means sparse categorical accuracy (tf.metrics.sparseCategoricalAccuracy, which reads the argmax of
 * the logits). Other losses compile as model.compile would.
 */
export function compile(model: LayersModel, args: ModelCompileArgs): void {
  const single = !Array.isArray(args.loss);
  const losses = single ? [args.loss] : args.loss as unknown[];
  const sparse = losses.map((l) => typeof l === 'function' && (l as unknown as Record<symbol, unknown>)[SPARSE] === true);
  if (!sparse.some((s) => s)) {
    model.compile(args);
    return;
  }
  const named = losses.map((l, i) => (sparse[i] ? 'sparseCategoricalCrossentropy' : l));
  model.compile({...args, loss: (single ? named[0] : named) as ModelCompileArgs['loss']});
  // A Sequential compiles, fits and evaluates through an inner LayersModel (its `model` field, private
  // in tfjs-layers' typings): the fused loss goes there too, as nothing public reaches it.
  const inner = (model as unknown as {model?: LayersModel}).model;
  for (const m of [model, inner]) {
    if (m?.lossFunctions === undefined) continue;
    // one loss function per model output; a single loss serves them all
    m.lossFunctions = m.lossFunctions.map((f, i) => {
      const j = single ? 0 : i;
      return sparse[j] ? losses[j] as typeof f : f;
    });
  }
}
