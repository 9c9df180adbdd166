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
 * |got − ref| ≤ rtol·|ref| + (atol + perLogit·M)·scale + perTerm·terms, where scale is the largest
 * finite |ref| in the compared array, M the largest finite |logit / T| of the case, and terms (for
 * gradients; 0 for losses) the reference's gradTerms of the entry's row: the size of the two terms
 * (A + 2λ·lse)·p_c and a_c that the entry is the difference of. perLogit and perTerm are for backends
 * whose arithmetic is float32: there, s − lse carries an error of about one float32 ulp of M, and a
 * gradient entry one of its terms, which where the model is confident (p_y ≈ 1, or labels ≈ p) is far
 * larger than any entry of the row. Backends that form the terms in float64 have perTerm 0.
 */
export interface Tolerance {rtol: number; atol: number; perLogit: number; perTerm: number}

export interface BackendUnderTest {
  name: string;
  /** Makes the backend active (registering it first if needed). */
  setup(): Promise<void>;
  tolerance: Tolerance;
}

/**
 * cpu: float64 sums, outputs rounded to float32 once (2^-24 ≈ 6e-8), and exp(s − max) parked in a
 * float32 gradient row (another ulp): loss and gradient are good to a few float32 ulps of their own
 * size, and gradient entries that cancel (p − 1 near 1) to a few ulps of the row's largest entry, as
 * A and the target's p are float64 (perTerm 0).
 */
export const CPU: BackendUnderTest = {
  name: 'cpu',
  setup: async () => { await tf.setBackend('cpu'); },
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 0},
};

/**
 * The composite fallback on a cpu backend with no fused kernels: stock tfjs float32 ops, including
 * s − lse in float32, so errors grow with the logits' magnitude (perLogit), and (A + 2λ·lse)·p − a in
 * float32, so a gradient entry errs by an ulp or two of its terms (perTerm).
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
  tolerance: {rtol: 2e-5, atol: 2e-6, perLogit: 2e-7, perTerm: 1.2e-7},
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
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 0},
};

export const WASM_SCALAR: BackendUnderTest = {
  name: 'wasm (scalar)',
  setup: () => setUpWasm(false, 'scalar'),
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 0},
};

/**
 * webgl, in Chromium only (test/browser.test.ts), with float32 textures: float32 shader arithmetic
 * throughout (GLSL has nothing wider). s = z/T and s − lse are float32, so an error of about one ulp of
 * the largest |s| (perLogit 6e-8 ≈ 2^-24); A, a_c and p = exp(s − lse) carry one or two ulps each, so
 * a gradient entry is good to about 4 ulps of the terms it is the difference of (perTerm); sums run in
 * blocks (32 + C/32 terms deep) so loss and lse stay within 1e-6 relative. Measured on SwiftShader:
 * the table passes at half of each bound except perTerm, which the confident-target case needs whole.
 */
export const WEBGL_TOLERANCE: Tolerance = {rtol: 2e-6, atol: 6e-7, perLogit: 1.2e-7, perTerm: 2.5e-7};

/**
 * webgl with float16 textures (WEBGL_FORCE_F16_TEXTURES, or a device without float32 render targets):
 * every value a program reads from another is rounded to float16 (2^-11 ≈ 4.9e-4 relative), the
 * logits included, so s is off by up to 2^-11·|s| before any arithmetic.
 */
export const WEBGL_F16_TOLERANCE: Tolerance = {rtol: 4e-3, atol: 2e-3, perLogit: 1e-3, perTerm: 2e-3};

/**
 * webgpu, in Chromium only: WGSL's widest float is f32 too (storage buffers hold float32, so no float16
 * mode), with f32 exp and log, so the same error sources as webgl with float32 textures: s − lse to an
 * ulp of the largest |s|, a gradient entry to a few ulps of its terms, sums in f32 blocks. WGSL asks
 * exp and log for the accuracy GLSL ES 3.0 does (exp 3 + 2·|x| ulp; log 3 ulp, 2^-21 absolute near 1),
 * so this starts from WEBGL_TOLERANCE's numbers.
 */
export const WEBGPU_TOLERANCE: Tolerance = {rtol: 2e-6, atol: 6e-7, perLogit: 1.2e-7, perTerm: 2.5e-7};

export const BACKENDS: BackendUnderTest[] = [CPU, COMPOSITE, WASM];
