/**
 * The backends the parity table runs on, with the tolerance each one's precision earns. Adding a
 * backend is one line in BACKENDS.
 */
import * as tf from '@tensorflow/tfjs-core';
import {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract';
import {SIGMOID_KERNEL_NAMES} from '../kernels/sigmoid_cross_entropy/contract';
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
export interface Tolerance {
  rtol: number; atol: number; perLogit: number; perTerm: number;
  /** times |lse| and the terms: the saved lse's float32 pair (2^-48·|lse|) in a backward kernel's p. 0 if absent. */
  perTermLse?: number;
  /** times a loss entry's lossTerms (reference.ts): lse − s_c formed in float32. 0 if absent. */
  perLossTerm?: number;
}

/**
 * The sigmoid table's bound (test/sigmoid_parity.ts): |got − ref| ≤ rtol·|ref| + atol·scale + terms,
 * scale the largest finite |ref| in the compared array, and terms from the reference
 * (sigmoid_reference.ts): for a gradient entry perTerm times its gradTerms (the size of the terms
 * (1 − y')·σ(x), P·y'·σ(−x) and the focal term it is the sum of), for a loss perLossTerm times its
 * lossTerms (|ℓ| of an entry: every softplus term is ≥ 0; Σ|ℓ_e| for a reduction) plus perLinearTerm
 * times its lossTermsLinear (the terms of (P·y' + 1 − y')·sp(x) − P·y'·x, for a backend that forms
 * sp(−x) as sp(x) − x), and with smoothing perLabel times the entry's sensitivity to y' (gradLabelTerms,
 * lossLabelTerms: a float32 y' errs by an ulp of it, which 1 − y' takes whole), plus absolute. Entries
 * are independent, so no error grows with the logits' magnitude beyond what these terms carry.
 */
export interface SigmoidTolerance {
  rtol: number; atol: number; perTerm: number; perLossTerm: number;
  /** 0 if absent. */
  perLinearTerm?: number;
  /** Times gradLabelTerms or lossLabelTerms: y' = (1 − ε)·y + ε/2 rounded to float32 (0 if absent). */
  perLabel?: number;
  /** An absolute floor (0 if absent): the finest step the backend's storage holds (float16's 2^-24). */
  absolute?: number;
}

export interface BackendUnderTest {
  name: string;
  /** Makes the backend active (registering it first if needed). */
  setup(): Promise<void>;
  tolerance: Tolerance;
  /** The sigmoid family's bound (its own precision story: see each backend's SIGMOID_* constant). */
  sigmoidTolerance: SigmoidTolerance;
}

/**
 * Sigmoid on cpu (and the scalar wasm build): float64 per entry and in the reduced sum, outputs
 * rounded to float32 once, so every output is within half a float32 ulp of its own size (rtol; the
 * table measured 5.9e-8), an entry whose value is below float32's normal range within its subnormal
 * step (absolute 2^-149; measured 3.9e-46). Where a gradient entry is a difference of nearly equal
 * terms (labels the model fits) float64 itself errs by a float64 ulp or two of the terms, the
 * reference as much as the kernel (perTerm; measured 1.1e-16 of them).
 */
export const SIGMOID_CPU_TOLERANCE: SigmoidTolerance =
    {rtol: 1.2e-7, atol: 0, perTerm: 1e-15, perLossTerm: 0, absolute: 1.5e-45};

/**
 * cpu: float64 throughout (exp accurate to a few float64 ulps, exp.ts; the loss-and-grad kernel parks
 * its exps in a float64 row), outputs rounded to float32 once (2^-24 ≈ 6e-8): loss and gradient are
 * good to a few float32 ulps of their own size, also where a gradient entry is the difference of
 * nearly equal terms (a confident target, labels equal to the model's softmax: perTerm 0). One
 * exception, in the backward kernel only: the saved lse is a float32 pair, good to 2^-48·|lse| ≈
 * 3.6e-15·|lse|, so its p = exp(s − lse) carries that relative error, and an entry that cancels errs
 * by as much of its terms (perTermLse; float32 terms would err by 6e-8 of them).
 */
export const CPU: BackendUnderTest = {
  name: 'cpu',
  setup: async () => { await tf.setBackend('cpu'); },
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 0, perTermLse: 4e-15},
  sigmoidTolerance: SIGMOID_CPU_TOLERANCE,
};

/**
 * Sigmoid through the composite fallback: stock tfjs float32 ops, a rounding per op. An entry's loss
 * and gradient are good to a few float32 ulps of their own size, more where γ amplifies q_t's error
 * (q_t^γ: measured 6.2e-7 at γ = 5; rtol); a gradient entry that cancels errs by an ulp or two of its
 * terms (perTerm; measured 9.5e-8 of them); with smoothing, 1 − y' is formed from the float32 y' and
 * carries its rounding (an ulp of 1) whole, however small 1 − y' is (perLabel; measured 3.1e-8 of
 * |∂/∂y'|, at ε = 0.01 where 1 − y' = 0.005).
 */
