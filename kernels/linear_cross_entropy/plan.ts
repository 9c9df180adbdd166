/**
 * How many rows a chunk of the linear head takes: the default fits the backend and the shape.
 *
 * - A chunk's logits take at most DEFAULT_CHUNK_BYTES (32 MiB: 166 rows at V = 50 257), and never
 *   more than one webgpu storage binding (maxStorageBufferBindingSize; 128 MiB by default) or one
 *   webgl texture (WEBGL_MAX_TEXTURE_SIZE²) can hold.
 * - But at least H rows (up to that cap): accumulating dW holds one [H, V] partial product beside a
 *   chunk, so a chunk smaller than dW would not lower the peak; and a small H never means thousands
 *   of tiny chunks (a budget of rows per V/H, Liger-Kernel's rule, gives 2-row chunks at H = 48).
 * - The default chunks are balanced (⌈N / chunks⌉ rows each) so that the last one is not a sliver,
 *   unless that would take them below H rows (then only the last chunk is shorter).
 *   An explicit chunkRows is taken as given; chunkBytes replaces the 32 MiB budget.
 */
import * as tf from '@tensorflow/tfjs-core';

export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;

export interface ChunkPlan {
  /** Rows in every chunk but perhaps the last. */
  chunkRows: number;
  /** Number of chunks (0 for no rows). */
  chunks: number;
}

export interface ChunkRequest {
  chunkRows?: number;
  chunkBytes?: number;
}

/** The largest [rows, V] float32 tensor the active backend can hold in one buffer, in bytes. */
export function backendChunkCap(): number {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as {device?: {limits?: {maxStorageBufferBindingSize?: number}}}).device;
    return device?.limits?.maxStorageBufferBindingSize ?? 128 * 1024 * 1024;
  }
  if (backend === 'webgl') {
    const side = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
    return side * side * 4;
  }
  return Infinity;
}

/** The chunk plan for N rows of H → V. */
export function planChunks(N: number, H: number, V: number, request: ChunkRequest, cap = backendChunkCap()): ChunkPlan {
  const rowBytes = 4 * V;
  const capRows = Math.max(1, Math.floor(cap / rowBytes));
  if (N === 0) return {chunkRows: 0, chunks: 0};
  if (request.chunkRows !== undefined) {
    const chunkRows = Math.min(request.chunkRows, N);
    return {chunkRows, chunks: Math.ceil(N / chunkRows)};
  }
  const budgetRows = Math.max(1, Math.floor((request.chunkBytes ?? DEFAULT_CHUNK_BYTES) / rowBytes));
  const explicitBudget = request.chunkBytes !== undefined;
  const most = Math.min(explicitBudget ? budgetRows : Math.max(budgetRows, H), capRows, N);
  const least = explicitBudget ? 1 : Math.min(H, most);
  const chunks = Math.ceil(N / most);
  const balanced = Math.ceil(N / chunks);
  // Balancing never goes below the floor of H rows: then the last chunk is simply shorter.
  return {chunkRows: balanced >= least ? balanced : most, chunks: balanced >= least ? chunks : Math.ceil(N / most)};
}
