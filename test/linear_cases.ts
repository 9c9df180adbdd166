/**
 * The case table of the fused linear head (linearCrossEntropy), shared by Node's tests and the
 * browser's. Cases are data: a shape (hidden's leading axes, H, V), the weight layout, whether there is
 * a bias, the options, which rows are ignored, and a seed; linearInputs makes the same inputs from
 * them everywhere.
 */
import {randn, rng} from './rng';

/** The options of a case: every loss option of softmaxCrossEntropy as plain values, and the chunking. */
export interface LinearCaseOptions {
  reduction?: 'none' | 'sum' | 'mean';
  labelSmoothing?: number;
  labelSmoothingOver?: 'all' | 'others';
  classWeights?: number[];
  ignoreIndex?: number;
  temperature?: number;
  zLoss?: number;
  focalGamma?: number;
  softcap?: number;
  validateLabels?: boolean;
  chunkRows?: number;
  chunkBytes?: number;
}

export interface LinearCase {
  name: string;
  /** hidden's leading shape (the rows); N is its product. */
  rows: number[];
  H: number;
  V: number;
  /** A bias [V] is passed as options.bias. */
  bias: boolean;
  /** weight is [V, H] (a tied embedding) and options.transposeWeight is true; else [H, V]. */
  transposeWeight: boolean;
  options: LinearCaseOptions;
  /** Flat row indices whose label is options.ignoreIndex (-100 when not given). */
  ignoredRows?: number[];
  seed: number;
}

export interface LinearInputs {
  /** [...rows, H] row-major, ~N(0, 1). */
  hidden: Float32Array;
  /** [H, V], or [V, H] with transposeWeight, row-major, ~N(0, 1/H): logits of about unit scale. */
  weight: Float32Array;
  /** [V], ~N(0, 0.5²), when the case has a bias. */
  bias?: Float32Array;
  /** [...rows] class ids in [0, V), ignoreIndex at ignoredRows. */
  labels: Int32Array;
  /** [...rows] upstream gradients for reduction 'none': ~N(0, 1), different on every row (some negative). */
  dy: Float32Array;
}

export const rowCount = (c: LinearCase): number => c.rows.reduce((a, b) => a * b, 1);

/** Class weights for V classes from a seed: in [0.25, 2.25), one class (the 2nd, when V > 2) weighted 0. */
function classWeights(V: number, seed: number): number[] {
  const next = rng(seed);
  const w: number[] = [];
  for (let c = 0; c < V; c++) w.push(Math.round((0.25 + 2 * next()) * 64) / 64);
  if (V > 2) w[1] = 0;
  return w;
}

const range = (from: number, to: number) => Array.from({length: to - from}, (_, i) => from + i);

const W50 = classWeights(50, 7);
const W64 = classWeights(64, 8);
const W101 = classWeights(101, 9);
const W1009 = classWeights(1009, 10);
const W1 = [1.5];

// Option values chosen to matter at logits of unit scale: a softcap of 1.5 bends most logits, T = 0.7
// sharpens, zLoss 0.05 is not lost beside the loss.
const SMOOTH = {labelSmoothing: 0.1};
const ALL = {labelSmoothing: 0.15, temperature: 0.7, zLoss: 0.05};