export const SIGMOID_COMPOSITE_TOLERANCE: SigmoidTolerance =
    {rtol: 1e-6, atol: 0, perTerm: 2e-7, perLossTerm: 0, perLabel: 6e-8, absolute: 1.5e-45};

/**
 * The composite fallback on a cpu backend with no fused kernels: stock tfjs float32 ops, including
 * s − lse in float32, so errors grow with the logits' magnitude (perLogit), and (A + 2λ·lse)·p − a in
 * float32, so a gradient entry errs by an ulp or two of its terms (perTerm; measured 2.5e-7 at a
 * confident target with T = 1.7). A loss is Σ_c a_c·(lse − s_c) with lse − s_c in float32, so where the
 * model is confident (ℓ ≈ 1e-5 from terms of 15) it errs by a float32 ulp of those terms
 * (perLossTerm; measured 8.3e-9 of them).
 */
const COMPOSITE: BackendUnderTest = {
  name: 'composite (cpu without fused kernels)',
  setup: async () => {
    const name = 'cpu-composite';
    if (tf.findBackend(name) == null) {
      tf.registerBackend(name, () => new MathBackendCPU());
      const fused: readonly string[] = [...KERNEL_NAMES, ...SIGMOID_KERNEL_NAMES];
      for (const k of tf.getKernelsForBackend('cpu')) {
        if (!fused.includes(k.kernelName)) tf.registerKernel({...k, backendName: name});
      }
    }
    await tf.setBackend(name);
  },
  tolerance: {rtol: 2e-5, atol: 2e-6, perLogit: 2e-7, perTerm: 3e-7, perLossTerm: 2e-8},
  sigmoidTolerance: SIGMOID_COMPOSITE_TOLERANCE,
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

/**
 * Sigmoid on the wasm SIMD builds: each entry in float32 lanes, the reduced loss summed in float64.
 * So the composite's bound except for smoothing: an entry is good to a few float32 ulps, more at a
 * large γ (q_t^γ: measured 6.2e-7 at γ = 5; rtol), a gradient entry that cancels to an ulp or two of
 * its terms (perTerm; measured 1.26e-7 of them, at the 10^6-entry mean), and 1 − y' is formed without
 * the float32 y''s rounding (no perLabel: the table passes without it).
 */
export const SIGMOID_WASM_TOLERANCE: SigmoidTolerance =
    {rtol: 1e-6, atol: 0, perTerm: 2e-7, perLossTerm: 0, absolute: 1.5e-45};

/**
 * wasm, SIMD builds (Node, and Chromium's plain and cross-origin isolated pages): exp on four float32
 * lanes (math.ts: 2 float32 ulp, plus the argument's float32 rounding), every sum, lse, A, the loss
 * and the class-id target's p_y in float64, gradient lanes in float32. So cpu's bound, except where a
 * gradient entry off the class-id target cancels (probability labels near the model's softmax, p_c ≈
 * ε/K with smoothing): there coef·p_c − a_c is formed in float32 lanes from a float32 p_c, and the entry
 * errs by an ulp or two of its terms (perTerm; measured up to 5.3e-8 of them). K = 1 is exact (p = 1).
 * Making those entries exact would take a float64 exp per element (two lanes, not four).
 */
export const WASM: BackendUnderTest = {
  name: 'wasm (SIMD)',
  setup: () => setUpWasm(true, 'simd'),
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 1.2e-7, perTermLse: 4e-15},
  sigmoidTolerance: SIGMOID_WASM_TOLERANCE,
};

/**
 * wasm, scalar build (browsers without wasm SIMD): float64 throughout like cpu, so cpu's bound. Its
 * loss-and-grad kernel parks float32 exps in the gradient row (the module owns no scratch memory)
 * and recomputes p_c in float64 for every entry that cancels (rows_scalar.ts).
 */
export const WASM_SCALAR: BackendUnderTest = {
  name: 'wasm (scalar)',
  setup: () => setUpWasm(false, 'scalar'),
  tolerance: CPU.tolerance,
  sigmoidTolerance: SIGMOID_CPU_TOLERANCE,
};

