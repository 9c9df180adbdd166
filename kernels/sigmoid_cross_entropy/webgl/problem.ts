/**
 * The WebGL kernels' view of one sigmoid call: sizes, the program variant, the blocks a reduced loss
 * is summed in, and the uniform values. Checks what the GPU cannot do before anything runs.
 */
import {env, TensorInfo, util} from '@tensorflow/tfjs-core';
import {columns, entryScale, SigmoidCrossEntropyAttrs, SigmoidCrossEntropyInputs} from '../contract.js';
import {UNIFORMS, Variant} from './glsl.js';

/**
 * Up to this many entries a reduced loss is summed by one texel in one pass (no sum program: the
 * forward kernel is 1 program, value-and-grad 2, loss-and-grad 1, as the issue asks), past it in
 * blocks and a second pass. On SwiftShader steps this small cost their fixed costs (value-and-grad
 * and loss-and-grad at [64, 64] took 5.0 to 5.7 ms, loss-and-grad in 1 program or 2, timed in
 * rotation); on a GPU the single pass is one thread walking all M entries, an estimated ~50 cycles
 * each (two cached texture reads, ~40 operations), which at 2048 entries costs about what a second
 * draw does. An estimate: there is no GPU here to measure it on.
 */
const SINGLE_PASS_ENTRIES = 2048;

/**
 * Rows the per-block partial sums are spread over (fewer when there are fewer blocks). SwiftShader
 * shares a draw among its threads by rows, so blocks in one or two rows would be summed by one or two
 * threads while the others idle; 32 rows leave work for 16.
 */
const TAIL_ROWS = 32;

/** quotient() in GLSL needs a / b < 2^23; past that the column of an entry is taken with `%`. */
const QUOTIENT_LIMIT = 2 ** 23;

export interface Problem {
  /** The inputs every program reads first: logits, labels, and the weights the variant reads. */
  common: TensorInfo[];
  /** M, the number of entries, and C, the columns the weights index. */
  M: number;
  C: number;
  variant: Variant;
  /** Entries per block of the reduced loss (a power of two past a single pass), and the blocks. */
  blockLen: number;
  numBlocks: number;
  /** Rows the partial sums are spread over (layout.ts), at most TAIL_ROWS. */
  tailRows: number;
  /** Values of glsl.ts's UNIFORMS by name; the layout (layout.ts) adds the output's own. */
  values: Record<string, number>;
}

export function describe(op: string, inputs: SigmoidCrossEntropyInputs, attrs: SigmoidCrossEntropyAttrs): Problem {
  if (env().getNumber('WEBGL_VERSION') !== 2) {
    throw new Error(`${op}: the fused WebGL kernels need WebGL 2 (this context is WebGL ` +
        `${env().getNumber('WEBGL_VERSION')}); use the 'cpu' or 'wasm' backend here.`);
  }
  const {logits, labels} = inputs;
  const M = util.sizeFromShape(logits.shape);
  const C = columns(logits.shape);
  const gamma = attrs.focalGamma;
  const variant: Variant = {
    posWeighted: attrs.posWeighted !== false, classWeighted: attrs.classWeighted !== false,
    focal: gamma === 0 ? 'none' : Number.isInteger(gamma) && gamma <= 16 ? 'whole' : 'fraction',
    alpha: attrs.focalAlpha >= 0, reduction: attrs.reduction,
  };
  const {blockLen, numBlocks} = blocksOf(M);
  const tailRows = Math.min(numBlocks, TAIL_ROWS);
  const invCount = entryScale(attrs.reduction, M);
  const single = numBlocks === 1;
  // q^γ as q^⌊γ⌋ by multiplication (all of it where γ is a whole number, as γ = 2 usually is: no
  // exp2 or log2, whose errors grow with |log2 q|) times q^(γ − ⌊γ⌋) by exp2 and log2; past 16,
  // exp2(γ·log2 q) alone
  const whole = gamma <= 16 ? Math.floor(gamma) : 0;
  const values: Record<string, number> = {
    sgEntries: M, sgColumns: C, sgBigRows: M / C >= QUOTIENT_LIMIT ? 1 : 0,
    sgKeep: 1 - attrs.labelSmoothing, sgHalfSmoothing: attrs.labelSmoothing / 2,
    sgGammaWhole: whole, sgGammaFrac: gamma - whole, sgGamma: gamma,
    sgAlpha: Math.max(attrs.focalAlpha, 0), sgAlphaNeg: 1 - Math.max(attrs.focalAlpha, 0),
    sgInvCount: invCount, sgBlockLen: blockLen, sgNumBlocks: numBlocks, sgTailRows: tailRows,
    // What a block stores, chosen for float16 textures (5 exponent bits: overflow past 65504,
    // subnormal below 6.1e-5): for 'mean' the block's mean (its sum ÷ B, exact as B is a power of two),
    // of the loss's own size; for 'sum' its sum, which passes 65504 only where the loss does (a
    // mean's partial sums could pass it long before). A single block stores the loss itself. The
    // sum program scales them back: × B/M for 'mean'.
    sgPartialScale: single ? invCount : attrs.reduction === 'sum' ? 1 : 1 / blockLen,
    sgFinalScale: attrs.reduction === 'sum' ? 1 : blockLen * invCount,
    // set by the layout (layout.ts)
    sgTailStart: 0, sgTailStride: 1, sgRowScale: 1, sgRowShift: 0,
  };
  const common = [logits, labels, ...(variant.posWeighted ? [inputs.posWeight] : []),
    ...(variant.classWeighted ? [inputs.classWeights] : [])];
  return {common, M, C, variant, blockLen, numBlocks, tailRows, values};
}

/**
 * The blocks a reduced loss over M entries is summed in: one of M up to SINGLE_PASS_ENTRIES, else
 * B = a power of two (so the partials' 1/B and the sum's B scale exactly) about √M, which balances
 * the blocks' serial loops against the sum program's serial loop over the P = ⌈M/B⌉ blocks.
 */
export function blocksOf(M: number): {blockLen: number, numBlocks: number} {
  const blockLen = M <= SINGLE_PASS_ENTRIES ? Math.max(M, 1) : 2 ** Math.round(Math.log2(Math.sqrt(M)));
  return {blockLen, numBlocks: Math.ceil(M / blockLen)};
}

/** The uniform values in UNIFORMS order, for program.ts run(). */
export const uniformValues = (values: Record<string, number>) => UNIFORMS.map((u) => values[u.name]);
