/**
 * WGSL of the sigmoid WebGPU programs: the uniforms, the variants, the bindings, and one entry's math
 * (contract.ts) as a function of scalars. The programs load four entries a read where they can
 * (vec4) but run the math one entry at a time: with the math on vec4s SwiftShader, which already
 * runs threads side by side in SIMD lanes, holds four times the live values, and focal loss-and-grad
 * ran 2.5× as slow as with scalars (measured at [65536, 80]).
 *
 * Float32 throughout. σ(x) and σ(−x) are both formed from e = exp(−|x|) (1/(1 + e) and e/(1 + e),
 * never 1 − σ). exp, log1p and q^γ are our own (MATH below), because the built-ins lose what a
 * confident entry keeps: WGSL bounds log's error near 1 in absolute terms (2^-21 on [0.5, 2]), which
 * log(1 + e) would pass on to a small softplus, and exp's grows with its argument (3 + 2·|x| ulps;
 * SwiftShader's measured 64 ulps at −86, 20 000 ulps for log just below 1). x = ±∞ take their limits
 * by selects on bit tests (e = 0, the infinite softplus only where its coefficient is not 0), not
 * through ∞ arithmetic a compiler may assume away; NaN is found on its bits too.
 */
import type {Uniform} from '../../../backends/webgpu/program.js';
import {Binding, declare} from '../../../backends/webgpu/wgsl.js';
import type {Reduction} from '../contract.js';

/** Our uniforms, the same list for every program (values: problem.ts uniformValues). */
export const UNIFORMS: Uniform[] = [
  {name: 'numElems', type: 'u32'},   // elements of the per-entry bindings (vec4s or floats)
  {name: 'count', type: 'f32'},      // M, the entries: the mean's divisor
  {name: 'numCols', type: 'u32'},    // C
  {name: 'colStep', type: 'u32'},    // (WG · entries per element) mod C: a thread's column step
  {name: 'perThread', type: 'u32'},  // elements per thread
  {name: 'groups', type: 'u32'},     // workgroups that do work in this dispatch
  {name: 'groupsX', type: 'u32'},    // the grid's x size (workgroup index = x + y · groupsX)
  {name: 'keep', type: 'f32'},       // 1 − ε
  {name: 'half', type: 'f32'},       // ε / 2
  {name: 'gamma', type: 'f32'},      // γ
  {name: 'gammaHi', type: 'f32'},    // γ's first 7 significant bits (powq)
  {name: 'gammaLo', type: 'f32'},    // γ − gammaHi
  {name: 'alpha', type: 'f32'},      // α (1 when absent; unread then)
  {name: 'alphaC', type: 'f32'},     // 1 − α
  {name: 'gradScale', type: 'f32'},  // loss-and-grad's upstream gradient: 1, or 1/M for the mean
];

/** How a weight's column is found: 'one' (C = 1), 'vec4' (C a multiple of 4, four columns a read),
 * 'gather' (one read per entry). */
export type Columns = 'one' | 'vec4' | 'gather';

/** Structural choices that select a program's source (one pipeline per distinct set and kernel). */
export interface Variant {
  reduction: Reduction;
  vec4: boolean;          // four entries an element (M a multiple of 4)
  // γ = 0 runs no focal code (bit-identical to no focal option); a whole γ up to WHOLE_GAMMA_MAX is
  // compiled in as a product of q's powers; any other γ > 0 takes powq, with γ a uniform
  focal: boolean;
  wholeGamma: number;     // γ when it is whole and at most WHOLE_GAMMA_MAX, else 0
  alpha: boolean;         // α given
  posWeighted: boolean;   // posWeight bound and read (else all ones)
  classWeighted: boolean; // classWeights bound and read (else all ones)
  columns: Columns;       // how the weights are read (only when one of them is bound)
  /** inputs whose values the backend holds as integers (program.ts storedAs), read as such */
  intInputs: InputName[];
}

export type InputName = 'logits' | 'labels' | 'posWeight' | 'classWeights';

export type Mode = 'forward' | 'backward' | 'lossAndGrad';

