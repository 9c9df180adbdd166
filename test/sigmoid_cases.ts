/**
 * The sigmoid parity table: every backend runs every case, compared with the float64 reference
 * (sigmoid_reference.ts). Cases are data: a logits shape, a label kind, options, and edits that plant
 * awkward values at flat indices.
 */
import {randn, rng} from './rng';
import type {SigmoidRefOptions} from './sigmoid_reference';

export interface SigmoidCase {
  name: string;
  shape: number[];                 // logits shape; the last axis holds the columns (1 for a scalar)
  /**
   * 'hard': 0 or 1; 'soft': uniform in [0, 1]; 'match': the label the model fits, float32, so that
   * every gradient entry is a difference of nearly equal terms: y' = σ(x)/(σ(x) + P·σ(−x)), which makes
   * (1 − y')·σ(x) = P·y'·σ(−x), unsmoothed back to y.
   */
  labels: 'hard' | 'soft' | 'match';
  /** The labels tensor's dtype (int32 and bool hold hard labels only). Default float32. */
  labelDtype?: 'float32' | 'int32' | 'bool';
  options?: SigmoidRefOptions;
  scale?: number;                  // logits magnitude (default 3)
  offset?: number;                 // added to every logit (default 0)
  logits?: Array<[number, number]>;   // [flat index, value] planted in the logits
  labelAt?: Array<[number, number]>;  // [flat index, value] planted in the labels
}

const W5 = [0.5, 2, 1, 0, 1.5];
const P5 = [1, 3, 0.25, 2, 0.5];
const W7 = [1, 0.25, 3, 1, 0.5, 2, 0];
const P7 = [2, 1, 0.5, 4, 1, 0.125, 1.5];
const W13 = Array.from({length: 13}, (_, i) => [0.5, 1, 2, 0][i % 4]);
const P13 = Array.from({length: 13}, (_, i) => 0.25 * (i + 1));
const P1000 = Array.from({length: 1000}, (_, i) => 0.5 + (i % 8) / 4);
const W2000 = Array.from({length: 2000}, (_, i) => (i % 17 === 0 ? 0 : 1 + (i % 5) / 4));

/** Every (x, y) corner of ±∞ logits against labels 0 and 1, planted at the first eight entries. */
const INF_CORNERS: Array<[number, number]> = [[0, Infinity], [1, Infinity], [2, -Infinity], [3, -Infinity],
  [4, Infinity], [5, -Infinity], [6, Infinity], [7, -Infinity]];
const INF_LABELS: Array<[number, number]> = [[0, 1], [1, 0], [2, 0], [3, 1], [4, 0.5], [5, 0.25], [6, 1], [7, 0]];
/** Logits 15 to 30 on labels 1 and −15 to −30 on labels 0 (the model right and sure), at 12 entries. */
const CONFIDENT_X: Array<[number, number]> = Array.from({length: 12}, (_, i) => [i, (i % 2 === 0 ? 1 : -1) * (15 + 1.5 * i)]);
const CONFIDENT_Y: Array<[number, number]> = Array.from({length: 12}, (_, i) => [i, i % 2 === 0 ? 1 : 0]);
/** The same, the model sure and wrong. */
const WRONG_Y: Array<[number, number]> = CONFIDENT_Y.map(([i, y]) => [i, 1 - y]);

