/**
 * The evaluation ops (perplexity, expectedCalibrationError, fitTemperature and their streaming forms)
 * against computations written here in float64, independent of the ops: perplexity against exp of the
 * float64 reference's mean loss, the bins and ECE against a plain loop over softmax probabilities, the
 * fitted temperature against a grid search of the reference's NLL. Awkward inputs: one row, every row
 * in one bin, confidences on a bin edge, N = 0, −∞ logits, ignored rows. Nothing leaks, and a streamed
 * evaluation holds one batch at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {createCalibrationError, createPerplexity, expectedCalibrationError, fitTemperature, perplexity} from '../index';
import {BACKENDS} from './backends';
import {classifier, gridSearchT, plainCalibration, softmaxRow} from './evaluation_reference';
import {reference} from './reference';
import {randn, rng} from './rng';

/** The float64 mean NLL at temperature T (the reference's mean). */
const nll = (z: Float32Array, K: number, y: ArrayLike<number>, T: number, ignoreIndex = -100) =>
  reference(z, K, y, true, {temperature: T, ignoreIndex}).loss[0];

describe.each(BACKENDS)('$name', (b) => {
  beforeAll(() => b.setup());

  describe('perplexity', () => {
    test.each([
      ['odd K', 37, 13, {}],
      ['K = 1', 5, 1, {}],
      ['temperature 2 and ignored rows', 40, 10, {temperature: 2, ignoreIndex: 3}],
      ['class weights', 30, 6, {classWeights: [1, 2, 0.5, 1, 3, 0.25]}],
    ] as Array<[string, number, number, {temperature?: number, ignoreIndex?: number, classWeights?: number[]}]>)(
        '%s: exp of the reference mean loss', async (_, N, K, o) => {
      const {z, y} = classifier(N * 31 + K, N, K, 1.5);
      if (o.ignoreIndex !== undefined) y[0] = y[7] = o.ignoreIndex;
      const expected = Math.exp(reference(z, K, y, true, o).loss[0]);
      const before = tf.memory().numTensors;
      const ppl = perplexity(tf.tensor2d(z, [N, K]), tf.tensor1d(y, 'int32'), o);
      expect(ppl.rank).toBe(0);
      expect((await ppl.data())[0]).toBeCloseTo(expected, 4);
      ppl.dispose();
      expect(tf.memory().numTensors).toBe(before + 2);  // the two inputs made in the call's arguments
    });

    test('base 2 gives the same perplexity; the streamed loss is in bits', async () => {
      const {z, y} = classifier(7, 50, 20, 2);
      const e = Math.exp(nll(z, 20, y, 1));
      const s2 = createPerplexity({base: 2});
      await s2.update(tf.tensor2d(z, [50, 20]), tf.tensor1d(y, 'int32'));
      const r = await s2.result();
      expect(r.perplexity).toBeCloseTo(e, 4);
      expect(r.loss).toBeCloseTo(nll(z, 20, y, 1) / Math.LN2, 5);
      expect(Math.pow(2, r.loss)).toBeCloseTo(e, 4);
      expect(r.count).toBe(50);
    });

    test('streamed over uneven batches = one batch; empty and all-ignored sets give 1', async () => {
      const N = 103;
      const K = 17;
      const {z, y} = classifier(11, N, K, 1);
      y[5] = -100;
      y[60] = -100;
      const whole = Math.exp(nll(z, K, y, 1));
      const acc = createPerplexity();
      for (const [a, e] of [[0, 40], [40, 41], [41, 100], [100, 103]]) {
        const zb = tf.tensor2d(z.slice(a * K, e * K), [e - a, K]);
        const yb = tf.tensor1d(y.slice(a, e), 'int32');
        const p = acc.update(zb, yb);
        tf.dispose([zb, yb]);  // the update needs neither any more
        await p;
      }
      const r = await acc.result();
      expect(r.perplexity).toBeCloseTo(whole, 4);
      expect(r.count).toBe(N - 2);
      acc.reset();
      expect(await acc.result()).toEqual({perplexity: 1, loss: 0, count: 0});
      await acc.update(tf.zeros([0, K]), tf.zeros([0], 'int32'));
      await acc.update(tf.ones([2, K]), tf.tensor1d([-100, -100], 'int32'));
      expect(await acc.result()).toEqual({perplexity: 1, loss: 0, count: 0});
      expect((await perplexity(tf.zeros([0, K]), tf.zeros([0], 'int32')).data())[0]).toBe(1);
    });

    test('bad input names the argument', () => {
      const z = tf.zeros([2, 3]);
      expect(() => perplexity(z, tf.fill([2, 3], 1 / 3))).toThrow(/perplexity: labels must be int32 class ids of shape \[2\]/);
      expect(() => perplexity(z, tf.tensor1d([0, 1], 'int32'), {labelSmoothing: 0.1} as object))
        .toThrow(/perplexity: unknown option 'labelSmoothing'/);
      expect(() => createPerplexity({base: 1})).toThrow(/createPerplexity: options.base must be a finite number > 1/);
      expect(() => createPerplexity({temperature: 0})).toThrow(/options.temperature must be a finite number > 0; got 0/);
    });
  });

  describe('expectedCalibrationError', () => {
    test.each([
      ['15 bins, odd K', 200, 13, 15, 1],
      ['10 bins, temperature 1.7', 150, 10, 10, 1.7],
      ['one row', 1, 5, 15, 1],
      ['K = 1: every confidence 1', 20, 1, 15, 1],
    ])('%s: bins and ECE as a plain loop', async (_, N, K, B, T) => {
      const {z, y} = classifier(N + K + B, N, K, 2.5);
      const want = plainCalibration(z, K, y, true, B, T);
      const before = tf.memory().numTensors;
      const zt = tf.tensor2d(z, [N, K]);
      const yt = tf.tensor1d(y, 'int32');
      const got = await expectedCalibrationError(zt, yt, {bins: B, temperature: T});
      tf.dispose([zt, yt]);
      expect(tf.memory().numTensors).toBe(before);
      expect(got.bins.map((x) => x.count)).toEqual(want.count);
      got.bins.forEach((bin, k) => {
        expect(bin.lower).toBeCloseTo(k / B, 12);
        expect(bin.upper).toBeCloseTo((k + 1) / B, 12);
        expect(bin.accuracy).toBeCloseTo(want.accuracy[k], 12);
        expect(bin.confidence).toBeCloseTo(want.confidence[k], 6);
      });
      expect(got.ece).toBeCloseTo(want.ece, 6);
      expect(got.mce).toBeCloseTo(want.mce, 6);
    });

    test('confidences on a bin edge go in the bin they close: (lower, upper]', async () => {
      // K equal logits: confidence exactly 1/K; 0.5 closes bin 1 of 4, 0.25 closes bin 0 of 4
      const z = tf.tensor2d([[3, 3], [0, 0], [1, 1], [7, 7]]);
      const r = await expectedCalibrationError(z, tf.tensor1d([0, 1, 0, 0], 'int32'), {bins: 4});
      expect(r.bins.map((b) => b.count)).toEqual([0, 4, 0, 0]);
      const q = await expectedCalibrationError(tf.zeros([3, 4]), tf.tensor1d([0, 0, 0], 'int32'), {bins: 4});
      expect(q.bins.map((b) => b.count)).toEqual([3, 0, 0, 0]);
      expect(q.bins[0].accuracy).toBe(1);
      expect(q.ece).toBeCloseTo(0.75, 6);
    });

    test('every row in one bin; −∞ logits; ignored rows; probability labels; N = 0', async () => {
      const z = tf.tensor2d([[10, -Infinity, 0], [-Infinity, 9, -Infinity], [0, 0, 12], [11, 0, 0]]);
      const r = await expectedCalibrationError(z, tf.tensor1d([0, 1, 1, -100], 'int32'));
      expect(r.bins[14].count).toBe(3);
      expect(r.bins.slice(0, 14).every((b) => b.count === 0)).toBe(true);
      expect(r.bins[14].accuracy).toBeCloseTo(2 / 3, 12);
      const p = softmaxRow([10, -Infinity, 0], 0, 3)[0];
      const q = softmaxRow([0, 0, 12], 0, 3)[2];
      expect(r.bins[14].confidence).toBeCloseTo((p + 1 + q) / 3, 6);
      expect(r.ece).toBeCloseTo(Math.abs(2 / 3 - (p + 1 + q) / 3), 6);
      expect(r.mce).toBeCloseTo(r.ece, 12);
      const onehot = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]]);
      const s = await expectedCalibrationError(z, onehot);
      expect(s.bins[14].count).toBe(4);
      expect(s.bins[14].accuracy).toBe(0.75);
      const e = await expectedCalibrationError(tf.zeros([0, 3]), tf.zeros([0], 'int32'));
      expect([e.ece, e.mce, e.bins.length, e.bins.every((b) => b.count === 0)]).toEqual([0, 0, 15, true]);
    });

    test('streamed batch by batch = one batch, and reset forgets', async () => {
      const {z, y} = classifier(5, 90, 7, 3);
      const one = await expectedCalibrationError(tf.tensor2d(z, [90, 7]), tf.tensor1d(y, 'int32'));
      const acc = createCalibrationError();
      await acc.update(tf.tensor2d(z, [90, 7]), tf.tensor1d(y, 'int32'));
      acc.reset();
      for (let a = 0; a < 90; a += 25) {
        const e = Math.min(90, a + 25);
        await acc.update(tf.tensor2d(z.slice(a * 7, e * 7), [e - a, 7]), tf.tensor1d(y.slice(a, e), 'int32'));
      }
      const r = await acc.result();
      expect(r.bins.map((b) => b.count)).toEqual(one.bins.map((b) => b.count));
      expect(r.ece).toBeCloseTo(one.ece, 10);
    });

    test('bad input names the argument', async () => {
      expect(() => createCalibrationError({bins: 0})).toThrow(/createCalibrationError: options.bins must be an integer >= 1; got 0/);
      await expect(expectedCalibrationError(tf.zeros([2, 3]), tf.zeros([2, 3], 'int32')))
        .rejects.toThrow(/expectedCalibrationError: labels must be int32 class ids of shape \[2\] or float32 probabilities/);
      await expect(expectedCalibrationError(tf.zeros([2, 3]), tf.tensor1d([0, 1], 'int32'), {temperature: -1}))
        .rejects.toThrow(/options.temperature must be a finite number > 0; got -1/);
    });
  });

  describe('fitTemperature', () => {
    test.each([
      ['over-confident (scale 3)', 400, 10, 3],
      ['under-confident (scale 0.4)', 300, 7, 0.4],
      ['odd K, ignored rows', 250, 31, 2],
    ])('%s: agrees with a grid search to 1e-4', async (name, N, K, scale) => {
      const {z, y} = classifier(N * K, N, K, scale);
      const ignore = name.includes('ignored') ? [3, 17, 100] : [];
      for (const i of ignore) y[i] = -100;
      const want = gridSearchT((T) => nll(z, K, y, T));
      const before = tf.memory().numTensors;
      const zt = tf.tensor2d(z, [N, K]);
      const yt = tf.tensor1d(y, 'int32');
      const r = await fitTemperature(zt, yt);
      tf.dispose([zt, yt]);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(r.temperature - want) / want).toBeLessThan(1e-4);
      expect(r.converged).toBe(true);
      expect(r.iterations).toBeLessThanOrEqual(50);
      expect(r.nllBefore).toBeCloseTo(nll(z, K, y, 1), 5);
      expect(r.nllAfter).toBeCloseTo(nll(z, K, y, want), 5);
      expect(r.nllAfter).toBeLessThanOrEqual(r.nllBefore);
    });

    test('probability labels: the NLL against soft targets', async () => {
      const N = 120;
      const K = 6;
      const {z} = classifier(3, N, K, 2.5);
      // soft targets from the logits at T = 2, blurred: the fitted T lands near 2
      const next = rng(9);
      const noise = randn(next, N * K, 0.3);
      const P = new Float32Array(N * K);
      for (let i = 0; i < N; i++) {
        const q = softmaxRow(Array.from({length: K}, (_, c) => z[i * K + c] + noise[i * K + c]), 0, K, 2);
        q.forEach((v, c) => { P[i * K + c] = v; });
      }
      const f = (T: number) => reference(z, K, P, false, {temperature: T}).loss[0];
      const want = gridSearchT(f);
      const r = await fitTemperature(tf.tensor2d(z, [N, K]), tf.tensor2d(P, [N, K]));
      expect(Math.abs(r.temperature - want) / want).toBeLessThan(1e-4);
      expect(r.temperature).toBeGreaterThan(1.5);
      expect(r.temperature).toBeLessThan(2.5);
    });

    test('a one-row set; the range bounds an unbounded optimum; an empty set throws', async () => {
      // one correct, unambiguous row: the NLL falls all the way to T → 0, so the range's end is the answer
      const r = await fitTemperature(tf.tensor2d([[2, 0, -1]]), tf.tensor1d([0], 'int32'), {minTemperature: 0.1});
      expect(r.temperature).toBeCloseTo(0.1, 10);
      const w = await fitTemperature(tf.tensor2d([[2, 0, -1]]), tf.tensor1d([2], 'int32'), {maxTemperature: 50});
      expect(w.temperature).toBeCloseTo(50, 8);
      await expect(fitTemperature(tf.zeros([0, 3]), tf.zeros([0], 'int32'))).rejects.toThrow(/fitTemperature: no rows to fit/);
      await expect(fitTemperature(tf.zeros([2, 3]), tf.tensor1d([-100, -100], 'int32')))
        .rejects.toThrow(/no rows to fit \(logits has 2 rows, every one ignored\)/);
      await expect(fitTemperature(tf.zeros([2, 3]), tf.tensor1d([0, 1], 'int32'), {maxIterations: 1}))
        .rejects.toThrow(/options.maxIterations must be an integer >= 2; got 1/);
      await expect(fitTemperature(tf.zeros([2, 3]), tf.tensor1d([0, 1], 'int32'), {minTemperature: 5, maxTemperature: 2}))
        .rejects.toThrow(/options.minTemperature must be below options.maxTemperature/);
    });
  });
});

