/**
 * The next-word model: Bengio et al.'s neural probabilistic language model, small. The previous k
 * words' embeddings, concatenated, go through one tanh layer to the hidden state h [tokens, H], and
 * the head scores all V words from h. Two heads, the same model, from the same initial weights:
 *
 *   'fused'      linearCrossEntropy(h, W, next, {bias: b}): the logits are made and consumed in row
 *                chunks inside the op, never [tokens, V] at once
 *   'tf.losses'  tf.losses.softmaxCrossEntropy(tf.oneHot(next, V), tf.matMul(h, W) + b): tfjs's own,
 *                with the [tokens, V] logits and the one-hot labels, and tfjs's autodiff through both
 *
 * W is [H, V] (a dense layer's kernel), or with `tie` the embedding matrix itself, [V, E] with E = H,
 * read transposed (transposeWeight: true; tf.matMul(h, E, false, true) for the tf.losses head).
 */
import * as tf from '@tensorflow/tfjs';
import {linearCrossEntropy} from '../../index';

export type HeadKind = 'fused' | 'tf.losses';
export const HEADS: HeadKind[] = ['fused', 'tf.losses'];
export const HEAD_LABEL: Record<HeadKind, string> = {
  'fused': 'linearCrossEntropy (fused head)',
  'tf.losses': 'matMul + tf.losses.softmaxCrossEntropy',
};

export interface LmConfig {
  /** V: the vocabulary, <unk> and <s> included */
  vocabSize: number;
  /** k: how many previous words the model sees */
  context: number;
  /** E: embedding width */
  embedding: number;
  /** H: hidden width (must equal E when tied) */
  hidden: number;
  /** the output weight is the embedding matrix (transposed) */
  tie: boolean;
}

export const DEFAULT_CONFIG: Omit<LmConfig, 'vocabSize'> = {context: 3, embedding: 64, hidden: 64, tie: false};

/** The model's weights by name; `out` is absent when tied. */
export type Weights = Record<string, tf.Tensor>;

/**
 * The initial weights, from seeded generators: the same numbers on every backend, so both heads (and
 * Node and the browser) start from the same model. The output weight starts small and the output
 * bias at `logPrior` (the log unigram frequencies of the training text, see logUnigram) when given,
 * else at 0: an untrained model then predicts the unigram distribution (or the uniform one, held-out
 * perplexity about V), and what training adds beyond it is what the context contributes.
 */
export function initialWeights(c: LmConfig, seed = 1, logPrior?: Float32Array): Weights {
  if (c.tie && c.embedding !== c.hidden) {
    throw new Error(`a tied output weight needs embedding = hidden; got ${c.embedding} and ${c.hidden}`);
  }
  if (logPrior !== undefined && logPrior.length !== c.vocabSize) {
    throw new Error(`logPrior has ${logPrior.length} entries for a vocabulary of ${c.vocabSize}`);
  }
  const k = c.context;
  return tf.tidy(() => ({
    embedding: tf.randomNormal([c.vocabSize, c.embedding], 0, c.tie ? 0.05 : 0.1, 'float32', seed),
    w1: tf.randomNormal([k * c.embedding, c.hidden], 0, 1 / Math.sqrt(k * c.embedding), 'float32', seed + 1),
    b1: tf.zeros([c.hidden]),
    ...(c.tie ? {} : {out: tf.randomNormal([c.hidden, c.vocabSize], 0, 0.02, 'float32', seed + 2)}),
    bias: logPrior !== undefined ? tf.tensor1d(logPrior) : tf.zeros([c.vocabSize]),
  }));
}

/** log p(word) over the training ids, add-one smoothed: the output bias of a unigram model. */
export function logUnigram(ids: Uint16Array, vocabSize: number): Float32Array {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const id of ids) counts[id]++;
  const total = ids.length + vocabSize;
  return Float32Array.from(counts, (n) => Math.log(n / total));
}

/**
 * The embedding rows of `ids`: tf.gather, whose gradient (the rows' gradients summed into a [V, E]
 * table) is written as tf.scatterND, which sums repeated ids. tf.gather's own gradient uses
 * UnsortedSegmentSum, which tfjs's wasm backend does not have (4.22).
 */
function lookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([ids]);  // kept for the backward pass (the caller's tidy would dispose ids before it)
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved, 1), dy, t.shape),
    };
  });
  return (f as (t: tf.Tensor) => tf.Tensor)(table) as tf.Tensor2D;
}

export class LanguageModel {
  readonly vars: Record<string, tf.Variable>;

  /** Variables starting from `init` (which the caller keeps, unchanged, and disposes). */
  constructor(readonly config: LmConfig, init: Weights, readonly name = 'lm') {
    this.vars = Object.fromEntries(Object.entries(init).map(([k, t]) =>
      // a variable shares its initial tensor's data until the optimizer assigns it new values
      [k, tf.variable(t, true, `${name}/${k}`)]));
  }

  get varList(): tf.Variable[] { return Object.values(this.vars); }

  /** W as the head reads it, and whether it is [V, H] (tied) rather than [H, V]. */
  private get outWeight(): {weight: tf.Tensor2D, transposeWeight: boolean} {
    return this.config.tie
      ? {weight: this.vars.embedding as tf.Tensor2D, transposeWeight: true}
      : {weight: this.vars.out as tf.Tensor2D, transposeWeight: false};
  }

  /** h [n, H] from the contexts, int32 [n, k]. */
  hidden(context: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, k] = context.shape;
      const e = tf.reshape(lookup(this.vars.embedding as tf.Tensor2D, tf.reshape(context, [n * k])),
          [n, k * this.config.embedding]);
      return tf.tanh(tf.add(tf.matMul(e, this.vars.w1), this.vars.b1)) as tf.Tensor2D;
    });
  }

  /**
   * The training loss: the mean cross-entropy (nats per word) of predicting `next` (int32 [n]) after
   * each context, through the chosen head.
   */
  loss(head: HeadKind, context: tf.Tensor2D, next: tf.Tensor1D): tf.Scalar {
    const h = this.hidden(context);
    const {weight, transposeWeight} = this.outWeight;
    const bias = this.vars.bias as tf.Tensor1D;
    if (head === 'fused') return linearCrossEntropy(h, weight, next, {bias, transposeWeight});
    const logits = tf.add(tf.matMul(h, weight, false, transposeWeight), bias);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(next, this.config.vocabSize), logits) as tf.Scalar;
  }

  /**
   * The summed cross-entropy over these examples, outside any tape: linearCrossEntropy with
   * reduction 'sum', so evaluating a batch never makes its logits either. Held-out perplexity is
   * exp(Σ sums / Σ counts) over the batches (train.ts streams it).
   */
  sumLoss(context: tf.Tensor2D, next: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const {weight, transposeWeight} = this.outWeight;
      return linearCrossEntropy(this.hidden(context), weight, next,
          {bias: this.vars.bias as tf.Tensor1D, transposeWeight, reduction: 'sum'});
    });
  }

  /** The weights now, copied (for checks: both heads' models start equal). */
  snapshot(): Weights {
    return Object.fromEntries(Object.entries(this.vars).map(([k, v]) => [k, v.clone()]));
  }

  dispose(): void {
    tf.dispose(this.varList);
  }
}

/** Weight count (the head's W and b included). */
export function parameterCount(c: LmConfig): number {
  return c.vocabSize * c.embedding + c.context * c.embedding * c.hidden + c.hidden +
      (c.tie ? 0 : c.hidden * c.vocabSize) + c.vocabSize;
}
