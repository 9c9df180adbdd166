/**
 * GLSL shared by the three divergence programs (GLSL ES 3.00: WebGL 2): uniforms, the structural
 * variant, reads of the inputs, and float32 math good to about an ulp (GLSL's own exp may err by
 * (3 + 2·|x|) ulp and its log by 2^-21 absolute near 1, which a KL near 0, the difference of terms of
 * size log K, would carry whole).
 *
 * Sizes and option values are uniforms (a new batch size or temperature reuses the compiled
 * program); only the structure of the computation is in the source: the kind, the reduction, whether
 * textures are half floats, and (backward) whether dy is an input.
 */
import {centerReads, NEXT_CENTER, NON_FINITE, QUOTIENT, stored} from '../../../backends/webgl/glsl.js';
import type {Uniform} from '../../../backends/webgl/program.js';
import type {DivergenceKind, Reduction} from '../contract.js';

/** Uniforms every program declares (tfjs writes the declarations); `dv` keeps them apart from tfjs's names. */
export const UNIFORMS: Uniform[] = [
  {name: 'dvRows', type: 'int'},              // N
  {name: 'dvClasses', type: 'int'},           // K
  {name: 'dvChunk', type: 'int'},             // classes per tile of the partials program
  {name: 'dvTiles', type: 'int'},             // J = ceil(K / dvChunk)
  {name: 'dvInvTemp', type: 'float'},         // 1 / T
  {name: 'dvInvTargetTemp', type: 'float'},   // 1 / T_t ('klLogits')
  {name: 'dvLossScale', type: 'float'},       // scale, and / N for a 'mean' (the reduced loss)
  {name: 'dvRowScale', type: 'float'},        // scale (a 'none' loss)
  {name: 'dvGradScale', type: 'float'},       // scale / T, and / N for a 'mean' (the gradient)
];

/** The structural choices that select a program's source; each distinct set compiles once. */
export interface Variant {
  kind: DivergenceKind;
  reduction: Reduction;
  /** textures hold float16: values a later program reads back are rounded before they are used */
  half: boolean;
}

/** Whether the programs read the targets input (entropy's targets are the logits themselves). */
export const readsTargets = (v: Variant) => v.kind !== 'entropy';

/** The program inputs that precede a program's own: logits, and the targets unless entropy. */
export const commonInputs = (v: Variant) => ['logits', ...(readsTargets(v) ? ['targets'] : [])];

/**
 * Values per tile of the partials program (partials_program.ts): entropy m, R, V; klProbabilities
 * m_s, R_s, A, W; klLogits m_s, R_s, m_u, R_u, W.
 */
export const planes = (v: Variant) => ({entropy: 3, klProbabilities: 4, klLogits: 5}[v.kind]);

/** x as a GLSL float literal, to float32 precision (9 significant digits). */
const literal = (x: number) => x.toPrecision(9).replace(/^(-?\d+)$/, '$1.0');

/**
 * e^x to about an ulp for x ≤ 88 (0 below −87.3: GPUs flush denormals): x = k·ln 2 + r with ln 2 in two
 * parts (k·LN2_HI is exact for |k| < 256), e^r by its Taylor series to r^7 (|r| ≤ ln 2 / 2: the rest is
 * 0.1 ulp), times 2^k made from its bits. −∞ gives 0.
 */
const EXP = (() => {
  const taylor = [7, 6, 5, 4, 3, 2].map((n) => `p = p * r + ${literal(1 / [1, 1, 2, 6, 24, 120, 720, 5040][n])};`);
  return `
    float expAcc(float x) {
      float k = floor(x * 1.44269504 + 0.5);
      if (k < -126.0) return 0.0;
      float r = (x - k * 0.693145752) - k * 1.42860677e-6;
      float p = 0.0;
      ${taylor.join('\n      ')}
      p = p * r + 1.0;
      p = p * r + 1.0;
      return p * uintBitsToFloat(uint(127 + int(k)) << 23);
    }
  `;
})();

/**
 * log(x) for a normal x > 0 and log1p(r) for r > −1, to about an ulp, from 2·atanh(s) = log((1 + s)/(1 − s))
 * for |s| ≤ 0.1716 (2s·Σ_k s^2k / (2k + 1) to k = 5 leaves 5e-11 out): log x = e·ln 2 + 2·atanh((f − 1)/(f + 1))
 * with x = 2^e·f, f in [√½, √2) (f − 1 exact); log1p r = 2·atanh(r / (2 + r)) where 1 + r is in [1 − 0.29, √2),
 * so a small r keeps its low bits (log S of a one-hot-like row: log1p of the rest R), else log(1 + r).
 * (A denormal x, should a GPU keep one, reads as about −88: in P·log P that is off by under 1e-36.)
 */
const LOG = (() => {
  const steps = [11, 9, 7, 5, 3].map((d) => `q = q * s2 + ${literal(1 / d)};`);
  return `
    float atanh2(float s) {
      float s2 = s * s;
      float q = 0.0;
      ${steps.join('\n      ')}
      q = q * s2 + 1.0;
      return 2.0 * s * q;
    }
    float logAcc(float x) {
      uint b = floatBitsToUint(x);
      float e = float(int(b >> 23) - 127);
      float f = uintBitsToFloat((b & 0x007fffffu) | 0x3f800000u);
      if (f > 1.41421356) { f *= 0.5; e += 1.0; }
      return e * 0.693145752 + (e * 1.42860677e-6 + atanh2((f - 1.0) / (f + 1.0)));
    }
    float log1pAcc(float r) {
      if (r > -0.292893219 && r < 0.414213562) return atanh2(r / (2.0 + r));
      return logAcc(1.0 + r);
    }
  `;
})();

/**
 * A float32 sum of finite terms with Neumaier's compensation (error about 2 ulp of the sum, not n);
 * non-finite terms are the callers' to keep apart. GLSL ES 3.00 has no 'precise': this relies on the
 * compiler not reassociating (s − t) + v to 0, which SwiftShader keeps.
 */
const SUM = `
    struct Sum { float s; float c; };
    Sum emptySum() { return Sum(0.0, 0.0); }
    void add(inout Sum a, float v) {
      float t = a.s + v;
      a.c += abs(a.s) >= abs(v) ? (a.s - t) + v : (v - t) + a.s;
      a.s = t;
    }
    float total(Sum a) { return a.s + a.c; }
`;

/** `reads`: the program reads logits (and targets) through center reads (the stats program does not). */
export function header(v: Variant, reads = true): string {
  return `${QUOTIENT}
    ${reads ? centerReads('logits') : ''}
    ${reads && readsTargets(v) ? centerReads('targets') : ''}
    ${NEXT_CENTER}
    ${NON_FINITE}
    ${stored(v.half)}
    ${EXP}
    ${LOG}
    ${SUM}
    float posInf() { return -negInf(); }
    // NaN and +∞ logits poison their row (the contract's non-finite rules), tested on the bits, because
    // GLSL compilers may fold x != x and comparisons with NaN away
    bool poisons(float z) {
      uint b = floatBitsToUint(z);
      return (b & 0x7fffffffu) > 0x7f800000u || b == 0x7f800000u;
    }
  `;
}