const weighted = (v: Variant) => v.posWeighted || v.classWeighted;

/**
 * The largest γ compiled in as multiplications (a pipeline per such γ). On SwiftShader a loop over γ's
 * bits, or a branch to powq not taken, each cost focal loss-and-grad a quarter of its time.
 */
export const WHOLE_GAMMA_MAX = 16;

export const variantKey = (v: Variant) => [v.reduction, v.vec4 ? 'vec4' : 'f32',
  v.focal ? (v.wholeGamma > 0 ? `gamma${v.wholeGamma}` : 'focal') : 'nofocal',
  v.alpha ? 'alpha' : 'noalpha', v.posWeighted ? 'pw' : 'nopw', v.classWeighted ? 'cw' : 'nocw',
  ...(weighted(v) ? [v.columns] : []), ...v.intInputs.map((n) => `int${n}`)].join('-');

export const entriesKey = (v: Variant, mode: Mode) => `fusedSigmoidCE-${mode}-${variantKey(v)}`;

/** The element type an input is bound as: floats or integers (intInputs), one or four a read. */
export function inputType(v: Variant, name: InputName, four: boolean): Binding['type'] {
  const int = v.intInputs.includes(name);
  return (four ? (int ? 'vec4<i32>' : 'vec4<f32>') : (int ? 'i32' : 'f32'));
}

/**
 * Bindings. forward: loss (per entry for 'none', else one value), the inputs, and for a reduced loss
 * the scratch [counter, one partial per workgroup]. backward: gradient, the inputs, dy. lossAndGrad:
 * gradient, loss, the inputs, the scratch for a reduced loss. At most 7 storage buffers: within the 8
 * per shader stage of tfjs's device.
 */
export function entryBindings(v: Variant, mode: Mode): Binding[] {
  const T = v.vec4 ? 'vec4<f32>' as const : 'f32' as const;
  const reduced = v.reduction !== 'none' && mode !== 'backward';
  const input = (name: InputName, four: boolean): Binding => ({name, access: 'read', type: inputType(v, name, four)});
  const inputs: Binding[] = [
    input('logits', v.vec4), input('labels', v.vec4),
    ...(v.posWeighted ? [input('posWeight', v.columns === 'vec4')] : []),
    ...(v.classWeighted ? [input('classWeights', v.columns === 'vec4')] : []),
  ];
  const partials: Binding[] = reduced ? [{name: 'partials', access: 'read_write', type: 'atomic<u32>'}] : [];
  const loss: Binding = {name: 'loss', access: 'read_write', type: v.reduction === 'none' ? T : 'f32'};
  const grad: Binding = {name: 'grad', access: 'read_write', type: T};
  if (mode === 'forward') return [loss, ...inputs, ...partials];
  if (mode === 'backward') return [grad, ...inputs, {name: 'dy', access: 'read', type: v.reduction === 'none' ? T : 'f32'}];
  return [grad, loss, ...inputs, ...partials];
}

/** Declarations with this family's uniforms (backends/webgpu/wgsl.ts declare()). */
export function declarations(bindings: Binding[]): string {
  return declare(bindings, UNIFORMS);
}

/**
 * exp, log1p and q^γ, accurate to an ulp or a few over the ranges used here (contract math):
 *
 * - ln1p(z), z in [−0.5, 1]: 2·atanh(s) with s = z / (2 + z) in [−1/3, 1/3], its odd series to s^13
 *   (the first term left out is under 1.5e-8 of the sum), so relative accuracy holds for a small z.
 * - expf(y) = expSplit(y, 0), for y ≤ 0: y = n·ln 2 + r with ln 2 in two parts (n·LN2_HI exact for
 *   |n| < 2^8), exp(r) for |r| ≤ 0.35 by its Taylor series to degree 7 (the rest under 6e-9), times
 *   2^n. Below −87 (exp(y) < 2^-125, where GPUs flush) it is 0.
 * - powq(q, p) = q^γ for q in (0, 1], p = 1 − q formed apart (p_t): exp(γ·ln q) with ln q = H + t,
 *   H = k·LN2_HI exact (q = m·2^k, m in [√½, √2)) and t = ln1p(m − 1) − k·LN2_LO, or H = 0 and
 *   t = ln1p(−p) near q = 1. γ·H is formed exactly from γ's first 7 bits (u.gammaHi), so rounding
 *   γ·ln q, γ·|ln q| half-ulps of the result (2e-6 at γ = 0.5, q = 1e-30), is not lost: what is left
 *   is t's and exp's ulp or two.
 */