export const SIGMOID_CASES: SigmoidCase[] = [
  {name: 'hard [4,5]', shape: [4, 5], labels: 'hard'},
  {name: 'soft [4,5]', shape: [4, 5], labels: 'soft'},
  // no entries: loss exactly 0 (or empty), an empty gradient
  {name: 'M = 0 [0,5] mean', shape: [0, 5], labels: 'hard'},
  {name: 'M = 0 [0,5] sum', shape: [0, 5], labels: 'hard', options: {reduction: 'sum'}},
  {name: 'M = 0 [0,5] none', shape: [0, 5], labels: 'soft', options: {reduction: 'none'}},
  {name: 'M = 0 [0,5] all options mean', shape: [0, 5], labels: 'soft',
    options: {labelSmoothing: 0.1, posWeight: P5, classWeights: W5, focalGamma: 2, focalAlpha: 0.25}},
  {name: 'M = 0 [3,0] mean', shape: [3, 0], labels: 'hard'},
  {name: 'M = 0 [3,0] sum', shape: [3, 0], labels: 'hard', options: {reduction: 'sum'}},
  {name: 'M = 0 [3,0] none, posWeight 2, focal 2', shape: [3, 0], labels: 'soft',
    options: {reduction: 'none', posWeight: 2, focalGamma: 2}},
  // one entry
  {name: 'scalar [] hard', shape: [], labels: 'hard'},
  {name: 'scalar [] soft none', shape: [], labels: 'soft', options: {reduction: 'none'}},
  {name: 'scalar [] all options sum', shape: [], labels: 'soft',
    options: {reduction: 'sum', labelSmoothing: 0.1, posWeight: 2, classWeights: [1.5], focalGamma: 2, focalAlpha: 0.25}},
  {name: '[1] soft sum', shape: [1], labels: 'soft', options: {reduction: 'sum'}},
  {name: '[1] hard none, posWeight [3]', shape: [1], labels: 'hard', options: {reduction: 'none', posWeight: [3]}},
  // odd sizes (no multiple of a SIMD width or a workgroup)
  {name: 'odd [7,13] soft', shape: [7, 13], labels: 'soft'},
  {name: 'odd [7,13] hard none, posWeight and classWeights per column', shape: [7, 13], labels: 'hard',
    options: {reduction: 'none', posWeight: P13, classWeights: W13}},
  {name: 'odd [5,3,7] soft sum, classWeights', shape: [5, 3, 7], labels: 'soft', options: {reduction: 'sum', classWeights: W7}},
  {name: 'odd [5,3,7] hard mean, focal 2', shape: [5, 3, 7], labels: 'hard', options: {focalGamma: 2}},
  {name: 'C = 1 [9,1] soft none, posWeight [0.5]', shape: [9, 1], labels: 'soft', options: {reduction: 'none', posWeight: [0.5]}},
  {name: '[513,67] soft none', shape: [513, 67], labels: 'soft', options: {reduction: 'none'}},
  {name: '[3,2000] hard sum, classWeights per column', shape: [3, 2000], labels: 'hard',
    options: {reduction: 'sum', classWeights: W2000}},
  // rank 1 and rank 4
  {name: 'rank 1 [9] hard', shape: [9], labels: 'hard'},
  {name: 'rank 1 [9] soft none, posWeight per column', shape: [9], labels: 'soft',
    options: {reduction: 'none', posWeight: Array.from({length: 9}, (_, i) => 0.5 * (i + 1))}},
  {name: 'rank 4 [2,3,4,5] soft mean', shape: [2, 3, 4, 5], labels: 'soft'},
  {name: 'rank 4 [2,3,2,5] hard none, all options', shape: [2, 3, 2, 5], labels: 'hard',
    options: {reduction: 'none', labelSmoothing: 0.1, posWeight: P5, classWeights: W5, focalGamma: 2, focalAlpha: 0.25}},
  // 10^6 entries, once: the reductions' long sums
  {name: '10^6 entries [1000,1000] soft mean, posWeight per column', shape: [1000, 1000], labels: 'soft',
    options: {posWeight: P1000}},
  // every option alone
  {name: 'labelSmoothing 0.1 hard', shape: [6, 7], labels: 'hard', options: {labelSmoothing: 0.1}},
  {name: 'labelSmoothing 0.2 soft none', shape: [6, 7], labels: 'soft', options: {labelSmoothing: 0.2, reduction: 'none'}},
  {name: 'labelSmoothing 1 hard (every y\' = 1/2)', shape: [6, 7], labels: 'hard', options: {labelSmoothing: 1}},
  {name: 'posWeight 3 hard', shape: [6, 7], labels: 'hard', options: {posWeight: 3}},
  {name: 'posWeight 0.25 soft sum', shape: [6, 7], labels: 'soft', options: {posWeight: 0.25, reduction: 'sum'}},
  {name: 'posWeight 0 soft none', shape: [6, 7], labels: 'soft', options: {posWeight: 0, reduction: 'none'}},
  {name: 'posWeight per column hard none', shape: [6, 7], labels: 'hard', options: {posWeight: P7, reduction: 'none'}},
  {name: 'classWeights with a 0 hard none', shape: [6, 7], labels: 'hard', options: {classWeights: W7, reduction: 'none'}},
  {name: 'classWeights with a 0 soft mean', shape: [6, 5], labels: 'soft', options: {classWeights: W5}},
  {name: 'focalGamma 0 hard (no focal term)', shape: [6, 7], labels: 'hard', options: {focalGamma: 0}},
  {name: 'focalGamma 0.5 soft none', shape: [6, 7], labels: 'soft', options: {focalGamma: 0.5, reduction: 'none'}},
  {name: 'focalGamma 0.5 hard none', shape: [6, 7], labels: 'hard', options: {focalGamma: 0.5, reduction: 'none'}},
  {name: 'focalGamma 2 hard', shape: [6, 7], labels: 'hard', options: {focalGamma: 2}},
  {name: 'focalGamma 2 soft sum', shape: [6, 7], labels: 'soft', options: {focalGamma: 2, reduction: 'sum'}},
  {name: 'focalGamma 5 soft none', shape: [6, 7], labels: 'soft', options: {focalGamma: 5, reduction: 'none'}},
  {name: 'focalGamma 5 hard none, logits ±30', shape: [6, 7], labels: 'hard', scale: 10,
    options: {focalGamma: 5, reduction: 'none'}},
  {name: 'focalAlpha 0 hard none', shape: [6, 7], labels: 'hard', options: {focalAlpha: 0, reduction: 'none'}},
  {name: 'focalAlpha 0.25 soft', shape: [6, 7], labels: 'soft', options: {focalAlpha: 0.25}},
  {name: 'focalAlpha 1 hard none', shape: [6, 7], labels: 'hard', options: {focalAlpha: 1, reduction: 'none'}},
  {name: 'reduction none hard', shape: [6, 7], labels: 'hard', options: {reduction: 'none'}},
  {name: 'reduction sum hard', shape: [6, 7], labels: 'hard', options: {reduction: 'sum'}},
  {name: 'reduction mean soft', shape: [6, 7], labels: 'soft', options: {reduction: 'mean'}},
  // combined
  {name: 'all options none: smoothing, posWeight and classWeights per column, focal 2, α 0.25', shape: [6, 5],
    labels: 'hard', options: {reduction: 'none', labelSmoothing: 0.1, posWeight: P5, classWeights: W5, focalGamma: 2,
      focalAlpha: 0.25}},
  {name: 'all options sum: soft, posWeight 2, focal 0.5, α 0.75', shape: [6, 5], labels: 'soft',
    options: {reduction: 'sum', labelSmoothing: 0.05, posWeight: 2, classWeights: W5, focalGamma: 0.5, focalAlpha: 0.75}},
  {name: 'all options mean: focal 5, α 1', shape: [6, 7], labels: 'hard',
    options: {labelSmoothing: 0.2, posWeight: P7, classWeights: W7, focalGamma: 5, focalAlpha: 1}},
  {name: 'all options mean: focal 2, α 0', shape: [6, 7], labels: 'soft',
    options: {labelSmoothing: 0.1, posWeight: 0.5, classWeights: W7, focalGamma: 2, focalAlpha: 0}},
  {name: 'focal 2 and α 0.25 alone (torchvision\'s) none', shape: [5, 3, 7], labels: 'hard',
    options: {reduction: 'none', focalGamma: 2, focalAlpha: 0.25}},
  {name: 'posWeight and smoothing, soft none', shape: [6, 7], labels: 'soft',
    options: {reduction: 'none', posWeight: P7, labelSmoothing: 0.3}},
  // labels given as int32 and bool (the op casts them)
  {name: 'int32 labels [4,5]', shape: [4, 5], labels: 'hard', labelDtype: 'int32'},
  {name: 'bool labels [4,5] none, posWeight per column', shape: [4, 5], labels: 'hard', labelDtype: 'bool',
    options: {reduction: 'none', posWeight: P5}},
  // extreme logits
  {name: 'logits ±1e4 hard none', shape: [6, 7], labels: 'hard', scale: 1e4, options: {reduction: 'none'}},
  {name: 'logits ±1e4 soft sum', shape: [6, 7], labels: 'soft', scale: 1e4, options: {reduction: 'sum'}},
  {name: 'logits ±1e4 hard none, smoothing 0.1', shape: [6, 7], labels: 'hard', scale: 1e4,
    options: {reduction: 'none', labelSmoothing: 0.1}},
  {name: 'logits ±1e4 soft none, focal 2, α 0.25, posWeight per column', shape: [6, 7], labels: 'soft', scale: 1e4,
    options: {reduction: 'none', focalGamma: 2, focalAlpha: 0.25, posWeight: P7}},
  {name: 'logits ±1e4 hard mean, focal 0.5', shape: [6, 7], labels: 'hard', scale: 1e4, options: {focalGamma: 0.5}},
  {name: 'logits 1e4 + small spread soft none', shape: [4, 5], labels: 'soft', offset: 1e4, options: {reduction: 'none'}},
  // sure and right (loss ~1e-7 to 1e-13: log1p, not log(1 + e)), sure and wrong (loss ≈ |x|)
  {name: 'confident right, none', shape: [3, 4], labels: 'hard', options: {reduction: 'none'},
    logits: CONFIDENT_X, labelAt: CONFIDENT_Y},
  {name: 'confident right, sum', shape: [3, 4], labels: 'hard', options: {reduction: 'sum'},
    logits: CONFIDENT_X, labelAt: CONFIDENT_Y},
  {name: 'confident right, focal 2 none', shape: [3, 4], labels: 'hard', options: {reduction: 'none', focalGamma: 2},
    logits: CONFIDENT_X, labelAt: CONFIDENT_Y},
  {name: 'confident right, smoothing 0.01 none', shape: [3, 4], labels: 'hard',
    options: {reduction: 'none', labelSmoothing: 0.01}, logits: CONFIDENT_X, labelAt: CONFIDENT_Y},
  {name: 'confident wrong, focal 0.5 none', shape: [3, 4], labels: 'hard', options: {reduction: 'none', focalGamma: 0.5},
    logits: CONFIDENT_X, labelAt: WRONG_Y},
  // the gradient as a difference of nearly equal terms: labels the model fits
  {name: 'labels = float32(σ(x)) none', shape: [6, 7], labels: 'match', options: {reduction: 'none'}},
  {name: 'labels = float32(σ(x)) sum', shape: [7, 13], labels: 'match', options: {reduction: 'sum'}},
  {name: 'labels fitted with posWeight per column and smoothing 0.1, none', shape: [6, 7], labels: 'match',
    scale: 0.5, options: {reduction: 'none', posWeight: P7, labelSmoothing: 0.1}},
  {name: 'labels = float32(σ(x)), focal 2, none', shape: [6, 7], labels: 'match',
    options: {reduction: 'none', focalGamma: 2}},
  // ±∞ logits: the limits (loss 0 or +∞, a finite gradient)
  {name: '±∞ logits none', shape: [3, 4], labels: 'soft', options: {reduction: 'none'},
    logits: INF_CORNERS, labelAt: INF_LABELS},
  {name: '±∞ logits none, smoothing 0.1 (+∞ losses)', shape: [3, 4], labels: 'soft',
    options: {reduction: 'none', labelSmoothing: 0.1}, logits: INF_CORNERS, labelAt: INF_LABELS},
  {name: '±∞ logits none, focal 2, α 0.25', shape: [3, 4], labels: 'soft',
    options: {reduction: 'none', focalGamma: 2, focalAlpha: 0.25}, logits: INF_CORNERS, labelAt: INF_LABELS},
  {name: '±∞ logits none, focal 0.5 (q = 0 where γ − 1 < 0)', shape: [3, 4], labels: 'soft',
    options: {reduction: 'none', focalGamma: 0.5}, logits: INF_CORNERS, labelAt: INF_LABELS},
  {name: '±∞ logits none, posWeight per column', shape: [3, 4], labels: 'soft',
    options: {reduction: 'none', posWeight: [2, 0.5, 3, 1]}, logits: INF_CORNERS, labelAt: INF_LABELS},
  // a zero coefficient keeps its term 0 where the softplus is +∞
  {name: '±∞ logits, zero class weight (loss 0)', shape: [2, 4], labels: 'hard',
    options: {reduction: 'none', classWeights: [0, 1, 0, 1]}, logits: [[0, Infinity], [2, -Infinity], [4, -Infinity]],
    labelAt: [[0, 0], [2, 1], [4, 1]]},
  {name: '±∞ logits, posWeight 0 on positives (loss 0)', shape: [2, 4], labels: 'hard',
    options: {reduction: 'none', posWeight: [0, 1, 0, 1]}, logits: [[0, -Infinity], [2, -Infinity], [5, Infinity]],
    labelAt: [[0, 1], [2, 1], [5, 1]]},
  {name: '±∞ logits, α 1: negatives weigh 0 (loss 0)', shape: [2, 4], labels: 'hard',
    options: {reduction: 'none', focalAlpha: 1}, logits: [[0, Infinity], [3, Infinity]], labelAt: [[0, 0], [3, 0]]},
  {name: '±∞ logits, α 0 on positives (loss 0)', shape: [2, 4], labels: 'hard',
    options: {reduction: 'none', focalAlpha: 0, focalGamma: 2}, logits: [[1, -Infinity], [6, -Infinity]],
    labelAt: [[1, 1], [6, 1]]},
  {name: '±∞ logits sum (+∞)', shape: [3, 4], labels: 'soft', options: {reduction: 'sum'},
    logits: INF_CORNERS, labelAt: INF_LABELS},
  {name: '±∞ logits mean, right only (finite)', shape: [3, 4], labels: 'hard',
    logits: [[0, Infinity], [1, -Infinity], [2, Infinity]], labelAt: [[0, 1], [1, 0], [2, 1]]},
  // NaN: that entry's loss and gradient are NaN whatever the weights
  {name: 'NaN logit none', shape: [4, 5], labels: 'soft', options: {reduction: 'none'}, logits: [[7, NaN]]},
  {name: 'NaN label none', shape: [4, 5], labels: 'soft', options: {reduction: 'none'}, labelAt: [[11, NaN]]},
  {name: 'NaN logit and NaN label, zero class weight and posWeight 0, none', shape: [4, 5], labels: 'hard',
    options: {reduction: 'none', classWeights: W5, posWeight: [1, 1, 1, 0, 0]},
    logits: [[3, NaN]], labelAt: [[8, NaN], [9, NaN]]},
  {name: 'NaN logit, α 1 on a negative, focal 2, none', shape: [4, 5], labels: 'hard',
    options: {reduction: 'none', focalAlpha: 1, focalGamma: 2}, logits: [[2, NaN]], labelAt: [[2, 0]]},
  {name: 'NaN logit mean', shape: [4, 5], labels: 'soft', logits: [[13, NaN]]},
  {name: 'NaN label sum, focal 2', shape: [4, 5], labels: 'soft', options: {reduction: 'sum', focalGamma: 2},
    labelAt: [[0, NaN]]},
  {name: 'NaN next to ±∞ none', shape: [2, 4], labels: 'hard', options: {reduction: 'none'},
    logits: [[0, Infinity], [1, NaN], [2, -Infinity]], labelAt: [[0, 0], [2, 1]]},
];

