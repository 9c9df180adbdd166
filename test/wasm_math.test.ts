/**
 * The wasm module's exp and log (backends/wasm/assembly/math.ts), and the sigmoid family's e^x for
 * x ≤ 0, log1p and q^γ (kernels/sigmoid_cross_entropy/wasm/assembly/math.ts), against float64
 * Math.exp / Math.log / Math.log1p / Math.pow over dense sweeps, including the ranges where results
 * are subnormal or underflow, −∞ and NaN. The bounds asserted are the ones the math files state.
 */
import {SCALAR} from '../backends/wasm/binaries/scalar';
import {SIMD} from '../backends/wasm/binaries/simd';
import type {KernelModule} from '../backends/wasm/module';

function instantiate(base64: string): {ex: KernelModule, memory: WebAssembly.Memory} {
  const memory = new WebAssembly.Memory({initial: 1100});
  const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')), {env: {memory}})
      .exports as unknown as KernelModule;
  return {ex, memory};
}

const {ex, memory} = instantiate(SIMD);
const N = 2_000_000;
const X = 1 << 16;               // inputs at 64 KiB
const OUT = X + N * 8 + 64;      // outputs after them

/** f32 lanes: runs fn over xs (rounded to float32) and returns the float32 results. */
function run32(fn: 'expf4Many' | 'exp2f4Many' | 'expNegf4Many' | 'log1pf4Many', xs: ArrayLike<number>): Float32Array {
  new Float32Array(memory.buffer, X, xs.length).set(xs);
  ex[fn](X, OUT, xs.length);
  return new Float32Array(memory.buffer, OUT, xs.length).slice();
}

/** xs^γ on float32 lanes. */
function pow32(xs: ArrayLike<number>, gamma: number): Float32Array {
  new Float32Array(memory.buffer, X, xs.length).set(xs);
  ex.powUnitf4Many(X, OUT, xs.length, gamma);
  return new Float32Array(memory.buffer, OUT, xs.length).slice();
}

function run64(fn: 'exp64Many' | 'log64Many' | 'log1p64Many' | 'expNeg64Many', xs: ArrayLike<number>): Float64Array {
  new Float64Array(memory.buffer, X, xs.length).set(xs);
  ex[fn](X, OUT, xs.length);
  return new Float64Array(memory.buffer, OUT, xs.length).slice();
}

const sweep = (lo: number, hi: number, n = N) => Float32Array.from({length: n}, (_, i) => lo + (hi - lo) * i / (n - 1));
const ULP32 = 2 ** -24;  // half an ulp, relative: float32 rounding
const EPS64 = 2 ** -52;

/**
 * The first x where |got / want − 1| exceeds bound(x), or null; `absolute` is subtracted from
 * |got − want| first (half a float32 subnormal step, 2^-150, for results that may be subnormal).
 */
function worstExcess(xs: ArrayLike<number>, got: ArrayLike<number>, want: (x: number) => number,
    bound: (x: number) => number, skip: (w: number) => boolean = () => false, absolute = 0): string | null {
  for (let i = 0; i < xs.length; i++) {
    const w = want(xs[i]);
    if (skip(w)) continue;
    const rel = Math.max(0, Math.abs(got[i] - w) - absolute) / Math.abs(w);
    if (!(rel <= bound(xs[i]))) return `x = ${xs[i]}: got ${got[i]}, want ${w} (relative error ${rel})`;
  }
  return null;
}

describe('exp2f4 (the kernels\' exp: 2^y, y = d·log2 e / T)', () => {
  test('≤ 2 float32 ulp (4·2^-24 relative) for y in [−125, 0], dense sweep', () => {
    const ys = sweep(-125, 0);
    expect(worstExcess(ys, run32('exp2f4Many', ys), (y) => 2 ** y, () => 4 * ULP32)).toBeNull();
  });
  test('exact at y = 0 and at integers; 0 below −125 and at −∞; NaN stays NaN', () => {
    const got = run32('exp2f4Many', [0, -1, -10, -124, -125.5, -126, -150, -1e30, -Infinity, NaN]);
    expect(Array.from(got.slice(0, 4))).toEqual([1, 0.5, 2 ** -10, 2 ** -124]);
    expect(Array.from(got.slice(4, 9))).toEqual([0, 0, 0, 0, 0]);
    expect(got[9]).toBeNaN();
  });
});

