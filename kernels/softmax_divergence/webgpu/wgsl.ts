/**
 * WGSL of the softmax divergence WebGPU programs: this family's uniforms and variants, the bindings,
 * an accurate log, and per kind (contract.ts) the row state of the online pass: how one class updates
 * it, how two partial states merge (a block into a thread's total, and a row's threads in the
 * workgroup tree), and what the finished state gives.
 *
 * Row state. S is kept as R = S − 1, the sum without the max's own exp(0) = 1 (contract: one-hot-like
 * rows need log1p(S_rest), which float32 1 + S_rest would round away); an empty state has max −∞ and
 * R = −1 (S = 0), so merges need no special case for an empty side beyond the selects below.
 *
 *   entropy          (ms, rs, w)          w = V = Σ e_c·(s_c − m_s) ≤ 0
 *   klLogits         (ms, rs, mu, ru, w)  w = W = Σ e_c·d_c, e_c = exp(u_c − m_u), d_c = (u_c − m_u) − (s_c − m_s)
 *   klProbabilities  (ms, rs, a, w)       a = Σ P_c, w = C = Σ_{P_c > 0} P_c·(log P_c − (s_c − m_s))
 *
 * with KL = W/S_u − log S_u + log S_s, KL = C + A·log S_s, H = log S − V/S. On a new max m' = m + δ:
 * R ← (R + 1)·e^(−δ) (the old max joins the rest), V ← e^(−δ)·(V − δ·S) and W ← e^(−δ)·(W − δ·S_u)
 * (every e_c shrinks, every (x_c − m) drops by δ), and for a new student max W ← W + δ·S_u, C ← C + δ·A.
 * A term whose student logit is −∞ while the target has mass sets the `infinite` flag instead (the
 * loss is +∞; W and C then need not be right, and S_u and A, which the gradient uses, still are).
 *
 * Plumbing shared with the other losses (declarations, NaN/∞ bit tests, the workgroup tree, the
 * last-workgroup sum) is in backends/webgpu/wgsl.ts; the row layout is the softmax programs' (problem.ts).
 */
import type {Uniform} from '../../../backends/webgpu/program.js';
import {Binding, declare} from '../../../backends/webgpu/wgsl.js';
import type {DivergenceKind, Reduction} from '../contract.js';

export type {Binding};

/** Our uniforms, the same list for every program (values: problem.ts uniformValues). */
export const UNIFORMS: Uniform[] = [
  {name: 'numRows', type: 'i32'},        // N
  {name: 'numClasses', type: 'i32'},     // K
  {name: 'shift', type: 'u32'},          // log2 of the threads per row
  {name: 'groups', type: 'u32'},         // workgroups that do work in this dispatch
  {name: 'groupsX', type: 'u32'},        // the grid's x size (workgroup index = x + y · groupsX)
  {name: 'tiles', type: 'u32'},          // gradient program: workgroups per row group (column tiles)
  {name: 'tileLen', type: 'i32'},        // gradient program: classes per column tile
  {name: 'invTemp', type: 'f32'},        // 1 / T
  {name: 'invTargetTemp', type: 'f32'},  // 1 / T_t ('klLogits')
  {name: 'scale', type: 'f32'},          // the loss's factor
  {name: 'count', type: 'f32'},          // N, the mean's divisor
  {name: 'gradScale', type: 'f32'},      // loss-and-grad's factor on every gradient: scale / T, over N for the mean
];

/** Structural choices that select a program's source (one pipeline per distinct set and kernel). */
export interface Variant {
  kind: DivergenceKind;
  reduction: Reduction;
  /** K a multiple of 4: the per-class inputs bound as vec4s, four classes a read */
  vec4: boolean;
  /** inputs the backend holds as integers (a relabelling Cast, program.ts storedAs), read as such */
  intLogits: boolean;
  intTargets: boolean;
}

export const variantKey = (v: Variant) => [v.kind, v.reduction, v.vec4 ? 'vec4' : 'f32',
  ...(v.intLogits ? ['intlogits'] : []), ...(v.intTargets ? ['inttargets'] : [])].join('-');

