/**
 * GLSL shared by the three WebGL programs (GLSL ES 3.00: WebGL 2). Every input is sampled flat
 * (tfjs's get<Name>(int index) samplers, which follow the texture's layout, squarified or not), so
 * the programs index rows and classes themselves: logits[i·K + c].
 *
 * Sizes and option values are uniforms (a new batch size, temperature or γ reuses the compiled
 * program); only the structure of the computation is in the source: the label kind, whether
 * smoothing or z-loss terms exist, the reduction, whether textures are half floats, and the new
 * options' structure (focal: whole or fractional γ; smoothing over the others; a softcap). With
 * γ = 0, smoothing over all classes and no cap the sources are today's, text for text (the same
 * compiled programs, the same bits).
 */
import {directReads, NEXT_TEXEL, NON_FINITE, QUOTIENT, stored} from '../../../backends/webgl/glsl.js';
import {MATH} from '../../../backends/webgl/math_glsl.js';
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

/** Uniforms of the focal programs only (declared only there, so the others' sources stay as they were). */
const FOCAL_UNIFORMS: Uniform[] = [
  {name: 'focalGamma', type: 'float'},  // γ
  {name: 'gammaWhole', type: 'int'},    // ⌊γ⌋ (0 past 16)
  {name: 'gammaFrac', type: 'float'},   // γ − ⌊γ⌋ (γ past 16)
];

/** Uniforms of the softcap programs only. */
const SOFTCAP_UNIFORMS: Uniform[] = [
  {name: 'invSoftcap', type: 'float'},  // 1 / c
  {name: 'capScale', type: 'float'},    // c / T, rounded once
];

/** The uniforms a variant's programs declare: UNIFORMS, then the focal and softcap ones it needs. */
export const uniformsOf = (v: Variant): Uniform[] =>
  [...UNIFORMS, ...(v.focal !== 'none' ? FOCAL_UNIFORMS : []), ...(v.softcap ? SOFTCAP_UNIFORMS : [])];

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
  /** γ = 0: 'none', no focal code at all (today's programs); 'whole': γ in 1..16, q^γ by products only;
   * 'fraction': any other γ > 0, with a log and an exp */
  focal: 'none' | 'whole' | 'fraction';
  /** class ids smoothed over the other classes (ε/(K − 1) on each c ≠ y; K > 1, ε > 0) */
  others: boolean;
  /** a logit softcap c > 0 */
  softcap: boolean;
}

/**
 * Whether the partials program writes four planes (m, S, B, A: spread terms that the stats program
 * combines against the row's lse); else one (the tile's log-sum-exp) or, focal, two (m and
 * R = Σ exp(s_c − m) − 1). Focal spread terms cannot be split into tile moments (q_c needs the row's
 * lse): the focal program sums them once the lse is known.
 */
export const moments = (v: Variant) => v.spread && v.focal === 'none';

/** s of a logit expression `z`: z·(1/T), today's text, or capped. */
export const scaled = (v: Variant, z: string) => (v.softcap ? `capped(${z})` : `${z} * invTemp`);

/** The program inputs that precede a program's own: logits, labels, and class weights if given. */
export const commonInputs = (v: Variant) => ['logits', 'labels', ...(v.weighted ? ['weights'] : [])];

/** Values per tile written by the partials program: its log-sum-exp, or m, S, B and A when `spread`. */
export const partialValues = (v: Variant) => (moments(v) ? 4 : v.focal !== 'none' ? 2 : 1);

/**
 * Focal programs with a 'partials' input (stats, focal): `bool focalRowLse(int i, out float M, out float L)`,
 * row i's lse as M + L from its tiles' (m, R) with L = log1p(Σ_j (1 + R_j)·exp(m_j − M) − 1), the 1 of
 * one tile at the max left out rather than added and taken away: at a confident row lse − s_y = L is
 * ≈ 1e-8, which log(1 + 1e-8) would round to 0, and with it q_y, the focal loss and its gradient.
 * False for a row with a NaN or +∞, or only −∞ (made NaN by the stats program).
 */
