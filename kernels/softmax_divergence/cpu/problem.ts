/** The cpu divergence kernels' view of one call: typed arrays of the inputs and the per-call constants. */
import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import type {DivergenceKind, SoftmaxDivergenceAttrs, SoftmaxDivergenceInputs} from '../contract.js';

export interface Problem {
  z: Float32Array;     // logits, N×K row-major
  t: Float32Array;     // targets: probabilities, teacher logits, or (entropy) the logits again, unread
  rows: number;        // N
  classes: number;     // K
  kind: DivergenceKind;
  invT: number;        // 1 / temperature
  invTt: number;       // 1 / targetTemperature ('klLogits')
}

export function values(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

export function readProblem(
    backend: MathBackendCPU, inputs: SoftmaxDivergenceInputs, attrs: SoftmaxDivergenceAttrs): Problem {
  const {logits, targets} = inputs;
  const classes = logits.shape[logits.shape.length - 1];
  const rows = classes === 0 ? 0 : logits.shape.reduce((a, b) => a * b, 1) / classes;
  return {
    z: values(backend, logits), t: values(backend, targets), rows, classes, kind: attrs.kind,
    invT: 1 / attrs.temperature, invTt: 1 / attrs.targetTemperature,
  };
}

/** The loss output from per-row losses (unscaled; `total` their float64 sum): scaled, then reduced. */
export function lossValues(attrs: SoftmaxDivergenceAttrs, perRow: Float32Array, total: number, rows: number):
    Float32Array {
  if (attrs.reduction === 'none') return perRow;
  const sum = attrs.scale * total;
  if (attrs.reduction === 'sum') return Float32Array.of(sum);
  return Float32Array.of(rows === 0 ? 0 : sum / rows);
}
