/**
 * The sigmoid kernels of the wasm module, where only the wasm builds can be checked: each build on its
 * own memory against the float64 reference (sigmoid_reference.ts) within the bound its precision
 * earns, at sizes that are not a multiple of four (the last, partial vector) and column counts that
 * are not (the weights' wrap-around at each row's end), the SIMD and scalar builds against each other,
 * nothing written past an output, empty inputs; then through tfjs, zero copy on its heap (only the
 * outputs are allocated, nothing is read back) and no leak over 1000 steps.
 *
 * The bounds (measured over dense sweeps of x in [−110, 110] with labels 0, 1 and soft ones, every
 * option): per entry, |error| ≤ k·2^-24 times the size of the terms the entry is formed from
 * (sigmoid_reference.ts: lossTerms, |ℓ| itself for non-negative weights; gradTerms), plus 2^-144 (16
 * subnormal steps) for results in float32's subnormal range; k = 2 on the scalar build (float64 per
 * entry, measured 1.0: the output's rounding), k = 7 + 3.5γ on the SIMD builds (float32 lanes;
 * measured 5.4 without a focal term, up to 20.4 at γ = 5: q_t^γ carries γ times the error of σ).
 */
import * as tf from '@tensorflow/tfjs-core';
import {SigmoidCrossEntropyWithLogits, FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyGrad}
  from '../kernels/sigmoid_cross_entropy/contract';
import {SCALAR} from '../backends/wasm/binaries/scalar';
import {SIMD} from '../backends/wasm/binaries/simd';
import type {KernelModule} from '../backends/wasm/module';
import {WASM} from './backends';
import {Backend, trackHeap} from './wasm_heap';
import {sigmoidReference, SigmoidRefOptions} from './sigmoid_reference';

const ULP = 2 ** -24;
// float32 subnormals (below 2^-126) are multiples of 2^-149: a subnormal intermediate loses relative
// precision, and the few products after it round to that step again
const SUBNORMAL = 2 ** -144;
const BUILDS = {scalar: SCALAR, simd: SIMD};
type Build = keyof typeof BUILDS;

/** k of the header's bound, per build and γ. */
const bound = (build: Build, gamma: number) => (build === 'scalar' ? 2 : 7 + 3.5 * gamma) * ULP;

function instantiate(base64: string): {ex: KernelModule, memory: WebAssembly.Memory} {
  const memory = new WebAssembly.Memory({initial: 64});
  const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')), {env: {memory}})
      .exports as unknown as KernelModule;
  return {ex, memory};
}
const instances = {scalar: instantiate(SCALAR), simd: instantiate(SIMD)};

interface Options {eps: number; gamma: number; alpha: number; pos?: number[]; cls?: number[]}
const REDUCTION = {none: 0, sum: 1, mean: 2};
type Reduction = keyof typeof REDUCTION;
const SENTINEL = 12345.5;

/**
 * Runs loss-and-grad, forward and backward on one problem in a build's own memory, each output
 * followed by 16 sentinel bytes; returns the outputs and whether every sentinel survived.
 */