export const LINEAR_CASES: LinearCase[] = [
  // reductions, plain
  {name: 'mean [12] H16 V50', rows: [12], H: 16, V: 50, bias: false, transposeWeight: false, options: {}, seed: 1},
  {name: 'sum [12] H16 V50', rows: [12], H: 16, V: 50, bias: false, transposeWeight: false,
    options: {reduction: 'sum'}, seed: 2},
  {name: 'none [12] H16 V50', rows: [12], H: 16, V: 50, bias: false, transposeWeight: false,
    options: {reduction: 'none'}, seed: 3},
  // layouts and bias
  {name: 'bias mean [12] H16 V50', rows: [12], H: 16, V: 50, bias: true, transposeWeight: false, options: {}, seed: 4},
  {name: 'tied mean [12] H16 V50', rows: [12], H: 16, V: 50, bias: false, transposeWeight: true, options: {}, seed: 5},
  {name: 'tied bias sum [12] H16 V50', rows: [12], H: 16, V: 50, bias: true, transposeWeight: true,
    options: {reduction: 'sum'}, seed: 6},
  {name: 'tied bias none [12] H16 V50', rows: [12], H: 16, V: 50, bias: true, transposeWeight: true,
    options: {reduction: 'none', chunkRows: 5}, seed: 7},
  // every option alone
  {name: 'labelSmoothing 0.1', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {...SMOOTH}, seed: 10},
  {name: 'labelSmoothing 0.2 over others', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {labelSmoothing: 0.2, labelSmoothingOver: 'others'}, seed: 11},
  {name: 'classWeights mean', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {classWeights: W64}, seed: 12},
  {name: 'classWeights sum', rows: [20], H: 12, V: 64, bias: true, transposeWeight: false,
    options: {classWeights: W64, reduction: 'sum'}, seed: 13},
  {name: 'ignoreIndex default (-100)', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {chunkRows: 6}, ignoredRows: [0, 5, 6, 13, 19], seed: 14},
  {name: 'ignoreIndex -1 none', rows: [20], H: 12, V: 64, bias: true, transposeWeight: false,
    options: {ignoreIndex: -1, reduction: 'none', chunkRows: 6}, ignoredRows: [2, 3, 11], seed: 15},
  {name: 'ignoreIndex in range (3)', rows: [20], H: 12, V: 64, bias: false, transposeWeight: true,
    options: {ignoreIndex: 3, chunkRows: 7}, ignoredRows: [1, 8, 9, 17], seed: 16},
  {name: 'temperature 0.7', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {temperature: 0.7}, seed: 17},
  {name: 'temperature 2.5 sum', rows: [20], H: 12, V: 64, bias: true, transposeWeight: false,
    options: {temperature: 2.5, reduction: 'sum'}, seed: 18},
  {name: 'zLoss 0.05', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {zLoss: 0.05}, seed: 19},
  {name: 'focalGamma 2', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {focalGamma: 2}, seed: 20},
  {name: 'focalGamma 0.5 none', rows: [20], H: 12, V: 64, bias: false, transposeWeight: true,
    options: {focalGamma: 0.5, reduction: 'none'}, seed: 21},
  {name: 'softcap 1.5', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {softcap: 1.5}, seed: 22},
  {name: 'softcap 3 bias sum', rows: [20], H: 12, V: 64, bias: true, transposeWeight: false,
    options: {softcap: 3, reduction: 'sum'}, seed: 23},
  {name: 'validateLabels', rows: [20], H: 12, V: 64, bias: false, transposeWeight: false,
    options: {validateLabels: true}, ignoredRows: [4], seed: 24},
  // combinations
  {name: 'smoothing, weights, ignore, T, zLoss mean', rows: [30], H: 10, V: 101, bias: true, transposeWeight: false,
    options: {...ALL, classWeights: W101, ignoreIndex: -1, chunkRows: 7}, ignoredRows: [0, 7, 8, 29], seed: 30},
  {name: 'smoothing, weights, ignore, T, zLoss none tied', rows: [30], H: 10, V: 101, bias: true, transposeWeight: true,
    options: {...ALL, classWeights: W101, reduction: 'none', chunkRows: 9}, ignoredRows: [3, 4], seed: 31},
  {name: 'focal, softcap, smoothing over others sum', rows: [30], H: 10, V: 101, bias: false, transposeWeight: false,
    options: {focalGamma: 1.5, softcap: 2, labelSmoothing: 0.1, labelSmoothingOver: 'others', reduction: 'sum',
      chunkRows: 8}, ignoredRows: [10], seed: 32},
  {name: 'everything mean tied', rows: [30], H: 10, V: 101, bias: true, transposeWeight: true,
    options: {...ALL, classWeights: W101, focalGamma: 1, softcap: 4, labelSmoothingOver: 'others', ignoreIndex: 5,
      validateLabels: true, chunkRows: 11}, ignoredRows: [2, 20, 21], seed: 33},
  {name: 'everything none', rows: [30], H: 10, V: 101, bias: true, transposeWeight: false,
    options: {...ALL, classWeights: W101, focalGamma: 2, softcap: 2.5, reduction: 'none', chunkRows: 4},
    ignoredRows: [0, 1, 29], seed: 34},
  // every row ignored: the mean's D = 0 gives 0 and zero gradients
  {name: 'all rows ignored mean', rows: [9], H: 8, V: 50, bias: true, transposeWeight: false,
    options: {chunkRows: 4}, ignoredRows: range(0, 9), seed: 40},
  {name: 'all rows ignored weights sum', rows: [9], H: 8, V: 50, bias: false, transposeWeight: true,
    options: {classWeights: W50, reduction: 'sum', chunkRows: 4}, ignoredRows: range(0, 9), seed: 41},
  {name: 'all rows ignored none', rows: [9], H: 8, V: 50, bias: true, transposeWeight: false,
    options: {reduction: 'none', ignoreIndex: -1, zLoss: 0.1}, ignoredRows: range(0, 9), seed: 42},
  // chunking: N not a multiple of chunkRows, one-row chunks, one chunk bigger than N, chunkBytes
  {name: 'N = 37 chunkRows 8 mean', rows: [37], H: 16, V: 200, bias: true, transposeWeight: false,
    options: {chunkRows: 8}, seed: 50},
  {name: 'N = 37 chunkRows 8 tied sum', rows: [37], H: 16, V: 200, bias: false, transposeWeight: true,
    options: {chunkRows: 8, reduction: 'sum', labelSmoothing: 0.05}, ignoredRows: [36], seed: 51},
  {name: 'N = 37 chunkRows 8 none', rows: [37], H: 16, V: 200, bias: true, transposeWeight: true,
    options: {chunkRows: 8, reduction: 'none'}, ignoredRows: [8, 16], seed: 52},
  {name: 'chunkRows 1', rows: [7], H: 6, V: 30, bias: true, transposeWeight: false,
    options: {chunkRows: 1, classWeights: classWeights(30, 11)}, seed: 53},
  {name: 'chunkRows > N', rows: [7], H: 6, V: 30, bias: false, transposeWeight: false,
    options: {chunkRows: 1000, reduction: 'sum'}, seed: 54},
  {name: 'chunkBytes 5 rows', rows: [23], H: 8, V: 300, bias: true, transposeWeight: false,
    options: {chunkBytes: 5 * 4 * 300 + 3}, seed: 55},
  {name: 'chunkBytes below one row', rows: [5], H: 8, V: 300, bias: false, transposeWeight: true,
    options: {chunkBytes: 1, reduction: 'none'}, seed: 56},
  {name: 'default plan N = 100 H = 8', rows: [100], H: 8, V: 500, bias: true, transposeWeight: false,
    options: {}, seed: 57},
  // sizes at the edges
  {name: 'one row', rows: [1], H: 16, V: 50, bias: true, transposeWeight: false, options: {}, seed: 60},
  {name: 'one row none tied', rows: [1], H: 16, V: 50, bias: false, transposeWeight: true,
    options: {reduction: 'none'}, seed: 61},
  {name: 'hidden rank 1 (one row, scalar label)', rows: [], H: 16, V: 50, bias: true, transposeWeight: false,
    options: {reduction: 'none'}, seed: 62},
  {name: 'H = 1', rows: [15], H: 1, V: 40, bias: true, transposeWeight: false, options: {chunkRows: 4}, seed: 63},
  {name: 'H = 1 tied none', rows: [15], H: 1, V: 40, bias: false, transposeWeight: true,
    options: {reduction: 'none'}, seed: 64},
  {name: 'V = 1', rows: [6], H: 8, V: 1, bias: true, transposeWeight: false, options: {}, seed: 65},
  {name: 'V = 1 smoothing zLoss weights sum tied', rows: [6], H: 8, V: 1, bias: false, transposeWeight: true,
    options: {labelSmoothing: 0.3, zLoss: 0.1, classWeights: W1, reduction: 'sum', chunkRows: 4}, seed: 66},
  {name: 'V = 1 none', rows: [6], H: 8, V: 1, bias: true, transposeWeight: true,
    options: {reduction: 'none', temperature: 2}, ignoredRows: [2], seed: 67},
  {name: 'odd V = 1009', rows: [64], H: 24, V: 1009, bias: true, transposeWeight: false,
    options: {chunkRows: 10}, ignoredRows: [5], seed: 68},
  {name: 'odd V = 1009 tied weights smoothing none', rows: [40], H: 24, V: 1009, bias: false, transposeWeight: true,
    options: {classWeights: W1009, labelSmoothing: 0.1, reduction: 'none', chunkRows: 13}, seed: 69},
  {name: 'rows [3, 5] mean', rows: [3, 5], H: 12, V: 80, bias: true, transposeWeight: false,
    options: {chunkRows: 4}, ignoredRows: [4, 10], seed: 70},
  {name: 'rows [3, 5] none tied', rows: [3, 5], H: 12, V: 80, bias: true, transposeWeight: true,
    options: {reduction: 'none', chunkRows: 4, zLoss: 0.02}, ignoredRows: [14], seed: 71},
  {name: 'rows [2, 3, 4] sum', rows: [2, 3, 4], H: 6, V: 70, bias: false, transposeWeight: false,
    options: {reduction: 'sum', chunkRows: 5}, seed: 72},
  // no rows
  {name: 'N = 0 mean', rows: [0], H: 8, V: 50, bias: true, transposeWeight: false, options: {}, seed: 80},
  {name: 'N = 0 sum tied', rows: [0], H: 8, V: 50, bias: true, transposeWeight: true,
    options: {reduction: 'sum'}, seed: 81},
  {name: 'N = 0 none', rows: [0], H: 8, V: 50, bias: false, transposeWeight: false,
    options: {reduction: 'none', chunkRows: 3}, seed: 82},
  {name: 'rows [4, 0] mean weights', rows: [4, 0], H: 8, V: 50, bias: false, transposeWeight: false,
    options: {classWeights: W50}, seed: 83},
];