/** Whether the programs read the targets: entropy's are the logits themselves (not bound). */
export const readsTargets = (v: Variant) => v.kind !== 'entropy';

/** The logits and (when read) targets, as bound: floats or integers, one or four a read. */
export function inputBindings(v: Variant): Binding[] {
  const type = (int: boolean): Binding['type'] => (v.vec4 ? (int ? 'vec4<i32>' : 'vec4<f32>') : (int ? 'i32' : 'f32'));
  return [
    {name: 'logits', access: 'read', type: type(v.intLogits)},
    ...(readsTargets(v) ? [{name: 'targets', access: 'read' as const, type: type(v.intTargets)}] : []),
  ];
}

/** Declarations with this family's uniforms (backends/webgpu/wgsl.ts declare()). */
export function declarations(bindings: Binding[]): string {
  return declare(bindings, UNIFORMS);
}

/**
 * `zAt(i)` and `tAt(i)`: element i of the logits and targets as floats (vec4<f32> for vec4), and
 * the non-finite tests of each (`poisons`: NaN or +∞, for logits and teacher logits; `badProb`: NaN,
 * +∞ or < 0, for probabilities; −0 is a 0).
 */
export function reads(v: Variant): string {
  const T = v.vec4 ? 'vec4<f32>' : 'f32';
  const U = v.vec4 ? 'vec4<u32>' : 'u32';
  const any = (e: string) => (v.vec4 ? `any(${e})` : e);
  return `
fn zAt(i: i32) -> ${T} { return ${v.intLogits ? `${T}(logits[i])` : 'logits[i]'}; }
${readsTargets(v) ? `fn tAt(i: i32) -> ${T} { return ${v.intTargets ? `${T}(targets[i])` : 'targets[i]'}; }` : ''}
fn poisons(x: ${T}) -> bool {
  let b = bitcast<${U}>(x);
  return ${any(`(b & ${U}(0x7fffffffu)) > ${U}(0x7f800000u)`)} || ${any(`b == ${U}(0x7f800000u)`)};
}
fn badProb(x: ${T}) -> bool {
  let b = bitcast<${U}>(x);
  return ${any(v.vec4 ? `(b >= ${U}(0x7f800000u)) & (b != ${U}(0x80000000u))` : `b >= 0x7f800000u && b != 0x80000000u`)};
}
`;
}

/**
 * log1p and log, accurate to an ulp or two (WGSL bounds log's error near 1 only in absolute terms,
 * 2^-21, which a small log S or a log P of P near 1 would carry; SwiftShader's measured worse):
 *
 * - ln1p(z), z in [−0.3, 0.5]: 2·atanh(t) with t = z / (2 + z) in [−0.18, 0.2], its odd series to t^13.
 * - logf(x), x > 0 finite: x = m·2^k with m in [√½, √2), k·ln 2 in two parts (k·LN2_HI exact), ln1p(m − 1).
 * - logS(r) = log(1 + r) for r ≥ 0: ln1p(r) for r < 0.5 (keeps a small S_rest), else logf(1 + r).
 */
