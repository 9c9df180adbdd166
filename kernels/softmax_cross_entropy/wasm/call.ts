/**
 * The host side of one wasm kernel call: checks the class ids (they are in wasm memory, so on the CPU:
 * a bad id throws, naming the row, as on cpu), then hands the module the inputs' heap offsets and
 * the attributes. No data is copied.
 */
import {REDUCTION} from '../../../backends/wasm/call.js';
import {kernelModule, KernelModule, memoryOf, offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import {checkClassIds, SoftmaxCrossEntropyAttrs, SoftmaxCrossEntropyInputs} from '../contract.js';

export function setUpCall(backend: WasmBackend, inputs: SoftmaxCrossEntropyInputs, attrs: SoftmaxCrossEntropyAttrs):
    KernelModule {
  const m = kernelModule(backend);
  const {logits, labels, classWeights} = inputs;
  const K = logits.shape[logits.shape.length - 1];
  const N = K === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / K;
  const ids = labels.dtype === 'int32';
  if (ids && N > 0) {
    checkClassIds(new Int32Array(memoryOf(backend).buffer, offsetOf(backend, labels), N), N, K, attrs.ignoreIndex);
  }
  m.setProblem(offsetOf(backend, logits), offsetOf(backend, labels), offsetOf(backend, classWeights), N, K, ids);
  // (absent attrs, from a caller of runKernel that predates them, mean off)
  m.setOptions(attrs.labelSmoothing, attrs.temperature, attrs.zLoss, attrs.ignoreIndex, REDUCTION[attrs.reduction],
      attrs.focalGamma ?? 0, attrs.softcap ?? 0, attrs.labelSmoothingOver === 'others');
  return m;
}
