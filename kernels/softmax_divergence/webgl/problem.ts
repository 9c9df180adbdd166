/**
 * The WebGL divergence kernels' view of one call: sizes, the tiling of long rows, the program variant
 * and the uniform values; and the inputs in unpacked textures, once for all of a kernel's programs.
 */
import {env, TensorInfo} from '@tensorflow/tfjs-core';
import {halfFloatTextures, inTexture, unpacked, WebGLBackend} from '../../../backends/webgl/program.js';
import type {SoftmaxDivergenceAttrs, SoftmaxDivergenceInputs} from '../contract.js';
import {readsTargets, UNIFORMS, Variant} from './glsl.js';

/**
 * Classes per tile of the partials program, as the softmax kernels tile (their problem.ts says why
 * 512): a row of K classes is ceil(K / CHUNK) tiles reduced in parallel, which the stats program
 * merges; its serial work is K / CHUNK per row.
 */
const CHUNK = 512;

export interface Problem {
  /** The inputs every program reads first: logits, and the targets unless entropy. */
  common: TensorInfo[];
  N: number;
  K: number;
  tilesPerRow: number;
  variant: Variant;
  /** Values of glsl.ts's UNIFORMS, in that order. */
  uniforms: number[];
}

export function describe(op: string, inputs: SoftmaxDivergenceInputs, attrs: SoftmaxDivergenceAttrs): Problem {
  if (env().getNumber('WEBGL_VERSION') !== 2) {
    throw new Error(`${op}: the fused WebGL kernels need WebGL 2 (this context is WebGL ` +
        `${env().getNumber('WEBGL_VERSION')}); use the 'cpu' or 'wasm' backend here.`);
  }
  const {logits, targets} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / K;
  const variant: Variant = {kind: attrs.kind, reduction: attrs.reduction, half: halfFloatTextures()};
  const chunkLen = Math.max(1, Math.min(K, CHUNK));
  const tilesPerRow = Math.ceil(K / chunkLen);
  const perRow = attrs.reduction === 'mean' ? 1 / Math.max(N, 1) : 1;
  const values: Record<string, number> = {
    dvRows: N, dvClasses: K, dvChunk: chunkLen, dvTiles: tilesPerRow, dvInvTemp: 1 / attrs.temperature,
    dvInvTargetTemp: 1 / attrs.targetTemperature, dvLossScale: attrs.scale * perRow, dvRowScale: attrs.scale,
    dvGradScale: (attrs.scale / attrs.temperature) * perRow,
  };
  const common = [logits, ...(readsTargets(variant) ? [targets] : [])];
  return {common, N, K, tilesPerRow, variant, uniforms: UNIFORMS.map((u) => values[u.name])};
}

/**
 * Runs `f` on `p` with its inputs in unpacked textures, as the programs read them (texel by texel:
 * never a uniform array, which tfjs makes of tensors of ≤ 4 values still on the CPU), each unpacked
 * once for all of a kernel's programs (a matMul's packed logits: one tfjs unpack, not one per program);
 * frees the unpacked copies after.
 */
export function withTextures<T>(backend: WebGLBackend, p: Problem, f: (p: Problem) => T): T {
  if (p.N === 0) return f(p);  // no program will run
  const own = p.common.map((t) => {
    inTexture(backend, t);
    return unpacked(backend, t);
  });
  try {
    return f({...p, common: own});
  } finally {
    own.forEach((t, i) => { if (t !== p.common[i]) backend.disposeIntermediateTensorInfo(t); });
  }
}
