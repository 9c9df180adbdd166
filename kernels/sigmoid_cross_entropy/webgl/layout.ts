/**
 * Where each value of an entry program's one output texture goes. Outputs of logits' size are laid
 * out in rows of the logits' own texture width, so that entry e of a region starting a row sits at the
 * texel logit e does, shifted by whole rows (read there, without an index computation:
 * entry_program.ts Reads). Layouts by kind:
 *
 *   loss      [M losses]                                        forward, 'none'
 *   grad      [M gradient entries]                              backward; loss-and-grad's gradient
 *   lossGrad  [M losses][to the row's end][M gradient entries]  loss-and-grad, 'none'
 *   gradLoss  [M gradient entries][the loss]                    loss-and-grad of a one-block sum
 *   partials  [P partial sums]                                  a reduced loss's first pass
 *
 * Partial j of `partials` sits at (j mod R)·stride + ⌊j / R⌋: the P partials in R rows (R = TAIL_ROWS,
 * problem.ts), as SwiftShader shares a draw among its threads by rows.
 */
import {env, TensorInfo, util} from '@tensorflow/tfjs-core';
import type {WebGLBackend} from '../../../backends/webgl/program.js';
import type {Problem} from './problem.js';

export type Kind = 'loss' | 'grad' | 'lossGrad' | 'gradLoss' | 'partials';

export interface Layout {
  /** The output's shape, [rows, width]: tfjs gives it a texture of exactly that shape. */
  shape: [number, number];
  /** Texels from the output's start to the start of each tensor cut from it (passes.ts cut()). */
  starts: number[];
  /** The uniforms the layout sets (glsl.ts UNIFORMS): sgTailStart, sgTailStride, sgTailRows, sgRowScale, sgRowShift. */
  values: Record<string, number>;
  /** The entry inputs (by program name) read at the output texel's own position (entry_program.ts). */
  atTexel: string[];
}

/**
 * The layout of `kind`'s output for problem `p`; `inputs`: the entry inputs by program name (logits,
 * labels, and dy for 'none' backward), unpacked in textures already.
 */
export function layout(backend: WebGLBackend, p: Problem, inputs: Record<string, TensorInfo>, kind: Kind): Layout {
  if (kind === 'partials') {
    const perRow = Math.ceil(p.numBlocks / p.tailRows);
    return {shape: [p.tailRows, perRow], starts: [0], atTexel: [],
      values: {sgTailStart: 0, sgTailStride: perRow, sgTailRows: p.tailRows, sgRowScale: 1, sgRowShift: 0}};
  }
  const M = p.M;
  // where the second region (lossGrad's gradient, gradLoss's loss) starts, and the texels used
  const second = (width: number) => (kind === 'lossGrad' ? Math.ceil(M / width) * width : M);
  const texels = (width: number) => (kind === 'lossGrad' ? second(width) + M : kind === 'gradLoss' ? M + 1 : M);
  const texShape = backend.texData.get(inputs.logits.dataId).texShape as [number, number];
  const maxTexture = env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  let width = texShape[1];
  // the logits' width makes too many rows (loss-and-grad's outputs are twice the logits): a squarish
  // texture, read through flat indices
  if (Math.ceil(texels(width) / width) > maxTexture) width = Math.ceil(Math.sqrt(texels(1)));
  while (Math.ceil(texels(width) / width) > maxTexture) width++;
  if (width > maxTexture) throw new Error(`sigmoidCrossEntropy: ${M} entries do not fit a WebGL texture`);
  const shape: [number, number] = [Math.ceil(texels(width) / width), width];
  // entry inputs laid out as the logits, whose rows are the output's (same width, no offset)
  const texture = (t: TensorInfo) => backend.texData.get(t.dataId);
  const unshifted = (t: TensorInfo) => (texture(t).slice?.flatOffset ?? 0) === 0;
  const atTexel = unshifted(inputs.logits) && texShape[1] === width ? Object.keys(inputs).filter((name) =>
      unshifted(inputs[name]) && util.arraysEqual(texture(inputs[name]).texShape as number[], texShape)) : [];
  const start = second(width);
  return {shape, atTexel, starts: kind === 'loss' || kind === 'grad' ? [0] : [0, start], values: {
    sgTailStart: start, sgTailStride: width, sgTailRows: 1,
    // resultUV.y·(rows out / rows in) is the logits' own row; lossGrad's gradient half is start / width rows on
    sgRowScale: shape[0] / texShape[0], sgRowShift: kind === 'lossGrad' ? (start / width) / texShape[0] : 0,
  }};
}
