/**
 * The backends the parity table runs on, with the tolerance each one's precision earns. Adding a
 * backend is one line in BACKENDS.
 */
import * as tf from '@tensorflow/tfjs-core';
import {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import {KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract';
import {SIGMOID_KERNEL_NAMES} from '../kernels/sigmoid_cross_entropy/contract';
import {DIVERGENCE_KERNEL_NAMES} from '../kernels/softmax_divergence/contract';
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

/**
 * The divergence table's bound (test/divergence_parity.ts), per entry: |got − ref| ≤ rtol·|ref| +
 * (atol + perSpread·M + perLogit·L)·scale + (perTerm + perTermLse·lse)·terms + absolute for a gradient entry, with
 * perLossTerm·lossTerms in place of the terms for a loss. scale is the largest finite |ref| in the
 * compared array; M the case's largest row spread max_c |s_c − max s| (student's or teacher's), which is
 * what max-shifted float32 arithmetic errs by an ulp of (rows offset by 1000 stay exact: their spread
 * is small); terms and lse the reference's per-entry gradTerms and entryLse (divergence_reference.ts:
 * the first-order size of what the entry is formed from, so an entry that cancels, P ≈ p, is bounded
 * by an ulp of its own terms, not of its row's largest); lossTerms likewise per loss entry.
 */
export interface DivergenceTolerance {
  rtol: number; atol: number; perSpread: number; perTerm: number; perTermLse: number; perLossTerm: number;
  /**
   * Times the case's largest finite |s_c| or |u_c| (and scale), in place of the spread, for arithmetic
   * that is not max-shifted (the composite's float32 lse: an ulp of |lse| in every log p). 0 if absent.
   */
  perLogit?: number;
  /** An absolute floor (0 if absent): float32's subnormal step, or float16's. */
  absolute?: number;
}

export interface BackendUnderTest {
  name: string;
  /** Makes the backend active (registering it first if needed). */
  setup(): Promise<void>;
  tolerance: Tolerance;
  /** The sigmoid family's bound (its own precision story: see each backend's SIGMOID_* constant). */
  sigmoidTolerance: SigmoidTolerance;
  /** The divergence family's bound (see each backend's DIVERGENCE_* constant). */
  divergenceTolerance: DivergenceTolerance;
}

/**
 * Divergences on cpu (and the scalar wasm build): float64 throughout, outputs rounded to float32 once
 * (half an ulp, 2^-25 ≈ 3e-8 relative; rtol allows four, for exp's and log's few float64 ulps on the
 * way), below float32's normal range its subnormal step (absolute). Where an entry cancels (P ≈ p, a
 * teacher equal to the student, a uniform row's entropy) float64 errs by a few of its ulps of the terms
 * (perTerm, perLossTerm 1e-15 ≈ 4.5 float64 ulps); the backward kernel reads lse (and the teacher's lse,
 * or H) as float32 pairs, good to 2^-48 ≈ 3.6e-15 of themselves, which p = exp(s − lse) carries
 * (perTermLse, as cross-entropy's).
 */
export const DIVERGENCE_CPU_TOLERANCE: DivergenceTolerance =
    {rtol: 1.2e-7, atol: 0, perSpread: 0, perTerm: 1e-15, perTermLse: 4e-15, perLossTerm: 1e-15, absolute: 1.5e-45};

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
  divergenceTolerance: DIVERGENCE_CPU_TOLERANCE,
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
/**
 * Divergences through the composite fallback (ops/divergence_composite.ts): stock tfjs float32 ops, a
 * rounding per op. log p = s − lse and log P are float32, lse itself rounded to an ulp of |lse| (not
 * max-shifted: perLogit, as cross-entropy's composite; rows offset by 1000 are not exact here), and
 * an exp of them carries that as a relative error of (1 + |log p|) ulps (gradTerms and lossTerms hold
 * those factors): so each output is good to a few float32 ulps of its terms (perTerm 4 ulps; a loss
 * term takes some five float32 operations, perLossTerm 10 ulps: measured 6.6 where P = float32(p)),
 * of the spread (perSpread: 2 ulps), and of its own size (rtol: 8, the sums of K float32 terms).
 */
export const DIVERGENCE_COMPOSITE_TOLERANCE: DivergenceTolerance = {rtol: 5e-7, atol: 0, perSpread: 1.2e-7,
  perLogit: 2e-7, perTerm: 2.4e-7, perTermLse: 0, perLossTerm: 6e-7, absolute: 1.5e-45};

const COMPOSITE: BackendUnderTest = {
  name: 'composite (cpu without fused kernels)',
  setup: async () => {
    const name = 'cpu-composite';
    if (tf.findBackend(name) == null) {
      tf.registerBackend(name, () => new MathBackendCPU());
      const fused: readonly string[] = [...KERNEL_NAMES, ...SIGMOID_KERNEL_NAMES, ...DIVERGENCE_KERNEL_NAMES];
      for (const k of tf.getKernelsForBackend('cpu')) {
        if (!fused.includes(k.kernelName)) tf.registerKernel({...k, backendName: name});
      }
    }
    await tf.setBackend(name);
  },
  tolerance: {rtol: 2e-5, atol: 2e-6, perLogit: 2e-7, perTerm: 3e-7, perLossTerm: 2e-8},
  sigmoidTolerance: SIGMOID_COMPOSITE_TOLERANCE,
  divergenceTolerance: DIVERGENCE_COMPOSITE_TOLERANCE,
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
/**
 * Divergences on the wasm SIMD builds: the cross-entropy kernels' split (exps on four float32 lanes,
 * every sum, lse and the loss in float64, gradient lanes in float32), so cpu's bound on losses, and on
 * a gradient entry an ulp or two of its terms where it cancels (perTerm 2 float32 ulps: p_j and P_j
 * formed from float32 exps, as cross-entropy's perTerm) and an ulp of the spread in an exp argument
 * (perSpread).
 */
export const DIVERGENCE_WASM_TOLERANCE: DivergenceTolerance =
    {rtol: 5e-7, atol: 0, perSpread: 6e-8, perTerm: 1.2e-7, perTermLse: 4e-15, perLossTerm: 1.2e-7, absolute: 1.5e-45};

export const WASM: BackendUnderTest = {
  name: 'wasm (SIMD)',
  setup: () => setUpWasm(true, 'simd'),
  tolerance: {rtol: 5e-7, atol: 2e-7, perLogit: 0, perTerm: 1.2e-7, perTermLse: 4e-15},
  sigmoidTolerance: SIGMOID_WASM_TOLERANCE,
  divergenceTolerance: DIVERGENCE_WASM_TOLERANCE,
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
  divergenceTolerance: DIVERGENCE_CPU_TOLERANCE,
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

/**
 * Divergences on webgl with float32 textures and on webgpu, in Chromium: float32 shader arithmetic
 * (GLSL and WGSL have nothing wider), max-shifted: d_c = (u_c − m_u) − (s_c − m_s) and every exp
 * argument to an ulp or two of the spread (perSpread), p and P from float32 exps whose relative error
 * (1 + |log p|) ulps the terms carry, sums in float32 blocks (rtol, as cross-entropy's 2e-6): an entry
 * that cancels to 4 ulps of its terms (perTerm and perLossTerm, as cross-entropy's perTerm 2.5e-7);
 * the saved lse pairs are float32 pairs there too (their 2^-48 is far inside perTerm). GPUs flush
 * subnormals (absolute 2·2^-126, as the sigmoid table's).
 */
export const DIVERGENCE_WEBGL_TOLERANCE: DivergenceTolerance =
    {rtol: 2e-6, atol: 0, perSpread: 1.2e-7, perTerm: 2.5e-7, perTermLse: 0, perLossTerm: 2.5e-7, absolute: 2.4e-38};

/** webgpu: f32 storage and arithmetic, the same error sources as webgl with float32 textures. */
export const DIVERGENCE_WEBGPU_TOLERANCE: DivergenceTolerance = DIVERGENCE_WEBGL_TOLERANCE;

/**
 * Divergences on webgl with float16 textures, against the reference of the float16 values the textures
 * hold (divergence_parity.ts divergenceCaseReference(c, true): inputs and outputs rounded to float16,
 * as the sigmoid table does): what remains is the rounding of every value one program hands the next
 * (2^-11 ≈ 4.9e-4 relative: row statistics, lse), which an exp argument carries as an absolute error of
 * that much of the spread (perSpread), a gradient entry of its terms (perTerm), and the outputs' own
 * rounding (rtol 2^-10, absolute float16's subnormal step 2^-24 twice).
 */
export const DIVERGENCE_WEBGL_F16_TOLERANCE: DivergenceTolerance =
    {rtol: 2e-3, atol: 0, perSpread: 1e-3, perTerm: 2e-3, perTermLse: 0, perLossTerm: 2e-3, absolute: 1.2e-7};

export const BACKENDS: BackendUnderTest[] = [CPU, COMPOSITE, WASM];