export const MATH = `
const LN2_HI: f32 = 0.693359375;        // ln 2 = LN2_HI − LN2_LO; LN2_HI has 9 significant bits
const LN2_LO: f32 = 2.12194440e-4;
fn ln1p(z: f32) -> f32 {
  let s = z / (2.0 + z);
  let s2 = s * s;
  var p = 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  return 2.0 * s * p;
}
// exp(a + b), a exact and large, b small: the reduction takes each apart
fn expSplit(a: f32, b: f32) -> f32 {
  let y = a + b;
  let n = round(max(y, -87.0) * 1.4426950408889634);
  let r = (a - n * LN2_HI) + (b + n * LN2_LO);
  var p = 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // times 2^n, n in [−126, 0], made from its bits: n + 1.5·2^23 (exact) holds n in its last bits,
  // cheaper on SwiftShader than i32(n) and ldexp, which cost more than the rest of exp. (n itself
  // cannot come the same way, as (y/ln 2 + 1.5·2^23) − 1.5·2^23: SwiftShader folds that to y/ln 2.)
  let bits = bitcast<i32>(n + 12582912.0) - 0x4B400000 + 127;
  return select(p * bitcast<f32>(u32(bits) << 23u), 0.0, y < -87.0);
}
fn expf(y: f32) -> f32 { return expSplit(y, 0.0); }
fn powq(q: f32, p: f32) -> f32 {
  let f = frexp(q);
  let low = f.fract < 0.70710678;
  let m = select(f.fract, 2.0 * f.fract, low);
  let k = f32(f.exp) - select(0.0, 1.0, low);
  let near1 = p < 0.5;
  let H = select(k * LN2_HI, 0.0, near1);
  let t = ln1p(select(m - 1.0, -p, near1)) - select(k * LN2_LO, 0.0, near1);
  return expSplit(u.gammaHi * H, u.gammaLo * H + u.gamma * t);
}
`;

/** What the entry function must produce. */
export interface Wants {loss: boolean; grad: boolean}

/**
 * `fn entry(x, y, P, w) -> Entry`: one entry's loss `ell` (when wants.loss) and gradient `d` before
 * the upstream factor (when wants.grad; 0 otherwise), both NaN where x or y is NaN; P and w are 1
 * where not bound. The passes are numbered as in every backend.
 */
