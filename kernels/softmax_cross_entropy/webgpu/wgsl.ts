/**
 * WGSL shared by the softmax WebGPU programs: this family's uniforms, the row layout, and the label
 * coefficients a_c (contract.ts has the math).
 *
 * Row layout (every program): a workgroup of 256 threads takes 256 / L consecutive rows with L = 2^shift
 * threads per row (L from K, problem.ts: 1 thread for K ≤ 16 up to 256 for K > 2048), lane l of a row
 * reads classes l, l + L, l + 2L, ...: neighbouring threads read neighbouring floats. A row's L partial
 * results meet in workgroup memory (a tree of log2 L steps). Sizes and option values are uniforms, so
 * one pipeline serves every shape; the source holds only the structure (label kind, which terms exist,
 * the reduction, which tensors are bound).
 *
 * The plumbing every loss shares (declarations, bit tests for NaN and ±∞, the workgroup index) is in
 * backends/webgpu/wgsl.ts.
 */
import type {Access, Uniform} from '../../../backends/webgpu/program.js';
import {Binding, declare, NON_FINITE} from '../../../backends/webgpu/wgsl.js';
import type {Reduction} from '../contract.js';
import {MATH} from './math.js';

export type {Binding};
export {bind, GROUP_INDEX} from '../../../backends/webgpu/wgsl.js';

/**
 * Our uniforms, the same list for every dispatch (values: problem.ts). A program declares the first
 * BASE_UNIFORMS of them unless it has a focal term or a softcap (`declarations`): a uniform buffer may
 * hold more than the shader reads, and so the plain cross-entropy programs keep their source.
 */
export const UNIFORMS: Uniform[] = [
  {name: 'numRows', type: 'i32'},      // N
  {name: 'numClasses', type: 'i32'},   // K
  {name: 'shift', type: 'u32'},        // log2 of the threads per row
  {name: 'groups', type: 'u32'},       // workgroups that do work in this dispatch
  {name: 'groupsX', type: 'u32'},      // the grid's x size (workgroup index = x + y · groupsX)
  {name: 'tiles', type: 'u32'},        // gradient program: workgroups per row group (column tiles)
  {name: 'tileLen', type: 'i32'},      // gradient program: classes per column tile
  {name: 'smoothing', type: 'f32'},    // ε
  {name: 'invTemp', type: 'f32'},      // 1 / T
  {name: 'zLossCoef', type: 'f32'},    // λ
  {name: 'ignoreId', type: 'i32'},     // ignoreIndex
  // the options' (declared by their programs only)
  {name: 'gamma', type: 'f32'},        // γ (focal)
  {name: 'gammaHi', type: 'f32'},      // γ's first 7 significant bits (math.ts powq)
  {name: 'gammaLo', type: 'f32'},      // γ − gammaHi
  {name: 'softcap', type: 'f32'},      // c (softcap)
  {name: 'invCap', type: 'f32'},       // 1 / c
];

/** Structural choices that select a program's source (one pipeline per distinct set and kernel). */
export interface Variant {
  ids: boolean;         // int32 class ids, else float32 probabilities
  weighted: boolean;    // class weights given (else all ones: not bound, not read)
  spread: boolean;      // per-class coefficients besides the class-id target: smoothing, or probabilities
  zLoss: boolean;
  reduction: Reduction;
  // The options below add code only where they are on: γ = 0, no cap, 'all' and float inputs run the
  // plain cross-entropy source (the same bits as before they existed).
  /** γ > 0: every term modulated by q^γ (q = 1 − p); the forward saves B where it saved A */
  focal: boolean;
  /** γ when it is whole and at most WHOLE_GAMMA_MAX (q^γ as products, compiled in), else 0 (math.ts powq) */
  wholeGamma: number;
  /** labelSmoothingOver 'others' with ε > 0 (class ids): ε/(K − 1) on each class but the target */
  others: boolean;
  /** softcap c > 0: s = c·tanh(z/c) / T */
  softcap: boolean;
  /** float32 inputs the backend holds as integers (program.ts storedAs: a cast int32 or bool), read as such */
  intInputs: InputName[];
}

