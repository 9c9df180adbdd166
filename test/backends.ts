/**
 * The backends the parity table runs on, with the tolerance each one's precision earns. Adding a
 * backend is one line in BACKENDS.
 */
import * as tf from '@tensorflow/tfjs-core';
import {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract';
import {loadedVariant, Variant, WasmBackend} from '../backends/wasm/module';
import {ready} from '../index';

/**
 * |got − ref| ≤ rtol·|ref| + (atol + perLogit·M)·scale, where scale is the largest finite |ref| in the
 * compared array and M the largest finite |logit / T| of the case. perLogit is for backends whose
 * arithmetic is float32: there, s − lse carries an error of about one float32 ulp of M.
 */
export interface Tolerance {rtol: number; atol: number; perLogit: number}

export interface BackendUnderTest {
  name: string;
  /** Makes the backend active (registering it first if needed). */
  setup(): Promise<void>;
  tolerance: Tolerance;
}

/**
 * cpu: float64 sums, outputs rounded to float32 once (2^-24 ≈ 6e-8), and exp(s − max) parked in a
 * float32 gradient row (another ulp): loss and gradient are good to a few float32 ulps of their own
 * size, and gradient entries that cancel (p − 1 near 1) to a few ulps of the row's largest entry.
 */
export const CPU: BackendUnderTest = {
  name: 'cpu',
  setup: async () => { await tf.setBackend('cpu'); },
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0},
};

/**
 * The composite fallback on a cpu backend with no fused kernels: stock tfjs float32 ops, including
 * s − lse in float32, so errors grow with the logits' magnitude.
 */
const COMPOSITE: BackendUnderTest = {
  name: 'composite (cpu without fused kernels)',
  setup: async () => {
    const name = 'cpu-composite';
    if (tf.findBackend(name) == null) {
      tf.registerBackend(name, () => new MathBackendCPU());
      for (const k of tf.getKernelsForBackend('cpu')) {
        if (!(KERNEL_NAMES as readonly string[]).includes(k.kernelName)) tf.registerKernel({...k, backendName: name});
      }
    }
    await tf.setBackend(name);
  },
  tolerance: {rtol: 2e-5, atol: 2e-6, perLogit: 2e-7},
};

/**
 * Activates tfjs's wasm backend (loaded on first use, so files that never ask for it keep cpu as the
 * default) with our kernels, and checks which of our builds ready() loaded.
 */
async function setUpWasm(simd: boolean, expected: Variant): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await import('../backends/wasm/register');
  if (tf.engine().registry['wasm'] == null) tf.env().set('WASM_HAS_SIMD_SUPPORT', simd);
  await tf.setBackend('wasm');
  await ready();
  const variant = loadedVariant(tf.backend() as unknown as WasmBackend);
  if (variant !== expected) throw new Error(`wasm backend runs our ${variant} build, expected ${expected}`);
}

export const WASM: BackendUnderTest = {
  name: 'wasm (SIMD)',
  setup: () => setUpWasm(true, 'simd'),
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0},
};

export const WASM_SCALAR: BackendUnderTest = {
  name: 'wasm (scalar)',
  setup: () => setUpWasm(false, 'scalar'),
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0},
};

export const BACKENDS: BackendUnderTest[] = [CPU, COMPOSITE, WASM];
