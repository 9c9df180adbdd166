/**
 * The WebGPU kernels' host-side choices, in Node (the kernels themselves run in the browser suite):
 * the workgroup layout by K, the grid, and the uniform words tfjs writes before ours.
 */
import {grid, tfjsUniformWords, WORKGROUP_SIZE} from '../backends/webgpu/program';
import {layoutFor} from '../kernels/softmax_cross_entropy/webgpu/problem';
import {declarations} from '../kernels/softmax_cross_entropy/webgpu/wgsl';

describe('webgpu layout by K', () => {
  test.each([
    // [N, K, threads per row, rows per workgroup, workgroups, gradient tiles]
    [65536, 1, 1, 256, 256, 1],
    [65536, 10, 1, 256, 256, 1],
    [512, 1000, 1, 256, 2, 1],
    [256, 32000, 16, 16, 16, 1],
    [8, 262144, 128, 2, 4, 1],
    [4, 1_000_000, 256, 1, 4, 16],
    [3, 2049, 2, 128, 1, 1],
  ])('[%i, %i]: %i threads per row, %i rows per workgroup, %i workgroups, %i tiles', (N, K, lanes, rows, groups, tiles) => {
    const l = layoutFor(N, K);
    expect([1 << l.shift, l.rowsPerGroup, l.groups, l.tiles]).toEqual([lanes, rows, groups, tiles]);
    expect(l.rowsPerGroup * (1 << l.shift)).toBe(WORKGROUP_SIZE);
    expect(l.groups * l.rowsPerGroup).toBeGreaterThanOrEqual(N);
    // the tiles cover the row exactly once
    expect(l.tiles * l.tileLen).toBeGreaterThanOrEqual(K);
    expect((l.tiles - 1) * l.tileLen).toBeLessThan(K);
  });
});

describe('webgpu grid', () => {
  test.each([[1, [1, 1, 1]], [65535, [65535, 1, 1]], [65536, [65535, 2, 1]], [200000, [65535, 4, 1]]])(
    '%i workgroups', (count, expected) => {
      const g = grid(count as number);
      expect(g).toEqual(expected);
      expect(g[0] * g[1]).toBeGreaterThanOrEqual(count as number);
    });
});

test('the uniform struct starts with as many words as tfjs writes (NaN, Infinity, a shape and a stride per tensor)', () => {
  const bindings = [{name: 'a', access: 'read_write' as const, type: 'f32' as const},
    {name: 'b', access: 'read' as const, type: 'f32' as const}];
  const wgsl = declarations(bindings);
  const struct = wgsl.slice(wgsl.indexOf('struct Uniforms {'), wgsl.indexOf('};'));
  const fields = struct.split('\n').filter((line) => /^\s+\w+: (f32|i32|u32),/.test(line)).map((l) => l.trim().split(':')[0]);
  expect(fields.slice(0, tfjsUniformWords(2))).toEqual(['nanValue', 'infinity', 'tfjs0', 'tfjs1', 'tfjs2', 'tfjs3']);
  expect(fields[tfjsUniformWords(2)]).toBe('numRows');
});
