/**
 * The row program: the forward kernel in one dispatch, and loss-and-grad in one dispatch. Each row's
 * threads (problem.ts layout) make one pass over the row's logits and targets, reading each once:
 *
 *   1. row max and sum: the recurrences of contract.ts for both rows (wgsl.ts). A thread takes its
 *      classes in blocks (16 classes: 4 vec4s or 8 floats), each formed from registers, maxima first and
 *      then the sums against them (wgsl.ts blockCode), and merges each block into its state; the rest of
 *      its share goes through the online recurrence class by class (wgsl.ts stateCode). Rounding grows
 *      with 16 + n/16 rather than n. Then the row's threads' states merge in workgroup memory;
 *      lse = m_s + log S_s is saved as the float32 pair hi + lo (and the target's lse_u, or H, the same way);
 *   2. loss: KL = W/S_u − log S_u + log S_s, C + A·log S_s, or H = log S − V/S (wgsl.ts finishCode),
 *      times `scale`; +∞ where a target has mass on a −∞ logit, NaN for a poisoned row;
 *   3. gradient (loss-and-grad only): a second pass over the row, still in cache, with dy = 1 or 1/N.
 *
 * A reduced loss ('sum', 'mean') is summed in the same dispatch (backends/webgpu/wgsl.ts
 * returnUnlessLast and sumPartials): each workgroup adds its rows' losses in row order and publishes
 * that, and the last workgroup to finish adds the published partials in a fixed order (the same bits
 * every run). The scratch holds the counter at 0 and workgroup g's partial at 1 + g.
 */
import {GROUP_INDEX, LAST_FLAG, NON_FINITE, returnUnlessLast, sumPartials, tree} from '../../../backends/webgpu/wgsl.js';
import {Binding, blockCode, declarations, finishCode, gradientTerm, inputBindings, MATH, reads, readsTargets, stateCode,
  Variant, variantKey} from './wgsl.js';

export type RowsMode = 'forward' | 'lossAndGrad';

/**
 * Elements a thread takes as one block (wgsl.ts blockCode): vec4s, or floats. Forming a block's state
 * directly took the distillation forward at [256, 32000] from 625 to 300 ms on SwiftShader (best of 5,
 * a loaded machine) against the class-by-class recurrence; 8 vec4s a block measured no faster than 4.
 */
const BLOCK_VEC4 = 4;
const BLOCK_F32 = 8;

/**
 * Bindings. forward: loss (per row for 'none', else one value), lse, lseLow, aux, auxLow, the inputs,
 * and for a reduced loss the scratch: 8 storage buffers at most, tfjs's device's limit. lossAndGrad:
 * gradient, loss, the inputs, the scratch for a reduced loss.
 */
export function rowsBindings(v: Variant, mode: RowsMode): Binding[] {
  const out = (name: string, type: Binding['type'] = 'f32'): Binding => ({name, access: 'read_write', type});
  const scratch = v.reduction !== 'none' ? [out('partials', 'atomic<u32>')] : [];
  if (mode === 'forward') {
    return [out('loss'), out('lse'), out('lseLow'), out('aux'), out('auxLow'), ...inputBindings(v), ...scratch];
  }
  return [out('grad', v.vec4 ? 'vec4<f32>' : 'f32'), out('loss'), ...inputBindings(v), ...scratch];
}

export const rowsKey = (v: Variant, mode: RowsMode) => `fusedDivergence-rows-${mode}-${variantKey(v)}`;

/** The scaled target a class's step takes: u = t / T_t, P itself, or (entropy) s again. */
const targetOf = (v: Variant, t: string, s: string) =>
  (v.kind === 'klLogits' ? `${t} * u.invTargetTemp` : v.kind === 'klProbabilities' ? t : s);

/** The poison test of the targets as read. */
const targetPoisons = (v: Variant, t: string) =>
  (v.kind === 'klLogits' ? ` || poisons(${t})` : v.kind === 'klProbabilities' ? ` || badProb(${t})` : '');

