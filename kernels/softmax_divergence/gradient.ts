/**
 * The registered gradient of FusedSoftmaxDivergence, shared by every backend: the logits' gradient is
 * one run of the backward kernel on the saved lse and aux pairs. Only the loss output reaches users,
 * so the other outputs' dy (zeros of [N], which tfjs makes for unused outputs) are ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import {divergenceRows, divergenceTargetsGradient} from '../../ops/divergence_composite.js';
import {FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, SoftmaxDivergenceAttrs} from './contract.js';

export const fusedSoftmaxDivergenceGradConfig: GradConfig = {
  kernelName: FusedSoftmaxDivergence,
  inputsToSave: ['logits', 'targets'],
  outputsToSave: [false, true, true, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [logits, targets, lse, lseLow, aux, auxLow] = saved;
    const dy = (dys as Tensor[])[0];
    const a = attrs as SoftmaxDivergenceAttrs;
    return {
      logits: () => tf.engine().runKernel(FusedSoftmaxDivergenceGrad,
          {logits, targets, lse, lseLow, aux, auxLow, dy}, attrs) as Tensor,
      // A teacher is a constant (a frozen teacher: zeros). For entropy the targets input is the logits
      // tensor itself, whose whole gradient the logits' entry already carries: a nonzero here would
      // count it twice. Probabilities get scale·dy_i·(log P_c − log p_c + 1), from stock ops only
      // when tfjs asks (targets on the tape).
      targets: () => a.kind === 'klProbabilities'
          ? divergenceTargetsGradient(divergenceRows(logits, targets, a), dy, a)
          : tf.zerosLike(targets),
    };
  },
};
