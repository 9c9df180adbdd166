/**
 * linearCrossEntropy / linearCrossEntropyWithGrad: a language model's head (hidden·W + b) and its
 * softmax cross-entropy without ever holding the [N, V] logits (kernels/linear_cross_entropy/).
 */
import * as tf from '@tensorflow/tfjs-core';
import {Head, headLoss, headLossAndGrads} from '../kernels/linear_cross_entropy/chunked.js';
import {asTensor, LinearCrossEntropyOptions, Prepared, prepareHead} from './linear_options.js';

const OP = 'linearCrossEntropy';

/** The mean's D = Σ w_y over the rows not ignored (the count of those rows without class weights). */
function denominator({head, classWeights, classWeighted: weighted, attrs: {ignoreIndex}}: Prepared): tf.Scalar {
  const N = head.labels.size;
  if (N === 0) return tf.scalar(0);  // tf.sum of an empty tensor is not 0 on tfjs's wasm backend
  const counted = tf.cast(tf.notEqual(head.labels, ignoreIndex), 'float32');
  if (!weighted) return tf.sum(counted);
  // An id out of range gives its row a NaN loss (GPUs) or an error (cpu, wasm) in the kernel; clipped
  // here only so that gather does not throw first.
  const ids = tf.clipByValue(tf.where(tf.notEqual(head.labels, ignoreIndex), head.labels, 0), 0,
      classWeights.size - 1) as tf.Tensor1D;
  return tf.sum(tf.mul(tf.gather(classWeights, tf.cast(ids, 'int32')), counted));
}

/**
 * The softmax cross-entropy of `hidden·weight (+ bias)` against class ids, computed chunk by chunk so
 * that the [N, V] logits never exist: equal to `softmaxCrossEntropy(tf.matMul(hidden, weight) + bias,
 * labels, options)` up to float32 rounding, with a peak of about two chunks of logits beyond the
 * inputs and the gradients.
 *
 * @param hidden float32 [..., H]: the last hidden states, any number of leading (row) axes.
 * @param weight float32 [H, V] (a dense layer's kernel), or [V, H] with `transposeWeight: true`
 *     (a tied embedding matrix).
 * @param labels int32 class ids of shape hidden.shape[:-1] (next tokens; ignoreIndex rows count for nothing).
 * @param options every class-id option of softmaxCrossEntropy, plus bias, transposeWeight, chunkRows, chunkBytes.
 * @returns a scalar, or for reduction 'none' one loss per row (shape hidden.shape[:-1]).
 *
 * Differentiable with respect to hidden, weight and bias through tf.grad, tf.variableGrads and
 * optimizer.minimize. Under a gradient tape a reduced loss computes its gradients in the forward
 * (three matMuls per chunk, as the unfused head) and the backward scales them by dy; reduction
 * 'none' recomputes each chunk's logits in the backward (four matMuls per chunk).
 */
