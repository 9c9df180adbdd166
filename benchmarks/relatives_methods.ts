/**
 * The computations the relatives' rows time, value-and-grad only, on one [N, K] problem: for each of the
 * softmax focal loss, KL divergence, distillation and entropy, the formula a user writes today in tfjs
 * ops (the baseline) and ours under tf.valueAndGrad (tape) and as *WithGrad (loss-and-grad). Every method
 * gets its own copy of the inputs (see relativesMethods()).
 */
import * as tf from '@tensorflow/tfjs';
import {distillationLoss, distillationLossWithGrad, entropy, entropyWithGrad, klDivergence, klDivergenceWithGrad,
  softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../dist/cjs/index.js';
import type {Method, Step} from './methods';
import type {Loss} from './row';

/** Keras' CategoricalFocalCrossentropy defaults; Hinton et al.'s distillation at T = 2. */
export const FOCAL = {gamma: 2, alpha: 0.25};
export const T = 2;

export interface RelativesInputs {
  /** float32 [N, K], normal with σ = 3: the student */
  logits: tf.Tensor;
  /** float32 [N, K], normal with σ = 3: the teacher */
  teacher: tf.Tensor;
  /** float32 [N, K]: softmax of the teacher, the probability targets */
  probs: tf.Tensor;
  /** float32 [N, K]: one-hot rows (the focal loss's targets, Keras takes one-hot) */
  oneHot: tf.Tensor;
  /** int32 [N]: the class ids of the one-hot rows (softmax cross-entropy's reference row) */
  ids: tf.Tensor;
}

export function relativesInputs(N: number, K: number, seed: number): RelativesInputs {
  return tf.tidy(() => {
    const teacher = tf.randomNormal([N, K], 0, 3, 'float32', seed + 1);
    const ids = tf.randomUniform([N], 0, K, 'int32', seed + 2);
    return {logits: tf.randomNormal([N, K], 0, 3, 'float32', seed), teacher, probs: tf.softmax(teacher), ids,
      oneHot: tf.cast(tf.oneHot(ids, K), 'float32')};
  });
}

/** Keras' categorical focal loss from logits, in tfjs ops: Σ_c α·(1 − p)^γ·(−y·log p), batch mean. */
function focalInTfjsOps(y: tf.Tensor, z: tf.Tensor): tf.Tensor {
  const p = tf.clipByValue(tf.softmax(z), 1e-7, 1 - 1e-7);
  const cce = tf.neg(tf.mul(y, tf.log(p)));
  return tf.mean(tf.sum(tf.mul(tf.mul(FOCAL.alpha, tf.pow(tf.sub(1, p), FOCAL.gamma)), cce), -1));
}

/** KL(P ‖ softmax(z)) in tfjs ops, batch mean: tf.sum(P·(log P − logSoftmax(z))) / N (P has no zeros here). */
function klInTfjsOps(P: tf.Tensor, z: tf.Tensor): tf.Tensor {
  return tf.div(tf.sum(tf.mul(P, tf.sub(tf.log(P), tf.logSoftmax(z)))), z.shape[0]);
}

/** Distillation as written today: tf.softmax(teacher / T) as the labels of tf.losses.softmaxCrossEntropy, times T². */
function distillationInTfjsOps(teacher: tf.Tensor, z: tf.Tensor): tf.Tensor {
  const P = tf.softmax(tf.div(teacher, T));
  return tf.mul(tf.losses.softmaxCrossEntropy(P, tf.div(z, T), undefined, 0, tf.Reduction.MEAN), T * T);
}

/** Entropy of softmax(z) in tfjs ops, batch mean: −Σ softmax(z)·logSoftmax(z). */
function entropyInTfjsOps(_: tf.Tensor, z: tf.Tensor): tf.Tensor {
  return tf.neg(tf.div(tf.sum(tf.mul(tf.softmax(z), tf.logSoftmax(z))), z.shape[0]));
}

type Target = 'oneHot' | 'probs' | 'teacher' | 'ids' | 'none';

interface LossSpec {
  target: Target;
  ops: (t: tf.Tensor, z: tf.Tensor) => tf.Tensor;
  opsLabel: string;
  tape: (z: tf.Tensor, t: tf.Tensor) => tf.Tensor;
  tapeLabel: string;
  withGrad: (z: tf.Tensor, t: tf.Tensor) => {loss: tf.Tensor, grad: tf.Tensor};
  withGradLabel: string;
}

const alpha = (K: number) => new Array<number>(K).fill(FOCAL.alpha);

const SPECS: Record<Exclude<Loss, 'softmax' | 'sigmoid' | 'focal'>, LossSpec> = {
  'softmax-focal': {
    target: 'oneHot', ops: focalInTfjsOps,
    opsLabel: 'tf.valueAndGrad of Keras\' CategoricalFocalCrossentropy in tfjs ops (γ = 2, α = 0.25, from logits)',
    tape: (z, y) => softmaxCrossEntropy(z, y, {focalGamma: FOCAL.gamma, classWeights: alpha(z.shape[z.rank - 1])}),
    tapeLabel: 'fused tf.valueAndGrad of softmaxCrossEntropy (focalGamma 2, classWeights all 0.25, one-hot)',
    withGrad: (z, y) => softmaxCrossEntropyWithGrad(z, y, {focalGamma: FOCAL.gamma, classWeights: alpha(z.shape[z.rank - 1])}),
    withGradLabel: 'fused softmaxCrossEntropyWithGrad (focalGamma 2, classWeights all 0.25, one-hot)',
  },
  'kl': {
    target: 'probs', ops: klInTfjsOps, opsLabel: 'tf.valueAndGrad of tf.sum(P·(log P − tf.logSoftmax(z))) / N',
    tape: (z, P) => klDivergence(z, P), tapeLabel: 'fused tf.valueAndGrad of klDivergence (probabilities, mean)',
    withGrad: (z, P) => klDivergenceWithGrad(z, P), withGradLabel: 'fused klDivergenceWithGrad (probabilities, mean)',
  },
  'distillation': {
    target: 'teacher', ops: distillationInTfjsOps,
    opsLabel: 'tf.valueAndGrad of T²·tf.losses.softmaxCrossEntropy(tf.softmax(t / T), s / T) (T = 2, mean)',
    tape: (z, t) => distillationLoss(z, t, {temperature: T}), tapeLabel: 'fused tf.valueAndGrad of distillationLoss (T = 2)',
    withGrad: (z, t) => distillationLossWithGrad(z, t, {temperature: T}),
    withGradLabel: 'fused distillationLossWithGrad (T = 2)',
  },
  'entropy': {
    target: 'none', ops: entropyInTfjsOps, opsLabel: 'tf.valueAndGrad of −Σ tf.softmax(z)·tf.logSoftmax(z) / N',
    tape: (z) => entropy(z), tapeLabel: 'fused tf.valueAndGrad of entropy (mean)',
    withGrad: (z) => entropyWithGrad(z), withGradLabel: 'fused entropyWithGrad (mean)',
  },
};

export const RELATIVE_LOSSES = Object.keys(SPECS) as Array<keyof typeof SPECS>;

/**
 * The methods of one loss, baseline first. Each reads its own copy of the logits and of the targets:
 * a GPU backend uploads a tensor in the layout of the first program that reads it (packed for tfjs's
 * ops, unpacked for ours), and keeps it so. Distillation also times plain softmaxCrossEntropyWithGrad
 * on the same logits, the loss-and-grad it is held to. Returns the methods and the copies to free.
 */
export async function relativesMethods(x: RelativesInputs, loss: keyof typeof SPECS): Promise<[Method[], tf.Tensor[]]> {
  const spec = SPECS[loss];
  const source = spec.target === 'none' ? x.logits : x[spec.target];
  const [logits, target] = await Promise.all([x.logits.data(), source.data()]);
  const copies: tf.Tensor[] = [];
  const own = (t = target, like = source): [tf.Tensor, tf.Tensor] => {
    copies.push(tf.tensor(logits, x.logits.shape, 'float32'), tf.tensor(t, like.shape, like.dtype));
    return [copies[copies.length - 2], copies[copies.length - 1]];
  };
  const withTape = (f: (t: tf.Tensor, z: tf.Tensor) => tf.Tensor): Step => {
    const [z, t] = own();
    const vg = tf.valueAndGrad((v: tf.Tensor) => f(t, v));
    return () => {
      const {value, grad} = vg(z);
      return [value, grad];
    };
  };
  const lossAndGrad = (f: (z: tf.Tensor, t: tf.Tensor) => {loss: tf.Tensor, grad: tf.Tensor}, t?: tf.TypedArray,
      like?: tf.Tensor): Step => {
    const [z, y] = own(t, like);
    return () => {
      const r = f(z, y);
      return [r.loss, r.grad];
    };
  };
  const vg = 'value-and-grad' as const;
  const list: Method[] = [
    {kind: vg, method: 'tfjs ops', label: spec.opsLabel, step: withTape(spec.ops)},
    {kind: vg, method: 'fused tape', label: spec.tapeLabel, step: withTape((t, z) => spec.tape(z, t))},
    {kind: vg, method: 'fused loss-and-grad', label: spec.withGradLabel, step: lossAndGrad(spec.withGrad)},
  ];
  if (loss === 'distillation') {
    const ids = await x.ids.data() as Int32Array;
    list.push({kind: vg, method: 'softmax loss-and-grad', label: 'fused softmaxCrossEntropyWithGrad (class ids, mean): ' +
        'the loss-and-grad distillation is held to', step: lossAndGrad((z, y) => softmaxCrossEntropyWithGrad(z, y), ids, x.ids)});
  }
  return [list, copies];
}