export const MATH = `
const LN2_HI: f32 = 0.693359375;        // ln 2 = LN2_HI − LN2_LO; LN2_HI has 9 significant bits
const LN2_LO: f32 = 2.12194440e-4;
fn ln1p(z: f32) -> f32 {
  let t = z / (2.0 + z);
  let t2 = t * t;
  var p = 1.0 / 13.0;
  p = p * t2 + 1.0 / 11.0;
  p = p * t2 + 1.0 / 9.0;
  p = p * t2 + 1.0 / 7.0;
  p = p * t2 + 1.0 / 5.0;
  p = p * t2 + 1.0 / 3.0;
  p = p * t2 + 1.0;
  return 2.0 * t * p;
}
fn logf(x: f32) -> f32 {
  let f = frexp(x);
  let low = f.fract < 0.70710678;
  let m = select(f.fract, 2.0 * f.fract, low);
  let k = f32(f.exp) - select(0.0, 1.0, low);
  return k * LN2_HI + (ln1p(m - 1.0) - k * LN2_LO);
}
fn logS(r: f32) -> f32 { return select(logf(1.0 + r), ln1p(r), r < 0.5); }
fn ln1p4(z: vec4<f32>) -> vec4<f32> {
  let t = z / (2.0 + z);
  let t2 = t * t;
  var p = vec4<f32>(1.0 / 13.0);
  p = p * t2 + 1.0 / 11.0;
  p = p * t2 + 1.0 / 9.0;
  p = p * t2 + 1.0 / 7.0;
  p = p * t2 + 1.0 / 5.0;
  p = p * t2 + 1.0 / 3.0;
  p = p * t2 + 1.0;
  return 2.0 * t * p;
}
fn logf4(x: vec4<f32>) -> vec4<f32> {
  let f = frexp(x);
  let low = f.fract < vec4<f32>(0.70710678);
  let m = select(f.fract, 2.0 * f.fract, low);
  let k = vec4<f32>(f.exp) - select(vec4<f32>(0.0), vec4<f32>(1.0), low);
  return k * LN2_HI + (ln1p4(m - 1.0) - k * LN2_LO);
}
fn hmax(x: vec4<f32>) -> f32 { return max(max(x.x, x.y), max(x.z, x.w)); }
fn hsum(x: vec4<f32>) -> f32 { return (x.x + x.y) + (x.z + x.w); }
// the rounding error of s = a + b (Knuth's two-sum): a + b = s + twoSumLow(a, b, s) exactly
fn twoSumLow(a: f32, b: f32, s: f32) -> f32 {
  let bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
// merges two (max, R) pairs: vec4(max, R, factor of the first, factor of the second), each side's
// factor exp(m_k − max) (0 for an empty side: max −∞)
fn join(m1: f32, r1: f32, m2: f32, r2: f32) -> vec4<f32> {
  let e1 = isNegInf(m1);
  let e2 = isNegInf(m2);
  let first = e2 || (!e1 && m1 >= m2);
  let f = exp(-abs(m1 - m2));
  let f1 = select(select(f, 1.0, first), 0.0, e1);
  let f2 = select(select(1.0, f, first), 0.0, e2);
  return vec4<f32>(select(m2, m1, first), select(r2 + (1.0 + r1) * f1, r1 + (1.0 + r2) * f2, first), f1, f2);
}
// how far a side's max is below the joined one (0 for an empty side)
fn below(m: f32, mk: f32) -> f32 { return select(m - mk, 0.0, isNegInf(mk)); }
`;

/** The state's fields after ms and rs, by kind. */
const FIELDS: Record<DivergenceKind, string[]> = {
  entropy: ['w'],
  klLogits: ['mu', 'ru', 'w'],
  klProbabilities: ['a', 'w'],
};

export const stateFields = (kind: DivergenceKind) => ['ms', 'rs', ...FIELDS[kind]];

const EMPTY: Record<string, string> = {ms: 'negInf()', rs: '-1.0', mu: 'negInf()', ru: '-1.0', a: '0.0', w: '0.0'};

/**
 * The student's update by one class of scaled logit `s` (finite: −∞ classes skip it), and what it
 * shifts: W by δ·S_u, C by δ·A (V: below, with the sum). `fresh`: the first finite class, the new max
 * with δ taken as 0.
 */
function studentStep(kind: DivergenceKind): string {
  const shift = kind === 'klLogits' ? '\n    b.w = select(b.w, b.w + d * (1.0 + b.ru), up);'
    : kind === 'klProbabilities' ? '\n    b.w = select(b.w, b.w + d * b.a, up);'
    : '\n    b.w = select(b.w + x * d, x * (b.w - d * (1.0 + b.rs)), up);';
  return `if (sFin) {
    let fresh = isNegInf(b.ms);
    let d = select(s - b.ms, 0.0, fresh);
    let x = exp(-abs(d));
    let up = fresh || d > 0.0;${shift}
    b.rs = select(b.rs + x, (b.rs + 1.0) * x, up);
    b.ms = select(b.ms, s, up);
  }`;
}

