/**
 * The host side of one sigmoid wasm kernel call: hands the module the inputs' heap offsets, the
 * number of entries M and of columns C, and the attributes. No data is copied, and nothing is checked
 * here: the kernels see no input they could find wrong (labels' range is the op's, validateLabels).
 */
import {util} from '@tensorflow/tfjs-core';
import {REDUCTION} from '../../../backends/wasm/call.js';
import {kernelModule, KernelModule, offsetOf, WasmBackend} from '../../../backends/wasm/module.js';
import {columns, SigmoidCrossEntropyAttrs, SigmoidCrossEntropyInputs} from '../contract.js';

/** Sets the module's problem and options for the next sigmoid kernel call; returns the module. */
export function setUpSigmoidCall(backend: WasmBackend, inputs: SigmoidCrossEntropyInputs,
    attrs: SigmoidCrossEntropyAttrs): KernelModule {
  const m = kernelModule(backend);
  const {logits, labels, posWeight, classWeights} = inputs;
  m.setSigmoidProblem(offsetOf(backend, logits), offsetOf(backend, labels), offsetOf(backend, posWeight),
      offsetOf(backend, classWeights), util.sizeFromShape(logits.shape), columns(logits.shape));
  m.setSigmoidOptions(attrs.labelSmoothing, attrs.focalGamma, attrs.focalAlpha, attrs.posWeighted,
      attrs.classWeighted, REDUCTION[attrs.reduction]);
  return m;
}
