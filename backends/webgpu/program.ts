/**
 * Plumbing for the WebGPU kernels: compile our own WGSL compute pipelines and dispatch them inside
 * tfjs's command stream.
 *
 * Why not tfjs's runWebGPUProgram: it writes a program's bindings itself, one read_write output and
 * read-only inputs, while a fused kernel writes several tensors in one dispatch (the forward's loss,
 * lse, lseLow, denominator and target mass; loss-and-grad's loss and gradient). So the pipelines are
 * ours, with an explicit bind group layout, and the dispatch goes through the backend's
 * `recordAndSubmit` (tfjs-backend-webgpu 4.22, a private method: the one internal this file relies on),
 * which binds [first tensor, ...other tensors, uniforms] to our layout, keeps the tensors alive until
 * the GPU is done with them, batches submits, and feeds tf.time. Its uniform buffer starts with tfjs's
 * own words (NaN, Infinity, then a shape and a stride per bound tensor) and ends with ours; wgsl.ts
 * declares the struct to match (`uniformStruct`).
 */
import {TensorInfo, util} from '@tensorflow/tfjs-core';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';

export type {WebGPUBackend};

/** How a shader uses a bound tensor. */
export type Access = 'read' | 'read_write';

/** A bound tensor: binding i of the shader is the i-th of these. */
export interface Bound {tensor: TensorInfo; access: Access}

/** One of our uniforms, after tfjs's words. */
export interface Uniform {name: string; type: 'i32' | 'u32' | 'f32'}

/** Threads per workgroup, for every program here. */
export const WORKGROUP_SIZE = 256;

/** The most workgroups per dispatch dimension WebGPU guarantees (maxComputeWorkgroupsPerDimension). */
const MAX_PER_DIMENSION = 65535;

/** How many storage buffers one shader may bind on this backend's device (8 unless it was created
 * with more: tfjs's own device asks for no more than the default). */
export function storageBufferLimit(backend: WebGPUBackend): number {
  return backend.device.limits.maxStorageBuffersPerShaderStage;
}

/**
 * Whether the device is SwiftShader, Chromium's WebGPU on the CPU (where this package is tested: no
 * GPU here), from the adapter's vendor and architecture as tfjs keeps them. A CPU implementation pays
 * for things a GPU does not (SwiftShader runs a workgroup that meets at a barrier as coroutines, at
 * about a millisecond a workgroup), so a program may lay itself out differently there.
 */
export function onSwiftShader(backend: WebGPUBackend): boolean {
  const info = backend.adapterInfo as unknown as {vendor?: string, architecture?: string} | undefined;
  return info?.architecture === 'swiftshader' || info?.vendor === 'swiftshader';
}

/**
 * How the backend stores a tensor's values: 'int32' for int32 and bool, 'float32' otherwise. Not
 * always the tensor's own dtype: tfjs's webgpu Cast from int32 or bool to float32 keeps the data as it
 * is and only relabels it (tf.cast(labels, 'float32') still holds integers), so a program that reads
 * a float32 input must read such a one as integers.
 */
export function storedAs(backend: WebGPUBackend, t: TensorInfo): 'float32' | 'int32' {
  const dtype = backend.tensorMap.get(t.dataId)?.dtype ?? t.dtype;
  return dtype === 'int32' || dtype === 'bool' ? 'int32' : 'float32';
}

interface Compiled {pipeline: GPUComputePipeline}
const pipelines = new WeakMap<GPUDevice, Map<string, Compiled>>();

/**
 * The pipeline for `key`, compiled once per device: sizes and option values are uniforms, so a key
 * names a kernel and its structure only (which inputs exist, the reduction, the label kind).
 */