/**
 * WGSL for the kind: the state struct `St`, `emptySt()`, `loadSt(i)` / `saveSt(i, st)` on the
 * workgroup arrays red_<field>, `mergeSt(a, b)`, and `fn step(b: ptr<function, St>, s, t) -> u32`:
 * one class's update from its scaled logit s and target t (teacher logit u, or probability; unused for
 * entropy), returning 2 where the loss is +∞ (mass on a −∞ logit). Needs NON_FINITE and MATH.
 */
export function stateCode(kind: DivergenceKind): string {
  const fields = stateFields(kind);
  const struct = `struct St { ${fields.map((f) => `${f}: f32`).join(', ')} }`;
  const arrays = fields.map((f) => `var<workgroup> red_${f}: array<f32, WG>;`).join('\n');
  const empty = `fn emptySt() -> St { return St(${fields.map((f) => EMPTY[f]).join(', ')}); }`;
  const load = `fn loadSt(i: u32) -> St { return St(${fields.map((f) => `red_${f}[i]`).join(', ')}); }`;
  const save = `fn saveSt(i: u32, st: St) {\n${fields.map((f) => `  red_${f}[i] = st.${f};`).join('\n')}\n}`;
  let merge: string;
  let step: string;
  if (kind === 'entropy') {
    merge = `fn mergeSt(a: St, b: St) -> St {
  let j = join(a.ms, a.rs, b.ms, b.rs);
  // V_k' = f_k·(V_k − δ_k·S_k)
  let w = j.z * (a.w - below(j.x, a.ms) * (1.0 + a.rs)) + j.w * (b.w - below(j.x, b.ms) * (1.0 + b.rs));
  return St(j.x, j.y, w);
}`;
    step = `fn step(b: ptr<function, St>, s: f32, t: f32) -> u32 {
  let sFin = !isNegInf(s);
  ${studentStep(kind).replace(/\bb\./g, '(*b).')}
  return 0u;
}`;
  } else if (kind === 'klLogits') {
    merge = `fn mergeSt(a: St, b: St) -> St {
  let js = join(a.ms, a.rs, b.ms, b.rs);
  let ju = join(a.mu, a.ru, b.mu, b.ru);
  // W_k' = f_uk·(W_k + (δs_k − δu_k)·S_uk): the student shift, then the teacher's
  let w = ju.z * (a.w + (below(js.x, a.ms) - below(ju.x, a.mu)) * (1.0 + a.ru))
      + ju.w * (b.w + (below(js.x, b.ms) - below(ju.x, b.mu)) * (1.0 + b.ru));
  return St(js.x, js.y, ju.x, ju.y, w);
}`;
    step = `fn step(b: ptr<function, St>, s: f32, t: f32) -> u32 {
  let sFin = !isNegInf(s);
  ${studentStep(kind).replace(/\bb\./g, '(*b).')}
  if (isNegInf(t)) { return 0u; }  // P_c = 0: no term, whatever s_c is
  let fresh = isNegInf((*b).mu);
  let d = select(t - (*b).mu, 0.0, fresh);
  let x = exp(-abs(d));
  let up = fresh || d > 0.0;
  // this class's e_c·d_c at the new maxima (e_c = 1 at a new teacher max); a −∞ student logit: +∞ loss
  let term = select(select(x, 1.0, up) * (select(d, 0.0, up) - (s - (*b).ms)), 0.0, !sFin);
  (*b).w = select((*b).w, x * ((*b).w - d * (1.0 + (*b).ru)), up) + term;
  (*b).ru = select((*b).ru + x, ((*b).ru + 1.0) * x, up);
  (*b).mu = select((*b).mu, t, up);
  return select(0u, 2u, !sFin);
}`;
  } else {
    merge = `fn mergeSt(a: St, b: St) -> St {
  let j = join(a.ms, a.rs, b.ms, b.rs);
  // C_k' = C_k + δ_k·A_k
  let w = (a.w + below(j.x, a.ms) * a.a) + (b.w + below(j.x, b.ms) * b.a);
  return St(j.x, j.y, a.a + b.a, w);
}`;
    step = `fn step(b: ptr<function, St>, s: f32, P: f32) -> u32 {
  let sFin = !isNegInf(s);
  ${studentStep(kind).replace(/\bb\./g, '(*b).')}
  if (P == 0.0) { return 0u; }  // 0·log 0 = 0, even at a −∞ logit
  (*b).a = (*b).a + P;
  (*b).w = (*b).w + select(P * (logf(P) - (s - (*b).ms)), 0.0, !sFin);
  return select(0u, 2u, !sFin);
}`;
  }
  return [struct, arrays, empty, load, save, merge, step].join('\n');
}

