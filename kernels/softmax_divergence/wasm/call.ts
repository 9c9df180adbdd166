/**
 * The host side of one divergence wasm kernel call: hands the module the inputs' heap offsets, N and
 * K, and the attributes. No data is copied, and nothing is checked here: the kernels find non-finite
 * input themselves (contract.ts).
 */
import {REDUCTION} from '../../../backends/wasm/call.js';
import {kernelModule, KernelModule, offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import type {DivergenceKind, SoftmaxDivergenceAttrs, SoftmaxDivergenceInputs} from '../contract.js';

/** The module's code for each kind (assembly/problem.ts). */
export const KIND: Record<DivergenceKind, number> = {klProbabilities: 0, klLogits: 1, entropy: 2};

/** Sets the module's problem and options for the next divergence kernel call; returns the module. */
export function setUpDivergenceCall(backend: WasmBackend, inputs: SoftmaxDivergenceInputs,
    attrs: SoftmaxDivergenceAttrs): KernelModule {
  const m = kernelModule(backend);
  const {logits, targets} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / K;
  // entropy reads only the logits (the op passes them again as targets)
  const t = attrs.kind === 'entropy' ? logits : targets;
  m.divergenceSetProblem(offsetOf(backend, logits), offsetOf(backend, t), N, K);
  m.divergenceSetOptions(KIND[attrs.kind], attrs.temperature, attrs.targetTemperature, attrs.scale,
      REDUCTION[attrs.reduction]);
  return m;
}