function pipeline(backend: WebGPUBackend, key: string, access: Access[], source: () => string): GPUComputePipeline {
  const device = backend.device;
  let cache = pipelines.get(device);
  if (cache === undefined) pipelines.set(device, cache = new Map());
  const hit = cache.get(key);
  if (hit !== undefined) return hit.pipeline;
  const code = source();
  const layout = device.createBindGroupLayout({
    entries: [
      ...access.map((a, binding) => ({binding, visibility: GPUShaderStage.COMPUTE,
        buffer: {type: (a === 'read' ? 'read-only-storage' : 'storage') as GPUBufferBindingType}})),
      {binding: access.length, visibility: GPUShaderStage.COMPUTE, buffer: {type: 'uniform' as GPUBufferBindingType}},
    ],
  });
  device.pushErrorScope('validation');
  const module = device.createShaderModule({code, label: key});
  const compiled = device.createComputePipeline({
    label: key, layout: device.createPipelineLayout({bindGroupLayouts: [layout]}),
    compute: {module, entryPoint: 'main'},
  });
  // WebGPU reports a bad shader asynchronously; say which one, with the compiler's messages
  void device.popErrorScope().then(async (error) => {
    if (error === null) return;
    const info = await module.getCompilationInfo();
    console.error(`tfjs-fused-cross-entropy: WebGPU pipeline ${key} failed: ${error.message}\n` +
        info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`).join('\n'));
  });
  cache.set(key, {pipeline: compiled});
  return compiled;
}

/** The workgroup grid for `count` workgroups: [x, y, 1] with x ≤ 65535; programs rebuild the index as
 * workgroup_id.x + workgroup_id.y · x and skip the tail past `count`. */
export function grid(count: number): [number, number, number] {
  const x = Math.min(Math.max(count, 1), MAX_PER_DIMENSION);
  return [x, Math.ceil(Math.max(count, 1) / x), 1];
}

/** A tensor as a flat 1-D binding; tfjs then writes one shape word and one stride word for it. */
function flat(t: TensorInfo): TensorInfo {
  return {dataId: t.dataId, shape: [Math.max(1, util.sizeFromShape(t.shape))], dtype: t.dtype};
}

/** Words tfjs puts before our uniforms: NaN, Infinity, and a shape and a stride per bound tensor. */
export const tfjsUniformWords = (bindings: number) => 2 + 2 * bindings;

const TFJS_TYPE = {i32: 'int32', u32: 'uint32', f32: 'float32'} as const;

/** A program object as recordAndSubmit reads it; the class name is what tf.time reports. */
class FusedCrossEntropyProgram {
  constructor(readonly pipeline: GPUComputePipeline, readonly dispatch: [number, number, number]) {}
}

interface Recorder {
  recordAndSubmit(program: FusedCrossEntropyProgram, output: TensorInfo, inputs: TensorInfo[],
      uniforms: Array<{type: string, data: number[]}>): void;
}

/**
 * Records one dispatch of the pipeline `key` (compiled from `source()` on first use) over `bound`, with
 * `uniforms` set to `values`. Every bound tensor must have at least one element (WebGPU binds no empty
 * buffer: tfjs would ask for one of NaN bytes), so this throws on an empty one; tensors still on the CPU
 * are uploaded first.
 */
export function dispatch(backend: WebGPUBackend, key: string, source: () => string, bound: Bound[],
    uniforms: Uniform[], values: number[], workgroups: [number, number, number]): void {
  const empty = bound.find((b) => util.sizeFromShape(b.tensor.shape) === 0);
  if (empty !== undefined) {
    // a kernel must make its outputs directly when there is nothing to compute (no rows)
    throw new Error(`tfjs-fused-cross-entropy: ${key} was asked to bind an empty tensor [${empty.tensor.shape}]`);
  }
  // tfjs binds whole buffers: a tensor past the device's binding size would fail validation
  // asynchronously and leave its outputs unwritten, so say so here
  const limit = backend.device.limits.maxStorageBufferBindingSize;
  const big = bound.find((b) => 4 * util.sizeFromShape(b.tensor.shape) > limit);
  if (big !== undefined) {
    throw new Error(`tfjs-fused-cross-entropy: ${key} would bind a tensor of ${util.sizeFromShape(big.tensor.shape)} ` +
        `entries (${4 * util.sizeFromShape(big.tensor.shape)} bytes), more than this device's ` +
        `maxStorageBufferBindingSize (${limit} bytes); split the batch`);
  }
  const compiled = pipeline(backend, key, bound.map((b) => b.access), source);
  const tensors = bound.map((b) => flat(b.tensor));
  for (const t of tensors) backend.uploadToGPU(t.dataId);
  const [first, ...rest] = tensors;
  const recorder = backend as unknown as Partial<Recorder>;
  if (typeof recorder.recordAndSubmit !== 'function') {
    throw new Error('tfjs-fused-cross-entropy: this @tensorflow/tfjs-backend-webgpu has no recordAndSubmit ' +
        '(the kernels are written against 4.22); use the webgl backend, or a tfjs-backend-webgpu 4.x that has it.');
  }
  recorder.recordAndSubmit(new FusedCrossEntropyProgram(compiled, workgroups), first, rest,
      uniforms.map((u, i) => ({type: TFJS_TYPE[u.type], data: [values[i]]})));
}

/** A tensor of `shape` whose GPU buffer is allocated on first use, contents unset (one of no elements
 * holds its empty values on the CPU, as tfjs's own empty outputs do: WebGPU has no empty buffer). */
export function empty(backend: WebGPUBackend, shape: number[], dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
  if (util.sizeFromShape(shape) === 0) return zeros(backend, shape, dtype);
  return backend.makeTensorInfo(shape, dtype);
}

/** A tensor of zeros, uploaded (a copy in tfjs's command stream, not a dispatch) when first bound. */
export function zeros(backend: WebGPUBackend, shape: number[], dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
  const size = util.sizeFromShape(shape);
  return backend.makeTensorInfo(shape, dtype, dtype === 'int32' ? new Int32Array(size) : new Float32Array(size));
}
