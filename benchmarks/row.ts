/**
 * What the benchmark measures, as plain data: one Row per backend, shape and method. No tfjs here, so
 * the report (markdown.ts, chart.ts) and its test load without a backend or dist/.
 */

/** Loss only (forward) or value and gradient. Speedups compare methods of the same kind. */
export type Kind = 'loss' | 'value-and-grad';

/**
 * Which computation: tfjs's tf.losses.softmaxCrossEntropy (the baseline of every speedup), tfjs-layers'
 * sparseCategoricalCrossentropy, or ours: the op (forward), the op under tf.valueAndGrad (the tape:
 * forward and backward kernels), softmaxCrossEntropyWithGrad (one loss-and-grad kernel).
 */
export type MethodId = 'tf.losses' | 'tfjs-layers' | 'fused' | 'fused tape' | 'fused loss-and-grad';

export const BASELINE: MethodId = 'tf.losses';

export interface Row {
  /** tfjs's backend name, with " (Chromium)" for cpu and wasm run in the page (webgl and webgpu run only there) */
  backend: string;
  shape: [number, number];
  kind: Kind;
  method: MethodId;
  /** what exactly runs, for the table */
  label: string;
  medianMs: number;
  /** steps per timed run: more than 1 where one step lasts under 2 ms (the timer's resolution) */
  reps: number;
  /** the tf.losses median of the same kind / this median, measured in the same run */
  speedup: number;
  /** bytes a perfect kernel must move: read the logits and the class ids, and write the gradient if any */
  minBytes: number;
  /** minBytes / medianMs, in GB/s (10^9 bytes) */
  gbps: number;
  /** median of one copy of the logits on the same backend, timed in the same rotation */
  copyMs: number;
  /** the copy's read and write bytes / copyMs, in GB/s: the bandwidth floor the kernels are held to */
  copyGbps: number;
  /** this median / copyMs */
  vsCopy: number;
  /** logits bytes + the most the step holds at once beyond its inputs (tf.profile peakBytes − bytes before) */
  peakBytes: number;
  /** peakBytes / (logits bytes, + gradient bytes for value-and-grad): 1.00 means no temporaries */
  peakRatio: number;
  /** kernels tf.profile records, without Identity (the tape's reference to a saved tensor: no compute) */
  kernels: number;
  identities: number;
}

/** Facts about where one backend ran, for the report's header. */
export interface BackendFacts {
  backend: string;
  /** 'Node' or 'Chromium <version>' */
  runtime: string;
  /** what tfjs reports about the backend: wasm build and threads, WebGL renderer, WebGPU adapter */
  details: string;
}

export const GB = 1e9;

/** benchmarks/results/latest.json: one `npm run bench`. */
export interface Report {
  /** ISO 8601, when the run started */
  date: string;
  /** the options as given on the command line ('' for the defaults) */
  args: string;
  runs: number;
  warmupRounds: number;
  shapes: Array<[number, number]>;
  totalSeconds: number;
  machine: {cpu: string, cores: number, memoryGiB: number, os: string, node: string, tfjs: string};
  /** Chromium's user agent, if any backend ran there */
  userAgent?: string;
  backends: BackendFacts[];
  rows: Row[];
}
