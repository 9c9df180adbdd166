/**
 * What the benchmark measures, as plain data: one Row per backend, shape and method. No tfjs here, so
 * the report (markdown.ts, chart.ts) and its test load without a backend or dist/.
 */

/** Loss only (forward) or value and gradient. Speedups compare methods of the same kind. */
export type Kind = 'loss' | 'value-and-grad';

/**
 * Which loss a row computes: softmax cross-entropy, sigmoid cross-entropy, the sigmoid focal loss
 * (γ = 2, α = 0.25, RetinaNet's), and softmax cross-entropy's relatives: the softmax focal loss (γ = 2,
 * α = 0.25, Keras' CategoricalFocalCrossentropy), KL divergence to probabilities, distillation (T = 2)
 * and entropy. Each has its own baseline, and its own rows in every table.
 */
export type Loss = 'softmax' | 'sigmoid' | 'focal' | 'softmax-focal' | 'kl' | 'distillation' | 'entropy';

/**
 * What --loss selects: the softmax rows, the sigmoid rows (cross-entropy and focal, on the same
 * inputs), or the relatives' rows (softmax focal, KL, distillation, entropy).
 */
export type Family = 'softmax' | 'sigmoid' | 'relatives';

export const FAMILIES: Family[] = ['softmax', 'sigmoid', 'relatives'];

/**
 * Every --loss name: the families above (the default), and 'linear', the fused LM head's rows (their
 * own rows and report: LinearRow, LinearReport), which run only when asked for.
 */
export type LossFamily = Family | 'linear';

export const LOSS_FAMILIES: LossFamily[] = [...FAMILIES, 'linear'];

const RELATIVES: Loss[] = ['softmax-focal', 'kl', 'distillation', 'entropy'];

export const familyOf = (loss: Loss): Family =>
  (loss === 'softmax' ? 'softmax' : RELATIVES.includes(loss) ? 'relatives' : 'sigmoid');

/**
 * Which computation: tfjs's tf.losses op of the loss (the baseline), tfjs-layers' loss
 * (sparseCategoricalCrossentropy, binaryCrossentropy), the loss written in tfjs ops (the baseline of
 * the losses tfjs has no op for), or ours: the op (forward), the op under tf.valueAndGrad (the tape:
 * forward and backward kernels), the *WithGrad op (one loss-and-grad kernel); and, in the relatives'
 * rows, plain softmaxCrossEntropyWithGrad on the same logits (class ids), what distillation's
 * loss-and-grad is held to.
 */
export type MethodId = 'tf.losses' | 'tfjs-layers' | 'tfjs ops' | 'fused' | 'fused tape' | 'fused loss-and-grad' |
  'softmax loss-and-grad';

/** The method every speedup of a loss is measured against. */
export const BASELINE: Record<Loss, MethodId> = {softmax: 'tf.losses', sigmoid: 'tf.losses', focal: 'tfjs ops',
  'softmax-focal': 'tfjs ops', kl: 'tfjs ops', distillation: 'tfjs ops', entropy: 'tfjs ops'};

export interface Row {
  /** tfjs's backend name, with " (Chromium)" for cpu and wasm run in the page (webgl and webgpu run only there) */
  backend: string;
  shape: [number, number];
  loss: Loss;
  kind: Kind;
  method: MethodId;
  /** what exactly runs, for the table */
  label: string;
  medianMs: number;
  /** timed runs the median is of (fewer for a slow step of the sigmoid rows: Report.slowRuns) */
  runs: number;
  /** steps per timed run: more than 1 where one step lasts under 2 ms (the timer's resolution) */
  reps: number;
  /** the baseline's median (BASELINE[loss]) of the same kind / this median, measured in the same run */
  speedup: number;
  /**
   * bytes a perfect kernel must move: read the logits and the labels (softmax: the class ids), and write
   * the gradient if any
   */
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
  /**
   * timed runs of a sigmoid row's step whose first timed run took a second or more (cpu's and the GPU
   * backends' built-ins; the softmax rows always take `runs`)
   */
  slowRuns: number;
  warmupRounds: number;
  /** the shapes of each family that ran */
  shapes: Partial<Record<Family, Array<[number, number]>>>;
  totalSeconds: number;
  machine: {cpu: string, cores: number, memoryGiB: number, os: string, node: string, tfjs: string};
  /** Chromium's user agent, if any backend ran there */
  userAgent?: string;
  backends: BackendFacts[];
  rows: Row[];
}

