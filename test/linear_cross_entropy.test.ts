/**
 * linearCrossEntropy / linearCrossEntropyWithGrad (the fused LM head) on cpu, the composite fallback and
 * wasm: every case of linear_cases.ts against the float64 reference (linear_reference.ts) and against
 * the unfused tfjs head (matMul + bias + softmaxCrossEntropy); training through tf.variableGrads and
 * optimizer.minimize; a per-row dy for reduction 'none'; memory (tf.profile) and tensor leaks; the
 * default chunk plan; bad inputs; and V = 100 000.
 */
import * as tf from '@tensorflow/tfjs-core';
// the unfused head is differentiated through tfjs's own ops (matMul, add): the union package registers their gradients
import '@tensorflow/tfjs';
import {BACKENDS, BackendUnderTest} from './backends';
import {linearCrossEntropy, linearCrossEntropyWithGrad, softmaxCrossEntropy} from '../index';
import type {LinearCrossEntropyOptions} from '../index';
import {DEFAULT_CHUNK_BYTES, planChunks} from '../kernels/linear_cross_entropy/plan';
import {LINEAR_CASES, LINEAR_MEDIUM_CASES, LinearCase, LinearCaseOptions, linearInputs, LinearInputs, rowCount}
  from './linear_cases';
import {linearReference, LinearRefResult, refOptions} from './linear_reference';

// ---------------------------------------------------------------------------------------------------
// Tolerances
// ---------------------------------------------------------------------------------------------------

/**
 * The bound of an entry, against the float64 reference (VS_REFERENCE) or the unfused tfjs head
 * (VS_UNFUSED), with u = 2^-24 (half a float32 ulp of 1) and scale the largest |ref| in the array:
 *
 *   loss:      |got − ref| ≤ rtol·|ref| + atol·scale + perLossTerm·lossTerms + dotUlps·u·√H·lossLogitTerms
 *   gradient:  |got − ref| ≤ rtol·|ref| + atol·scale + dotUlps·u·(√n + √H)·terms
 *
 * Where the error comes from (the terms are the float64 reference's, linear_reference.ts):
 *
 * - The logits are a float32 matMul over H terms. A float32 dot product of n terms errs by up to n·u
 *   of Σ|products| (worst case) and by about √n·u of it when the roundings have random signs, which
 *   they do here (random data, no structure). lossLogitTerms = Σ_c |∂ℓ/∂z_c|·Σ_k |h_ik·W_kc| (+ |b_c|)
 *   is what the loss moves by when each logit moves by that much of its own |products|.
 * - Each gradient is a second float32 dot product: dh_ik = Σ_c g_ic·W_kc (n = V terms), dW_kc =
 *   Σ_i h_ik·g_ic and db_c = Σ_i g_ic (n = N terms, summed chunk by chunk); `terms` is its Σ|products|.
 *   g itself carries the logits' error (the √H part, through the softmax's slope, which is of the size
 *   of g) and the loss kernel's own (backends.ts: a float32 ulp or two of the same terms at most).
 * - rtol, atol: a few float32 ulps (4e-7 ≈ 3–7 ulps) of the entry and of the array's largest entry —
 *   sums of float32 values (the mean's Σ over chunks, 1/D), and entries whose dot product cancels.
 * - perLossTerm: the kernels that form lse − s in float32 (composite, wasm) err by an ulp of
 *   reference.ts's lossTerms (backends.ts's perLossTerm is 2e-8 for the composite).
 *
 * dotUlps: 4 against the reference, 2 against the unfused head (both sides float32 with the same
 * kernels; they differ in the order of additions — dW over chunks, the scale applied to h·s and dh_c
 * instead of inside g — so by about one rounding of each side's dot products). Measured over the whole
 * file on cpu, the composite and wasm: the worst entry takes 53% of its VS_UNFUSED bound and 41% of
 * its VS_REFERENCE bound (wasm's tied 'none' dh at V = 4001 and 100 000: 0.97·u·(√n + √H) of the
 * terms, the others under 0.35); no loss takes more than 12%. A wrong scale, a missing option, a
 * dropped or doubled row or chunk is an O(1) error of the terms and cannot pass.
 */
interface LinearTolerance {rtol: number; atol: number; perLossTerm: number; dotUlps: number}

const U = 2 ** -24;
const VS_REFERENCE: LinearTolerance = {rtol: 4e-7, atol: 4e-7, perLossTerm: 2e-8, dotUlps: 4};
const VS_UNFUSED: LinearTolerance = {rtol: 4e-7, atol: 4e-7, perLossTerm: 2e-8, dotUlps: 2};

// Module-scope copies: a global such as Math is looked up through jest's sandbox on every use, which
// makes the comparison loops (10^6 entries at V = 100 000) several times slower.
const {abs, max} = Math;
const isFinite = Number.isFinite;
const isNaN = Number.isNaN;

const finiteMax = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (isFinite(a[i])) m = max(m, abs(a[i]));
  return m;
};

/** What an entry's bound scales dotUlps by, and the loss terms. */
interface Terms {
  /** Per entry: Σ|products| of its dot product (gradients) or lossLogitTerms (losses). */
  dot: ArrayLike<number>;
  /** u·(√n + √H) for a gradient whose dot product has n terms; u·√H for a loss. */
  dotScale: number;
  /** reference.ts's lossTerms (losses only). */
  loss?: ArrayLike<number>;
}

/** null when every entry is within the bound, else the first entry that is not (and its bound). */
function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: LinearTolerance, terms: Terms): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  const scale = finiteMax(want);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const r = want[i];
    if (!isFinite(r)) {
      if (!(g === r || (isNaN(g) && isNaN(r)))) return `[${i}] = ${g}, expected ${r}`;
      continue;
    }
    const bound = tol.rtol * abs(r) + tol.atol * scale + tol.perLossTerm * (terms.loss?.[i] ?? 0) +
        tol.dotUlps * terms.dotScale * terms.dot[i];
    if (!(abs(g - r) <= bound)) return `[${i}] = ${g}, expected ${r} (|diff| ${abs(g - r)} > ${bound})`;
  }
  return null;
}

/** The head's outputs as plain numbers. */
interface Out {loss: number[]; dHidden: number[]; dWeight: number[]; dBias?: number[]}

