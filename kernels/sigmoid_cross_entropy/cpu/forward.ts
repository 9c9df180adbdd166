/** cpu FusedSigmoidCrossEntropy: logits, labels → [loss], one read of each input. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyInputs, SigmoidCrossEntropyAttrs,
  sigmoidLossShape} from '../contract.js';
import {lossValues} from '../../softmax_cross_entropy/cpu/reduce.js';
import {focalLoss, loss} from './entry.js';
import {Problem, readProblem} from './problem.js';

/*
 * Every entry's loss into `out` ('none') or summed in float64 (returned). One function per variant:
 * TurboFan gives each optimized function one inlining budget (920 bytecodes cumulative, Node 20), the
 * focal entry with its exp and log1p takes most of it, and what does not fit is called out of line
 * with every float boxed (measured: γ = 2 went from 16 to 32 ns an entry once a second variant's
 * code had to share its function's budget, entry.ts power). The unweighted loop reads no weights
 * (posCol, clsCol null); only γ > 0 runs focal code.
 */

function losses(p: Problem, out: Float32Array, none: boolean): number {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1} = p;
  let total = 0;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const w = clsCol === null ? clsAll : clsCol[c];
      const l = loss(x[i], yp, posCol === null ? posAll : posCol[c], w * (alpha0 + alpha1 * yp));
      if (none) out[i] = l; else total += l;
    }
  }
  return total;
}

function focalLosses(p: Problem, out: Float32Array, none: boolean): number {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1, gamma, square} = p;
  let total = 0;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const w = clsCol === null ? clsAll : clsCol[c];
      const l = focalLoss(x[i], yp, posCol === null ? posAll : posCol[c], w * (alpha0 + alpha1 * yp), gamma, square);
      if (none) out[i] = l; else total += l;
    }
  }
  return total;
}

export function fusedSigmoidCrossEntropy(args: {
  inputs: FusedSigmoidCrossEntropyInputs, backend: MathBackendCPU, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const none = attrs.reduction === 'none';
  const out = new Float32Array(none ? p.entries : 0);
  const total = p.gamma > 0 ? focalLosses(p, out, none) : losses(p, out, none);
  return [backend.makeTensorInfo(sigmoidLossShape(inputs.logits.shape, attrs.reduction), 'float32',
      lossValues(attrs.reduction, out, total, p.entries))];
}

export const fusedSigmoidCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropy,
  backendName: 'cpu',
  kernelFunc: fusedSigmoidCrossEntropy as unknown as KernelFunc,
};
