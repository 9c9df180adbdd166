/**
 * Plumbing for the WebGL kernels: run a GLSL program through tfjs's own program runner (which
 * compiles and caches it, binds inputs and writes the output texture), and carve one output texture
 * into several tensors without a copy.
 */
import {env, getKernel, KernelFunc, TensorInfo, util} from '@tensorflow/tfjs-core';
import type {GPGPUProgram, MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';

export type WebGLBackend = MathBackendWebGL;

/** A scalar uniform (tfjs declares it in the shader from this list). */
export interface Uniform {name: string; type: 'int' | 'float'}

/** A tensor as a flat 1-D input: programs index it as [i·K + c], whatever its texture's shape. */
export function flat(t: TensorInfo): TensorInfo {
  return {dataId: t.dataId, shape: [util.sizeFromShape(t.shape)], dtype: t.dtype};
}

/**
 * `t` in an unpacked texture (one value per texel): itself, or, for a tensor a packed tfjs program
 * made (a matMul's output, say: tfjs packs by default), a copy unpacked by tfjs's unpack program at
 * t's own shape. One program: handed to tfjs's runner flat and packed, it would reshape the packed
 * texture before unpacking it, two. The caller disposes the copy (it is not `t`).
 */
export function unpacked(backend: WebGLBackend, t: TensorInfo): TensorInfo {
  return backend.texData.get(t.dataId)?.isPacked ? backend.unpackTensor(t) : t;
}

/**
 * Runs one program with a float32 output of `outputShape`. Inputs and output are unpacked (one value
 * per texel), as every input made by our own programs is, so tfjs inserts no pack/unpack programs
 * for them (a packed input is unpacked first: unpacked()). `enableShapeUniforms`: sizes of inputs and
 * output are uniforms, so the cached compiled program is reused across batch sizes (tfjs's flag for
 * this defaults to off).
 */
export function run(backend: WebGLBackend, variableNames: string[], inputs: TensorInfo[], outputShape: number[],
    userCode: string, uniforms: Uniform[], values: number[]): TensorInfo {
  const program: GPGPUProgram = {
    variableNames, outputShape, userCode, enableShapeUniforms: true, customUniforms: uniforms,
  };
  const own = inputs.map((t) => unpacked(backend, t));
  const out = backend.runWebGLProgram(program, own.map(flat), 'float32', values.map((v) => [v]));
  own.forEach((t, i) => { if (t !== inputs[i]) backend.disposeIntermediateTensorInfo(t); });
  return out;
}

/**
 * Views of consecutive ranges of a flat output, each with its own shape and no copy: tfjs's Slice
 * kernel shares the texture of an unpacked tensor (with an offset and a reference count), so the
 * source can be disposed here and lives until its last view is.
 */
export function views(backend: WebGLBackend, source: TensorInfo, shapes: number[][]): TensorInfo[] {
  const slice = getKernel('Slice', 'webgl')?.kernelFunc as KernelFunc;
  let offset = 0;
  const out = shapes.map((shape) => {
    const size = util.sizeFromShape(shape);
    const part = slice({inputs: {x: source}, backend, attrs: {begin: [offset], size: [size]}}) as TensorInfo;
    offset += size;
    return {dataId: part.dataId, shape, dtype: part.dtype};
  });
  backend.disposeIntermediateTensorInfo(source);
  return out;
}

/**
 * Puts a tensor in a texture now, so that a program reads it through its sampler: tfjs would pass a
 * tensor of at most 4 values still on the CPU as a uniform array instead, which the programs' direct
 * texel reads cannot index.
 */
export function inTexture(backend: WebGLBackend, t: TensorInfo): void {
  if (util.sizeFromShape(t.shape) > 0) backend.uploadToGPU(t.dataId);
}

/**
 * `t` with another shape, through tfjs's Reshape kernel: free for unpacked tensors and for packed
 * ones whose 2×2 blocks stay put (any [N, K] as [..., K] with an even second-to-last axis); otherwise it
 * runs tfjs's packed reshape program. Consumes `t`.
 */
export function reshape(backend: WebGLBackend, t: TensorInfo, shape: number[]): TensorInfo {
  if (util.arraysEqual(t.shape, shape)) return t;
  const kernel = getKernel('Reshape', 'webgl')?.kernelFunc as KernelFunc;
  const out = kernel({inputs: {x: t}, backend, attrs: {shape}}) as TensorInfo;
  backend.disposeIntermediateTensorInfo(t);
  return out;
}

/** True when tfjs stores floats as float16 in textures (no float32 render targets, or forced). */
export function halfFloatTextures(): boolean {
  return !env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
}