/**
 * WGSL statements that finish a row from its merged state `st`: `let L = log S_s`, the row's
 * unscaled loss `ell` (before the non-finite rules), and the auxiliary pair `auxHi`, `auxLo`
 * (contract: lse_u, A with 0, or H).
 */
export function finishCode(kind: DivergenceKind): string {
  if (kind === 'entropy') {
    return `let L = logS(st.rs);
  let X = -st.w / (1.0 + st.rs);  // −V/S ≥ 0: H = log S + X, no cancellation
  let ell = L + X;
  let auxHi = ell;
  let auxLo = twoSumLow(L, X, ell);`;
  }
  if (kind === 'klLogits') {
    return `let L = logS(st.rs);
  let Lu = logS(st.ru);
  let ell = st.w / (1.0 + st.ru) + (L - Lu);
  let auxHi = st.mu + Lu;
  let auxLo = twoSumLow(st.mu, Lu, auxHi);`;
  }
  return `let L = logS(st.rs);
  let ell = st.w + st.a * L;
  let auxHi = st.a;
  let auxLo = 0.0;`;
}

/**
 * The gradient of one class before its row's factor (dy·scale/T), as `g`: from its scaled logit s
 * (finite: −∞ classes give 0 elsewhere) and target t, with the row's lse pair (hi, lo) and auxiliary
 * pair (ahi, alo):
 *
 *   klProbabilities  A·p − P       klLogits  p − P, P = exp((u − ahi) − alo)       entropy  −p·(log p + H)
 *
 * Scalar or vec4 (`T`), by the argument types.
 */
export function gradientTerm(kind: DivergenceKind, T: string): string {
  const p = 'let logp = (s - hi) - lo;\n  let p = exp(logp);';
  if (kind === 'klProbabilities') return `${p}\n  let g = ahi * p - t;`;
  if (kind === 'klLogits') {
    return `${p}\n  let P = select(exp((t - ahi) - alo), ${T}(0.0), ${T === 'f32' ? 'isNegInf(t)' : 'isNegInf4(t)'});\n  let g = p - P;`;
  }
  // p·(−log p − H), −log p as (hi − s) + lo: the same roundings as −(log p + H), and +0 where both are 0 (K = 1)
  return `${p}\n  let g = p * ((((hi - s) + lo) - ahi) - alo);`;
}

