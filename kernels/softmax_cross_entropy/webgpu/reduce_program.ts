/**
 * Two small programs for when a fused dispatch would bind more storage buffers than the device allows
 * (tfjs's device: 8 per shader stage):
 *
 * - `sumRows`: the forward with class weights and a reduced loss. The row program then writes each
 *   row's loss to a scratch tensor, and this one workgroup adds them in row order (the mean divides by D).
 * - `foldDy`: the backward of a weighted mean with smoothing or probabilities: dy / D into one value,
 *   so the gradient binds one tensor for both.
 */
import type {Access} from '../../../backends/webgpu/program.js';
import type {Reduction} from '../contract.js';
import {Binding, declarations} from './wgsl.js';

const read = (name: string): Binding => ({name, access: 'read' as Access, type: 'f32'});

export const sumRowsBindings: Binding[] = [{name: 'loss', access: 'read_write', type: 'f32'}, read('rows'), read('den')];
export const sumRowsKey = (reduction: Reduction) => `fusedCE-sumRows-${reduction}`;

export function sumRowsSource(reduction: Reduction): string {
  return `${declarations(sumRowsBindings)}
var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = i32(lid); i < u.numRows; i = i + i32(WG)) { s = s + rows[i]; }
  part[lid] = s;
  for (var stride = WG >> 1u; stride > 0u; stride = stride >> 1u) {
    workgroupBarrier();
    if (lid < stride) { part[lid] = part[lid] + part[lid + stride]; }
  }
  if (lid == 0u) {
    ${reduction === 'mean' ? 'loss[0] = select(part[0] / den[0], 0.0, den[0] == 0.0);  // every row ignored: 0, never NaN'
    : 'loss[0] = part[0];'}
  }
}
`;
}

export const foldDyBindings: Binding[] = [{name: 'scale', access: 'read_write', type: 'f32'}, read('dy'), read('den')];
export const FOLD_DY_KEY = 'fusedCE-foldDy';

export function foldDySource(): string {
  return `${declarations(foldDyBindings)}
@compute @workgroup_size(1)
fn main() {
  scale[0] = select(dy[0] / den[0], 0.0, den[0] == 0.0);  // every row ignored: 0, never NaN
}
`;
}
