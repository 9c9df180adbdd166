/**
 * The divergence parity table: every case (divergence_cases.ts) on every given backend, through all
 * three paths (the op alone, forward + backward under tf.valueAndGrad, the op's WithGrad form), against
 * the float64 reference and against the first backend. Each case runs through
 * divergence_parity_run.ts, the code the browser suite runs in Chromium. The *.test.ts files that call
 * it pick the backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import {DIVERGENCE_KERNEL_NAMES} from '../kernels/softmax_divergence/contract';
import type {BackendUnderTest, DivergenceTolerance, Tolerance} from './backends';
import {mismatch} from './compare';
import {DIVERGENCE_CASES, DivergenceCase, divergenceAttrs, materializeDivergence} from './divergence_cases';
import {runDivergenceCase} from './divergence_parity_run';
import {divergenceReference, DivRefResult} from './divergence_reference';
import type {Results} from './parity_run';
import {toFloat16} from './sigmoid_parity';

/**
 * The reference of a case (memoized: the K = 100000 cases take a moment). With `float16`, of the inputs
 * a float16 texture holds (logits and targets rounded to float16), its outputs rounded to float16 too:
 * the error the inputs' rounding makes is theirs, not the kernel's (a logit of 1000.3 is off by 0.2).
 */
const references = new Map<string, DivRefResult>();
export function divergenceCaseReference(c: DivergenceCase, float16 = false): DivRefResult {
  const key = `${float16 ? 'f16 ' : ''}${c.name}`;
  let ref = references.get(key);
  if (ref === undefined) {
    const {logits, targets, K} = materializeDivergence(c);
    const attrs = divergenceAttrs(c);
    ref = float16 ? divergenceReference(Array.from(logits, toFloat16), Array.from(targets, toFloat16), K, attrs)
        : divergenceReference(logits, targets, K, attrs);
    if (float16) ref = {...ref, loss: ref.loss.map(toFloat16), grad: ref.grad.map(toFloat16)};
    references.set(key, ref);
  }
  return ref;
}

/** Per-entry bounds beyond rtol and atol: gradient entries' (perTerm + perTermLse·lse)·terms, losses' perLossTerm·lossTerms. */
export function divergenceBounds(tol: DivergenceTolerance, ref: DivRefResult): {grad: number[], loss: number[]} {
  const abs = tol.absolute ?? 0;
  return {
    grad: ref.gradTerms.map((t, i) => (tol.perTerm + tol.perTermLse * ref.entryLse[i]) * t + abs),
    loss: ref.lossTerms.map((t) => tol.perLossTerm * t + abs),
  };
}

function divergenceMismatch(got: number[], want: number[], tol: DivergenceTolerance, ref: DivRefResult,
    grad: boolean): string | null {
  // compare.ts's bound with the per-entry parts folded into one array taken with a coefficient of 1, and
  // perSpread·M + perLogit·L as its perLogit·1
  const t: Tolerance = {rtol: tol.rtol, atol: tol.atol, perLogit: tol.perSpread * ref.maxSpread +
    (tol.perLogit ?? 0) * ref.maxLogit, perTerm: 1, perLossTerm: 1};
  const bounds = divergenceBounds(tol, ref);
  return grad ? mismatch(got, want, t, 1, bounds.grad) : mismatch(got, want, t, 1, undefined, undefined, bounds.loss);
}

/** The five outputs of a case against the float64 reference; a failure names the backend and the output. */
export function expectDivergenceReference(name: string, r: Results, ref: DivRefResult, tol: DivergenceTolerance): void {
  const checks: Array<[string, number[], number[], boolean]> = [
    ['forward loss', r.forward, ref.loss, false], ['valueAndGrad loss', r.vgLoss, ref.loss, false],
    ['valueAndGrad grad', r.vgGrad, ref.grad, true], ['withGrad loss', r.lgLoss, ref.loss, false],
    ['withGrad grad', r.lgGrad, ref.grad, true],
  ];
  for (const [what, got, want, grad] of checks) {
    const m = divergenceMismatch(got, want, tol, ref, grad);
    expect(`${name} ${what}: ${m ?? 'ok'}`).toBe(`${name} ${what}: ok`);
  }
}

/** Twice a tolerance: two backends that each meet it meet this with each other. */
export function twiceDivergence(tol: DivergenceTolerance): DivergenceTolerance {
  return {rtol: 2 * tol.rtol, atol: 2 * tol.atol, perSpread: 2 * tol.perSpread, perLogit: 2 * (tol.perLogit ?? 0),
    perTerm: 2 * tol.perTerm,
    perTermLse: 2 * tol.perTermLse, perLossTerm: 2 * tol.perLossTerm, absolute: 2 * (tol.absolute ?? 0)};
}

/** Backend `name` (results r) against the first backend (results a): within twice tol, the looser one's. */
export function expectDivergenceAgreement(firstName: string, a: Results, name: string, r: Results,
    tol: DivergenceTolerance, ref: DivRefResult): void {
  const twice = twiceDivergence(tol);
  for (const key of ['forward', 'vgGrad', 'lgGrad'] as const) {
    const m = divergenceMismatch(r[key], a[key], twice, ref, key !== 'forward');
    expect(`${name} vs ${firstName} ${key}: ${m ?? 'ok'}`).toBe(`${name} vs ${firstName} ${key}: ok`);
  }
}

export function divergenceParityTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(DIVERGENCE_CASES)('$name', (c) => {
    const results = new Map<string, Results>();

    test.each(BACKENDS)('$name matches the float64 reference', async (b) => {
      await b.setup();
      const r = runDivergenceCase(c);
      results.set(b.name, r);
      expectDivergenceReference(b.name, r, divergenceCaseReference(c), b.divergenceTolerance);
    });

    test('backends agree with each other', () => {
      const [first, ...rest] = BACKENDS;
      const a = results.get(first.name) as Results;
      expect(a).toBeDefined();
      for (const b of rest) {
        const r = results.get(b.name) as Results;
        expect(r).toBeDefined();
        expectDivergenceAgreement(first.name, a, b.name, r, b.divergenceTolerance, divergenceCaseReference(c));
      }
    });
  });
}

/**
 * What each backend runs: our three divergence kernels, or (the composite fallback) none of them, so
 * the table tests the path it names.
 */
export function divergenceKernelsPresent(BACKENDS: BackendUnderTest[]): void {
  test.each(BACKENDS)('$name: the divergence kernels the table means to test', async (b) => {
    await b.setup();
    const have = DIVERGENCE_KERNEL_NAMES.filter((k) => tf.getKernel(k, tf.getBackend()) !== undefined);
    expect(have).toEqual(b.name.startsWith('composite') ? [] : [...DIVERGENCE_KERNEL_NAMES]);
  });
}
