/**
 * webgl FusedSoftmaxCrossEntropy: logits → [loss, lse, lseLow, denominator, targetMass] in two
 * program runs: per-tile partials (partials_program.ts), then per-row stats and the reduced loss
 * (stats_program.ts), whose one output texture is split into the five outputs without copies. Focal
 * rows with spread terms take a third between them (focal_program.ts); targetMass is then B.
 */
import {KernelConfig, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import {inTexture, run, views, WebGLBackend} from '../../../backends/webgl/program.js';
import {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyInputs, lossShape, rowShape,
  SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';
import {focalInputs, focalShape, focalSource} from './focal_program.js';
import {partialsInputs, partialsShape, partialsSource} from './partials_program.js';
import {describe, Problem} from './problem.js';
import {focalSpread, statsInputs, statsSize, statsSource} from './stats_program.js';

/** The forward outputs in the contract's order, and the problem they were computed for. */
export function forwardPass(op: string, backend: WebGLBackend, inputs: SoftmaxCrossEntropyInputs,
    attrs: SoftmaxCrossEntropyAttrs): {outputs: TensorInfo[], problem: Problem} {
  const p = describe(op, inputs, attrs);
  const {logits, labels} = inputs;
  const rs = rowShape(logits.shape);
  const ls = lossShape(logits.shape, attrs.reduction);
  if (p.N === 0) {  // no rows: nothing for a program to do (a mean over no rows is 0)
    const zeros = (shape: number[]) => backend.makeTensorInfo(shape, 'float32', new Float32Array(util.sizeFromShape(shape)));
    return {outputs: [zeros(ls), zeros(rs), zeros(rs), zeros([]), zeros(rs)], problem: p};
  }
  const v = p.variant;
  inTexture(backend, logits);  // read texel by texel (glsl.ts), as probability labels are
  if (!v.ids) inTexture(backend, labels);
  // 1. row max and sum, and 2. the loss's sums, per tile
  const partials = run(backend, partialsInputs(v), p.common, partialsShape(v, p.N, p.tilesPerRow), partialsSource(v),
      p.uniformList, p.uniforms);
  // ... the focal spread terms' sums per tile, against the row's lse
  const focal = focalSpread(v) ? [run(backend, focalInputs(v), [...p.common, partials], focalShape(p.N, p.tilesPerRow),
    focalSource(v), p.uniformList, p.uniforms)] : [];
  // ... combined per row, and over rows
  const stats = run(backend, statsInputs(v), [...p.common, partials, ...focal], [statsSize(v, p.N)], statsSource(v),
      p.uniformList, p.uniforms);
  for (const t of [partials, ...focal]) backend.disposeIntermediateTensorInfo(t);
  const [loss, lse, lseLow, mass, denominator] = views(backend, stats, [ls, rs, rs, rs, []]);
  return {outputs: [loss, lse, lseLow, denominator, mass], problem: p};
}

export function fusedSoftmaxCrossEntropy(args: {
  inputs: FusedSoftmaxCrossEntropyInputs, backend: WebGLBackend, attrs: SoftmaxCrossEntropyAttrs,
}): TensorInfo[] {
  return forwardPass('softmaxCrossEntropy', args.backend, args.inputs, args.attrs).outputs;
}

export const fusedSoftmaxCrossEntropyConfig: KernelConfig = {
  kernelName: FusedSoftmaxCrossEntropy,
  backendName: 'webgl',
  kernelFunc: fusedSoftmaxCrossEntropy as unknown as KernelFunc,
};