function runKernels(build: Build, x: Float32Array, y: Float32Array, C: number, o: Options, reduction: Reduction,
    dy: Float32Array) {
  const {ex, memory} = instances[build];
  const M = x.length;
  const nLoss = reduction === 'none' ? M : 1;
  const region = (n: number) => (n * 4 + 16 + 15) & ~15;
  let p = 1024;
  const take = (n: number) => { const at = p; p += region(n); return at; };
  const [px, py, pP, pw, pdy] = [take(M), take(M), take(C), take(C), take(M)];
  const [pl, pg, pl2, pg2] = [take(nLoss), take(M), take(nLoss), take(M)];
  if (p > memory.buffer.byteLength) memory.grow(Math.ceil((p - memory.buffer.byteLength) / 65536));
  const f = new Float32Array(memory.buffer);
  f.fill(SENTINEL, pl / 4, p / 4);
  f.set(x, px / 4);
  f.set(y, py / 4);
  f.set(o.pos ?? new Array(C).fill(1), pP / 4);
  f.set(o.cls ?? new Array(C).fill(1), pw / 4);
  f.set(dy, pdy / 4);
  const run = (kernel: () => void) => {
    ex.setSigmoidProblem(px, py, pP, pw, M, C);
    ex.setSigmoidOptions(o.eps, o.gamma, o.alpha, o.pos !== undefined, o.cls !== undefined, REDUCTION[reduction]);
    kernel();
  };
  run(() => ex.sigmoidLossAndGrad(pl, pg));
  run(() => ex.sigmoidForward(pl2));
  run(() => ex.sigmoidBackward(pdy, pg2));
  const F = new Float32Array(memory.buffer);
  const out = (at: number, n: number) => Array.from(F.subarray(at / 4, at / 4 + n));
  const guards = [[pl, nLoss], [pg, M], [pl2, nLoss], [pg2, M]].every(([at, n]) =>
    F.subarray(at / 4 + n, at / 4 + n + 4).every((v) => v === SENTINEL));
  return {lgLoss: out(pl, nLoss), lgGrad: out(pg, M), loss: out(pl2, nLoss), grad: out(pg2, M), guards};
}

/** The first entry of got outside |got − want| ≤ tol·terms + SUBNORMAL (NaN and ±∞ exactly), or null. */
function outside(got: number[], want: number[], terms: number[], tol: number): string | null {
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) return `entry ${i}: got ${g}, want ${w}`;
      continue;
    }
    if (!(Math.abs(g - w) <= tol * terms[i] + SUBNORMAL)) {
      return `entry ${i}: got ${g}, want ${w} (${(Math.abs(g - w) / terms[i] / ULP).toFixed(1)}·2^-24 of its terms)`;
    }
  }
  return null;
}

let seed = 4321;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

/** Logits in [−12, 12] with some far and non-finite ones; labels 0, 1 and soft; dy per entry. */
function problem(M: number): {x: Float32Array, y: Float32Array, dy: Float32Array} {
  const specials = [Infinity, -Infinity, NaN, 0, -0, 100, -100, 1e4, -1e4, 30, -30];
  const x = Float32Array.from({length: M}, (_, i) => (i % 13 === 7 ? specials[(i / 13 | 0) % specials.length]
    : 24 * rand() - 12));
  const y = Float32Array.from({length: M}, (_, i) => (i % 3 === 0 ? rand() : i % 3 === 1 ? 1 : 0));
  if (M > 40) y[40] = NaN;
  const dy = Float32Array.from({length: M}, () => 2 * rand() - 1);
  return {x, y, dy};
}

// [M, C]: sizes not a multiple of 4 (1, 3, 5, 1001, …), column counts that are not (2, 3, 5, 17, 1001),
// and some that are (4, 80), with enough entries for the four-vector loop
const SHAPES: Array<[number, number]> = [[1, 1], [3, 1], [5, 5], [1001, 1], [21, 3], [10, 2], [15, 5], [2002, 1001],
  [36, 4], [561, 17], [16, 1], [17, 17], [5120, 80], [3, 3]];
const OPTIONS: Array<[string, Options]> = [
  ['plain', {eps: 0, gamma: 0, alpha: -1}],
  ['smoothing', {eps: 0.1, gamma: 0, alpha: -1}],
  ['weights', {eps: 0, gamma: 0, alpha: -1, pos: [], cls: []}],
  ['focal γ 2, α', {eps: 0, gamma: 2, alpha: 0.25}],
  ['α alone', {eps: 0, gamma: 0, alpha: 0.7}],
  ['focal γ 1.7, weights', {eps: 0, gamma: 1.7, alpha: -1, pos: [], cls: []}],
  ['everything, γ 0.5', {eps: 0.05, gamma: 0.5, alpha: 0.6, pos: [], cls: []}],
];