function expectOut(what: string, c: LinearCase, got: Out, want: Out, ref: LinearRefResult, tol: LinearTolerance,
    grads = true) {
  const rootH = Math.sqrt(c.H);
  const rootN = Math.sqrt(rowCount(c));
  const checks: Array<[string, ArrayLike<number> | undefined, ArrayLike<number> | undefined, Terms | undefined]> = [
    ['loss', got.loss, want.loss, {dot: ref.lossLogitTerms, dotScale: U * rootH, loss: ref.lossTerms}],
  ];
  if (grads) {
    checks.push(['dHidden', got.dHidden, want.dHidden, {dot: ref.dHiddenTerms, dotScale: U * (Math.sqrt(c.V) + rootH)}],
        ['dWeight', got.dWeight, want.dWeight, {dot: ref.dWeightTerms, dotScale: U * (rootN + rootH)}],
        ['dBias', got.dBias, want.dBias, ref.dBiasTerms && {dot: ref.dBiasTerms, dotScale: U * (rootN + rootH)}]);
  }
  for (const [name, g, w, terms] of checks) {
    if (w === undefined || terms === undefined) {
      expect(`${what} ${name}: ${g === undefined ? 'absent' : 'present'}`).toBe(`${what} ${name}: absent`);
      continue;
    }
    const m = g === undefined ? 'missing' : mismatch(g, w, tol, terms);
    expect(`${what} ${name}: ${m ?? 'ok'}`).toBe(`${what} ${name}: ok`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------------

interface Tensors {hidden: tf.Tensor; weight: tf.Tensor2D; bias?: tf.Tensor1D; labels: tf.Tensor; dy: tf.Tensor}

function tensorsOf(c: LinearCase, x: LinearInputs): Tensors {
  const wShape: [number, number] = c.transposeWeight ? [c.V, c.H] : [c.H, c.V];
  return {
    hidden: tf.tensor(x.hidden, [...c.rows, c.H], 'float32'),
    weight: tf.tensor2d(x.weight, wShape, 'float32'),
    ...(x.bias !== undefined ? {bias: tf.tensor1d(x.bias, 'float32')} : {}),
    labels: tf.tensor(x.labels, c.rows, 'int32'),
    dy: tf.tensor(x.dy, c.rows, 'float32'),
  };
}

/** The case's options for the op, classWeights and all (bias given apart). */
function opOptions(c: LinearCase, bias?: tf.Tensor1D): LinearCrossEntropyOptions {
  return {...c.options, ...(c.transposeWeight ? {transposeWeight: true} : {}), ...(bias !== undefined ? {bias} : {})};
}

/** The unfused tfjs head: the whole [N, V] logits, then softmaxCrossEntropy. */
function unfused(c: LinearCase, hidden: tf.Tensor, weight: tf.Tensor, labels: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const N = rowCount(c);
  const z0 = tf.matMul(tf.reshape(hidden, [N, c.H]), weight, false, c.transposeWeight);
  const z = bias !== undefined ? tf.add(z0, bias) : z0;
  const loss = softmaxCrossEntropy(z, tf.reshape(labels, [N]), refOptions(c));
  return (c.options.reduction ?? 'mean') === 'none' ? tf.reshape(loss, c.rows) : loss;
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

interface CaseRun {
  forward: number[];
  /** tf.valueAndGrads of the op (with dy for 'none'). */
  taped: Out;
  /** linearCrossEntropyWithGrad. */
  withGrad: Out;
  /** tf.valueAndGrads of the unfused head (with dy for 'none'). */
  unfusedTaped: Out;
  /** the unfused head's gradients of Σ ℓ_i ('none' only: what withGrad gives). */
  unfusedSum?: Out;
}

/** Runs every path of a case on the active backend; throws on a wrong shape or a tensor left behind. */
function runCase(c: LinearCase, x: LinearInputs): CaseRun {
  const before = tf.memory().numTensors;
  const t = tensorsOf(c, x);
  const none = (c.options.reduction ?? 'mean') === 'none';
  const lossShape = none ? c.rows : [];
  const args: tf.Tensor[] = [t.hidden, t.weight, ...(t.bias !== undefined ? [t.bias] : [])];
  const shapes = args.map((a) => a.shape);
  const keep: tf.Tensor[] = [];
  const check = (what: string, got: tf.Tensor | undefined, shape: readonly number[]) => {
    if (got === undefined) throw new Error(`${what} is missing`);
    keep.push(got);
    if (!sameShape(got.shape, shape)) throw new Error(`${what} has shape [${got.shape}], expected [${shape}]`);
    return read(got);
  };
  const outOf = (what: string, loss: tf.Tensor, grads: Array<tf.Tensor | undefined>): Out => ({
    loss: check(`${what} loss`, loss, lossShape),
    dHidden: check(`${what} dHidden`, grads[0], shapes[0]),
    dWeight: check(`${what} dWeight`, grads[1], shapes[1]),
    ...(t.bias !== undefined ? {dBias: check(`${what} dBias`, grads[2], shapes[2])} : {}),
  });
  let failed = true;
  try {
    const fused = (h: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) =>
      linearCrossEntropy(h, w, t.labels, opOptions(c, b as tf.Tensor1D | undefined));
    const plain = (h: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => unfused(c, h, w, t.labels, b);
    const dy = none ? t.dy : undefined;
    const forward = check('forward', fused(t.hidden, t.weight, t.bias), lossShape);
    const vg = tf.valueAndGrads(fused as (...a: tf.Tensor[]) => tf.Tensor)(args, dy);
    const taped = outOf('valueAndGrads', vg.value, vg.grads);
    const lg = linearCrossEntropyWithGrad(t.hidden, t.weight, t.labels, opOptions(c, t.bias));
    if ((lg.dBias !== undefined) !== (t.bias !== undefined)) throw new Error('withGrad dBias presence is wrong');
    const withGrad = outOf('withGrad', lg.loss, [lg.dHidden, lg.dWeight, lg.dBias]);
    const uv = tf.valueAndGrads(plain as (...a: tf.Tensor[]) => tf.Tensor)(args, dy);
    const unfusedTaped = outOf('unfused', uv.value, uv.grads);
    let unfusedSum: Out | undefined;
    if (none) {
      const ones = tf.onesLike(t.dy);
      keep.push(ones);
      const us = tf.valueAndGrads(plain as (...a: tf.Tensor[]) => tf.Tensor)(args, ones);
      unfusedSum = outOf('unfused Σ', us.value, us.grads);
    }
    failed = false;
    return {forward, taped, withGrad, unfusedTaped, ...(unfusedSum ? {unfusedSum} : {})};
  } finally {
    tf.dispose(keep);
    tf.dispose([t.hidden, t.weight, t.labels, t.dy, ...(t.bias ? [t.bias] : [])]);
    const left = tf.memory().numTensors - before;
    // (not over an error already thrown: that one says more)
    if (left !== 0 && !failed) throw new Error(`${left} tensor(s) left behind`);
  }
}

/** The reference as an Out. */
const refOut = (r: LinearRefResult): Out =>
  ({loss: r.loss, dHidden: r.dHidden, dWeight: r.dWeight, ...(r.dBias ? {dBias: r.dBias} : {})});

/** The four checks of a case's run: every path against the float64 reference and against the unfused head. */
function expectCase(b: BackendUnderTest, c: LinearCase, r: CaseRun, refDy: LinearRefResult, refSum: LinearRefResult) {
  const name = `${b.name} ${c.name}`;
  const none = (c.options.reduction ?? 'mean') === 'none';
  expectOut(`${name} forward`, c, {loss: r.forward, dHidden: [], dWeight: []}, refOut(refDy), refDy, VS_REFERENCE, false);
  expectOut(`${name} tf.valueAndGrads`, c, r.taped, refOut(refDy), refDy, VS_REFERENCE);
  expectOut(`${name} withGrad`, c, r.withGrad, refOut(refSum), refSum, VS_REFERENCE);
  // tfjs's wasm Sum of an empty axis (the unfused bias gradient at N = 0) returns whatever its output
  // memory held (3.6e-41 seen), not 0: the unfused head is no yardstick there (the reference still is).
  if (rowCount(c) === 0 && b.name.startsWith('wasm')) return;
  expectOut(`${name} unfused (sanity)`, c, r.unfusedTaped, refOut(refDy), refDy, VS_REFERENCE);
  expectOut(`${name} tf.valueAndGrads vs unfused`, c, r.taped, r.unfusedTaped, refDy, VS_UNFUSED);
  expectOut(`${name} forward vs unfused`, c, {loss: r.forward, dHidden: [], dWeight: []}, r.unfusedTaped, refDy,
      VS_UNFUSED, false);
  expectOut(`${name} withGrad vs unfused`, c, r.withGrad, none ? r.unfusedSum! : r.unfusedTaped, refSum, VS_UNFUSED);
}

const references = new Map<string, {dy: LinearRefResult; sum: LinearRefResult; inputs: LinearInputs}>();
function referenceOf(c: LinearCase) {
  let r = references.get(c.name);
  if (r === undefined) {
    const inputs = linearInputs(c);
    const dy = linearReference(c, inputs, true);
    const none = (c.options.reduction ?? 'mean') === 'none';
    r = {inputs, dy, sum: none ? linearReference(c, inputs, false) : dy};
    references.set(c.name, r);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------
// 1. The case table
// ---------------------------------------------------------------------------------------------------

describe.each(BACKENDS)('$name', (b) => {
  beforeAll(() => b.setup());

  test.each(LINEAR_CASES)('$name: forward, tf.grads, withGrad vs float64 and vs unfused', (c) => {
    const {inputs, dy, sum} = referenceOf(c);
    expectCase(b, c, runCase(c, inputs), dy, sum);
  });

  // The medium cases take the composite fallback (stock tfjs ops in jest) some 25 s each, and cpu 5–7 s:
  // both on wasm, the first on cpu, none on the composite (the table covers it).
  const medium = b.name.startsWith('composite') ? [] : b.name === 'cpu' ? LINEAR_MEDIUM_CASES.slice(0, 1)
      : LINEAR_MEDIUM_CASES;
  if (medium.length > 0) {
    test.each(medium)('$name', (c) => {
      const {inputs, dy, sum} = referenceOf(c);
      expectCase(b, c, runCase(c, inputs), dy, sum);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// 2. Training: tf.variableGrads and optimizer.minimize, fused vs unfused from the same weights
// ---------------------------------------------------------------------------------------------------

interface TrainVariant {
  name: string;
  optimizer: () => tf.Optimizer;
  api: 'variableGrads' | 'minimize';
  tied: boolean;
  /** hidden is a tf.variable too (as when the layers below train): its gradient reaches an optimizer. */
  trainHidden: boolean;
  options: LinearCaseOptions;
}

const TRAIN: TrainVariant[] = [
  {name: 'SGD, variableGrads, dense, mean', optimizer: () => tf.train.sgd(0.5), api: 'variableGrads', tied: false,
    trainHidden: false, options: {chunkRows: 7}},
  {name: 'SGD, minimize, tied, sum, smoothing', optimizer: () => tf.train.sgd(0.05), api: 'minimize', tied: true,
    trainHidden: true, options: {reduction: 'sum', labelSmoothing: 0.1, chunkRows: 5}},
  {name: 'Adam, minimize, dense, mean, every option', optimizer: () => tf.train.adam(0.02), api: 'minimize',
    tied: false, trainHidden: true, options: {labelSmoothing: 0.05, zLoss: 1e-3, classWeights: [...Array(30)].map(
      (_, i) => 0.5 + (i % 4) / 2), ignoreIndex: -1, temperature: 1.2, focalGamma: 1, softcap: 5, chunkRows: 10}},
  {name: 'Adam, variableGrads, tied, mean, default plan', optimizer: () => tf.train.adam(0.05), api: 'variableGrads',
    tied: true, trainHidden: false, options: {}},
];

const TRAIN_STEPS = 6;

/** A few steps of training the head; the losses and the final variables. */
function train(v: TrainVariant, fused: boolean): {losses: number[]; finals: number[][]} {
  const c: LinearCase = {name: v.name, rows: [24], H: 8, V: 30, bias: true, transposeWeight: v.tied, options: v.options,
    ignoredRows: v.options.ignoreIndex !== undefined ? [3, 17] : [], seed: 200};
  const x = linearInputs(c);
  const t = tensorsOf(c, x);
  const W = tf.variable(t.weight);
  const b = tf.variable(t.bias as tf.Tensor1D);
  const h = v.trainHidden ? tf.variable(t.hidden) : t.hidden;
  const vars = [W, b, ...(v.trainHidden ? [h as tf.Variable] : [])];
  const opt = v.optimizer();
  const loss = () => (fused
    ? linearCrossEntropy(h, W, t.labels, opOptions(c, b))
    : unfused(c, h, W, t.labels, b)) as tf.Scalar;
  const losses: number[] = [];
  for (let step = 0; step < TRAIN_STEPS; step++) {
    if (v.api === 'minimize') {
      const l = opt.minimize(loss, true, vars) as tf.Scalar;
      losses.push(l.dataSync()[0]);
      l.dispose();
    } else {
      const {value, grads} = tf.variableGrads(loss, vars);
      losses.push(value.dataSync()[0]);
      opt.applyGradients(grads);
      tf.dispose([value, grads]);
    }
  }
  const finals = vars.map((w) => read(w));
  tf.dispose([t.hidden, t.weight, t.bias!, t.labels, t.dy, ...vars]);
  opt.dispose();
  return {losses, finals};
}

/** |a − b| ≤ rel·max|b| entrywise (null when so). */
function relativeMismatch(a: number[], b: number[], rel: number): string | null {
  const scale = finiteMax(b);
  for (let i = 0; i < b.length; i++) {
    if (!(abs(a[i] - b[i]) <= rel * scale)) return `[${i}] = ${a[i]}, unfused ${b[i]} (scale ${scale})`;
  }
  return null;
}

describe.each(BACKENDS)('$name: training', (b) => {
  beforeAll(() => b.setup());
  // Both heads start from the same weights; every step's float32 rounding differs by a few ulps (see
  // VS_UNFUSED) and the steps compound it a little, so 1e-5 of the largest entry (≈ 100 float32 ulps)
  // after six steps — far below what one wrong gradient entry or scale would leave.
  test.each(TRAIN)('$name: the same loss curve and final weights', (v) => {
    const before = tf.memory().numTensors;
    const f = train(v, true);
    const u = train(v, false);
    expect(tf.memory().numTensors).toBe(before);
    expect(u.losses[TRAIN_STEPS - 1]).toBeLessThan(u.losses[0]);  // it trains
    expect(`losses: ${relativeMismatch(f.losses, u.losses, 1e-5) ?? 'ok'}`).toBe('losses: ok');
    f.finals.forEach((w, i) => {
      expect(`variable ${i}: ${relativeMismatch(w, u.finals[i], 1e-5) ?? 'ok'}`).toBe(`variable ${i}: ok`);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Reduction 'none' with a per-row dy
// ---------------------------------------------------------------------------------------------------

describe.each(BACKENDS)('$name: reduction none scales each row by its own dy', (b) => {
  beforeAll(() => b.setup());
  const c = LINEAR_CASES.find((k) => k.name === 'N = 37 chunkRows 8 none') as LinearCase;

  test('dy with different values per row (zeros and negatives too), through tf.grads and a downstream op', () => {
    const x = {...linearInputs(c)};
    // every chunk gets distinct values, some rows 0, some negative, one large
    x.dy = Float32Array.from(x.dy, (d, i) => (i % 9 === 4 ? 0 : i === 20 ? 25 : d));
    const ref = linearReference(c, x, true);
    const uniform = linearReference(c, x, false);
    // the check can tell a per-row dy from a uniform one (what a broadcast or a mean of dy would give)
    const meanDy = x.dy.reduce((a, d) => a + d, 0) / x.dy.length;
    expect(relativeMismatch(uniform.dWeight.map((g) => g * meanDy), ref.dWeight, 1e-2)).not.toBeNull();

    const before = tf.memory().numTensors;
    const t = tensorsOf(c, x);
    const f = (h: tf.Tensor, w: tf.Tensor, bb: tf.Tensor) => linearCrossEntropy(h, w, t.labels, opOptions(c, bb as tf.Tensor1D));
    const grads = tf.grads(f)([t.hidden, t.weight, t.bias!], t.dy);
    const got: Out = {loss: ref.loss, dHidden: read(grads[0]), dWeight: read(grads[1]), dBias: read(grads[2])};
    expectOut(`${b.name} tf.grads with dy`, c, got, refOut(ref), ref, VS_REFERENCE);

    // Σ dy_i·ℓ_i as a scalar loss of variables: dy enters through tf.mul's gradient
    const W = tf.variable(t.weight);
    const bias = tf.variable(t.bias!);
    const {value, grads: vg} = tf.variableGrads(() => tf.sum(tf.mul(f(t.hidden, W, bias), t.dy)) as tf.Scalar, [W, bias]);
    const refSum = ref.loss.reduce((a, l, i) => a + l * x.dy[i], 0);
    expect(abs(value.dataSync()[0] - refSum)).toBeLessThan(1e-5 * ref.loss.reduce((a, l, i) => a + abs(l * x.dy[i]), 0));
    expectOut(`${b.name} variableGrads of Σ dy·ℓ`, c,
        {loss: ref.loss, dHidden: ref.dHidden, dWeight: read(vg[W.name]), dBias: read(vg[bias.name])}, refOut(ref), ref,
        VS_REFERENCE);
    tf.dispose([...grads, value, vg[W.name], vg[bias.name], W, bias, t.hidden, t.weight, t.bias!, t.labels, t.dy]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Memory: no [N, V] tensor, and the peak of a training step; tensor leaks
// ---------------------------------------------------------------------------------------------------

/**
 * The bytes of the backend's real buffers, as they come and go (data written, or an output placed in
 * the wasm heap; a buffer freed when its last reference is disposed), from now until stop(): peak()
 * is the largest total of buffers made since start. Unlike tf.memory().numBytes and
 * tf.profile's peakBytes, a view (a reshape, or cpu's clone, which share their buffer) adds nothing.
 * It patches two or three methods of the backend object for the duration (tfjs 4.22's cpu and wasm).
 */
function trackBuffers() {
  type Backend = Record<string, (...a: never[]) => unknown>;
  const backend = tf.backend() as unknown as Backend;
  const sizes = new Map<object, number>();
  let now = 0;
  let peak = 0;
  const add = (id: object, shape: number[], dtype: string) => {
    const n = tf.util.sizeFromShape(shape) * (dtype === 'bool' ? 1 : 4);
    sizes.set(id, n);
    now += n;
    peak = max(peak, now);
  };
  const {write, disposeData, makeOutput} = backend as unknown as {
    write: (v: unknown, shape: number[], dtype: string) => object;
    disposeData: (id: object, force?: boolean) => boolean;
    makeOutput?: (shape: number[], dtype: string, offset?: number, v?: unknown) => {dataId: object}};
  const patched = backend as unknown as Record<string, unknown>;
  patched.write = function (this: unknown, v: unknown, shape: number[], dtype: string) {
    const id = write.call(this, v, shape, dtype);
    add(id, shape, dtype);
    return id;
  };
  patched.disposeData = function (this: unknown, id: object, force?: boolean) {
    const freed = disposeData.call(this, id, force);
    if (freed && sizes.has(id)) {
      now -= sizes.get(id)!;
      sizes.delete(id);
    }
    return freed;
  };
  if (makeOutput !== undefined) {
    // wasm: an output placed at a given heap offset does not go through write
    patched.makeOutput = function (this: unknown, shape: number[], dtype: string, offset?: number, v?: unknown) {
      const out = makeOutput.call(this, shape, dtype, offset, v);
      if (offset != null) add(out.dataId, shape, dtype);
      return out;
    };
  }
  return {
    peak: () => peak,
    stop: () => {
      delete patched.write;
      delete patched.disposeData;
      delete patched.makeOutput;
    },
  };
}

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;
const largestOutput = (p: ProfileInfo) =>
  max(0, ...p.kernels.map((k) => max(0, ...k.outputShapes.map((s) => tf.util.sizeFromShape(s)))));

interface MemoryRun {peakReal: number; peakProfile: number; largest: number; plan: {chunkRows: number; chunks: number}}

/**
 * One optimizer.minimize step (SGD, weight and bias variables, constant hidden) under tf.profile and
 * trackBuffers; for 'none' the scalar loss is Σ dy_i·ℓ_i.
 */
async function memoryStep(N: number, H: number, V: number, options: LinearCaseOptions, tied: boolean,
    head: 'fused' | 'unfused' = 'fused'): Promise<MemoryRun> {
  const c: LinearCase = {name: 'memory', rows: [N], H, V, bias: true, transposeWeight: tied, options, seed: 300};
  const x = linearInputs(c);
  const t = tensorsOf(c, x);
  const W = tf.variable(t.weight);
  const b = tf.variable(t.bias!);
  tf.dispose([t.weight, t.bias!]);
  const opt = tf.train.sgd(0.1);
  const none = options.reduction === 'none';
  const loss = () => {
    const l = head === 'fused' ? linearCrossEntropy(t.hidden, W, t.labels, opOptions(c, b)) : unfused(c, t.hidden, W, t.labels, b);
    return (none ? tf.sum(tf.mul(l, t.dy)) : l) as tf.Scalar;
  };
  const start = tf.memory().numBytes;
  const buffers = trackBuffers();
  let p: ProfileInfo;
  try {
    p = await tf.profile(() => {
      const l = opt.minimize(loss, true, [W, b]);
      l?.dispose();
    });
  } finally {
    buffers.stop();
  }
  tf.dispose([W, b, t.hidden, t.labels, t.dy]);
  opt.dispose();
  return {peakReal: buffers.peak(), peakProfile: p.peakBytes - start, largest: largestOutput(p),
    plan: planChunks(N, H, V, {chunkRows: options.chunkRows, chunkBytes: options.chunkBytes})};
}

/**
 * The budget of a training step beyond its inputs, in bytes (float32): dW + dh + db, two chunks of
 * logits (z_c while g_c is written; on cpu also the fused matMul's product before its bias is added),
 * and small change: a chunk's h slice, h·s and dh_c, the bias part and the default class-weights vector
 * ([V] ones), the labels' mask and the loss parts — 4·R·H + 4·V + 4·N entries. SGD's update (c·dW and
 * the new W, 2·H·V) fits in the two chunks because a chunk has at least H rows here, as the default
 * plan makes it. Then 1% on top.
 */
function budget(N: number, H: number, V: number, R: number): number {
  return 1.01 * 4 * (H * V + N * H + V + 2 * R * V + 4 * R * H + 4 * V + 4 * N);
}

describe.each(BACKENDS.filter((b) => !b.name.startsWith('composite')))('$name: memory of a training step', (b) => {
  beforeAll(() => b.setup());
  const [N, H, V] = [600, 16, 5003];
  const wasm = b.name.startsWith('wasm');
  // On wasm the op keeps one transposed copy of the weight per call (chunked.ts, Products: tfjs's wasm
  // matMul is ~10× slower with a transposed operand), so its budget has one more [H, V].
  const flipped = (h: number, v: number) => (wasm ? 4 * h * v : 0);

  test.each([
    ['mean', {chunkRows: 100}, false], ['sum', {chunkRows: 100}, true], ['none', {chunkRows: 100}, false],
    ['mean', {chunkBytes: 4 * 2 ** 20}, true], ['none', {chunkBytes: 4 * 2 ** 20}, true],
  ] as const)('%s, %j, tied %s: no [N, V] tensor; peak ≤ dW + dh + db + 2 chunks', async (reduction, plan, tied) => {
    const r = await memoryStep(N, H, V, {reduction, ...plan}, tied);
    const R = r.plan.chunkRows;
    expect(R).toBeLessThan(N);
    const {chunkRows, chunkBytes} = plan as LinearCaseOptions;
    if (chunkRows !== undefined) expect(R).toBe(chunkRows);
    else expect(4 * R * V).toBeLessThanOrEqual(chunkBytes!);
    expect(r.largest).toBeLessThanOrEqual(max(R * V, H * V));
    // wasm's Identity copies its input, and tfjs's customGrad saves what the backward needs through it:
    // for 'none' that is hidden, weight, labels and bias, copied for the whole backward (reported: on
    // cpu, webgl and webgpu a clone is a view and costs nothing).
    const saved = wasm && reduction === 'none' ? 4 * (N * H + H * V + N + V) : 0;
    expect(r.peakReal).toBeLessThanOrEqual(budget(N, H, V, R) + saved + flipped(H, V));
    // tfjs's own count (tf.profile's peakBytes) counts a view's bytes again: matMul's [1, H, V] view of
    // the weight, hidden's [N, H] and the labels' [N] flattened views, and for 'none' the saved inputs
    // (views on cpu, copies on wasm: counted once either way).
    const views = 4 * (H * V + N * H + N) + (reduction === 'none' ? 4 * (N * H + H * V + N + V) : 0);
    expect(r.peakProfile).toBeLessThanOrEqual(budget(N, H, V, R) + views + flipped(H, V));
  });

  // N·V must pass 32 MiB for the default plan to chunk at all: 10^7 logits, 5 s on cpu, so wasm only.
  (wasm ? test : test.skip)('the default plan at N = 2000, V = 5003 (two chunks of 1000 rows under 32 MiB)', async () => {
    const r = await memoryStep(2000, H, V, {}, false);
    expect(r.plan).toEqual({chunkRows: 1000, chunks: 2});
    expect(r.largest).toBeLessThanOrEqual(1000 * V);
    expect(r.peakReal).toBeLessThanOrEqual(budget(2000, H, V, 1000) + flipped(H, V));
    expect(r.peakProfile).toBeLessThanOrEqual(budget(2000, H, V, 1000) + 4 * (H * V + 2000 * H + 2000) + flipped(H, V));
  });

  // contract.ts: beyond dh, dW and db, "at most two chunks of logits, or one chunk and one [H, V]
  // partial product while dW accumulates". At R = H rows (the default plan's floor) that is within two
  // chunks only if g_c is freed before the running dW is replaced (an earlier order held g_c, the old
  // dW, the partial and the new dW at once: dW + 3 chunks).
  test('chunks of H rows (the default plan\'s floor): within dW + dh + 2 chunks while dW accumulates', () => {
    const [n, h, v] = [192, 32, 5003];
    const c: LinearCase = {name: 'R = H', rows: [n], H: h, V: v, bias: false, transposeWeight: false,
      options: {chunkRows: h}, seed: 301};
    const t = tensorsOf(c, linearInputs(c));
    const buffers = trackBuffers();
    try {
      tf.dispose(linearCrossEntropyWithGrad(t.hidden, t.weight, t.labels, opOptions(c)));
    } finally {
      buffers.stop();
      tf.dispose([t.hidden, t.weight, t.labels, t.dy]);
    }
    expect(buffers.peak()).toBeLessThanOrEqual(budget(n, h, v, h) + flipped(h, v));
  });

  test('the unfused head, for contrast, makes [N, V] tensors and peaks far higher', async () => {
    const r = await memoryStep(N, H, V, {reduction: 'mean'}, false, 'unfused');
    expect(r.largest).toBe(N * V);
    expect(r.peakReal).toBeGreaterThan(2 * budget(N, H, V, 100));
  });
});

describe.each(BACKENDS)('$name: no tensor left behind', (b) => {
  beforeAll(() => b.setup());
  const c: LinearCase = {name: 'leaks', rows: [3, 7], H: 6, V: 40, bias: true, transposeWeight: false,
    options: {chunkRows: 4}, ignoredRows: [5], seed: 400};

  test.each(['none', 'sum', 'mean'] as const)('%s: forward, withGrad, tf.grad, minimize, many steps each', (reduction) => {
    const x = linearInputs(c);
    const t = tensorsOf(c, x);
    const W = tf.variable(t.weight);
    const bias = tf.variable(t.bias!);
    const opt = tf.train.sgd(0.01);
    const o = {...opOptions(c, bias), reduction};
    const scalar = (l: tf.Tensor) => (reduction === 'none' ? tf.sum(tf.mul(l, t.dy)) : l) as tf.Scalar;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(linearCrossEntropy(t.hidden, W, t.labels, o));
      tf.dispose(linearCrossEntropyWithGrad(t.hidden, W, t.labels, o));
      tf.dispose(tf.grad((h: tf.Tensor) => scalar(linearCrossEntropy(h, W, t.labels, o)))(t.hidden));
      tf.dispose(tf.grads((h: tf.Tensor, w: tf.Tensor, bb: tf.Tensor) =>
        linearCrossEntropy(h, w, t.labels, {...o, bias: bb as tf.Tensor1D}))([t.hidden, W, bias],
        reduction === 'none' ? t.dy : undefined));
      tf.dispose(opt.minimize(() => scalar(linearCrossEntropy(t.hidden, W, t.labels, o)), true, [W, bias]) ?? []);
      // plain arrays in place of tensors: the op makes tensors of them and must free them too
      tf.dispose(linearCrossEntropy([Array.from(x.hidden.slice(0, 6))], W, [2], o));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([t.hidden, t.weight, t.bias!, t.labels, t.dy, W, bias]);
    opt.dispose();
  });

  test('after errors in the checks, outside and under a tape (arrays in, tensors made, then a throw)', () => {
    const x = linearInputs(c);
    const t = tensorsOf(c, x);
    const before = tf.memory().numTensors;
    const rowsOf = (a: Float32Array | Int32Array, n: number) =>
      Array.from({length: a.length / n}, (_, i) => Array.from(a.slice(i * n, (i + 1) * n)));
    const wrongBias = tf.zeros([3]) as tf.Tensor1D;
    // array inputs are made into tensors before the bias check throws
    expect(() => linearCrossEntropy(rowsOf(x.hidden, c.H), rowsOf(x.weight, c.V), Array.from(x.labels),
      {bias: wrongBias})).toThrow(/options\.bias must be float32 \[40\]/);
    for (const o of [{bias: wrongBias}, {chunkRows: 0}, {validateLabels: true}, {reduction: 'none' as const, zLoss: -1}]) {
      const labels = 'validateLabels' in o ? tf.tensor(Int32Array.from(x.labels, (y, i) => (i === 3 ? 99 : y)), c.rows, 'int32')
          : t.labels;
      expect(() => tf.grads((h: tf.Tensor, w: tf.Tensor) => linearCrossEntropy(h, w, labels, o))([t.hidden, t.weight]))
        .toThrow();
      expect(() => linearCrossEntropyWithGrad(t.hidden, t.weight, labels, o)).toThrow();
      if (labels !== t.labels) labels.dispose();
    }
    wrongBias.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([t.hidden, t.weight, t.bias!, t.labels, t.dy]);
  });

  // The cpu and wasm kernels throw on an id out of range when validateLabels is off (the GPUs give the
  // row NaN; the composite fallback's gather is its own): here from the 4th chunk of 6.
  const kernelThrows = !b.name.startsWith('composite');
  (kernelThrows ? test : test.skip)('after an error inside the chunk loop, outside a tape', () => {
    const x = linearInputs(c);
    const t = tensorsOf(c, x);
    const bad = tf.tensor(Int32Array.from(x.labels, (y, i) => (i === 13 ? 40 : y)), c.rows, 'int32');
    const before = tf.memory().numTensors;
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const o = {...opOptions(c, t.bias), reduction};
      // the op's name and the row of the batch, not the kernel's name and the row within a chunk
      expect(() => linearCrossEntropy(t.hidden, t.weight, bad, o))
          .toThrow(/^linearCrossEntropy: labels must be class ids in \[0, 40\).*row 13 has 40/);
      expect(() => linearCrossEntropyWithGrad(t.hidden, t.weight, bad, o))
          .toThrow(/^linearCrossEntropyWithGrad: labels must be class ids.*row 13 has 40/);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([bad, t.hidden, t.weight, t.bias!, t.labels, t.dy]);
  });

  // Under a tape the same error must leave nothing either: tfjs keeps saved tensors until a backward
  // pass, which never comes after an error, so nothing may be saved (or recorded on the tape) before
  // the chunks have run.
  (kernelThrows ? test : test.skip)('after an error inside the chunk loop, under tf.grads', () => {
    const x = linearInputs(c);
    const t = tensorsOf(c, x);
    const bad = tf.tensor(Int32Array.from(x.labels, (y, i) => (i === 13 ? 40 : y)), c.rows, 'int32');
    const before = tf.memory().numTensors;
    const leaks: string[] = [];
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const o = {...opOptions(c, t.bias), reduction};
      const n = tf.memory().numTensors;
      expect(() => tf.grads((h: tf.Tensor, w: tf.Tensor) => linearCrossEntropy(h, w, bad, o))([t.hidden, t.weight],
        reduction === 'none' ? t.dy : undefined)).toThrow(/labels must be class ids/);
      if (tf.memory().numTensors !== n) leaks.push(`${reduction}: ${tf.memory().numTensors - n}`);
    }
    const left = tf.memory().numTensors - before;
    tf.dispose([bad, t.hidden, t.weight, t.bias!, t.labels, t.dy]);
    expect(leaks).toEqual([]);
    expect(left).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. The default chunk plan
// ---------------------------------------------------------------------------------------------------

describe('planChunks (default plan)', () => {
  const MiB = 2 ** 20;
  /** The rows of each chunk of a plan. */
  const chunkSizes = (N: number, p: {chunkRows: number; chunks: number}) =>
    Array.from({length: p.chunks}, (_, i) => Math.min(p.chunkRows, N - i * p.chunkRows));

  /** Balanced (⌈N / chunks⌉ rows each), unless balancing would cut chunks below the floor of
   * min(H, chunkRows) rows: then every chunk but the last has chunkRows rows. */
  function expectBalanced(N: number, p: {chunkRows: number; chunks: number}, H = 1) {
    const sizes = chunkSizes(N, p);
    expect(sizes.reduce((a, s) => a + s, 0)).toBe(N);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    if (Math.ceil(N / p.chunks) < Math.min(H, p.chunkRows)) {
      expect(sizes.slice(0, -1).every((r) => r === p.chunkRows)).toBe(true);
      return;
    }
    // ⌈N / chunks⌉ rows each: the last chunk is short by less than one row per chunk
    expect(p.chunkRows - Math.min(...sizes)).toBeLessThan(p.chunks);
  }

  test('H = 48, V = 50257, N = 2048: chunks of at least H rows, within 32 MiB, balanced', () => {
    const p = planChunks(2048, 48, 50257, {}, Infinity);
    expect(p.chunkRows).toBeGreaterThanOrEqual(48);
    expect(4 * p.chunkRows * 50257).toBeLessThanOrEqual(32 * MiB);
    // not tiny: within a factor 1.1 of the budget's 166 rows (Liger's V/H rule would give 2-row chunks)
    expect(p.chunkRows).toBeGreaterThan(150);
    expect(p.chunks).toBe(Math.ceil(2048 / p.chunkRows));
    expectBalanced(2048, p);
  });

  test('H rows above 32 MiB: H rows per chunk, then the cap', () => {
    const big = planChunks(8192, 4096, 50257, {}, Infinity);
    expect(big.chunkRows).toBeGreaterThanOrEqual(4096);
    expectBalanced(8192, big, 4096);
    // webgpu's default maxStorageBufferBindingSize: a chunk's logits fit in one binding
    const cap = 128 * MiB;
    const p = planChunks(2048, 768, 50257, {}, cap);
    expect(p.chunkRows).toBeLessThanOrEqual(667);
    expect(4 * p.chunkRows * 50257).toBeLessThanOrEqual(cap);
    expectBalanced(2048, p, 768);
    const capped = planChunks(8192, 4096, 50257, {}, cap);
    expect(4 * capped.chunkRows * 50257).toBeLessThanOrEqual(cap);
    expectBalanced(8192, capped, 4096);
  });

  // plan.ts and contract.ts: "at least H rows (up to that cap)", so that dW's [H, V] partial product is
  // never larger than a chunk; balancing must not cut chunks below H (planChunks(2048, 768, 50257, {})
  // once gave 3 chunks of 683 rows). Where the cap binds, fewer than H rows is the cap's doing.
  test('at least H rows in every default plan where the cap allows them', () => {
    const bad: string[] = [];
    for (const N of [1, 2, 7, 37, 166, 167, 1000, 2048, 5000]) {
      for (const [H, V] of [[1, 1], [16, 5003], [48, 50257], [768, 50257], [4096, 128256]]) {
        for (const cap of [Infinity, 1024 * MiB, 128 * MiB]) {
          const p = planChunks(N, H, V, {}, cap);
          const floor = Math.min(H, N);
          if (4 * floor * V <= cap && p.chunkRows < floor) bad.push(`N ${N} H ${H} V ${V} cap ${cap}: ${p.chunkRows} rows`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test('balanced over many shapes; chunkRows taken as given; chunkBytes is the budget', () => {
    for (const N of [1, 2, 7, 37, 166, 167, 1000, 2048, 5000]) {
      for (const [H, V] of [[1, 1], [16, 5003], [48, 50257], [768, 50257], [4096, 128256]]) {
        for (const cap of [Infinity, 128 * MiB, 16384 * 16384 * 4]) {
          const p = planChunks(N, H, V, {}, cap);
          expectBalanced(N, p, H);
          // never above the cap (1 row at least)
          expect(p.chunkRows === 1 || 4 * p.chunkRows * V <= cap).toBe(true);
          expect(4 * p.chunkRows * V <= DEFAULT_CHUNK_BYTES || p.chunkRows <= max(H, 1)).toBe(true);
        }
      }
    }
    expect(planChunks(37, 16, 200, {chunkRows: 8})).toEqual({chunkRows: 8, chunks: 5});
    expect(planChunks(37, 16, 200, {chunkRows: 100})).toEqual({chunkRows: 37, chunks: 1});
    const p = planChunks(600, 16, 5003, {chunkBytes: 4 * MiB});
    expect(4 * p.chunkRows * 5003).toBeLessThanOrEqual(4 * MiB);
    expectBalanced(600, p);
    expect(planChunks(5, 8, 300, {chunkBytes: 1})).toEqual({chunkRows: 1, chunks: 5});
    expect(planChunks(0, 8, 300, {})).toEqual({chunkRows: 0, chunks: 0});
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. Bad input
// ---------------------------------------------------------------------------------------------------

describe('bad input: errors name the argument', () => {
  beforeAll(() => tf.setBackend('cpu'));
  const h = () => tf.ones([4, 3]);
  const w = () => tf.ones([3, 5]) as tf.Tensor2D;
  const y = () => tf.tensor1d([0, 1, 2, 4], 'int32');
  const both = [linearCrossEntropy, linearCrossEntropyWithGrad] as const;

  test.each([
    ['weight of the other layout (hint: transposeWeight)', () => [h(), tf.ones([5, 3]), y(), {}],
      /weight must be \[3, V\].*got \[5,3\].*Pass transposeWeight: true/],
    ['weight [V, H] with transposeWeight of the other layout', () => [h(), w(), y(), {transposeWeight: true}],
      /weight must be \[V, 3\] \(transposeWeight: true\).*got \[3,5\].*Pass transposeWeight: false/],
    ['weight of no layout', () => [h(), tf.ones([4, 5]), y(), {}], /weight must be \[3, V\].*got \[4,5\]\.$/],
    ['weight of rank 1', () => [h(), tf.ones([3]), y(), {}], /weight must be \[3, V\]/],
    ['weight with no class', () => [h(), tf.ones([3, 0]), y(), {}], /weight must have at least one class/],
    ['bias of the wrong length', () => [h(), w(), y(), {bias: tf.ones([4])}], /options\.bias must be float32 \[5\].*got \[4\]/],
    ['bias of rank 2', () => [h(), w(), y(), {bias: tf.ones([1, 5])}], /options\.bias must be float32 \[5\]/],
    ['int32 bias', () => [h(), w(), y(), {bias: tf.ones([5], 'int32')}], /options\.bias must be a float32 tensor; got int32/],
    ['float labels', () => [h(), w(), tf.tensor1d([0, 1, 2, 4]), {}], /labels must be int32 class ids.*got float32.*tf\.cast\(labels, 'int32'\)/],
    ['labels of the wrong shape', () => [h(), w(), tf.tensor2d([[0, 1], [2, 4]], [2, 2], 'int32'), {}],
      /labels must be int32 class ids of shape \[4\].*got int32 \[2,2\]/],
    ['labels with a class axis (probabilities)', () => [h(), w(), tf.ones([4, 5]), {}], /labels must be int32 class ids of shape \[4\]/],
    ['unknown option', () => [h(), w(), y(), {chunk: 8}], /unknown option 'chunk'/],
    ['misspelt option', () => [h(), w(), y(), {transposeWeights: true}], /unknown option 'transposeWeights'/],
    ['chunkRows 0', () => [h(), w(), y(), {chunkRows: 0}], /options\.chunkRows must be an integer >= 1; got 0/],
    ['chunkRows 1.5', () => [h(), w(), y(), {chunkRows: 1.5}], /options\.chunkRows must be an integer >= 1; got 1\.5/],
    ['chunkRows NaN', () => [h(), w(), y(), {chunkRows: NaN}], /options\.chunkRows must be an integer >= 1/],
    ['chunkBytes -1', () => [h(), w(), y(), {chunkBytes: -1}], /options\.chunkBytes must be an integer >= 1/],
    ['chunkRows and chunkBytes', () => [h(), w(), y(), {chunkRows: 2, chunkBytes: 1024}], /chunkRows or options\.chunkBytes, not both/],
    ['transposeWeight not a boolean', () => [h(), w(), y(), {transposeWeight: 1}], /options\.transposeWeight must be a boolean/],
    ['int32 hidden', () => [tf.ones([4, 3], 'int32'), w(), y(), {}], /hidden must be a float32 tensor; got int32.*tf\.cast\(hidden/],
    ['int32 weight', () => [h(), tf.ones([3, 5], 'int32'), y(), {}], /weight must be a float32 tensor; got int32/],
    ['scalar hidden', () => [tf.scalar(1), w(), y(), {}], /hidden must have rank >= 1/],
    ['string hidden', () => [['a', 'b'], w(), y(), {}], /hidden/],
    ['a loss option out of range', () => [h(), w(), y(), {labelSmoothing: 2}], /labelSmoothing/],
    ['class weights of the wrong length', () => [h(), w(), y(), {classWeights: [1, 2]}], /classWeights must be 5/],
    ['reduction unknown', () => [h(), w(), y(), {reduction: 'avg'}], /reduction must be 'none', 'sum' or 'mean'; got 'avg'/],
  ] as Array<[string, () => unknown[], RegExp]>)('%s', (_, make, message) => {
    for (const op of both) {
      const before = tf.memory().numTensors;
      const args = make();
      const made = tf.memory().numTensors;
      const name = op === linearCrossEntropy ? 'linearCrossEntropy' : 'linearCrossEntropyWithGrad';
      expect(() => (op as (...a: unknown[]) => unknown)(...args)).toThrow(message);
      // …and says which op threw
      expect(() => (op as (...a: unknown[]) => unknown)(...args)).toThrow(new RegExp(`${name}|Argument`));
      expect(tf.memory().numTensors).toBe(made);
      tf.dispose(args.filter((t): t is tf.Tensor => t instanceof tf.Tensor));
      const o = args[3] as Record<string, unknown>;
      if (o.bias instanceof tf.Tensor) o.bias.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  test('validateLabels: an id out of range (or negative, not ignoreIndex) throws, naming the row', () => {
    const c = LINEAR_CASES.find((k) => k.name === 'N = 37 chunkRows 8 mean') as LinearCase;
    const x = linearInputs(c);
    const t = tensorsOf(c, x);
    for (const [row, id] of [[30, 200], [3, -1], [36, 1000]] as const) {
      const ids = Int32Array.from(x.labels, (v, i) => (i === row ? id : v));
      const bad = tf.tensor1d(ids, 'int32');
      const o = {...opOptions(c, t.bias), validateLabels: true};
      const message = new RegExp(`labels must be class ids in \\[0, 200\\).*row ${row} has ${id}`);
      expect(() => linearCrossEntropy(t.hidden, t.weight, bad, o)).toThrow(message);
      expect(() => linearCrossEntropyWithGrad(t.hidden, t.weight, bad, o)).toThrow(message);
      expect(() => tf.grad((hh: tf.Tensor) => linearCrossEntropy(hh, t.weight, bad, o))(t.hidden)).toThrow(message);
      bad.dispose();
    }
    // ignoreIndex is allowed, in range or not
    const ignored = tf.tensor1d(Int32Array.from(x.labels, (v, i) => (i === 5 ? -100 : v)), 'int32');
    expect(() => tf.dispose(linearCrossEntropy(t.hidden, t.weight, ignored, {...opOptions(c, t.bias), validateLabels: true})))
      .not.toThrow();
    tf.dispose([ignored, t.hidden, t.weight, t.bias!, t.labels, t.dy]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 7. V = 100 000: a handful of rows, cpu and wasm, one run each
// ---------------------------------------------------------------------------------------------------

const HUGE_V: LinearCase = {name: 'V = 100000', rows: [3], H: 8, V: 100000, bias: true, transposeWeight: false,
  options: {chunkRows: 2, labelSmoothing: 0.1, zLoss: 1e-4}, ignoredRows: [1], seed: 100};
const HUGE_V_NONE: LinearCase = {name: 'V = 100000 tied none', rows: [3], H: 8, V: 100000, bias: false,
  transposeWeight: true, options: {reduction: 'none', chunkRows: 2, temperature: 1.3}, seed: 101};

describe.each(BACKENDS.filter((b) => !b.name.startsWith('composite')))('$name: V = 100 000', (b) => {
  beforeAll(() => b.setup());
  test.each([HUGE_V, HUGE_V_NONE])('$name', (c) => {
    const {inputs, dy, sum} = referenceOf(c);
    expectCase(b, c, runCase(c, inputs), dy, sum);
  });
});