describe('expf4 (e^x on four float32 lanes)', () => {
  test('relative error ≤ 3·2^-24 + |x|·1e-7 for x in [−86.6, 88], dense sweep', () => {
    const xs = sweep(-86.6, 88);
    expect(worstExcess(xs, run32('expf4Many', xs), Math.exp, (x) => 3 * ULP32 + Math.abs(x) * 1e-7)).toBeNull();
  });
  test('underflow: exactly 0 below −86.65 (e^x < 2.4e-38), at −∞; NaN gives NaN', () => {
    const xs = sweep(-200, -86.65, 100_001);
    expect(run32('expf4Many', xs).every((v) => v === 0)).toBe(true);
    const got = run32('expf4Many', [-Infinity, NaN, -0, 0]);
    expect(got[0]).toBe(0);
    expect(got[1]).toBeNaN();
    expect(Array.from(got.slice(2))).toEqual([1, 1]);
  });
});

describe('exp64 (scalar build and per-row terms)', () => {
  test('≤ 2 float64 ulp for x in [−708, 709], dense sweep', () => {
    const xs = Float64Array.from({length: N}, (_, i) => -708 + 1417 * i / (N - 1));
    expect(worstExcess(xs, run64('exp64Many', xs), Math.exp, () => 2 * EPS64)).toBeNull();
  });
  test('0 below −708.39 and at −∞, +∞ above 709.78, NaN stays NaN', () => {
    const got = run64('exp64Many', [-708.4, -1000, -Infinity, 709.8, Infinity, NaN]);
    expect(Array.from(got.slice(0, 5))).toEqual([0, 0, 0, Infinity, Infinity]);
    expect(got[5]).toBeNaN();
  });
});

describe('log64 (lse = max + log Σ, once per row)', () => {
  test('≤ 2.5 float64 ulp relative from 1e-300 to 1e300, dense sweep', () => {
    const xs = Float64Array.from({length: N}, (_, i) => 10 ** (-300 + 600 * i / (N - 1)));
    expect(worstExcess(xs, run64('log64Many', xs), Math.log, () => 2.5 * EPS64, (w) => w === 0)).toBeNull();
  });
  test('near 1 (the row sums of confident predictions): absolute error ≤ 2.5e-16', () => {
    const xs = Float64Array.from({length: N}, (_, i) => 0.5 + 2 * i / (N - 1));
    const got = run64('log64Many', xs);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(got[i] - Math.log(xs[i])));
    expect(worst).toBeLessThanOrEqual(2.5e-16);
  });
  test('subnormals, 0, negatives, +∞, NaN', () => {
    const got = run64('log64Many', [5e-324, 1e-310, 0, -1, Infinity, NaN, 1]);
    expect(Math.abs(got[0] / Math.log(5e-324) - 1)).toBeLessThan(4 * EPS64);
    expect(Math.abs(got[1] / Math.log(1e-310) - 1)).toBeLessThan(4 * EPS64);
    expect(Array.from(got.slice(2, 5))).toEqual([-Infinity, NaN, Infinity]);
    expect(got[5]).toBeNaN();
    expect(got[6]).toBe(0);
  });
});

test('the scalar build has the same exp64 and log64 (it shares math.ts)', () => {
  const s = instantiate(SCALAR);
  const xs = [-700, -30.5, -1e-9, 0, 2.5, 700];
  new Float64Array(s.memory.buffer, X, xs.length).set(xs);
  s.ex.exp64Many(X, OUT, xs.length);
  expect(Array.from(new Float64Array(s.memory.buffer, OUT, xs.length))).toEqual(Array.from(run64('exp64Many', xs)));
});

const HALF_SUBNORMAL = 2 ** -150;