/** The option set with per-column weights of length C filled in. */
function withColumns(o: Options, C: number): Options {
  return {...o, pos: o.pos && Array.from({length: C}, (_, c) => Math.fround(0.25 + ((c * 7) % 11) / 4)),
    cls: o.cls && Array.from({length: C}, (_, c) => Math.fround(((c * 5) % 9) / 4))};
}

describe.each(SHAPES)('M = %p entries, C = %p columns', (M, C) => {
  const {x, y, dy} = problem(M);
  test.each(OPTIONS)('%s: both builds against the float64 reference, and against each other', (_, base) => {
    const o = withColumns(base, C);
    const refOptions: SigmoidRefOptions = {labelSmoothing: o.eps, focalGamma: o.gamma,
      focalAlpha: o.alpha < 0 ? undefined : o.alpha, posWeight: o.pos, classWeights: o.cls};
    const failures: string[] = [];
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const ref = sigmoidReference(x, y, C, {...refOptions, reduction});
      // backward: dy per entry for 'none', one number otherwise
      const dyUsed = reduction === 'none' ? dy : Float32Array.of(1.7);
      const dyOf = (i: number) => (reduction === 'none' ? dy[i] : 1.7);
      const refBackward = ref.grad.map((g, i) => (dyOf(i) === 0 ? 0 : g * dyOf(i)));
      const termsBackward = ref.gradTerms.map((t, i) => t * Math.abs(dyOf(i)));
      const got: Record<string, ReturnType<typeof runKernels>> = {};
      for (const build of ['scalar', 'simd'] as const) {
        const r = got[build] = runKernels(build, x, y, C, o, reduction, dyUsed);
        const tol = bound(build, o.gamma);
        // a reduced loss sums float32 entries in float64: an entry's error, summed, plus the float32 result's
        const lossTol = reduction === 'none' ? tol : tol + ULP;
        const checks: Array<[string, string | null]> = [
          ['loss-and-grad loss', outside(r.lgLoss, ref.loss, ref.lossTerms, lossTol)],
          ['loss-and-grad grad', outside(r.lgGrad, ref.grad, ref.gradTerms, tol)],
          ['forward loss', outside(r.loss, ref.loss, ref.lossTerms, lossTol)],
          ['backward grad', outside(r.grad, refBackward, termsBackward, tol)],
          ['outputs stay in bounds', r.guards ? null : 'a sentinel after an output was overwritten'],
        ];
        for (const [what, m] of checks) if (m !== null) failures.push(`${build} ${reduction} ${what}: ${m}`);
      }
      // the two builds against each other: within both their bounds
      const both = bound('scalar', o.gamma) + bound('simd', o.gamma);
      const [a, b] = [got.scalar, got.simd];
      const agree = outside(b.lgGrad, a.lgGrad, ref.gradTerms, both) ??
          outside(b.lgLoss, a.lgLoss, ref.lossTerms, both + ULP) ?? outside(b.grad, a.grad, termsBackward, both);
      if (agree !== null) failures.push(`simd against scalar, ${reduction}: ${agree}`);
    }
    expect(failures).toEqual([]);
  });
});

test('no entries: a reduced loss is exactly 0, and nothing is written for \'none\' or the gradient', () => {
  for (const build of ['scalar', 'simd'] as const) {
    const {ex, memory} = instances[build];
    const f = new Float32Array(memory.buffer);
    for (const [eps, gamma, alpha] of [[0, 0, -1], [0.1, 2, 0.25]]) {
      for (const reduction of [0, 1, 2]) {
        f.fill(SENTINEL, 0, 80);
        ex.setSigmoidProblem(0, 4, 8, 12, 0, 5);
        ex.setSigmoidOptions(eps, gamma, alpha, true, true, reduction);
        ex.sigmoidLossAndGrad(64, 128);
        ex.sigmoidForward(192);
        ex.sigmoidBackward(16, 256);
        const want = reduction === 0 ? SENTINEL : 0;  // loss-and-grad's loss, its gradient, forward's, backward's
        expect([build, reduction, f[16], f[32], f[48], f[64]]).toEqual([build, reduction, want, SENTINEL, want,
          SENTINEL]);
      }
    }
  }
});


