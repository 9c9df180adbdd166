/**
 * The parity table: every case on every given backend, through all three kernels (forward alone,
 * forward + backward under tf.grad, loss-and-grad), against the float64 reference and against the
 * first backend. The *.test.ts files that call it pick the backends (one jest file per tfjs set-up that
 * cannot share a process, e.g. the wasm backend with SIMD on and off).
 */
import * as tf from '@tensorflow/tfjs-core';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../index';
import type {BackendUnderTest} from './backends';
import {Case, CASES, materialize} from './cases';
import {finiteMax, mismatch} from './compare';
import {reference} from './reference';

interface Results {forward: number[]; vgLoss: number[]; vgGrad: number[]; lgLoss: number[]; lgGrad: number[]}

function run(c: Case): Results {
  const {logits, labels} = materialize(c);
  const before = tf.memory().numTensors;
  const z = tf.tensor(logits, c.shape, 'float32');
  const y = c.labels === 'ids' ? tf.tensor(labels, c.shape.slice(0, -1), 'int32') : tf.tensor(labels, c.shape, 'float32');
  const opts = c.options ?? {};
  const forward = softmaxCrossEntropy(z, y, opts);
  const vg = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, opts))(z);
  const lg = softmaxCrossEntropyWithGrad(z, y, opts);
  const expectedShape = opts.reduction === 'none' ? c.shape.slice(0, -1) : [];
  for (const t of [forward, vg.value, lg.loss]) expect(t.shape).toEqual(expectedShape);
  for (const t of [vg.grad, lg.grad]) expect(t.shape).toEqual(c.shape);
  const out = {
    forward: Array.from(forward.dataSync()), vgLoss: Array.from(vg.value.dataSync()),
    vgGrad: Array.from(vg.grad.dataSync()), lgLoss: Array.from(lg.loss.dataSync()), lgGrad: Array.from(lg.grad.dataSync()),
  };
  tf.dispose([z, y, forward, vg.value, vg.grad, lg.loss, lg.grad]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

export function parityTable(BACKENDS: BackendUnderTest[]): void {
  describe.each(CASES)('$name', (c) => {
    const {logits, labels, K} = materialize(c);
    const ref = reference(logits, K, labels, c.labels === 'ids', c.options);
    const maxLogit = finiteMax(logits) / (c.options?.temperature ?? 1);
    const results = new Map<string, Results>();

    test.each(BACKENDS)('$name matches the float64 reference', async (b) => {
      await b.setup();
      const r = run(c);
      results.set(b.name, r);
      const checks: Array<[string, number[], number[]]> = [
        ['forward loss', r.forward, ref.loss], ['valueAndGrad loss', r.vgLoss, ref.loss],
        ['valueAndGrad grad', r.vgGrad, ref.grad], ['withGrad loss', r.lgLoss, ref.loss],
        ['withGrad grad', r.lgGrad, ref.grad],
      ];
      for (const [what, got, want] of checks) {
        const m = mismatch(got, want, b.tolerance, maxLogit);
        expect(`${b.name} ${what}: ${m ?? 'ok'}`).toBe(`${b.name} ${what}: ok`);
      }
    });

    test('backends agree with each other', () => {
      const [first, ...rest] = BACKENDS;
      const a = results.get(first.name) as Results;
      for (const b of rest) {
        const r = results.get(b.name) as Results;
        expect(r).toBeDefined();
        // within the looser backend's tolerance (the reference sits within each one's)
        const tol = b.tolerance;
        for (const key of ['forward', 'vgGrad', 'lgGrad'] as const) {
          const m = mismatch(r[key], a[key], {rtol: 2 * tol.rtol, atol: 2 * tol.atol, perLogit: 2 * tol.perLogit}, maxLogit);
          expect(`${b.name} vs ${first.name} ${key}: ${m ?? 'ok'}`).toBe(`${b.name} vs ${first.name} ${key}: ok`);
        }
      }
    });
  });
}
