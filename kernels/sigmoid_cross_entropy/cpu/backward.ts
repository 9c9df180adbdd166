/** cpu FusedSigmoidCrossEntropyGrad: one read of logits, labels and dy, one write of dlogits. */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {FusedSigmoidCrossEntropyGrad, FusedSigmoidCrossEntropyGradInputs,
  SigmoidCrossEntropyAttrs} from '../contract.js';
import {focalGrad, grad} from './entry.js';
import {Problem, readProblem, values} from './problem.js';

/*
 * g[i] = ∂ℓ_i/∂x_i times the entry's upstream gradient: dyAll for every entry (dy of a reduced loss,
 * times 1/M for a mean), or dyEach[i] when dyEach is given ('none'). One function per variant, each
 * with its own inlining budget (forward.ts says why).
 */

function gradients(p: Problem, g: Float32Array, dyEach: Float32Array | null, dyAll: number): void {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1} = p;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const d = dyEach === null ? dyAll : dyEach[i];
      const w = clsCol === null ? clsAll : clsCol[c];
      g[i] = grad(x[i], yp, posCol === null ? posAll : posCol[c], (d * w) * (alpha0 + alpha1 * yp));
    }
  }
}

function focalGradients(p: Problem, g: Float32Array, dyEach: Float32Array | null, dyAll: number): void {
  const {x, y, width, posCol, posAll, clsCol, clsAll, keep, half, alpha0, alpha1, gamma, square} = p;
  for (let o = 0; o < p.entries; o += width) {
    for (let c = 0; c < width; c++) {
      const i = o + c;
      const yp = keep * y[i] + half;
      const d = dyEach === null ? dyAll : dyEach[i];
      const w = clsCol === null ? clsAll : clsCol[c];
      g[i] = focalGrad(x[i], yp, posCol === null ? posAll : posCol[c], (d * w) * (alpha0 + alpha1 * yp), gamma, square);
    }
  }
}

export function fusedSigmoidCrossEntropyGrad(args: {
  inputs: FusedSigmoidCrossEntropyGradInputs, backend: MathBackendCPU, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const p = readProblem(backend, inputs, attrs);
  const dy = values<Float32Array>(backend, inputs.dy);
  const g = new Float32Array(p.entries);
  // an empty reduced loss still has its scalar dy; p.scale is 0 for an empty mean, and no entry reads it
  const run = p.gamma > 0 ? focalGradients : gradients;
  if (attrs.reduction === 'none') run(p, g, dy, 0); else run(p, g, null, dy[0] * p.scale);
  return backend.makeTensorInfo(inputs.logits.shape, 'float32', g);
}

export const fusedSigmoidCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropyGrad,
  backendName: 'cpu',
  kernelFunc: fusedSigmoidCrossEntropyGrad as unknown as KernelFunc,
};
