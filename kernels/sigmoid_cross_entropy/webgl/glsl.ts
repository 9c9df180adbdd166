/**
 * GLSL shared by the sigmoid WebGL programs (GLSL ES 3.00: WebGL 2): one entry's terms, loss and
 * gradient (the contract's math, in float32), reads of an entry's inputs, and the compensated sum the
 * reduced loss is taken with.
 *
 * Sizes and option values are uniforms (a new batch size, smoothing or γ reuses the compiled
 * program); only the structure of the computation is in the source: which weights are read, whether
 * a focal or α term exists, the reduction. (Float16 textures need no program of their own: values
 * are rounded as they are stored, and no program relies on another's value being exact.)
 */
import {centerReads, NEXT_CENTER, NON_FINITE, QUOTIENT} from '../../../backends/webgl/glsl.js';
import type {Uniform} from '../../../backends/webgl/program.js';
import type {Reduction} from '../contract.js';

/** Uniforms every program declares (tfjs writes the declarations); `sg` keeps them apart from tfjs's names. */
export const UNIFORMS: Uniform[] = [
  {name: 'sgEntries', type: 'int'},          // M
  {name: 'sgColumns', type: 'int'},          // C
  {name: 'sgBigRows', type: 'int'},          // 1 when M / C ≥ 2^23 (quotient() would be off)
  {name: 'sgKeep', type: 'float'},           // 1 − ε
  {name: 'sgHalfSmoothing', type: 'float'},  // ε / 2
  {name: 'sgGammaWhole', type: 'int'},       // ⌊γ⌋ (0 past 16)
  {name: 'sgGammaFrac', type: 'float'},      // γ − ⌊γ⌋ (γ past 16)
  {name: 'sgGamma', type: 'float'},          // γ
  {name: 'sgAlpha', type: 'float'},          // α
  {name: 'sgAlphaNeg', type: 'float'},       // 1 − α
  {name: 'sgInvCount', type: 'float'},       // the contract's entryScale: 1, or 1/M for 'mean'
  {name: 'sgBlockLen', type: 'int'},         // B, entries per partial sum
  {name: 'sgNumBlocks', type: 'int'},        // P = ceil(M / B)
  {name: 'sgTailRows', type: 'int'},         // R, rows the partials are spread over
  {name: 'sgPartialScale', type: 'float'},   // 1/B, or the loss's own scale for a single block
  {name: 'sgFinalScale', type: 'float'},     // B·entryScale, for the sum of the partials
  {name: 'sgTailStart', type: 'int'},        // the output texel of the first partial
  {name: 'sgTailStride', type: 'int'},       // texels from one partial row to the next
  {name: 'sgRowScale', type: 'float'},       // output rows / logits rows (entry_program.ts Reads)
  {name: 'sgRowShift', type: 'float'},       // lossGrad: from the gradient half to its entries, in logits heights
];

/** The structural choices that select a program's source; each distinct set compiles once. */
export interface Variant {
  posWeighted: boolean;    // posWeight given (else all ones: not an input, not sampled)
  classWeighted: boolean;  // classWeights given (likewise)
  /** γ = 0: no focal code at all, so its results are no focal option's, bit for bit; 'whole': γ in 1..16,
   * q^γ by multiplications only; 'fraction': any other γ > 0, with exp2 and log2 */
  focal: 'none' | 'whole' | 'fraction';
  alpha: boolean;          // focalAlpha given: α_t
  reduction: Reduction;
}

/** The program inputs that precede a program's own: logits, labels, and the weights given. */
export const commonInputs = (v: Variant) => ['logits', 'labels', ...(v.posWeighted ? ['posWeight'] : []),
  ...(v.classWeighted ? ['classWeights'] : [])];

/** x as a GLSL float literal, to float32 precision (9 significant digits). */
const literal = (x: number) => x.toPrecision(9).replace(/^(-?\d+)$/, '$1.0');

/**
 * log(1 + e) for e in [0, 1] as 2·atanh(s), s = e / (2 + e) ≤ 1/3: 2s·Σ_k s^2k / (2k + 1) to k = 7
 * leaves 1.4e-8 of the sum out, below float32 rounding. GLSL has no log1p, and log(1 + e) would lose
 * e's low bits to 1 + e; GLSL ES bounds log's error near 1 only absolutely (2^-21), which for a small e
 * is a large relative error.
 */
const LOG1P = (() => {
  const steps = [15, 13, 11, 9, 7, 5, 3].map((d) => `p = p * s2 + ${literal(1 / d)};`);
  return `
    float log1pUnit(float e) {
      float s = e / (2.0 + e);
      float s2 = s * s;
      float p = 0.0;
      ${steps.join('\n      ')}
      p = p * s2 + 1.0;
      return 2.0 * s * p;
    }
  `;
})();