export function entryFunction(v: Variant, wants: Wants): string {
  const lossTerms = wants.loss || (wants.grad && v.focal);  // the focal gradient needs bce
  // w·α_t, the factor on the loss and on the gradient besides q^γ (none when both are absent)
  const factors = [...(v.classWeighted ? ['w'] : []), ...(v.alpha ? ['alphaT'] : [])];
  return `struct Entry { ell: f32, d: f32 }
fn entry(x: f32, y: f32, P: f32, w: f32) -> Entry {
  // 1. entry terms (σ, softplus)
  let bad = isNaN(x) || isNaN(y);
  let xInf = isInf(x);
  let e = select(expf(-abs(x)), 0.0, xInf);   // exp(−|x|), 0 at ±∞
  let r = 1.0 / (1.0 + e);                    // σ(|x|)
  let er = e * r;                             // σ(−|x|), not 1 − σ(|x|)
  let up = x >= 0.0;
  let sx = select(er, r, up);                 // σ(x)
  let snx = select(r, er, up);                // σ(−x)
  let yp = y * u.keep + u.half;               // y' = (1 − ε)·y + ε/2 (y itself for ε = 0)
  // 1 − y' = (1 − ε)·(1 − y) + ε/2, coefficient of sp(x): 1 − y is exact for y ≥ ½, where 1 − y'
  // would lose the bits y' rounded away (a tenth of them and more near y' = 1 with smoothing)
  let cn = (1.0 - y) * u.keep + u.half;
  let cp = ${v.posWeighted ? 'P * yp' : 'yp'};  // coefficient of sp(−x)
  ${v.alpha ? 'let alphaT = u.alpha * yp + u.alphaC * cn;' : ''}
  ${factors.length > 0 ? `let coef = ${factors.join(' * ')};  // w·α_t` : ''}
  ${lossTerms ? `// 2. loss
  let l1 = ln1p(e);
  let xf = select(x, 0.0, xInf);              // x's finite part: sp(±x) = max(±x, 0) + log1p(e)
  var bce = cp * (max(-xf, 0.0) + l1) + cn * (max(xf, 0.0) + l1);
  // x = +∞: sp(x) = +∞ with coefficient 1 − y'; x = −∞: sp(−x) with P·y'; a zero coefficient keeps 0
  let cInf = select(cp, cn, up);
  bce = select(bce, cInf * posInf(), xInf && cInf != 0.0);` : ''}
  ${v.focal ? `let q = yp * snx + cn * sx;                 // q_t = 1 − p_t, from σ(±x)
  // q_t^(γ−1) and q_t^γ: for a whole γ by multiplication (a few roundings), else q_t^γ by powq (MATH,
  // with p_t = 1 − q_t formed apart) and q_t^(γ−1) as q_t^γ / q_t
  ${v.wholeGamma > 0 ? `${power('q', v.wholeGamma - 1, 'qg1')}
  let qg = qg1 * q;` : `let qg = select(powq(q, yp * sx + cn * snx), 0.0, q == 0.0);  // 0^γ = 0 for γ > 0
  let qg1 = qg / q;`}` : ''}
  var out = Entry(0.0, 0.0);
  ${wants.loss ? lossOf(v, factors) : ''}
  ${wants.grad ? `// 3. gradient
  var d = cn * sx - cp * snx;                 // ∂bce/∂x
  ${v.focal ? `// q^(γ−1)·[γ·(1 − 2y')·σσ'·bce + q·∂bce/∂x]: the first term 0 where σσ' = 0 (its limit; bce may
  // be +∞ there), the whole 0 where q = 0 (both terms are; q^(γ−1) may be +∞ or NaN there)
  let ss = r * er;                            // σ(x)σ(−x)
  let inner = select(u.gamma * (1.0 - 2.0 * yp) * ss * bce, 0.0, ss == 0.0) + q * d;
  d = select(qg1 * inner, 0.0, q == 0.0);` : ''}
  ${factors.length > 0 ? 'd = coef * d;' : ''}
  out.d = select(d, nan(), bad);` : ''}
  return out;
}
`;
}

/** WGSL that sets `out` = base^n (n ≥ 0 whole) by squaring: base, base², base⁴, ... multiplied where n has a bit. */
function power(base: string, n: number, out: string): string {
  const lines: string[] = [];
  const factors: string[] = [];
  let square = base;
  for (let bit = 0; (1 << bit) <= n; bit++) {
    if (bit > 0) {
      lines.push(`let ${base}${1 << bit} = ${square} * ${square};`);
      square = `${base}${1 << bit}`;
    }
    if (n & (1 << bit)) factors.push(square);
  }
  lines.push(`let ${out} = ${factors.length === 0 ? '1.0' : factors.join(' * ')};`);
  return lines.join('\n  ');
}

/** The loss statement: ℓ = k·bce with k = w·α_t·q^γ, 0 where k = 0 even if bce = +∞. */
function lossOf(v: Variant, factors: string[]): string {
  const k = [...(factors.length > 0 ? ['coef'] : []), ...(v.focal ? ['qg'] : [])];
  if (k.length === 0) return 'out.ell = select(bce, nan(), bad);';
  return `let k = ${k.join(' * ')};
  out.ell = select(select(k * bce, 0.0, k == 0.0), nan(), bad);`;
}
