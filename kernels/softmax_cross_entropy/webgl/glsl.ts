/**
 * GLSL shared by the three WebGL programs (GLSL ES 3.00: WebGL 2). Every input is sampled flat
 * (tfjs's get<Name>(int index) samplers, which follow the texture's layout, squarified or not), so
 * the programs index rows and classes themselves: logits[i·K + c].
 *
 * Sizes and option values are uniforms (a new batch size or temperature reuses the compiled
 * program); only the structure of the computation is in the source: the label kind, whether
 * smoothing or z-loss terms exist, the reduction, and whether textures are half floats.
 */
import {directReads, NEXT_TEXEL, NON_FINITE, QUOTIENT, stored} from '../../../backends/webgl/glsl.js';
import type {Uniform} from '../../../backends/webgl/program.js';

/** Uniforms every program declares; tfjs writes the `uniform` declarations from this list. */
export const UNIFORMS: Uniform[] = [
  {name: 'numRows', type: 'int'},       // N
  {name: 'numClasses', type: 'int'},    // K
  {name: 'chunkLen', type: 'int'},      // classes per tile of the partials program
  {name: 'tilesPerRow', type: 'int'},   // J = ceil(K / chunkLen)
  {name: 'smoothing', type: 'float'},   // ε
  {name: 'invTemp', type: 'float'},     // 1 / T
  {name: 'zLossCoef', type: 'float'},   // λ
  {name: 'ignoreId', type: 'float'},    // ignoreIndex (labels are floats in textures)
];

/**
 * The structural choices that select a program's source; each distinct set compiles once.
 * `half`: textures hold float16, so values the next program reads back are rounded to float16
 * *before* they are used (a saved max must equal the one the sum was taken against).
 */
export interface Variant {
  ids: boolean;
  weighted: boolean;   // class weights given (else all ones: not an input, not sampled)
  spread: boolean;     // per-class coefficients beyond the class-id target: smoothing, or probabilities
  zLoss: boolean;
  reduction: 'none' | 'sum' | 'mean';
  half: boolean;
}

/** The program inputs that precede a program's own: logits, labels, and class weights if given. */
export const commonInputs = (v: Variant) => ['logits', 'labels', ...(v.weighted ? ['weights'] : [])];

/** Values per tile written by the partials program: its log-sum-exp, or m, S, B and A when `spread`. */
export const partialValues = (v: Variant) => (v.spread ? 4 : 1);

export function header(v: Variant): string {
  return `${QUOTIENT}
    ${directReads('logits')}
    ${v.ids ? '' : directReads('labels')}
    ${NEXT_TEXEL}
    // NaN and +∞ logits poison their row (docs/semantics.md: non-finite input); tested on the bits, because
    // GLSL compilers may fold x != x and comparisons with NaN away.
    bool poisons(float z) {
      uint b = floatBitsToUint(z);
      return (b & 0x7fffffffu) > 0x7f800000u || b == 0x7f800000u;
    }
    ${NON_FINITE}
    ${stored(v.half)}
    float weight(int c) { return ${v.weighted ? 'getWeights(c)' : '1.0'}; }
    float spreadMass() { return smoothing / float(numClasses); }
    // a_c without the class-id target term: (ε/K)·w_c for class ids, w_c·((1 − ε)·P_c + ε/K) for
    // probabilities, with P_c the label at texel q
    float spreadCoef(int c, ivec2 q) {
      ${v.ids ? 'return spreadMass() * weight(c);'
    : 'return weight(c) * ((1.0 - smoothing) * labelsAt(q) + spreadMass());'}
    }
    bool ignored(int i) { ${v.ids ? 'return getLabels(i) == ignoreId;' : 'return false;'} }
  `;
}
