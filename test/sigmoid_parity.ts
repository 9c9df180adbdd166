/**
 * The sigmoid parity table: every case (sigmoid_cases.ts) on every given backend, through all three
 * paths (forward alone, forward + backward under tf.valueAndGrad, loss-and-grad), against the float64
 * reference and against the first backend. Each case runs through sigmoid_parity_run.ts, the code the
 * browser suite runs in Chromium. The *.test.ts files that call it pick the backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SIGMOID_KERNEL_NAMES} from '../kernels/sigmoid_cross_entropy/contract';
import type {BackendUnderTest, SigmoidTolerance, Tolerance} from './backends';
import {mismatch} from './compare';
import type {Results} from './parity_run';
import {materializeSigmoid, SIGMOID_CASES, SigmoidCase} from './sigmoid_cases';
import {runSigmoidCase} from './sigmoid_parity_run';
import {sigmoidReference, SigmoidRefOptions, SigmoidRefResult} from './sigmoid_reference';

/**
 * compare.ts's bound with the sigmoid terms: rtol·|ref| + atol·scale + absolute, plus for a gradient
 * entry perTerm·gradTerms + perLabel·gradLabelTerms, and for a loss perLossTerm·lossTerms +
 * perLinearTerm·lossTermsLinear + perLabel·lossLabelTerms (each folded into one per-entry array that
 * compare.ts takes with a coefficient of 1).
 */
export function sigmoidBounds(tol: SigmoidTolerance, ref: SigmoidRefResult): {grad: number[], loss: number[]} {
  const abs = tol.absolute ?? 0;
  const perLabel = tol.perLabel ?? 0;
  return {
    grad: ref.gradTerms.map((v, i) => tol.perTerm * v + perLabel * ref.gradLabelTerms[i] + abs),
    loss: ref.lossTerms.map((v, i) => tol.perLossTerm * v + (tol.perLinearTerm ?? 0) * ref.lossTermsLinear[i] +
        perLabel * ref.lossLabelTerms[i] + abs),
  };
}

function sigmoidMismatch(got: number[], want: number[], tol: SigmoidTolerance, ref: SigmoidRefResult,
    grad: boolean): string | null {
  const t: Tolerance = {rtol: tol.rtol, atol: tol.atol, perLogit: 0, perTerm: 1, perLossTerm: 1};
  const bounds = sigmoidBounds(tol, ref);
  return grad ? mismatch(got, want, t, 0, bounds.grad) : mismatch(got, want, t, 0, undefined, undefined, bounds.loss);
}

/** The five outputs of a case against the float64 reference; a failure names the backend and the output. */
export function expectSigmoidReference(name: string, r: Results, ref: SigmoidRefResult, tol: SigmoidTolerance): void {
  const checks: Array<[string, number[], number[], boolean]> = [
    ['forward loss', r.forward, ref.loss, false], ['valueAndGrad loss', r.vgLoss, ref.loss, false],
    ['valueAndGrad grad', r.vgGrad, ref.grad, true], ['withGrad loss', r.lgLoss, ref.loss, false],
    ['withGrad grad', r.lgGrad, ref.grad, true],
  ];
  for (const [what, got, want, grad] of checks) {
    const m = sigmoidMismatch(got, want, tol, ref, grad);
    expect(`${name} ${what}: ${m ?? 'ok'}`).toBe(`${name} ${what}: ok`);
  }
}

/** Twice a tolerance: two backends that each meet it meet this with each other. */
export function twiceSigmoid(tol: SigmoidTolerance): SigmoidTolerance {
  return {rtol: 2 * tol.rtol, atol: 2 * tol.atol, perTerm: 2 * tol.perTerm, perLossTerm: 2 * tol.perLossTerm,
    perLinearTerm: 2 * (tol.perLinearTerm ?? 0), perLabel: 2 * (tol.perLabel ?? 0), absolute: 2 * (tol.absolute ?? 0)};
}

/**
 * Backend `name` (results r, tolerance tol) against the first backend (results a): within twice tol,
 * the looser one's, with the reference's term sizes.
 */
export function expectSigmoidAgreement(firstName: string, a: Results, name: string, r: Results, tol: SigmoidTolerance,
    ref: SigmoidRefResult): void {
  const twice = twiceSigmoid(tol);
  for (const key of ['forward', 'vgGrad', 'lgGrad'] as const) {
    const m = sigmoidMismatch(r[key], a[key], twice, ref, key !== 'forward');
    expect(`${name} vs ${firstName} ${key}: ${m ?? 'ok'}`).toBe(`${name} vs ${firstName} ${key}: ok`);
  }
}

/**
 * x rounded to the nearest float16 (ties to even; ±∞ past 65504, subnormals below 2^-14): what a
 * webgl backend with float16 textures holds of a float32 input.
 */
export function toFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.max(Math.floor(Math.log2(a)), -14);
  if (e > -14 && 2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const step = 2 ** (e - 10);
  const q = a / step;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 !== 0) r--;  // Math.round rounds halves up; float16 rounds them to even
  return Math.sign(x) * r * step;
}

