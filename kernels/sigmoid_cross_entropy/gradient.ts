/**
 * The registered gradient of FusedSigmoidCrossEntropy, shared by every backend. The logits' gradient
 * is one run of the backward kernel on the saved inputs (nothing else is saved: every entry is its own
 * two-class problem, recomputed in the backward pass). Labels, posWeight and classWeights are
 * differentiable too, through the hand-written gradients of ../../ops/sigmoid_composite.ts, computed
 * from stock ops only when tfjs asks (an input on the tape; tfjs runs only the thunks it needs).
 *
 * Their derivation, per entry, with y' = (1 − ε)·y + ε/2, P = posWeight[col], w = classWeights[col],
 * bce = P·y'·sp(−x) + (1 − y')·sp(x), q = y'·σ(−x) + (1 − y')·σ(x), α_t = α·y' + (1 − α)·(1 − y')
 * (1 when α is absent), f = α_t·q^γ, and ℓ = w·f·bce; dy_e is the entry's upstream gradient (dy of
 * its loss for 'none', dy for 'sum', dy/M for 'mean': M, the number of entries, depends on no input):
 *
 *   ∂ℓ/∂w = f·bce                     ℓ is linear in w
 *   ∂ℓ/∂P = w·f·y'·sp(−x)              only bce's first term holds P, and f does not
 *   ∂ℓ/∂y = (1 − ε)·∂ℓ/∂y'             y' = (1 − ε)·y + ε/2
 *   ∂ℓ/∂y' = w·[∂α_t/∂y'·q^γ·bce + α_t·γ·q^(γ−1)·∂q/∂y'·bce + f·∂bce/∂y']    (product rule on w·α_t·q^γ·bce)
 *     ∂α_t/∂y' = α − (1 − α) = 2α − 1    (0 without α)
 *     ∂q/∂y'   = σ(−x) − σ(x)
 *     ∂bce/∂y' = P·sp(−x) − sp(x)
 * The weights' gradients are summed over each column's entries (times dy_e): [C] each. Where γ = 0 the
 * middle term of ∂ℓ/∂y' is absent (q^γ = 1); where q = 0 it is 0 (bce is 0 there too). NaN inputs
 * make their entries' terms NaN; terms with a zero coefficient are 0 against an infinite softplus.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import {sigmoidCompositeGrad} from '../../ops/sigmoid_composite.js';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyGrad, SigmoidCrossEntropyAttrs} from './contract.js';

export const fusedSigmoidCrossEntropyGradConfig: GradConfig = {
  kernelName: FusedSigmoidCrossEntropy,
  inputsToSave: ['logits', 'labels', 'posWeight', 'classWeights'],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [logits, labels, posWeight, classWeights] = saved;
    const dy = Array.isArray(dys) ? dys[0] : dys;
    const a = attrs as SigmoidCrossEntropyAttrs;
    const composite = (which: 'labels' | 'posWeight' | 'classWeights') =>
      sigmoidCompositeGrad(which, logits, labels, posWeight, classWeights, dy, a);
    return {
      logits: () => tf.engine().runKernel(FusedSigmoidCrossEntropyGrad,
          {logits, labels, posWeight, classWeights, dy}, attrs) as Tensor,
      labels: () => composite('labels'),
      posWeight: () => composite('posWeight'),
      classWeights: () => composite('classWeights'),
    };
  },
};
