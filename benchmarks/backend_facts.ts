/**
 * What tfjs reports about the active backend, for the report's header: the numbers mean little
 * without knowing that webgl ran on SwiftShader or which wasm build ran. Runs in Node and in the page.
 */
import * as tf from '@tensorflow/tfjs';
import {getThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import type {WebGPUBackend} from '@tensorflow/tfjs-backend-webgpu';
import {loadedVariant, WasmBackend} from '../dist/cjs/backends/wasm/module.js';

export async function backendDetails(): Promise<string> {
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return `tfjs wasm ${simd ? 'SIMD' : 'scalar'}, ${getThreadsCount()} thread(s); ours: ` +
        `${loadedVariant(tf.backend() as unknown as WasmBackend) ?? 'not loaded'}`;
  }
  if (backend === 'webgl') {
    const gl = (tf.backend() as MathBackendWebGL).gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}, ` +
        `${String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER))}`;
  }
  if (backend === 'webgpu') {
    // AdapterInfo keeps vendor and architecture (as private fields), nothing else of the adapter's info
    const info = (tf.backend() as WebGPUBackend).adapterInfo as unknown as {vendor?: string, architecture?: string};
    return `WebGPU adapter ${info?.vendor || '?'}/${info?.architecture || '?'}`;
  }
  return `tfjs ${backend} (JavaScript)`;
}
