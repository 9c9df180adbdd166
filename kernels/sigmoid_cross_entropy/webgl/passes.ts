/**
 * The two program runs the sigmoid kernels are made of, and the tensors cut from their outputs:
 * entryPass (one texel per entry, or per block of entries: entry_program.ts) and sumPass (the sum of a
 * reduced loss's partial sums: sum_program.ts).
 */
import {TensorInfo, util} from '@tensorflow/tfjs-core';
import {inTexture, reshape, run, unpacked, views, WebGLBackend} from '../../../backends/webgl/program.js';
import {entryInputs, entrySource} from './entry_program.js';
import {UNIFORMS} from './glsl.js';
import {Kind, Layout, layout} from './layout.js';
import {Problem, uniformValues} from './problem.js';
import {sumInputs, sumSource} from './sum_program.js';

/** An entry program's output, flat, and its layout (the sum program finds its partials by it). */
export interface EntryOutput {
  flat: TensorInfo;
  layout: Layout;
}

/**
 * Runs `f` on `p` with logits and labels in unpacked textures, as the programs read them (texel by
 * texel: never a uniform array, which tfjs makes of tensors of ≤ 4 values still on the CPU), each
 * unpacked once for all of a kernel's programs; frees the unpacked copies after.
 */
export function withTextures<T>(backend: WebGLBackend, p: Problem, f: (p: Problem) => T): T {
  const given = p.common.slice(0, 2);
  const own = given.map((t) => {
    inTexture(backend, t);
    return unpacked(backend, t);
  });
  try {
    return f({...p, common: [...own, ...p.common.slice(2)]});
  } finally {
    own.forEach((t, i) => { if (t !== given[i]) backend.disposeIntermediateTensorInfo(t); });
  }
}

/**
 * Runs the entry program of `kind` (M > 0, inside withTextures); `dy`: the backward kernel's upstream
 * gradient.
 */
export function entryPass(backend: WebGLBackend, p: Problem, kind: Kind, dy?: TensorInfo): EntryOutput {
  const perEntry = dy != null && p.variant.reduction === 'none';
  // read at the texels (entry_program.ts) as logits and labels are, so unpacked before the layout
  if (perEntry) inTexture(backend, dy as TensorInfo);
  const read = [p.common[0], p.common[1], ...(perEntry ? [unpacked(backend, dy as TensorInfo)] : [])];
  const [logits, labels] = read;
  const l = layout(backend, p, {logits, labels, ...(perEntry ? {dy: read[2]} : {})}, kind);
  const values = uniformValues({...p.values, ...l.values});
  const inputs = [logits, labels, ...p.common.slice(2), ...(dy != null ? [perEntry ? read[2] : dy] : [])];
  const out = run(backend, entryInputs(p.variant, kind, dy != null), inputs, l.shape,
      entrySource(p.variant, kind, dy != null, l.atTexel), UNIFORMS, values);
  if (perEntry && read[2] !== dy) backend.disposeIntermediateTensorInfo(read[2]);
  // the program finds partials and entries by the texture's shape: it must be the one asked for
  const texShape = backend.texData.get(out.dataId).texShape;
  if (!util.arraysEqual(texShape as number[], l.shape)) {
    backend.disposeIntermediateTensorInfo(out);
    throw new Error(`sigmoidCrossEntropy: tfjs gave a [${l.shape}] output a [${texShape}] texture`);
  }
  return {flat: {dataId: out.dataId, shape: [l.shape[0] * l.shape[1]], dtype: 'float32'}, layout: l};
}

/** The reduced loss (shape []) from the partials program's output. Consumes it. */
export function sumPass(backend: WebGLBackend, p: Problem, partials: EntryOutput): TensorInfo {
  const out = run(backend, sumInputs, [partials.flat], [1], sumSource(), UNIFORMS,
      uniformValues({...p.values, ...partials.layout.values}));
  backend.disposeIntermediateTensorInfo(partials.flat);
  return reshape(backend, out, []);
}

/**
 * An entry program's output cut into tensors of `shapes`, starting where its layout says (no copies:
 * program.ts views), the texels between and after them dropped. Consumes `out`. One tensor filling
 * the whole output is only reshaped.
 */
export function cut(backend: WebGLBackend, out: EntryOutput, shapes: number[][]): TensorInfo[] {
  const size = out.flat.shape[0];
  if (shapes.length === 1 && util.sizeFromShape(shapes[0]) === size) return [reshape(backend, out.flat, shapes[0])];
  const ranges: number[][] = [];
  const keep: boolean[] = [];
  let at = 0;
  shapes.forEach((shape, i) => {
    const start = out.layout.starts[i];
    if (start > at) ranges.push([start - at]), keep.push(false);
    ranges.push(shape);
    keep.push(true);
    at = start + util.sizeFromShape(shape);
  });
  if (size > at) ranges.push([size - at]), keep.push(false);
  const parts = views(backend, out.flat, ranges);
  parts.forEach((t, i) => { if (!keep[i]) backend.disposeIntermediateTensorInfo(t); });
  return parts.filter((_, i) => keep[i]);
}