describe('through tfjs\'s wasm backend', () => {
  let backend: Backend;
  beforeAll(async () => {
    await WASM.setup();
    backend = tf.backend() as unknown as Backend;
  });

  test('zero copy: each kernel allocates its outputs on tfjs\'s heap and nothing else, and reads no tensor back', () => {
    const [N, C] = [33, 517];
    const logits = tf.randomNormal([N, C], 0, 3, 'float32', 2);
    const labels = tf.randomUniform([N, C], 0, 1, 'float32', 3);
    const posWeight = tf.fill([C], 2);
    const classWeights = tf.randomUniform([C], 0, 2, 'float32', 4);
    const dy = tf.scalar(1);
    const attrs = {reduction: 'mean', labelSmoothing: 0.1, focalGamma: 2, focalAlpha: 0.25, posWeighted: true,
      classWeighted: true};
    const inputs = {logits, labels, posWeight, classWeights};
    const heap = trackHeap(backend);
    const readSync = jest.spyOn(backend, 'readSync');
    const read = jest.spyOn(backend, 'read');
    try {
      const calls: number[][] = [];
      const run = (name: string, extra: object) => {
        const before = heap.calls.length;
        const out = tf.engine().runKernel(name, {...inputs, ...extra}, attrs);
        calls.push(heap.calls.slice(before));
        tf.dispose(out as tf.Tensor | tf.Tensor[]);
      };
      run(SigmoidCrossEntropyWithLogits, {});
      run(FusedSigmoidCrossEntropy, {});
      run(FusedSigmoidCrossEntropyGrad, {dy});
      expect(calls).toEqual([[4, N * C * 4], [4], [N * C * 4]]);
      expect(readSync).not.toHaveBeenCalled();
      expect(read).not.toHaveBeenCalled();
    } finally {
      heap.restore();
      readSync.mockRestore();
      read.mockRestore();
      tf.dispose([logits, labels, posWeight, classWeights, dy]);
    }
  });

  test('no leak: tfjs memory, data ids and the wasm heap are unchanged after 1000 steps of every kernel', () => {
    const [N, C] = [64, 10];
    const logits = tf.randomNormal([N, C], 0, 3, 'float32', 5);
    const labels = tf.randomUniform([N, C], 0, 1, 'float32', 6);
    const posWeight = tf.fill([C], 3);
    const classWeights = tf.ones([C]);
    const dy = tf.randomNormal([N, C], 0, 1, 'float32', 7);
    const inputs = {logits, labels, posWeight, classWeights};
    const none = {reduction: 'none', labelSmoothing: 0, focalGamma: 0.5, focalAlpha: -1, posWeighted: true,
      classWeighted: false};
    const sum = {...none, reduction: 'sum', focalGamma: 0};
    const step = () => {
      tf.dispose(tf.engine().runKernel(SigmoidCrossEntropyWithLogits, inputs, none) as tf.Tensor[]);
      tf.dispose(tf.engine().runKernel(FusedSigmoidCrossEntropy, inputs, sum) as tf.Tensor[]);
      tf.dispose(tf.engine().runKernel(FusedSigmoidCrossEntropyGrad, {...inputs, dy}, none) as tf.Tensor);
    };
    const heap = trackHeap(backend);
    step();
    const before = {bytes: heap.bytes(), tensors: tf.memory().numTensors, ids: backend.numDataIds(),
      size: (backend.wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length};
    try {
      for (let i = 0; i < 1000; i++) step();
      expect(heap.calls.length).toBeGreaterThan(4000);
      expect({bytes: heap.bytes(), tensors: tf.memory().numTensors, ids: backend.numDataIds(),
        size: (backend.wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length}).toEqual(before);
    } finally {
      heap.restore();
      tf.dispose([logits, labels, posWeight, classWeights, dy]);
    }
  });
});
