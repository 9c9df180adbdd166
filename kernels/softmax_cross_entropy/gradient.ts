/**
 * The registered gradient of FusedSoftmaxCrossEntropy, shared by every backend: the logits' gradient
 * is one run of the backward kernel on the saved lse, denominator and target mass. Only the loss
 * output ever reaches users, so the other outputs' dy (zeros of [N] and [], which tfjs makes for
 * unused outputs) are ignored; none of them is [N, K].
 */
import * as tf from '@tensorflow/tfjs-core';
import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import {classWeightsGradient, compositeRows, probabilitiesGradient} from '../../ops/composite.js';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, SoftmaxCrossEntropyAttrs} from './contract.js';

export const fusedSoftmaxCrossEntropyGradConfig: GradConfig = {
  kernelName: FusedSoftmaxCrossEntropy,
  inputsToSave: ['logits', 'labels', 'classWeights'],
  outputsToSave: [false, true, true, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [logits, labels, classWeights, lse, lseLow, denominator, targetMass] = saved;
    const dy = (dys as Tensor[])[0];
    const a = attrs as SoftmaxCrossEntropyAttrs;
    // Rarely wanted, so computed from stock ops only when tfjs asks (labels or weights on the tape).
    const composite = () => compositeRows(logits, labels, classWeights, a);
    return {
      logits: () => tf.engine().runKernel(FusedSoftmaxCrossEntropyGrad,
          {logits, labels, classWeights, lse, lseLow, denominator, targetMass, dy}, attrs) as Tensor,
      labels: () => labels.dtype === 'int32'
          ? tf.zeros(labels.shape)  // class ids are not differentiable
          : probabilitiesGradient(composite(), classWeights, dy, a),
      classWeights: () => classWeightsGradient(composite(), labels, dy, a),
    };
  },
};
