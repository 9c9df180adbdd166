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
