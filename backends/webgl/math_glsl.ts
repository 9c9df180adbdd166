/**
 * Float32 GLSL functions for what GLSL ES 3.00's built-ins do too loosely for a loss (GLSL ES bounds
 * exp's error only by 3 + 2·|x| ulp, and log's near 1 only absolutely, 2^-21, a large relative error
 * for log(1 − p) at a small p), written for arguments of one sign so that no branch is left to a
 * compiler's NaN handling. Include MATH once in a program that uses any of them; the caller tests NaN
 * arguments first (backends/webgl/glsl.ts NON_FINITE).
 *
 *   expNegative(a)    e^−a for a ≥ 0, about an ulp; 0 past float32's normal range (GPUs flush
 *                     denormals) and at a = +∞
 *   expm1Negative(a)  e^−a − 1 for a ≥ 0, a few ulps of the result also where it is tiny (never 1 − e^−a
 *                     at a small a: that would keep only the bits of a above 2^-24)
 *   log1pNear0(e)     log(1 + e) for e in [−1/2, 1], a few ulps of the result
 *   tanhAccurate(u)   tanh(u) from e^−2|u| without cancellation near 0; ±1 past |u| ≈ 9
 *   sech2(u)          sech²(u) = 1 − tanh²(u) as 4e/(1 + e)², e = e^−2|u|: no cancellation, 0 for a
 *                     large |u| (1 − t² would be 0 from |u| ≈ 9 on, then lose everything)
 */

/** x as a GLSL float literal, to float32 precision (9 significant digits). */
const literal = (x: number) => x.toPrecision(9).replace(/^(-?\d+)$/, '$1.0');

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/**
 * e^−a: a = k·ln 2 + r, |r| ≤ ln 2 / 2, with ln 2 split in two (0x3f317200 has 16 significant bits,
 * so k·LN2_HI is exact for k < 256); e^−r by its Taylor series to degree 7 (what is left, r^8/8! ≤ 5.3e-9
 * of the result, is 0.09 ulp), scaled by 2^−k built from its bits.
 */
const EXP_NEGATIVE = (() => {
  const steps = [7, 6, 5, 4, 3, 2].map((n) => `p = p * x + ${literal(1 / factorial(n))};`);
  return `
    float expNegative(float a) {
      float k = floor(a * 1.44269504 + 0.5);
      if (k > 126.0) return 0.0;  // also a = +∞ (floor(∞) = ∞)
      float x = (k * 0.693145752 - a) + k * 1.42860677e-6;  // −r
      float p = 0.0;
      ${steps.join('\n      ')}
      p = p * x + 1.0;
      p = p * x + 1.0;
      return p * uintBitsToFloat(uint(127 - int(k)) << 23);
    }
  `;
})();

/**
 * e^−a − 1: below ln 2 the series x·(1 + x/2·(1 + x/3·(… (1 + x/10)))) at x = −a, each factor a
 * product with a rounding error that the next |x/n| < 0.35 damps (about an ulp in all; truncation
 * 0.69^10/11! ≈ 6e-10 of it); from ln 2 on e^−a ≤ 1/2, so e^−a − 1 ∈ [−1, −1/2] loses nothing.
 */
const EXPM1_NEGATIVE = (() => {
  const steps = [9, 8, 7, 6, 5, 4, 3, 2].map((n) => `p = 1.0 + x * ${literal(1 / n)} * p;`);
  return `
    float expm1Negative(float a) {
      if (a >= 0.693147182) return expNegative(a) - 1.0;
      float x = -a;
      float p = 1.0 + x * ${literal(1 / 10)};
      ${steps.join('\n      ')}
      return x * p;
    }
  `;
})();

/**
 * log(1 + e) as 2·atanh(s) = 2s·Σ_k s^2k / (2k + 1), s = e / (2 + e) ∈ [−1/3, 1/3]: to k = 7 the
 * rest is below 1/3^16/17 ≈ 1.4e-9 of the sum.
 */
const LOG1P_NEAR_0 = (() => {
  const steps = [15, 13, 11, 9, 7, 5, 3].map((d) => `p = p * s2 + ${literal(1 / d)};`);
  return `
    float log1pNear0(float e) {
      float s = e / (2.0 + e);
      float s2 = s * s;
      float p = 0.0;
      ${steps.join('\n      ')}
      p = p * s2 + 1.0;
      return 2.0 * s * p;
    }
  `;
})();

const TANH = `
    float tanhAccurate(float u) {
      float m = expm1Negative(2.0 * abs(u));  // e − 1, e = e^−2|u|
      float t = -m / (2.0 + m);               // (1 − e) / (1 + e)
      return u < 0.0 ? -t : t;
    }
    float sech2(float u) {
      float e = expNegative(2.0 * abs(u));
      float d = 1.0 + e;
      return 4.0 * e / (d * d);
    }
`;

/** All of the above (unused functions cost a compiler nothing at run time). */
export const MATH = `${EXP_NEGATIVE}${EXPM1_NEGATIVE}${LOG1P_NEAR_0}${TANH}`;
