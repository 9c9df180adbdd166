/**
 * cpu SigmoidCrossEntropyWithLogits: loss and dlogits in one pass, one exp and one log1p per entry
 * for both (entry.ts lossGrad), each input read once.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {SigmoidCrossEntropyAttrs, SigmoidCrossEntropyWithLogits, SigmoidCrossEntropyWithLogitsInputs,
  sigmoidLossShape} from '../contract.js';
import {lossValues} from '../../softmax_cross_entropy/cpu/reduce.js';
import {focalLossGrad, lossGrad} from './entry.js';
import {Problem, readProblem} from './problem.js';

/*
 * Losses into `out` ('none') or summed (returned), and g = the gradient of the reduced loss: each
 * entry's upstream gradient is p.scale (1, or 1/M for 'mean'), as the backward kernel's with dy = 1,
 * so the two kernels' gradients are the same bits. One function per variant, each with its own
 * inlining budget (forward.ts says why).
 */

function lossesAndGradients(p: Problem, out: Float32Array, g: Float32Array, none: boolean): number {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1, scale} = p;
  let total = 0;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const w = clsCol === null ? clsAll : clsCol[c];
      const at = alpha0 + alpha1 * yp;
      const l = lossGrad(x[i], yp, posCol === null ? posAll : posCol[c], w * at, (scale * w) * at, g, i);
      if (none) out[i] = l; else total += l;
    }
  }
  return total;
}

function focalLossesAndGradients(p: Problem, out: Float32Array, g: Float32Array, none: boolean): number {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1, gamma, square, scale} = p;
  let total = 0;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const w = clsCol === null ? clsAll : clsCol[c];
      const at = alpha0 + alpha1 * yp;
      const l = focalLossGrad(x[i], yp, posCol === null ? posAll : posCol[c], w * at, (scale * w) * at, gamma,
          square, g, i);
      if (none) out[i] = l; else total += l;
    }
  }
  return total;
}

export function sigmoidCrossEntropyWithLogits(args: {
  inputs: SigmoidCrossEntropyWithLogitsInputs, backend: MathBackendCPU, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const none = attrs.reduction === 'none';
  const out = new Float32Array(none ? p.entries : 0);
  const g = new Float32Array(p.entries);
  const total = p.gamma > 0 ? focalLossesAndGradients(p, out, g, none) : lossesAndGradients(p, out, g, none);
  return [
    backend.makeTensorInfo(sigmoidLossShape(inputs.logits.shape, attrs.reduction), 'float32',
        lossValues(attrs.reduction, out, total, p.entries)),
    backend.makeTensorInfo(inputs.logits.shape, 'float32', g),
  ];
}

export const sigmoidCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SigmoidCrossEntropyWithLogits,
  backendName: 'cpu',
  kernelFunc: sigmoidCrossEntropyWithLogits as unknown as KernelFunc,
};
