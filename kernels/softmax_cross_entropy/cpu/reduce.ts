/** The loss output of the forward and loss-and-grad cpu kernels, from per-row losses. */
import type {Reduction} from '../contract.js';

/** Per-row losses are written into `rows` for 'none'; otherwise the caller sums into `total`. */
export function lossValues(reduction: Reduction, rows: Float32Array, total: number, denominator: number): Float32Array {
  if (reduction === 'none') return rows;
  if (reduction === 'sum') return Float32Array.of(total);
  return Float32Array.of(denominator === 0 ? 0 : total / denominator);
}