export type InputName = 'logits' | 'labels' | 'weights';

/**
 * The largest γ compiled in as multiplications (one pipeline per such γ: Keras' and torchvision's
 * defaults are whole); any other γ takes math.ts powq with γ a uniform.
 */
export const WHOLE_GAMMA_MAX = 16;

export const variantKey = (v: Variant) =>
  `${v.ids ? 'ids' : 'probs'}-${v.weighted ? 'w' : 'nw'}-${v.spread ? 'spread' : 'target'}-${v.zLoss ? 'z' : 'noz'}-${v.reduction}` +
  (v.focal ? (v.wholeGamma > 0 ? `-gamma${v.wholeGamma}` : '-focal') : '') + (v.others ? '-others' : '') +
  (v.softcap ? '-softcap' : '') + v.intInputs.map((n) => `-int${n}`).join('');

/** `name`[at] as floats: an input held as integers is converted (intInputs). */
export function load(v: Variant, name: InputName, at: string, four: boolean): string {
  const raw = `${name}[${at}]`;
  return v.intInputs.includes(name) ? `${four ? 'vec4<f32>' : 'f32'}(${raw})` : raw;
}

/** The scaled logit s from a logit expression z (f32 or, `four`, vec4): z/T, or c·tanh(z/c)/T under a softcap. */
export const scaled = (v: Variant, z: string, four = false) =>
  (v.softcap ? `${four ? 'capS4' : 'capS'}(${z})` : `${z} * u.invTemp`);

/**
 * The logits, labels and (if given) class weights, read by every program. `vec4`: the per-class ones
 * (logits, probabilities, weights) as vec4<f32>, four classes a read, for K a multiple of 4.
 */
export const commonBindings = (v: Variant, vec4 = false): Binding[] => {
  const perClass = vec4 ? 'vec4<f32>' as const : 'f32' as const;
  const type = (name: InputName): Binding['type'] => (!v.intInputs.includes(name) ? perClass : vec4 ? 'vec4<i32>' : 'i32');
  return [
    {name: 'logits', access: 'read', type: type('logits')},
    {name: 'labels', access: 'read', type: v.ids ? 'i32' : type('labels')},
    ...(v.weighted ? [{name: 'weights', access: 'read' as Access, type: type('weights')}] : []),
  ];
};

const BASE_UNIFORMS = UNIFORMS.findIndex((u) => u.name === 'gamma');

/** Binding and uniform declarations, with this family's uniforms (backends/webgpu/wgsl.ts declare());
 * the options' only where `v` has a focal term or a softcap. */
export function declarations(bindings: Binding[], v?: Variant): string {
  return declare(bindings, v !== undefined && (v.focal || v.softcap) ? UNIFORMS : UNIFORMS.slice(0, BASE_UNIFORMS));
}

/** WGSL helpers every program uses; `v` selects the label kind and whether weights are bound, `vec4`
 * the binding types of commonBindings (spreadCoef4 then replaces spreadCoef). The options' helpers
 * (focal, softcap, 'others') are there only in their variants. */