const sigma = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const columnOf = (v: number | number[] | undefined, e: number, C: number) =>
  (v === undefined ? 1 : typeof v === 'number' ? v : v[e % C]);

/** The concrete data of a case: float32 logits and float32 label values (0/1 for int32 and bool). */
export function materializeSigmoid(c: SigmoidCase, seed = 1): {logits: Float32Array, labels: Float32Array, C: number} {
  const next = rng(seed + c.name.length * 7919);
  const C = c.shape.length === 0 ? 1 : c.shape[c.shape.length - 1];
  const size = c.shape.reduce((a, b) => a * b, 1);
  const logits = randn(next, size, c.scale ?? 3).map((v) => v + (c.offset ?? 0));
  for (const [i, v] of c.logits ?? []) logits[i] = v;
  const labels = new Float32Array(size);
  const eps = c.options?.labelSmoothing ?? 0;
  for (let e = 0; e < size; e++) {
    if (c.labels === 'hard') labels[e] = next() < 0.5 ? 0 : 1;
    else if (c.labels === 'soft') labels[e] = next();
    else {
      const s = sigma(logits[e]);
      const P = columnOf(c.options?.posWeight, e, C);
      const yp = s / (s + P * (1 - s));
      labels[e] = Math.min(1, Math.max(0, (yp - eps / 2) / (1 - eps)));
    }
  }
  for (const [i, v] of c.labelAt ?? []) labels[i] = v;
  return {logits, labels, C};
}