/** Medium cases (a few million logits): run once per backend, not in every loop. */
export const LINEAR_MEDIUM_CASES: LinearCase[] = [
  {name: 'medium [300] H64 V5003 chunkRows 64 mean', rows: [300], H: 64, V: 5003, bias: true, transposeWeight: false,
    options: {chunkRows: 64, labelSmoothing: 0.1}, ignoredRows: [0, 64, 299], seed: 90},
  {name: 'medium [4, 60] H32 V4001 tied none', rows: [4, 60], H: 32, V: 4001, bias: true, transposeWeight: true,
    options: {chunkRows: 48, reduction: 'none', zLoss: 1e-3}, ignoredRows: [1, 100], seed: 91},
];

/**
 * The inputs of a case, the same on every run and platform: drawn from rng(seed) in this order —
 * hidden, weight, bias (when the case has one), labels, dy.
 */
export function linearInputs(c: LinearCase): LinearInputs {
  const next = rng(c.seed);
  const N = rowCount(c);
  const hidden = randn(next, N * c.H, 1);
  const weight = randn(next, c.H * c.V, 1 / Math.sqrt(c.H));
  const bias = c.bias ? randn(next, c.V, 0.5) : undefined;
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) labels[i] = Math.min(c.V - 1, Math.floor(next() * c.V));
  const ignore = c.options.ignoreIndex ?? -100;
  for (const r of c.ignoredRows ?? []) labels[r] = ignore;
  const dy = randn(next, N, 1);
  return {hidden, weight, ...(bias !== undefined ? {bias} : {}), labels, dy};
}