export function helpers(v: Variant, vec4 = false): string {
  const weights = (c: string, four: boolean) => load(v, 'weights', c, four);
  const labels = (f: string) => load(v, 'labels', f, vec4);
  const targetCoef = !v.ids ? '0.0' : v.others
    ? 'select((1.0 - u.smoothing) * weight(y), weight(y), u.numClasses == 1)'  // K = 1: nothing to smooth onto
    : '(1.0 - u.smoothing) * weight(y)';
  // ε/K on every class, or ('others') ε/(K − 1) on every class but the row's target (rowY)
  const even = v.others ? 'u.smoothing / f32(max(u.numClasses - 1, 1))' : 'u.smoothing / f32(u.numClasses)';
  const spread4 = !v.ids ? `w * ((1.0 - u.smoothing) * ${labels('f')} + even)`
    : v.others ? 'select(even * w, vec4<f32>(0.0), vec4<i32>(4 * c) + vec4<i32>(0, 1, 2, 3) == vec4<i32>(rowY))'
    : 'even * w';
  const spread1 = !v.ids ? `weight(c) * ((1.0 - u.smoothing) * ${labels('f')} + even)`
    : v.others ? 'select(even * weight(c), 0.0, c == rowY || u.numClasses == 1)' : 'even * weight(c)';
  return `
${NON_FINITE}// NaN and +∞ logits poison their row (docs/semantics.md: non-finite input)
fn poisons(z: f32) -> bool {
  let b = bitcast<u32>(z);
  return (b & 0x7fffffffu) > 0x7f800000u || b == 0x7f800000u;
}
fn weight(c: i32) -> f32 { return ${!v.weighted ? '1.0' : vec4 ? `${weights('c / 4', true)}[c % 4]` : weights('c', false)}; }
// the row's class id (class ids only): read as an integer
fn classId(i: i32) -> i32 { return ${v.ids ? 'labels[i]' : '0'}; }
fn ignored(i: i32) -> bool { return ${v.ids ? 'labels[i] == u.ignoreId' : 'false'}; }
// a class id that is neither in [0, K) nor ignoreIndex: its row is NaN (the GPU does not read back)
fn invalid(i: i32) -> bool {
  ${v.ids ? 'let y = labels[i];\n  return y != u.ignoreId && (y < 0 || y >= u.numClasses);' : 'return false;'}
}
${v.others ? `// the class id of the row being read, for spreadCoef (set once a thread has its row)
var<private> rowY: i32;
` : ''}// ${v.others ? '(1 − ε)·w_y (w_y for K = 1)' : '(1 − ε)·w_y'}: the class-id target's coefficient (0 for probabilities)
fn targetCoef(y: i32) -> f32 { return ${targetCoef}; }
// a_c without the class-id target term: ${v.others ? '(ε/(K − 1))·w_c off the target' : '(ε/K)·w_c'} for class ids, w_c·((1 − ε)·P_c + ε/K) for
// probabilities; f is the flat index i·K + c (${vec4 ? 'in vec4s: classes 4c to 4c + 3' : 'one class'})
${vec4 ? `fn spreadCoef4(c: i32, f: i32) -> vec4<f32> {
  let even = ${even};
  let w = ${v.weighted ? weights('c', true) : 'vec4<f32>(1.0)'};
  return ${spread4};
}` : `fn spreadCoef(c: i32, f: i32) -> f32 {
  let even = ${even};
  return ${spread1};
}`}
${v.focal || v.softcap ? MATH : ''}${v.focal ? focalHelpers(v) : ''}${v.softcap ? CAP_HELPERS : ''}`;
}

/**
 * Focal programs' math, all from math.ts (WGSL's exp errs by up to 1e-6 of p where these need q's
 * own precision): pq(d) = (p, q) for d = s − lse, p = e^d and q = 1 − p = −expm1(d) from one reduction
 * (never 1 − p); focal(d) = (q^γ, q^γ·(1 − γ·r), q, p) with r = p·log p / q (its limit −1 where q = 0,
 * where q^γ = 0 anyway), so b_c = a_c times its second part; the 4 forms do four classes.
 */