// ---------------------------------------------------------------------------------------------------
// The linear head's rows (--loss linear): value-and-grad of softmaxCrossEntropy(hidden·W + b, labels)
// ---------------------------------------------------------------------------------------------------

/**
 * The fused op (linearCrossEntropyWithGrad, and linearCrossEntropy under tf.valueAndGrads), our
 * unfused head (the [N, V] logits and softmaxCrossEntropyWithGrad) and tf.losses.softmaxCrossEntropy
 * under tf.valueAndGrads (benchmarks/linear_methods.ts).
 */
export type LinearMethodId = 'fused loss-and-grad' | 'fused tape' | 'unfused ours' | 'tf.losses';

export interface LinearRow {
  backend: string;
  /** [N tokens, H, V] */
  shape: [number, number, number];
  method: LinearMethodId;
  label: string;
  /** the op's default chunk plan on this backend (planChunks) */
  plan: {chunkRows: number, chunks: number};
  /** median of timesMs; absent when the method failed or did not run */
  medianMs?: number;
  /** every timed run, ms, in the order they ran */
  timesMs: number[];
  /** timed runs (timesMs.length) */
  runs: number;
  /** the one timed run is the warm-up run under the profiler (a step of minutes: LinearJob.probeOnlyMs) */
  warmupTimed?: boolean;
  /** the warm-up run, under the profiler (its overhead, and on GPUs shader compiles, included) */
  firstMs?: number;
  /** tf.profile's peakBytes − tf.memory().numBytes before the step: the most the step held beyond its inputs, outputs included */
  peakBytes?: number;
  /** the same counted in the backend's buffers (a view, such as a reshape, adds nothing) */
  bufferPeakBytes?: number;
  /** kernels tf.profile recorded, Identity left out */
  kernels?: number;
  /** the largest relative difference of the loss and sampled gradient entries from 'unfused ours' */
  maxRelDiff?: number;
  /** 'out of memory: <the error>', or 'failed: <the error>' */
  error?: string;
  /**
   * this row is the method run alone in a fresh process or page, after it failed (this error) when run
   * after the other methods in one: its time was not measured side by side with theirs
   */
  alone?: string;
}

/** The line of a full GPT-2 batch: the fused head's peak memory, measured (one run) or computed from the plan. */
export interface LinearPeakLine {
  backend: string;
  shape: [number, number, number];
  plan: {chunkRows: number, chunks: number};
  measured: boolean;
  ms?: number;
  peakBytes?: number;
  bufferPeakBytes?: number;
  /** inputs' bytes (h, W, b, labels), for the total */
  inputBytes: number;
  /** from the plan: dW + dh + db + two chunks of logits */
  computedBytes: number;
  error?: string;
}

export interface LinearReport {
  date: string;
  args: string;
  /** --note: what else the reader should know about the run */
  note?: string;
  /** timed runs: of a step under 1 s, of a slower one, of one over 20 s (each row says how many it had) */
  runs: number;
  slowRuns: number;
  slowerRuns: number;
  totalSeconds: number;
  machine: {cpu: string, cores: number, memoryGiB: number, os: string, node: string, tfjs: string};
  /** the machine's 1-minute load average at the start and the end (other work on the machine slows every method alike) */
  load: [number, number];
  userAgent?: string;
  backends: BackendFacts[];
  rows: LinearRow[];
  /** a backend and shape not run, and why */
  skipped: Array<{backend: string, shape: [number, number, number], reason: string}>;
  fullBatch: LinearPeakLine[];
}
