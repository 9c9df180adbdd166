/**
 * webgl SigmoidCrossEntropyWithLogits: loss and dlogits.
 *
 *   'none'                1 program: [M losses][M gradient entries] in one output cut in two
 *                         (program.ts views, no copies)
 *   one-block sum, mean   1 program: [M gradient entries][the loss], its one partial-sum texel
 *                         summing all M losses (M ≤ SINGLE_PASS_ENTRIES, problem.ts)
 *   longer sums, means    3 programs: the gradient, the partial sums, their sum. The issue asks for 1,
 *                         which WebGL 2 cannot do (sum_program.ts); 2 would write the partial sums
 *                         into the gradient's output, which on SwiftShader took 2.3× as long
 *                         (entry_program.ts), so the partials run as the forward kernel runs them.
 */
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import {SigmoidCrossEntropyAttrs, SigmoidCrossEntropyWithLogits, SigmoidCrossEntropyWithLogitsInputs} from '../contract.js';
import {cut, entryPass, sumPass, withTextures} from './passes.js';
import {describe} from './problem.js';

export function sigmoidCrossEntropyWithLogits(args: {
  inputs: SigmoidCrossEntropyWithLogitsInputs, backend: WebGLBackend, attrs: SigmoidCrossEntropyAttrs,
}): TensorInfo[] {
  const {inputs, backend, attrs} = args;
  const p = describe('sigmoidCrossEntropyWithGrad', inputs, attrs);
  const shape = inputs.logits.shape;
  if (p.M === 0) {  // no entries: an empty gradient, and an empty sum or mean is exactly 0
    const none = attrs.reduction === 'none';
    return [backend.makeTensorInfo(none ? shape : [], 'float32', new Float32Array(none ? 0 : 1)),
      backend.makeTensorInfo(shape, 'float32', new Float32Array(0))];
  }
  // 1. entry terms, 2. loss and 3. gradient
  return withTextures(backend, p, (q) => {
    if (attrs.reduction === 'none') return cut(backend, entryPass(backend, q, 'lossGrad'), [shape, shape]);
    if (q.numBlocks === 1) {
      const [grad, loss] = cut(backend, entryPass(backend, q, 'gradLoss'), [shape, []]);
      return [loss, grad];
    }
    const [grad] = cut(backend, entryPass(backend, q, 'grad'), [shape]);
    return [sumPass(backend, q, entryPass(backend, q, 'partials')), grad];
  });
}

export const sigmoidCrossEntropyWithLogitsConfig: KernelConfig = {
  kernelName: SigmoidCrossEntropyWithLogits,
  backendName: 'webgl',
  kernelFunc: sigmoidCrossEntropyWithLogits as unknown as KernelFunc,
};