describe('expNegf4 (the sigmoid kernels\' e^−|x|: Cody–Waite, subnormal results rounded once)', () => {
  test('≤ 2.5·2^-24 relative for x in [−87.3, 0] (normal results), dense sweep', () => {
    const xs = sweep(-87.3, 0);
    expect(worstExcess(xs, run32('expNegf4Many', xs), Math.exp, () => 2.5 * ULP32)).toBeNull();
  });
  test('subnormal results (x in [−104, −87.3]) within half a subnormal step of e^x, and 0 below', () => {
    const xs = sweep(-104, -87.3, 200_001);
    expect(worstExcess(xs, run32('expNegf4Many', xs), Math.exp, () => 2.5 * ULP32, () => false, HALF_SUBNORMAL))
        .toBeNull();
    const got = run32('expNegf4Many', [0, -0, -1e-10, -104.5, -200, -1e30, -Infinity]);
    expect(Array.from(got)).toEqual([1, 1, 1, 0, 0, 0, 0]);
  });
});

describe('log1pf4 (log(1 + e) for e in [0, 1], float32 lanes)', () => {
  test('≤ 5·2^-24 relative over [0, 1], dense sweep', () => {
    const xs = sweep(0, 1);
    expect(worstExcess(xs, run32('log1pf4Many', xs), Math.log1p, () => 5 * ULP32, (w) => w === 0)).toBeNull();
  });
  test('≤ 5·2^-24 relative from 1e-45 (subnormal) to 1, log-spaced: tiny e keep their precision', () => {
    const xs = Float32Array.from({length: N}, (_, i) => 10 ** (-45 + 45 * i / (N - 1)));
    expect(worstExcess(xs, run32('log1pf4Many', xs), Math.log1p, () => 5 * ULP32, (w) => w === 0, HALF_SUBNORMAL))
        .toBeNull();
    expect(Array.from(run32('log1pf4Many', [0, 2 ** -149]))).toEqual([0, 2 ** -149]);
  });
});

describe('powUnitf4 (q^γ for q in [0, 1]: the exponent γ·log2 q keeps γ·k exact)', () => {
  // relative error ≤ (3 + 1.3γ)·2^-24: about γ times log2 m's rounding, not γ·|log2 q| ulps
  test.each([0.01, 0.5, 1.7, 2, 5, 13])('γ = %p: ≤ (3 + 1.3γ)·2^-24 relative, q in [1e-40, 1] log-spaced and [0, 1]',
      (gamma) => {
    const bound = () => (3 + 1.3 * gamma) * ULP32;
    const logs = Float32Array.from({length: N / 2}, (_, i) => 10 ** (-40 * i / (N / 2 - 1)));
    const lin = sweep(0, 1, N / 2);
    const want = (q: number) => Math.pow(q, gamma);
    // results below 2^-126 are subnormal: within a subnormal step (2^-149) more
    for (const q of [logs, lin]) {
      expect(worstExcess(q, pow32(q, gamma), want, bound, (w) => w === 0, 2 ** -149)).toBeNull();
    }
  });
  test('0^γ = 0, 1^γ = 1', () => {
    for (const gamma of [0.5, 2, 5, 1.7]) expect(Array.from(pow32([0, 1], gamma))).toEqual([0, 1]);
  });
});

describe('the scalar build\'s float64 e^x (x ≤ 0) and log1p (as exact as exp64 and log64, shorter chains)', () => {
  test('expNeg64: ≤ 3 float64 ulp relative for x in [−200, 0], dense sweep; 0 at −∞', () => {
    const xs = Float64Array.from({length: N}, (_, i) => -200 * i / (N - 1));
    expect(worstExcess(xs, run64('expNeg64Many', xs), Math.exp, () => 3 * EPS64)).toBeNull();
    expect(Array.from(run64('expNeg64Many', [0, -0, -200.5, -Infinity]))).toEqual([1, 1, 0, 0]);
  });
  test('log1p64: ≤ 4 float64 ulp relative over [0, 1] and from 1e-300, log-spaced', () => {
    const xs = Float64Array.from({length: N}, (_, i) => i / (N - 1));
    expect(worstExcess(xs, run64('log1p64Many', xs), Math.log1p, () => 4 * EPS64, (w) => w === 0)).toBeNull();
    const tiny = Float64Array.from({length: N}, (_, i) => 10 ** (-300 + 300 * i / (N - 1)));
    expect(worstExcess(tiny, run64('log1p64Many', tiny), Math.log1p, () => 4 * EPS64)).toBeNull();
  });
});
