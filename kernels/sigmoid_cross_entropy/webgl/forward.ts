/**
 * webgl FusedSigmoidCrossEntropy: logits, labels, posWeight, classWeights → [loss].
 *
 *   'none'          1 program: one loss per texel (entry_program.ts, layout 'loss')
 *   'sum', 'mean'   2 programs: per-block partial sums, then their sum (sum_program.ts says why WebGL
 *                   needs the second); 1 when one block is all of it (M ≤ SINGLE_PASS_ENTRIES)
 */
import {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyInputs, SigmoidCrossEntropyAttrs} from '../contract.js';
import {cut, entryPass, sumPass, withTextures} from './passes.js';
import {describe} from './problem.js';

export function fusedSigmoidCrossEntropy(args: {
  inputs: FusedSigmoidCrossEntropyInputs, backend: WebGLBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe('sigmoidCrossEntropy', inputs, attrs);
  const shape = inputs.logits.shape;
  const none = attrs.reduction === 'none';
  // no entries: nothing for a program to do (an empty sum or mean is exactly 0)
  if (p.M === 0) return [backend.makeTensorInfo(none ? shape : [], 'float32', new Float32Array(none ? 0 : 1))];
  return withTextures(backend, p, (q) => {
    if (none) return cut(backend, entryPass(backend, q, 'loss'), [shape]);
    // 1. entry terms and 2. loss, summed per block ...
    const partials = entryPass(backend, q, 'partials');
    if (q.numBlocks === 1) return cut(backend, partials, [[]]);
    // ... and the blocks summed
    return [sumPass(backend, q, partials)];
  });
}

export const fusedSigmoidCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSigmoidCrossEntropy,
  backendName: 'webgl',
  kernelFunc: fusedSigmoidCrossEntropy as unknown as KernelFunc,
};
