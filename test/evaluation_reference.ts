/**
 * The float64 computations the evaluation ops are checked against, in Node (evaluation.test.ts) and for
 * the browser runs (browser.test.ts): softmax rows, a plain loop for the calibration bins, a grid search
 * for the temperature, and the classifier logits the cases are made of. They share no code with the ops.
 */
import {randn, rng} from './rng';

/** float64 softmax of row i of z / T. */
export function softmaxRow(z: ArrayLike<number>, i: number, K: number, T = 1): number[] {
  let m = -Infinity;
  for (let c = 0; c < K; c++) m = Math.max(m, z[i * K + c] / T);
  const e = Array.from({length: K}, (_, c) => Math.exp(z[i * K + c] / T - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The first largest entry's class of row i. */
export function argmaxRow(a: ArrayLike<number>, i: number, K: number): number {
  let arg = 0;
  for (let c = 1; c < K; c++) if (a[i * K + c] > a[i * K + arg]) arg = c;
  return arg;
}

/** float64 top softmax probability of row i of z / T, and its class. */
export function topOf(z: ArrayLike<number>, i: number, K: number, T = 1): {p: number, arg: number} {
  const arg = argmaxRow(z, i, K);
  return {p: softmaxRow(z, i, K, T)[arg], arg};
}

export interface PlainCalibration {
  ece: number;
  mce: number;
  /** Per bin: rows, rows whose argmax is the label, and the mean accuracy and confidence (0 when empty). */
  count: number[];
  correct: number[];
  accuracy: number[];
  confidence: number[];
}

/**
 * The ECE, MCE and bins by the definition, a plain loop over rows: labels are class ids (`sparse`; rows
 * labelled `ignoreIndex` left out) or probabilities (their argmax is the label).
 */
export function plainCalibration(z: ArrayLike<number>, K: number, labels: ArrayLike<number>, sparse: boolean, B: number,
    T = 1, ignoreIndex = -100): PlainCalibration {
  const N = K === 0 ? 0 : z.length / K;
  const count = new Array(B).fill(0);
  const correct = new Array(B).fill(0);
  const conf = new Array(B).fill(0);
  let total = 0;
  for (let i = 0; i < N; i++) {
    if (sparse && labels[i] === ignoreIndex) continue;
    const {p, arg} = topOf(z, i, K, T);
    const truth = sparse ? labels[i] : argmaxRow(labels, i, K);
    let b = 0;
    for (let k = 0; k < B; k++) if (p > k / B && p <= (k + 1) / B) b = k;
    count[b]++;
    correct[b] += arg === truth ? 1 : 0;
    conf[b] += p;
    total++;
  }
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < B; b++) {
    if (count[b] === 0) continue;
    const gap = Math.abs(correct[b] / count[b] - conf[b] / count[b]);
    ece += (count[b] / total) * gap;
    mce = Math.max(mce, gap);
  }
  return {ece, mce, count, correct, accuracy: count.map((n, b) => (n ? correct[b] / n : 0)),
    confidence: count.map((n, b) => (n ? conf[b] / n : 0))};
}

/** The T minimising f over [lo, hi]: a grid of 400 points in log T, then 80 golden-section steps, in float64. */
export function gridSearchT(f: (T: number) => number, lo = 0.05, hi = 20): number {
  const step = Math.pow(hi / lo, 1 / 400);
  let best = lo;
  let bestV = Infinity;
  for (let k = 0; k <= 400; k++) {
    const T = lo * Math.pow(step, k);
    const v = f(T);
    if (v < bestV) [best, bestV] = [T, v];
  }
  let [a, b] = [best / step, best * step];
  const r = (Math.sqrt(5) - 1) / 2;
  for (let k = 0; k < 80; k++) {
    const x = b - r * (b - a);
    const y = a + r * (b - a);
    if (f(x) < f(y)) b = y; else a = x;
  }
  return (a + b) / 2;
}

/** Logits [N, K] of a classifier right about `accuracy` of the time, over-confident by `scale`; class ids. */
export function classifier(seed: number, N: number, K: number, scale: number, accuracy = 0.7):
    {z: Float32Array, y: Int32Array} {
  const next = rng(seed);
  const z = randn(next, N * K, 1);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = Math.floor(next() * K);
    const favoured = next() < accuracy ? y[i] : Math.floor(next() * K);
    z[i * K + favoured] += 2;
    for (let c = 0; c < K; c++) z[i * K + c] *= scale;
  }
  return {z, y};
}