export function linearCrossEntropy(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options: LinearCrossEntropyOptions & {reduction: 'none'}): tf.Tensor;
export function linearCrossEntropy(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options?: LinearCrossEntropyOptions & {reduction?: 'sum' | 'mean'}): tf.Scalar;
export function linearCrossEntropy(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options?: LinearCrossEntropyOptions): tf.Tensor;
export function linearCrossEntropy(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options: LinearCrossEntropyOptions = {}): tf.Tensor {
  // Read before any op runs: inside customGrad's forward tfjs reports the tape as off.
  if (!tf.engine().isTapeOn()) {
    return tf.tidy(() => {
      const p = prepareHead(OP, hidden, weight, labels, options);
      const {reduction} = p.attrs;
      if (reduction === 'none') return tf.reshape(headLoss(p.head, true), p.rows);
      const sum = headLoss(p.head, false);
      return reduction === 'mean' ? tf.divNoNan(sum, denominator(p)) : sum;
    });
  }
  return tf.tidy(() => {
    // Under a tape only conversions run out here (they record nothing): the checks' reshapes and every
    // other op run inside customGrad's forward, which tfjs keeps off the tape, so an error thrown there
    // (a bad class id) leaves no saved tensor behind.
    const h = asTensor(OP, 'hidden', hidden);
    const w = asTensor(OP, 'weight', weight);
    const b = options.bias === undefined ? undefined : asTensor(OP, 'options.bias', options.bias);
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const p = prepareHead(OP, h, w, labels, {...options, ...(b !== undefined ? {bias: b as tf.Tensor1D} : {})});
      const {head} = p;
      const withBias = head.bias !== undefined;
      if (p.attrs.reduction === 'none') {
        const value = tf.reshape(headLoss(head, true), p.rows);
        // dy will be a vector: keep the inputs (O(N·H + H·V), no logits) and redo the chunks then.
        save([head.hidden, head.weight, head.labels, ...(withBias ? [head.bias!] : []),
          ...(p.classWeighted ? [head.loss.classWeights as tf.Tensor] : [])]);
        return {
          value,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [hs, ws, ys, ...rest] = saved;
            const again: Head = {...head, hidden: hs as tf.Tensor2D, weight: ws as tf.Tensor2D, labels: ys as tf.Tensor1D,
              bias: withBias ? rest.shift() as tf.Tensor1D : undefined,
              loss: {...head.loss, ...(p.classWeighted ? {classWeights: rest.shift() as tf.Tensor1D} : {})}};
            const g = headLossAndGrads(again, tf.reshape(dy, [head.labels.size]) as tf.Tensor1D, false);
            g.loss.dispose();
            return [tf.reshape(g.dHidden, p.hidden.shape), g.dWeight, ...(withBias ? [g.dBias!] : [])];
          },
        };
      }
      // A scalar dy: the gradients now, as the loss is computed, and scaled by dy in the backward.
      const d = p.attrs.reduction === 'mean' ? denominator(p) : undefined;
      const g = headLossAndGrads(head, d === undefined ? tf.scalar(1) : tf.divNoNan(1, d), false);
      save([g.dHidden, g.dWeight, ...(withBias ? [g.dBias!] : [])]);
      return {
        value: d === undefined ? g.loss : tf.divNoNan(g.loss, d),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const grads = saved.map((t) => tf.mul(t, dy));
          // Freed now rather than when tfjs ends the whole backward pass.
          tf.dispose(saved);
          grads[0] = tf.reshape(grads[0], h.shape);
          return grads;
        },
      };
    });
    return (f as (...t: tf.Tensor[]) => tf.Tensor)(h, w, ...(b !== undefined ? [b] : []));
  });
}

/**
 * The result of {@link linearCrossEntropyWithGrad} (a type alias, so tf.dispose(result) accepts it).
 * `L` is tf.Scalar for a reduced loss and tf.Tensor for reduction 'none'.
 */
export type LinearLossAndGrads<L extends tf.Tensor = tf.Tensor> = {
  /** As linearCrossEntropy returns it. */
  loss: L;
  /** d(loss)/d(hidden), hidden's shape. */
  dHidden: tf.Tensor;
  /** d(loss)/d(weight), weight's shape. */
  dWeight: tf.Tensor2D;
  /** d(loss)/d(bias), [V]; present when options.bias is given. */
  dBias?: tf.Tensor1D;
};

/**
 * The loss and its gradients with respect to hidden, weight and bias in one chunked pass, without a
 * tape (for a hand-written training step). For reduction 'none' the gradients are those of the
 * summed losses, as softmaxCrossEntropyWithGrad's. Arguments as {@link linearCrossEntropy}.
 */
export function linearCrossEntropyWithGrad(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options: LinearCrossEntropyOptions & {reduction: 'none'}): LinearLossAndGrads;
export function linearCrossEntropyWithGrad(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options?: LinearCrossEntropyOptions & {reduction?: 'sum' | 'mean'}
): LinearLossAndGrads<tf.Scalar>;
export function linearCrossEntropyWithGrad(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options?: LinearCrossEntropyOptions): LinearLossAndGrads;
export function linearCrossEntropyWithGrad(hidden: tf.Tensor | tf.TensorLike, weight: tf.Tensor | tf.TensorLike,
    labels: tf.Tensor | tf.TensorLike, options: LinearCrossEntropyOptions = {}): LinearLossAndGrads {
  return tf.tidy(() => {
    const p = prepareHead('linearCrossEntropyWithGrad', hidden, weight, labels, options);
    const {head} = p;
    const {reduction} = p.attrs;
    const d = reduction === 'mean' ? denominator(p) : undefined;
    const g = headLossAndGrads(head, d === undefined ? tf.scalar(1) : tf.divNoNan(1, d), reduction === 'none');
    const loss = reduction === 'none' ? tf.reshape(g.loss, p.rows) : d === undefined ? g.loss : tf.divNoNan(g.loss, d);
    return {loss, dHidden: tf.reshape(g.dHidden, p.hidden.shape), dWeight: g.dWeight,
      ...(g.dBias !== undefined ? {dBias: g.dBias} : {})};
  });
}