export function rowsSource(v: Variant, mode: RowsMode): string {
  const grad = mode === 'lossAndGrad';
  const reduced = v.reduction !== 'none';
  const n = v.vec4 ? '(K / 4)' : 'K';  // elements of the per-class bindings in a row
  const B = v.vec4 ? BLOCK_VEC4 : BLOCK_F32;
  // the rest of a thread's share, one element at a time through the online recurrence
  const tailLoadT = readsTargets(v) ? 'let t = tAt(at + c);' : '';
  const tail = `let z = zAt(at + c);
      ${tailLoadT}
      c = c + lanesI;
      if (poisons(z)${targetPoisons(v, 't')}) { flags = flags | 1u; }
      let s = z * u.invTemp;
      ${v.vec4 ? `let tt = ${targetOf(v, 't', 's')};
      flags = flags | step(&b, s.x, tt.x) | step(&b, s.y, tt.y) | step(&b, s.z, tt.z) | step(&b, s.w, tt.w);`
    : `flags = flags | step(&b, s, ${targetOf(v, 't', 's')});`}`;
  const T = v.vec4 ? 'vec4<f32>' : 'f32';
  return `${declarations(rowsBindings(v, mode))}
${NON_FINITE}
${MATH}
${reads(v)}
${stateCode(v.kind)}
var<workgroup> redFlag: array<u32, WG>;
var<workgroup> rowLoss: array<f32, WG>;
${reduced ? LAST_FLAG : ''}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = ${GROUP_INDEX};
  if (g >= u.groups) { return; }  // the grid's tail (the same for the whole workgroup)
  let lanes = 1u << u.shift;
  let lane = i32(lid & (lanes - 1u));
  let lanesI = i32(lanes);
  let r = lid >> u.shift;
  let head = r << u.shift;  // the row's first thread: where its merges end
  let row = i32(g * (WG >> u.shift) + r);
  let K = u.numClasses;
  let at = row * ${n};  // the row's first element of the per-class bindings (vec4s or floats)
  let exists = row < u.numRows;

  // 1. row max and sum (both rows), this thread's share
  var mine = emptySt();
  var flags = 0u;  // 1: a poisoning value (NaN, +∞, a bad probability); 2: mass on a −∞ logit
  if (exists) {
    var c = lane;
    // whole blocks of ${B} elements a thread (${v.vec4 ? 4 * B : B} classes), each merged into the thread's state
    loop {
      if (c + ${B - 1} * lanesI >= ${n}) { break; }
      ${blockCode(v, B).replace(/\n/g, '\n  ')}
      c = c + ${B} * lanesI;
      mine = mergeSt(mine, blk);
    }
    var b = emptySt();
    loop {
      if (c >= ${n}) { break; }
      ${tail}
    }
    mine = mergeSt(mine, b);
  }
  saveSt(lid, mine);
  redFlag[lid] = flags;
  ${tree('lanes', `var m1 = loadSt(lid);
      var f1 = redFlag[lid];`,
    `m1 = mergeSt(m1, loadSt(o));
        f1 = f1 | redFlag[o];`,
    `saveSt(lid, m1);
      redFlag[lid] = f1;`)}
  let st = loadSt(head);
  let fl = redFlag[head];
  // NaN or +∞ in either row, a bad probability, a student row (or teacher row) of all −∞: a NaN row
  let poisoned = (fl & 1u) != 0u || isNegInf(st.ms)${v.kind === 'klLogits' ? ' || isNegInf(st.mu)' : ''};

  // 2. loss
  ${finishCode(v.kind)}
  let hi = st.ms + L;
  let lo = twoSumLow(st.ms, L, hi);
  let rowLossValue = select(select(u.scale * ell, posInf(), (fl & 2u) != 0u), nan(), poisoned);
  ${grad ? '' : `if (exists && lane == 0) {
    lse[row] = select(hi, nan(), poisoned);
    lseLow[row] = select(lo, nan(), poisoned);
    aux[row] = select(auxHi, nan(), poisoned);
    auxLow[row] = select(auxLo, nan(), poisoned);
  }`}
  ${reduced ? 'if (lane == 0) { rowLoss[r] = select(0.0, rowLossValue, exists); }'
    : 'if (exists && lane == 0) { loss[row] = rowLossValue; }'}

  ${grad ? `// 3. gradient of the row: gradScale = scale/T (over N for the mean)
  if (exists) {
    let ahi = auxHi;
    let alo = auxLo;
    for (var c = lane; c < ${n}; c = c + lanesI) {
      var out = ${T}(nan());
      if (!poisoned) {
        let s = zAt(at + c) * u.invTemp;
        ${readsTargets(v) ? `let t = ${targetOf(v, 'tAt(at + c)', 's')};` : ''}
        ${gradientTerm(v.kind, T).replace(/\n/g, '\n        ')}
        // an impossible class (−∞ logit): probability 0, gradient 0
        out = select(u.gradScale * g, ${T}(0.0), ${v.vec4 ? 'isNegInf4(s)' : 'isNegInf(s)'});
      }
      grad[at + c] = out;
    }
  }` : ''}

  ${reduced ? `// the sum over rows, by the workgroup that finishes last
  workgroupBarrier();
  if (lid == 0u) {
    var part = 0.0;
    for (var k = 0u; k < (WG >> u.shift); k = k + 1u) { part = part + rowLoss[k]; }
    atomicStore(&partials[1u + g], bitcast<u32>(part));
  }
  ${returnUnlessLast('&partials[0]')}
  ${sumPartials((k) => `bitcast<f32>(atomicLoad(&partials[1u + ${k}]))`, 'red_ms')}
  if (lid == 0u) { loss[0] = ${v.reduction === 'mean' ? 'red_ms[0] / u.count' : 'red_ms[0]'}; }` : ''}
}
`;
}