/** A case's options with posWeight and classWeights rounded as `round` says. */
function roundedWeights(o: SigmoidRefOptions | undefined, round: (x: number) => number): SigmoidRefOptions | undefined {
  if (o === undefined) return o;
  const posWeight = typeof o.posWeight === 'number' ? round(o.posWeight) : o.posWeight?.map(round);
  return {...o, posWeight, classWeights: o.classWeights?.map(round)};
}

/**
 * The reference of a case (memoized: the 10^6-entry case takes a second). With `float16`, of the
 * inputs a float16 texture holds (logits, labels and weights rounded to float16), rounded to float16
 * itself: the error the inputs' rounding makes is theirs, not the kernel's, and far larger than any
 * float32 arithmetic's (a label of 0.998 is off by 2.4e-4, 11% of 1 − y).
 */
const references = new Map<string, SigmoidRefResult>();
export function sigmoidCaseReference(c: SigmoidCase, float16 = false): SigmoidRefResult {
  const key = `${float16 ? 'f16 ' : ''}${c.name}`;
  let ref = references.get(key);
  if (ref === undefined) {
    const {logits, labels, C} = materializeSigmoid(c);
    ref = float16 ? sigmoidReference(Array.from(logits, toFloat16), Array.from(labels, toFloat16), C,
      roundedWeights(c.options, toFloat16)) : sigmoidReference(logits, labels, C, c.options);
    // and the outputs a float16 texture can hold: a sum past 65504 is +∞ there at best
    if (float16) ref = {...ref, loss: ref.loss.map(toFloat16), grad: ref.grad.map(toFloat16)};
    references.set(key, ref);
  }
  return ref;
}

export function sigmoidParityTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(SIGMOID_CASES)('$name', (c) => {
    const results = new Map<string, Results>();

    test.each(BACKENDS)('$name matches the float64 reference', async (b) => {
      await b.setup();
      const r = runSigmoidCase(c);
      results.set(b.name, r);
      expectSigmoidReference(b.name, r, sigmoidCaseReference(c), b.sigmoidTolerance);
    });

    test('backends agree with each other', () => {
      const [first, ...rest] = BACKENDS;
      const a = results.get(first.name) as Results;
      expect(a).toBeDefined();
      for (const b of rest) {
        const r = results.get(b.name) as Results;
        expect(r).toBeDefined();
        expectSigmoidAgreement(first.name, a, b.name, r, b.sigmoidTolerance, sigmoidCaseReference(c));
      }
    });
  });
}

/**
 * What each backend runs: our three sigmoid kernels, or (the composite fallback) none of them, so the
 * table tests the path it names.
 */
export function sigmoidKernelsPresent(BACKENDS: BackendUnderTest[]): void {
  test.each(BACKENDS)('$name: the sigmoid kernels the table means to test', async (b) => {
    await b.setup();
    const have = SIGMOID_KERNEL_NAMES.filter((k) => tf.getKernel(k, tf.getBackend()) !== undefined);
    expect(have).toEqual(b.name.startsWith('composite') ? [] : [...SIGMOID_KERNEL_NAMES]);
  });
}

/** Cases for γ = 0 against no focal option: every reduction, with and without the other options. */
const GAMMA_ZERO_CASES: SigmoidCase[] = [
  {name: 'γ = 0 [6,7] hard mean', shape: [6, 7], labels: 'hard'},
  {name: 'γ = 0 [6,7] soft none, α 0.25', shape: [6, 7], labels: 'soft', options: {reduction: 'none', focalAlpha: 0.25}},
  {name: 'γ = 0 [5,3,7] soft sum, every other option', shape: [5, 3, 7], labels: 'soft',
    options: {reduction: 'sum', labelSmoothing: 0.1, posWeight: 2, classWeights: [1, 0.5, 2, 0, 1, 3, 0.25], focalAlpha: 0.75}},
  {name: 'γ = 0 ±∞ and NaN none', shape: [2, 4], labels: 'soft', options: {reduction: 'none'},
    logits: [[0, Infinity], [1, -Infinity], [2, NaN], [5, 1e4]], labelAt: [[0, 0.5], [1, 1], [6, NaN]]},
  {name: 'γ = 0 [257,9] soft mean', shape: [257, 9], labels: 'soft', options: {posWeight: 0.5}},
];

/** Each output as its bit patterns (NaN payloads and −0 included). */
const bits = (r: Results) => [r.forward, r.vgLoss, r.vgGrad, r.lgLoss, r.lgGrad]
    .map((a) => Array.from(new Uint32Array(new Float32Array(a).buffer)));

/** γ = 0 runs no focal code: results bit-identical to no focalGamma option, on every path. */
export function gammaZeroTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(BACKENDS)('$name: focalGamma 0 is bit-identical to no focal option', (b) => {
    test.each(GAMMA_ZERO_CASES)('$name', async (c) => {
      await b.setup();
      const without = runSigmoidCase(c);
      const withZero = runSigmoidCase({...c, options: {...c.options, focalGamma: 0}});
      expect(bits(withZero)).toEqual(bits(without));
    });
  });
}