/**
 * webgl, in Chromium only (test/browser.test.ts), with float32 textures: float32 shader arithmetic
 * throughout (GLSL has nothing wider). s = z/T and s − lse are float32, so an error of about one ulp of
 * the largest |s| (perLogit 6e-8 ≈ 2^-24); A, a_c and p = exp(s − lse) carry one or two ulps each, so
 * a gradient entry is good to about 4 ulps of the terms it is the difference of (perTerm); sums run in
 * blocks (32 + C/32 terms deep) so loss and lse stay within 1e-6 relative. Measured on SwiftShader:
 * the table passes at half of each bound except perTerm, which the confident-target case needs whole.
 * A loss is Σ_c a_c·(lse − s_c) with lse − s_c formed in float32: where the model is confident the loss
 * is far smaller than its terms and errs by an ulp of them (perLossTerm 6e-8 ≈ 2^-24; the confident
 * T = 1.7 case needs 8.3e-9 on SwiftShader).
 */
export const WEBGL_TOLERANCE: Tolerance =
    {rtol: 2e-6, atol: 6e-7, perLogit: 1.2e-7, perTerm: 2.5e-7, perLossTerm: 6e-8};

/**
 * webgl with float16 textures (WEBGL_FORCE_F16_TEXTURES, or a device without float32 render targets):
 * every value a program reads from another is rounded to float16 (2^-11 ≈ 4.9e-4 relative), the
 * logits included, so s is off by up to 2^-11·|s| before any arithmetic, and a loss that is far smaller
 * than its terms (a confident target) by about that much of them (perLossTerm; measured 9.4e-5).
 */
export const WEBGL_F16_TOLERANCE: Tolerance =
    {rtol: 4e-3, atol: 2e-3, perLogit: 1e-3, perTerm: 2e-3, perLossTerm: 1e-3};

/**
 * webgpu, in Chromium only: WGSL's widest float is f32 too (storage buffers hold float32, so no float16
 * mode), with f32 exp and log, so the same error sources as webgl with float32 textures: s − lse to an
 * ulp of the largest |s|, a gradient entry to a few ulps of its terms, sums in f32 blocks. WGSL asks
 * exp and log for the accuracy GLSL ES 3.0 does (exp 3 + 2·|x| ulp; log 3 ulp, 2^-21 absolute near 1),
 * so this starts from WEBGL_TOLERANCE's numbers, perLossTerm included (the confident T = 1.7 case needs
 * 1.5e-9 here).
 */
export const WEBGPU_TOLERANCE: Tolerance = WEBGL_TOLERANCE;

/**
 * Sigmoid on webgl with float32 textures, in Chromium (test/browser.test.ts): each entry in float32
 * shader arithmetic (exp and log1p written out: GLSL's exp may err by 3 + 2·|x| ulps), the reduced
 * loss a compensated float32 sum. So wasm SIMD's sources: a few float32 ulps of an entry, more at a
 * large γ (rtol; measured 6.2e-7 at γ = 5), an ulp or two of the terms where a gradient cancels
 * (perTerm; measured 9.4e-8 of them, at the 10^6-entry mean), no perLabel; and GPUs flush subnormals,
 * so a value below 2^-126 ≈ 1.2e-38, or one formed from such an intermediate, may read 0 or lose its
 * low digits (absolute 2·2^-126; measured 4.5e-39). Measured on SwiftShader.
 */
export const WEBGL_SIGMOID_TOLERANCE: SigmoidTolerance =
    {rtol: 1e-6, atol: 0, perTerm: 2e-7, perLossTerm: 0, absolute: 2.4e-38};

/**
 * Sigmoid on webgl with float16 textures, checked against the reference of what the textures hold
 * (sigmoid_parity.ts sigmoidCaseReference(c, true): inputs rounded to float16, the outputs too): the
 * inputs' rounding is far larger than any arithmetic (a label of 0.998 is off by 2.4e-4, 11% of
 * 1 − y), so against the float32 inputs' reference the bound would be the inputs' sensitivity, not the
 * kernel's accuracy. What remains is the outputs' own float16 rounding: an ulp, 2^-10 at the bottom of
 * a binade (rtol; measured 9.6e-4), and below 2^-14 float16's subnormal step 2^-24 (absolute; measured
 * one step, 6.0e-8). ±∞ inputs are not run (tfjs's float16 textures do not keep them).
 */
export const WEBGL_F16_SIGMOID_TOLERANCE: SigmoidTolerance =
    {rtol: 2e-3, atol: 0, perTerm: 0, perLossTerm: 0, absolute: 1.2e-7};

/**
 * Sigmoid on webgpu, in Chromium: f32 storage and WGSL arithmetic, the same error sources as webgl
 * with float32 textures and the same bound (measured on SwiftShader: rtol 6.2e-7 at γ = 5, perTerm
 * 9.4e-8 of the terms at the 10^6-entry mean, flushed subnormals).
 */
export const WEBGPU_SIGMOID_TOLERANCE: SigmoidTolerance = WEBGL_SIGMOID_TOLERANCE;

export const BACKENDS: BackendUnderTest[] = [CPU, COMPOSITE, WASM];
