/**
 * The WebGL kernels' view of one call: sizes, the tiling of long rows, the program variant and the
 * uniform values. Checks what the GPU cannot get right before anything runs.
 */
import {env, TensorInfo} from '@tensorflow/tfjs-core';
import {halfFloatTextures, Uniform} from '../../../backends/webgl/program.js';
import type {SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';
import {uniformsOf, Variant} from './glsl.js';

/**
 * Classes per tile of the partials program. A row of K classes is split into ceil(K / CHUNK) tiles
 * reduced in parallel (N = 8, K = 262 144 gives 4096 tiles, not 8 serial loops over 262 144), and the
 * stats program combines a row's tiles: its serial work is K / CHUNK per row. On SwiftShader 256 to
 * 1024 time alike at [256, 32000]; 512 keeps the stats program's serial sum over all tiles short
 * (N·K / 512) for a real GPU, whose single threads are slow.
 */
const CHUNK = 512;

/** The largest γ whose q^γ is taken by products alone (each multiplication adds half an ulp). */
const WHOLE_GAMMA_MAX = 16;

/** float16 holds every integer up to 2^11 exactly, and no odd one above it. */
const HALF_EXACT_INTEGER = 2048;

export interface Problem {
  /** The inputs every program reads first: logits, labels, and class weights if the variant reads them. */
  common: TensorInfo[];
  N: number;
  K: number;
  tilesPerRow: number;
  variant: Variant;
  /** The uniforms the variant's programs declare (glsl.ts uniformsOf), and their values in that order. */
  uniformList: Uniform[];
  uniforms: number[];
}

export function describe(op: string, inputs: SoftmaxCrossEntropyInputs, attrs: SoftmaxCrossEntropyAttrs): Problem {
  if (env().getNumber('WEBGL_VERSION') !== 2) {
    throw new Error(`${op}: the fused WebGL kernels need WebGL 2 (this context is WebGL ` +
        `${env().getNumber('WEBGL_VERSION')}); use the 'cpu' or 'wasm' backend here.`);
  }
  const {logits, labels} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / K;
  const ids = labels.dtype === 'int32';
  const half = halfFloatTextures();
  if (half && ids && (K - 1 > HALF_EXACT_INTEGER || Math.abs(attrs.ignoreIndex) > HALF_EXACT_INTEGER)) {
    // the ids are already rounded in their float16 texture: a wrong target cannot be detected later
    throw new Error(`${op}: this WebGL backend stores tensors as float16 textures, which hold class ids ` +
        `only up to ${HALF_EXACT_INTEGER} exactly; got K = ${K} classes and ignoreIndex ${attrs.ignoreIndex}. ` +
        `Use the 'wasm' or 'cpu' backend, or a device with float32 render targets ` +
        `(tf.env().get('WEBGL_RENDER_FLOAT32_ENABLED')).`);
  }
  const chunkLen = Math.max(1, Math.min(K, CHUNK));
  const tilesPerRow = Math.ceil(K / chunkLen);
  // smoothing over the others with K = 1 has no other class: a_0 = w_0, no smoothing at all
  const others = ids && attrs.labelSmoothingOver === 'others';
  const smoothing = others && K === 1 ? 0 : attrs.labelSmoothing;
  const gamma = attrs.focalGamma ?? 0;
  const cap = attrs.softcap ?? 0;
  const variant: Variant = {
    ids, weighted: attrs.classWeighted !== false, spread: !ids || smoothing > 0, zLoss: attrs.zLoss > 0, reduction: attrs.reduction, half,
    focal: gamma === 0 ? 'none' : Number.isInteger(gamma) && gamma <= WHOLE_GAMMA_MAX ? 'whole' : 'fraction',
    others: others && smoothing > 0, softcap: cap > 0,
  };
  // q^γ as q^⌊γ⌋ by products times q^(γ − ⌊γ⌋) by log and exp; past WHOLE_GAMMA_MAX the exp alone
  const whole = gamma <= WHOLE_GAMMA_MAX ? Math.floor(gamma) : 0;
  const values: Record<string, number> = {
    numRows: N, numClasses: K, chunkLen, tilesPerRow, smoothing,
    invTemp: 1 / attrs.temperature, zLossCoef: attrs.zLoss, ignoreId: attrs.ignoreIndex,
    focalGamma: gamma, gammaWhole: whole, gammaFrac: gamma - whole,
    invSoftcap: cap > 0 ? 1 / cap : 0, capScale: cap / attrs.temperature,
  };
  const common = [logits, labels, ...(variant.weighted ? [inputs.classWeights] : [])];
  const uniformList = uniformsOf(variant);
  return {common, N, K, tilesPerRow, variant, uniformList, uniforms: uniformList.map((u) => values[u.name])};
}