/** A balanced tree of `op` over the expressions (pairs first: the same order every run). */
function treeOf(items: string[], op: (a: string, b: string) => string): string {
  let level = items;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? op(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/**
 * WGSL statements for one full block of B elements of this thread (elements at + c + k·lanesI,
 * k < B, all in the row): their loads, the poison flags, and the block's state `blk` formed in two
 * steps from registers: the block's maxima first, then every sum relative to them, so there is no
 * rescaling inside a block and each class's exps are taken once. The max's own 1 is left out of R
 * (ties at the max count 1 each but one). `flags` gains 1 (poison) and 2 (mass on a −∞ logit).
 */
export function blockCode(v: Variant, B: number): string {
  const T = v.vec4 ? 'vec4<f32>' : 'f32';
  const h = (x: string) => (v.vec4 ? `hmax(${x})` : x);
  const hs = (x: string) => (v.vec4 ? `hsum(${x})` : x);
  const anyOf = (x: string) => (v.vec4 ? `any(${x})` : `(${x})`);
  const negInf = v.vec4 ? 'isNegInf4' : 'isNegInf';
  const ks = Array.from({length: B}, (_, k) => k);
  const each = (f: (k: number) => string) => ks.map(f).join('\n    ');
  const sum = (f: (k: number) => string) => treeOf(ks.map(f), (a, b) => `(${a} + ${b})`);
  const lines: string[] = [];
  lines.push(each((k) => `let z${k} = zAt(at + c${k === 0 ? '' : ` + ${k} * lanesI`});`));
  if (readsTargets(v)) lines.push(each((k) => `let t${k} = tAt(at + c${k === 0 ? '' : ` + ${k} * lanesI`});`));
  const targetBad = v.kind === 'klLogits' ? 'poisons' : 'badProb';
  lines.push(`if (${treeOf(ks.map((k) => `poisons(z${k})${readsTargets(v) ? ` || ${targetBad}(t${k})` : ''}`),
    (a, b) => `${a} || ${b}`)}) { flags = flags | 1u; }`);
  lines.push(each((k) => `let s${k} = z${k} * u.invTemp;`));
  // the student: max, exps, R (and V for entropy)
  lines.push(`let bms = ${h(treeOf(ks.map((k) => `s${k}`), (a, b) => `max(${a}, ${b})`))};`);
  lines.push(each((k) => `let ns${k} = ${negInf}(s${k});`));
  lines.push(each((k) => `let es${k} = select(exp(s${k} - bms), ${T}(0.0), ns${k});`));
  lines.push(each((k) => `let ts${k} = s${k} == ${T}(bms);`));
  lines.push(`let brs = ${hs(sum((k) => `select(es${k}, ${T}(0.0), ts${k})`))} + ` +
    `(${hs(sum((k) => `select(${T}(0.0), ${T}(1.0), ts${k})`))} - 1.0);`);
  if (v.kind === 'entropy') {
    lines.push(`let bw = ${hs(sum((k) => `select(es${k} * (s${k} - bms), ${T}(0.0), ns${k})`))};`);
    lines.push('let blk = St(bms, brs, bw);');
  } else if (v.kind === 'klLogits') {
    lines.push(each((k) => `let u${k} = t${k} * u.invTargetTemp;`));
    lines.push(`let bmu = ${h(treeOf(ks.map((k) => `u${k}`), (a, b) => `max(${a}, ${b})`))};`);
    lines.push(each((k) => `let nu${k} = ${negInf}(u${k});`));
    lines.push(each((k) => `let eu${k} = select(exp(u${k} - bmu), ${T}(0.0), nu${k});`));
    lines.push(`let bru = ${hs(sum((k) => `select(eu${k}, ${T}(0.0), u${k} == ${T}(bmu))`))} + ` +
      `(${hs(sum((k) => `select(${T}(0.0), ${T}(1.0), u${k} == ${T}(bmu))`))} - 1.0);`);
    // e_c·d_c, d_c = (u_c − m_u) − (s_c − m_s); none where u_c = −∞; a −∞ student logit: +∞ loss
    lines.push(`let bw = ${hs(sum((k) => `select(eu${k} * ((u${k} - bmu) - (s${k} - bms)), ${T}(0.0), nu${k} | ns${k})`))};`);
    lines.push(`if (${treeOf(ks.map((k) => anyOf(`!nu${k} & ns${k}`)), (a, b) => `${a} || ${b}`)}) { flags = flags | 2u; }`);
    lines.push('let blk = St(bms, brs, bmu, bru, bw);');
  } else {
    const log = v.vec4 ? 'logf4' : 'logf';
    lines.push(each((k) => `let zp${k} = t${k} == ${T}(0.0);`));
    lines.push(`let ba = ${hs(sum((k) => `t${k}`))};`);
    // P_c·(log P_c − (s_c − m_s)), 0·log 0 = 0 (also at a −∞ logit); mass at a −∞ logit: +∞ loss
    lines.push(`let bw = ${hs(sum((k) => `select(t${k} * (${log}(t${k}) - (s${k} - bms)), ${T}(0.0), zp${k} | ns${k})`))};`);
    lines.push(`if (${treeOf(ks.map((k) => anyOf(`!zp${k} & ns${k}`)), (a, b) => `${a} || ${b}`)}) { flags = flags | 2u; }`);
    lines.push('let blk = St(bms, brs, ba, bw);');
  }
  return lines.join('\n    ');
}
