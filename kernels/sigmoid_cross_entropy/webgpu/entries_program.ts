/**
 * The entry program: each of the three kernels in one dispatch. Every entry is its own problem, so a
 * thread reads its entries' logit and label (and their columns' weights), and writes their loss
 * ('none'), their gradient, or both, with nothing saved between forward and backward (the backward
 * recomputes σ from the logit).
 *
 * A reduced loss ('sum', 'mean') is summed in the same dispatch: each thread adds its entries' losses
 * (a vec4's four pairwise, then in blocks of 32 elements), the workgroup adds its threads' in a 16-way
 * tree and publishes that partial, and the last workgroup to finish adds the partials in a fixed order
 * (backends/webgpu/wgsl.ts returnUnlessLast and sumPartials): the same bits every run on a device.
 * The scratch buffer holds the counter at 0 and workgroup g's partial at 1 + g.
 */
import {GROUP_INDEX, LAST_FLAG, NON_FINITE, returnUnlessLast, sumPartials, tree} from '../../../backends/webgpu/wgsl.js';
import {declarations, entryBindings, entryFunction, InputName, MATH, Mode, Variant} from './wgsl.js';

/** `name`[at] as floats (an input held as integers is converted: intInputs). */
function read(v: Variant, name: InputName, at: string, four: boolean): string {
  const load = `${name}[${at}]`;
  return v.intInputs.includes(name) ? `${four ? 'vec4<f32>' : 'f32'}(${load})` : load;
}

/** A weight of the element's entries, as the element's type, from the thread's column `col`. */
function weightRead(v: Variant, name: InputName, bound: boolean): string {
  if (!bound) return v.vec4 ? 'vec4<f32>(1.0)' : '1.0';
  if (v.columns === 'one') return v.vec4 ? `vec4<f32>(${read(v, name, '0', false)})` : read(v, name, '0', false);
  if (v.columns === 'vec4') return read(v, name, 'col / 4u', true);  // col is a multiple of 4 (C is)
  return v.vec4 ? `vec4<f32>(${['x', 'y', 'z', 'w'].map((c) => read(v, name, `cols.${c}`, false)).join(', ')})`
    : read(v, name, 'col', false);
}

/** Loads of the element's inputs: x, y, P, w (vec4s or floats). */
function loads(v: Variant): string {
  // 'gather' with vec4: the four entries' columns, past C wrapped back (col < C, so three times suffice for C ≥ 1)
  const cols = v.columns === 'gather' && v.vec4 && (v.posWeighted || v.classWeighted)
    ? `var cols = vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u);
    cols = select(cols, cols - u.numCols, cols >= vec4<u32>(u.numCols));
    cols = select(cols, cols - u.numCols, cols >= vec4<u32>(u.numCols));
    cols = select(cols, cols - u.numCols, cols >= vec4<u32>(u.numCols));` : '';
  return `let x = ${read(v, 'logits', 'i', v.vec4)};
    let y = ${read(v, 'labels', 'i', v.vec4)};
    ${cols}
    let P = ${weightRead(v, 'posWeight', v.posWeighted)};
    let w = ${weightRead(v, 'classWeights', v.classWeighted)};`;
}

export function entriesSource(v: Variant, mode: Mode): string {
  const wantsLoss = mode !== 'backward';
  const wantsGrad = mode !== 'forward';
  const reduced = wantsLoss && v.reduction !== 'none';
  const tracksColumns = (v.posWeighted || v.classWeighted) && v.columns !== 'one';
  // the upstream factor on each entry's gradient
  const dyOf = mode === 'lossAndGrad' ? (v.reduction === 'mean' ? 'u.gradScale' : '')
    : v.reduction === 'none' ? 'dy[i]' : 'dyAll';
  // one entry (f32), or four through entry() one at a time (vec4)
  const parts = v.vec4 ? ['x', 'y', 'z', 'w'] : [''];
  const calls = parts.map((c, k) => {
    const at = c === '' ? '' : `.${c}`;
    return `let e${k} = entry(x${at}, y${at}, P${at}, w${at});`;
  }).join('\n    ');
  const gather = (field: string) => (v.vec4 ? `vec4<f32>(${parts.map((_, k) => `e${k}.${field}`).join(', ')})`
    : `e0.${field}`);
  const lossSum = v.vec4 ? '((e0.ell + e1.ell) + (e2.ell + e3.ell))' : 'e0.ell';
  return `${declarations(entryBindings(v, mode))}
${NON_FINITE}
${MATH}
${entryFunction(v, {loss: wantsLoss, grad: wantsGrad})}
${reduced ? `var<workgroup> red: array<f32, WG>;\n${LAST_FLAG}` : ''}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = ${GROUP_INDEX};
  if (g >= u.groups) { return; }  // the grid's tail (the same for the whole workgroup)
  let first = g * WG * u.perThread + lid;
  ${tracksColumns ? `var col = (first * ${v.vec4 ? '4u' : '1u'}) % u.numCols;  // the column of the element's first entry` : ''}
  ${mode === 'backward' && v.reduction !== 'none'
    ? `let dyAll = ${v.reduction === 'mean' ? 'dy[0] / u.count' : 'dy[0]'};  // each entry's dy (dy/M for the mean)` : ''}
  ${reduced ? `// this thread's losses, in blocks of 32 elements: rounding grows with 32 + n/32, not n
  var acc = 0.0;
  var block = 0.0;` : ''}
  for (var j = 0u; j < u.perThread; j = j + 1u) {
    let i = first + j * WG;
    if (i >= u.numElems) { break; }
    ${loads(v)}
    ${calls}
    ${wantsGrad ? `grad[i] = ${dyOf === '' ? '' : `${dyOf} * `}${gather('d')};` : ''}
    ${wantsLoss ? (reduced ? `block = block + ${lossSum};
    if ((j & 31u) == 31u) {
      acc = acc + block;
      block = 0.0;
    }` : `loss[i] = ${gather('ell')};`) : ''}
    ${tracksColumns ? `col = col + u.colStep;
    if (col >= u.numCols) { col = col - u.numCols; }` : ''}
  }
  ${reduced ? `// the workgroup's partial, then the sum of all of them by the last workgroup to finish
  red[lid] = acc + block;
  ${tree('WG', 'var t = red[lid];', 't = t + red[o];', 'red[lid] = t;')}
  if (lid == 0u) { atomicStore(&partials[1u + g], bitcast<u32>(red[0])); }
  ${returnUnlessLast('&partials[0]')}
  ${sumPartials((k) => `bitcast<f32>(atomicLoad(&partials[1u + ${k}]))`, 'red')}
  if (lid == 0u) { loss[0] = ${v.reduction === 'mean' ? 'red[0] / u.count' : 'red[0]'}; }` : ''}
}
`;
}