export const FOCAL_ROW_LSE = `
    bool focalRowLse(int i, out float M, out float L) {
      M = negInf();
      L = 0.0;
      bool bad = false;
      for (int j = 0; j < tilesPerRow; j++) {
        float m = getPartials(i * tilesPerRow + j);
        bad = bad || isNaN(m) || m == -negInf();
        M = max(M, m);
      }
      if (bad || M == negInf()) return false;
      float R = 0.0;
      bool first = true;
      for (int j = 0; j < tilesPerRow; j++) {
        float m = getPartials(i * tilesPerRow + j);
        if (m == negInf()) continue;
        float r = getPartials((numRows + i) * tilesPerRow + j);
        if (first && m == M) { R += r; first = false; }
        else R += (1.0 + r) * expNegative(M - m);
      }
      L = R <= 1.0 ? log1pNear0(R) : log(1.0 + R);
      return true;
    }
`;

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
    ${v.others ? `float spreadMass() { return smoothing / float(numClasses - 1); }
    // a_c without the class-id target term, smoothing over the others: (ε/(K − 1))·w_c for c ≠ y,
    // 0 at c = y, with y the row's class id in q.x
    float spreadCoef(int c, ivec2 q) { return c == q.x ? 0.0 : spreadMass() * weight(c); }`
    : `float spreadMass() { return smoothing / float(numClasses); }
    // a_c without the class-id target term: (ε/K)·w_c for class ids, w_c·((1 − ε)·P_c + ε/K) for
    // probabilities, with P_c the label at texel q
    float spreadCoef(int c, ivec2 q) {
      ${v.ids ? 'return spreadMass() * weight(c);'
    : 'return weight(c) * ((1.0 - smoothing) * labelsAt(q) + spreadMass());'}
    }`}
    bool ignored(int i) { ${v.ids ? 'return getLabels(i) == ignoreId;' : 'return false;'} }
  ${v.focal !== 'none' || v.softcap ? newMath(v) : ''}`;
}

/**
 * The GLSL of the focal and softcap options (after the header's own functions):
 *
 *   capped(z)      s = c·tanh(z/c)/T; −∞ stays −∞ (an impossible class). NaN and +∞ are tested on the
 *                  raw logit (poisons), as without a cap.
 *   focal(d)       for a term with d = lse − s ≥ 0: (p, q, q^γ, q^γ·(1 − γ·r)) with p = e^−d,
 *                  q = −expm1(−d) (never 1 − p), r = p·log p / q = −p·d/q (−1 where q = 0, 0 where
 *                  p = 0); the loss term is a·q^γ·d and b = a·q^γ·(1 − γ·r). 1 − γ·r ≥ 1: no
 *                  cancellation anywhere.
 */
function newMath(v: Variant): string {
  const powGamma = v.focal === 'whole' ? `
    // q^γ for a whole γ by products (q^0 = 1 is not reached: γ ≥ 1 here)
    float powGamma(float q, float p) {
      float r = q;
      for (int k = 1; k < gammaWhole; k++) r *= q;
      return r;
    }` : `
    // q^γ = q^⌊γ⌋·e^((γ − ⌊γ⌋)·log q); 0 at q = 0 (γ > 0). log q as log1p(−p) where q ≥ 1/2, since
    // GLSL's log near 1 errs by 2^-21 absolutely, which would be most of a small log q
    float powGamma(float q, float p) {
      if (q == 0.0) return 0.0;
      float lq = p <= 0.5 ? log1pNear0(-p) : log(q);
      float r = expNegative(-gammaFrac * lq);
      for (int k = 0; k < gammaWhole; k++) r *= q;
      return r;
    }`;
  return `${MATH}
    ${v.softcap ? `float capped(float z) { return z == negInf() ? z : capScale * tanhAccurate(z * invSoftcap); }` : ''}
    ${v.focal === 'none' ? '' : `${powGamma}
    vec4 focal(float d) {
      d = max(d, 0.0);  // lse ≥ s, but rounding may put s a hair above
      float p = expNegative(d);
      float q = -expm1Negative(d);
      float qg = powGamma(q, p);
      float lift = q == 0.0 ? 1.0 + focalGamma : p == 0.0 ? 1.0 : 1.0 + focalGamma * (p * d / q);
      return vec4(p, q, qg, qg * lift);
    }`}
  `;
}
