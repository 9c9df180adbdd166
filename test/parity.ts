/**
 * The parity table: every case on every given backend, through all three kernels (forward alone,
 * forward + backward under tf.grad, loss-and-grad), against the float64 reference and against the
 * first backend. Each case runs through parity_run.ts, the code the browser suite (browser.test.ts) runs
 * in Chromium. The *.test.ts files that call it pick the backends (one jest file per tfjs set-up that
 * cannot share a process, e.g. the wasm backend with SIMD on and off).
 */
import type {BackendUnderTest, Tolerance} from './backends';
import {Case, CASES, materialize} from './cases';
import {finiteMax, mismatch} from './compare';
import {Results, runCase} from './parity_run';
import {reference, RefResult} from './reference';

/**
 * The five outputs of a case against the float64 reference (gradients with its gradTerms); a failure
 * names the backend and the output.
 */
export function expectReference(name: string, r: Results, ref: RefResult, tol: Tolerance, maxLogit: number): void {
  const checks: Array<[string, number[], number[], boolean]> = [
    ['forward loss', r.forward, ref.loss, false], ['valueAndGrad loss', r.vgLoss, ref.loss, false],
    ['valueAndGrad grad', r.vgGrad, ref.grad, true], ['withGrad loss', r.lgLoss, ref.loss, false],
    ['withGrad grad', r.lgGrad, ref.grad, true],
  ];
  for (const [what, got, want, grad] of checks) {
    const m = grad ? mismatch(got, want, tol, maxLogit, ref.gradTerms, ref.rowLse)
        : mismatch(got, want, tol, maxLogit, undefined, undefined, ref.lossTerms);
    expect(`${name} ${what}: ${m ?? 'ok'}`).toBe(`${name} ${what}: ok`);
  }
}

/**
 * Backend `name` (results r, tolerance tol) against the first backend (results a): within twice the
 * looser backend's tolerance, tol (the reference sits within each one's). Gradients are compared with
 * the reference's gradTerms when given; without them tol.perTerm plays no part, so a float32 backend
 * may disagree on rows where the gradient cancels.
 */
export function expectAgreement(firstName: string, a: Results, name: string, r: Results, tol: Tolerance,
    maxLogit: number, gradTerms?: number[], rowLse?: number[], lossTerms?: number[]): void {
  const twice = {rtol: 2 * tol.rtol, atol: 2 * tol.atol, perLogit: 2 * tol.perLogit, perTerm: 2 * tol.perTerm,
    perTermLse: 2 * (tol.perTermLse ?? 0), perLossTerm: 2 * (tol.perLossTerm ?? 0)};
  for (const key of ['forward', 'vgGrad', 'lgGrad'] as const) {
    const m = key === 'forward' ? mismatch(r[key], a[key], twice, maxLogit, undefined, undefined, lossTerms)
        : mismatch(r[key], a[key], twice, maxLogit, gradTerms, rowLse);
    expect(`${name} vs ${firstName} ${key}: ${m ?? 'ok'}`).toBe(`${name} vs ${firstName} ${key}: ok`);
  }
}

/**
 * The largest finite |logit| the backend's arithmetic sees before the temperature: under a softcap c
 * that is c·tanh(|z|/c) ≤ c, not |z| (float32 errors follow the capped values).
 */
export function maxScaledLogit(logits: ArrayLike<number>, softcap: number): number {
  if (softcap <= 0) return finiteMax(logits);
  let m = 0;
  for (let i = 0; i < logits.length; i++) {
    if (Number.isFinite(logits[i])) m = Math.max(m, softcap * Math.tanh(Math.abs(logits[i]) / softcap));
  }
  return m;
}

export function parityTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(CASES)('$name', (c) => {
    const {logits, labels, K} = materialize(c);
    const ref = reference(logits, K, labels, c.labels === 'ids', c.options);
    const maxLogit = maxScaledLogit(logits, c.options?.softcap ?? 0) / (c.options?.temperature ?? 1);
    const results = new Map<string, Results>();

    test.each(BACKENDS)('$name matches the float64 reference', async (b) => {
      await b.setup();
      const r = runCase(c);
      results.set(b.name, r);
      expectReference(b.name, r, ref, b.tolerance, maxLogit);
    });

    test('backends agree with each other', () => {
      const [first, ...rest] = BACKENDS;
      const a = results.get(first.name) as Results;
      for (const b of rest) {
        const r = results.get(b.name) as Results;
        expect(r).toBeDefined();
        expectAgreement(first.name, a, b.name, r, b.tolerance, maxLogit, ref.gradTerms, ref.rowLse, ref.lossTerms);
      }
    });
  });
}

/** Cases for the new options' defaults against no option: every reduction, ids and probabilities, ±∞ and NaN. */
const DEFAULTS_CASES: Case[] = [
  {name: 'defaults [6,7] ids mean', shape: [6, 7], labels: 'ids'},
  {name: 'defaults [6,7] probs none, smoothing', shape: [6, 7], labels: 'probs',
    options: {reduction: 'none', labelSmoothing: 0.1}},
  {name: 'defaults [5,3,7] ids sum, every other option', shape: [5, 3, 7], labels: 'ids',
    options: {reduction: 'sum', labelSmoothing: 0.1, temperature: 1.7, zLoss: 1e-2, classWeights: [1, 0.25, 3, 1, 0.5, 2, 1]},
    ids: [[1, -100]]},
  {name: 'defaults −∞, +∞ and NaN none', shape: [4, 5], labels: 'ids', options: {reduction: 'none'},
    logits: [[0, 1, -Infinity], [1, 2, Infinity], [2, 3, NaN]]},
  {name: 'defaults [257,33] probs mean', shape: [257, 33], labels: 'probs'},
];

/** Each output as its bit patterns (NaN payloads and −0 included). */
const bits = (r: Results) => [r.forward, r.vgLoss, r.vgGrad, r.lgLoss, r.lgGrad]
    .map((a) => Array.from(new Uint32Array(new Float32Array(a).buffer)));

/**
 * focalGamma 0 and labelSmoothingOver 'all' run today's code: results bit-identical to leaving them out,
 * on every path (softcap has no "off" value to pass: the op refuses 0, and leaving it out is the default).
 */
export function defaultsTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(BACKENDS)('$name: focalGamma 0 and labelSmoothingOver all are bit-identical to no option', (b) => {
    test.each(DEFAULTS_CASES)('$name', async (c) => {
      await b.setup();
      const without = runCase(c);
      const explicit = runCase({...c, options: {...c.options, focalGamma: 0,
        ...(c.labels === 'ids' ? {labelSmoothingOver: 'all' as const} : {})}});
      expect(bits(explicit)).toEqual(bits(without));
    });
  });
}