/**
 * e^−a for a ≥ 0, to about an ulp: a = k·ln 2 + r with ln 2 in two parts (k·LN2_HI is exact for
 * k < 256), e^−r by its Taylor series to r^7 (|r| ≤ ln 2 / 2: the rest is 0.08 ulp), times 2^−k made
 * from its bits. GLSL's exp may err by (3 + 2·|x|) ulp (SwiftShader's: 1.8e-6 relative at x = −28),
 * which every small probability and softplus here would carry; 0 past float32's normal range (GPUs
 * flush denormals).
 */
const EXP_NEG = (() => {
  const taylor = [7, 6, 5, 4, 3, 2].map((n) => `p = p * m + ${literal(1 / [1, 1, 2, 6, 24, 120, 720, 5040][n])};`);
  return `
    float expNeg(float a) {
      float k = floor(a * 1.44269504 + 0.5);
      if (k > 126.0) return 0.0;
      float m = -((a - k * 0.693145752) - k * 1.42860677e-6);  // −r
      float p = 0.0;
      ${taylor.join('\n      ')}
      p = p * m + 1.0;
      p = p * m + 1.0;
      return p * uintBitsToFloat(uint(127 - int(k)) << 23);
    }
  `;
})();

/**
 * One entry's loss and gradient, the contract's math in float32:
 *   1. entry terms: σ(±x) and sp(±x) from e = exp(−|x|) (never 1 − σ), y' and 1 − y' from y
 *   2. loss: w·α_t·q_t^γ·bce, each term 0 where its coefficient is 0 even if its softplus is +∞
 *   3. gradient: w·α_t·[γ·q_t^(γ−1)·(1 − 2y')·σ(x)σ(−x)·bce + q_t^γ·∂bce/∂x]
 * A NaN x or y is the caller's (lossOf/gradOf return NaN for it before any arithmetic, since GLSL's
 * NaN propagation is not to be trusted).
 */
function entryMath(v: Variant): string {
  const alphaT = v.alpha ? 'sgAlpha * t.yp + sgAlphaNeg * t.yn' : '1.0';
  return `
    ${LOG1P}
    ${EXP_NEG}
    // 1. entry terms (σ, softplus)
    struct Terms {
      float yp;      // y' = (1 − ε)·y + ε/2
      float yn;      // 1 − y' = (1 − ε)·(1 − y) + ε/2: from y, exact where y is near 1
      float spPos;   // sp(x)
      float spNeg;   // sp(−x) = sp(x) − x
      float sigPos;  // σ(x)
      float sigNeg;  // σ(−x)
      float sigProd; // σ(x)·σ(−x) = e/(1 + e)²
    };
    Terms terms(float x, float y) {
      float e = isInf(x) ? 0.0 : expNeg(abs(x));  // the limit at ±∞ (floor(∞) would not be)
      float L = log1pUnit(e);
      float r = 1.0 / (1.0 + e);
      float small = e * r;
      bool up = x >= 0.0;
      Terms t;
      t.yp = sgKeep * y + sgHalfSmoothing;
      t.yn = sgKeep * (1.0 - y) + sgHalfSmoothing;
      t.spPos = max(x, 0.0) + L;
      t.spNeg = max(-x, 0.0) + L;
      t.sigPos = up ? r : small;
      t.sigNeg = up ? small : r;
      t.sigProd = small * r;
      return t;
    }
    float bceOf(Terms t, float P) {
      float a = P * t.yp;
      return (a == 0.0 ? 0.0 : a * t.spNeg) + (t.yn == 0.0 ? 0.0 : t.yn * t.spPos);
    }
    ${v.focal === 'fraction' ? `
    // q^γ for q in [0, 1]: q^⌊γ⌋ by multiplication times q^(γ − ⌊γ⌋) by exp2 and log2 (problem.ts),
    // 0 at q = 0 (GLSL leaves pow(0, y) and log2(0) to the implementation)
    float powGamma(float q) {
      if (q == 0.0) return 0.0;
      float r = exp2(sgGammaFrac * log2(q));
      for (int k = 0; k < sgGammaWhole; k++) r *= q;
      return r;
    }` : ''}
    ${v.focal === 'whole' ? `
    // q^(γ − 1) for a whole γ ≥ 1, by multiplication (1 for γ = 1, also at q = 0)
    float powGammaLess(float q) {
      float r = 1.0;
      for (int k = 1; k < sgGammaWhole; k++) r *= q;
      return r;
    }` : ''}
    ${v.focal !== 'none' ? `
    // q_t = y'·σ(−x) + (1 − y')·σ(x), 1 − p_t from σ(±x)
    float qOf(Terms t) { return t.yp * t.sigNeg + t.yn * t.sigPos; }` : ''}

    // 2. loss
    float entryLoss(Terms t, float P, float w) {
      float coef = w * (${alphaT})${{none: '', whole: ' * (powGammaLess(qOf(t)) * qOf(t))',
    fraction: ' * powGamma(qOf(t))'}[v.focal]};
      return coef == 0.0 ? 0.0 : coef * bceOf(t, P);
    }

    // 3. gradient
    float entryGrad(Terms t, float P, float w) {
      float dbce = t.yn * t.sigPos - P * t.yp * t.sigNeg;  // (1 − y')·σ(x) − P·y'·σ(−x)
      ${v.focal === 'none' ? `return w * (${alphaT}) * dbce;` : `float q = qOf(t);
      ${v.focal === 'whole' ? `float less = powGammaLess(q);
      float qg = less * q;
      // γ·q^(γ−1)·σσ'·(1 − 2y')·bce; 0 where σσ' = 0 (x = ±∞ or past underflow: the limit), so never
      // 0·∞ with bce = +∞
      float first = t.sigProd == 0.0 ? 0.0 : sgGamma * less * t.sigProd * (t.yn - t.yp) * bceOf(t, P);` :
    `float qg = powGamma(q);
      // γ·q^(γ−1)·σσ' as γ·q^γ·(σσ'/q), where σσ'/q ≤ 1: q^(γ−1) alone overflows for γ < 1 as q → 0.
      // 0 where q = 0 or σσ' = 0 (x = ±∞ or past underflow: the limit), so never 0·∞ with bce = +∞
      float first = q == 0.0 || t.sigProd == 0.0 ? 0.0
          : sgGamma * qg * (t.sigProd / q) * (t.yn - t.yp) * bceOf(t, P);`}
      return w * (${alphaT}) * (first + qg * dbce);`}
    }
  `;
}