describe('a streamed evaluation holds one batch at a time (cpu)', () => {
  beforeAll(() => BACKENDS[0].setup());

  test('100 000 rows × 1000 classes in batches of 2000: memory back to the start after every batch', async () => {
    const K = 1000;
    const rows = 2000;
    const batchBytes = rows * K * 4 + rows * 4;
    const ppl = createPerplexity();
    const ece = createCalibrationError();
    const start = tf.memory();
    let peak = 0;
    for (let k = 0; k < 100000 / rows; k++) {
      const z = tf.randomNormal([rows, K], 0, 2, 'float32', k);
      const y = tf.randomUniformInt([rows], 0, K, k);
      const done = [ppl.update(z, y), ece.update(z, y)];
      peak = Math.max(peak, tf.memory().numBytes - start.numBytes);
      tf.dispose([z, y]);
      await Promise.all(done);
      expect(tf.memory().numTensors).toBe(start.numTensors);
      expect(tf.memory().numBytes).toBe(start.numBytes);
    }
    // while updating: the batch and the per-row numbers read back (3 floats a row for the bins), no more
    expect(peak).toBeLessThanOrEqual(batchBytes + rows * 3 * 4 + 64);
    const r = await ppl.result();
    expect(r.count).toBe(100000);
    expect(r.perplexity).toBeGreaterThan(1);
    expect((await ece.result()).bins.reduce((a, b) => a + b.count, 0)).toBe(100000);
  }, 120000);
});