function focalHelpers(v: Variant): string {
  return `
fn expf4(y: vec4<f32>) -> vec4<f32> { return vec4<f32>(expf(y.x), expf(y.y), expf(y.z), expf(y.w)); }
fn pq(d: f32) -> vec2<f32> {
  let e = expBoth(min(d, 0.0), 0.0);  // d may round a hair above 0 where p ≈ 1
  return vec2<f32>(e.x, max(-e.y, 0.0));
}
struct Pq4 { p: vec4<f32>, q: vec4<f32> }
fn pq4(d: vec4<f32>) -> Pq4 {
  let e0 = pq(d.x);
  let e1 = pq(d.y);
  let e2 = pq(d.z);
  let e3 = pq(d.w);
  return Pq4(vec4<f32>(e0.x, e1.x, e2.x, e3.x), vec4<f32>(e0.y, e1.y, e2.y, e3.y));
}
fn focal(d: f32) -> vec4<f32> {
  let e = pq(d);
  let p = e.x;
  let q = e.y;
  ${v.wholeGamma > 0 ? power('q', v.wholeGamma, 'qg') : 'let qg = select(powq(q, p), 0.0, q == 0.0);  // 0^γ = 0 for γ > 0'}
  let r = select(p * d / q, -1.0, q == 0.0);
  return vec4<f32>(qg, qg * (1.0 - u.gamma * r), q, p);
}
struct Focal4 { f: vec4<f32>, q: vec4<f32>, p: vec4<f32> }
fn focal4(d: vec4<f32>) -> Focal4 {
  let f0 = focal(d.x);
  let f1 = focal(d.y);
  let f2 = focal(d.z);
  let f3 = focal(d.w);
  return Focal4(vec4<f32>(f0.y, f1.y, f2.y, f3.y), vec4<f32>(f0.z, f1.z, f2.z, f3.z), vec4<f32>(f0.w, f1.w, f2.w, f3.w));
}
`;
}

/**
 * A focal program's gradient entry of one class (or four), from d = (s − hi) − lo: sets p, q and b, for
 * out = scale·[(coef − b)·p − b·q]: scale·(coef·p − b) without its cancellation where p ≈ 1 (a
 * confident row's target, whose entry is −b·q + ..., not b·p − b with p rounded to 1). b = a_c·focal's
 * factor with spread terms (`a`: the a_c expression); without them b is B (the saved mass, am) at the
 * class-id target (`atTarget`) and 0 elsewhere.
 */
export function focalEntry(v: Variant, four: boolean, a: string, atTarget: string): string {
  const T = four ? 'vec4<f32>' : 'f32';
  return v.spread ? `let fq = ${four ? 'focal4(d)' : 'focal(d)'};
        let b = (${a}) * ${four ? 'fq.f' : 'fq.y'};
        let p = ${four ? 'fq.p' : 'fq.w'};
        let q = ${four ? 'fq.q' : 'fq.z'};` : `let e = ${four ? 'pq4(d)' : 'pq(d)'};
        let p = ${four ? 'e.p' : 'e.x'};
        let q = ${four ? 'e.q' : 'e.y'};
        let b = select(${T}(0.0), ${T}(am), ${atTarget});`;
}

/** WGSL that sets `out` = base^n (n ≥ 1 whole) by squaring: base, base², base⁴, ... multiplied where n has a bit. */
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
  lines.push(`let ${out} = ${factors.join(' * ')};`);
  return lines.join('\n  ');
}

/**
 * The softcap: capS(z) = c·tanh(z/c)/T (cap first, then the temperature), and capBoth(z) = (capS(z),
 * sech²(z/c)), the factor the gradient with respect to z gains (capS4, capBoth4: of four logits). A non-finite z is not capped: −∞ stays
 * an impossible class (tanh would make it −c), +∞ and NaN poison the row as they do uncapped.
 */
const CAP_HELPERS = `
fn capBoth(z: f32) -> vec2<f32> {
  let ts = tanhSech(z * u.invCap);
  return vec2<f32>(select((u.softcap * ts.x) * u.invTemp, z * u.invTemp, isInf(z) || isNaN(z)), ts.y);
}
fn capS(z: f32) -> f32 { return capBoth(z).x; }
fn capS4(z: vec4<f32>) -> vec4<f32> { return vec4<f32>(capS(z.x), capS(z.y), capS(z.z), capS(z.w)); }
struct Cap4 { s: vec4<f32>, slope: vec4<f32> }
fn capBoth4(z: vec4<f32>) -> Cap4 {
  let c0 = capBoth(z.x);
  let c1 = capBoth(z.y);
  let c2 = capBoth(z.z);
  let c3 = capBoth(z.w);
  return Cap4(vec4<f32>(c0.x, c1.x, c2.x, c3.x), vec4<f32>(c0.y, c1.y, c2.y, c3.y));
}
`;