/**
 * The compensated sum every program with a reduction uses, and the plumbing it and the reads need
 * (backends/webgl/glsl.ts).
 */
export function sumHeader(): string {
  return `${QUOTIENT}
    ${NON_FINITE}
    ${NEXT_CENTER}
    // A float32 sum with Neumaier's compensation (error about 2 ulp of the sum, not n), with NaN and
    // ±∞ terms kept apart: in the running sum they would make the compensation NaN. A sum that
    // overflows is ±∞. GLSL ES 3.00 has no 'precise': this relies on the compiler not reassociating
    // (s − t) + v to 0. SwiftShader keeps it: 1e4 then 2047 terms of 1e-4 sum to 3.2e-8 of the true
    // value, 2.0e-5 without the compensation (test/browser/sigmoid_webgl_checks.ts, 'compensated').
    struct Sum { float s; float c; bool nan; bool up; bool down; };
    Sum emptySum() { return Sum(0.0, 0.0, false, false, false); }
    void add(inout Sum a, float v) {
      if (isNaN(v)) { a.nan = true; return; }
      float t = a.s + v;
      if (isInf(t)) { if (t > 0.0) a.up = true; else a.down = true; return; }
      a.c += abs(a.s) >= abs(v) ? (a.s - t) + v : (v - t) + a.s;
      a.s = t;
    }
    float total(Sum a) {
      if (a.nan || (a.up && a.down)) return NAN;
      if (a.up || a.down) return a.up ? -negInf() : negInf();
      return a.s + a.c;
    }
  `;
}

/**
 * What the entry programs add: reads of logits and labels, the column of an entry and its weights,
 * and the entry math; lossOf(x, y, c) is an entry's loss, NaN for a NaN x or y.
 */
export function entryHeader(v: Variant): string {
  return `${sumHeader()}
    ${centerReads('logits')}
    ${centerReads('labels')}
    // the column of entry e, which the weights index
    int columnOf(int e) {
      if (sgColumns == 1) return 0;
      if (sgBigRows == 1) return e % sgColumns;
      return e - quotient(e, sgColumns) * sgColumns;
    }
    float posWeightAt(int c) { return ${v.posWeighted ? 'getPosWeight(c)' : '1.0'}; }
    float classWeightAt(int c) { return ${v.classWeighted ? 'getClassWeights(c)' : '1.0'}; }
    ${entryMath(v)}
    bool eitherNaN(float x, float y) { return isNaN(x) || isNaN(y); }
    float lossOf(float x, float y, int c) {
      return eitherNaN(x, y) ? NAN : entryLoss(terms(x, y), posWeightAt(c), classWeightAt(c));
    }
  `;
}
