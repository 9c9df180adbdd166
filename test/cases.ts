/**
 * The parity table: every backend runs every case, compared with the float64 reference. Cases are
 * data: a logits shape, a label kind, options, and edits that plant awkward values.
 */
import type {RefOptions} from './reference';
import {randn, rng} from './rng';

export interface Case {
  name: string;
  shape: number[];                 // logits shape [..., K]
  labels: 'ids' | 'probs';
  options?: RefOptions;
  scale?: number;                  // logits magnitude (default 3)
  offset?: number;                 // added to every logit (default 0)
  logits?: Array<[number, number, number]>;  // [row, class, value] planted in the logits
  masked?: Array<[number, number, number]>;  // [row, from, to): −∞ planted on a span of classes
  ids?: Array<[number, number]>;   // [row, class id] planted in the labels
  /** probs: keep the target mass on planted −∞ classes (default: move it off them). */
  massOnMasked?: boolean;
  /**
   * probs: the labels are softmax(logits / this), rounded to float32, instead of random: what a model
   * that fits its teacher predicts, so every gradient entry is a difference of nearly equal terms.
   */
  softmaxLabels?: number;
}

const W5 = [0.5, 2, 1, 0, 1.5];
const W7 = [1, 0.25, 3, 1, 0.5, 2, 1];
const ALL = {labelSmoothing: 0.2, temperature: 1.7, zLoss: 1e-2};
// [row, class]: the target of every row of a [6, 7] case, where a logit of 25 makes the model confident
const TARGETS: Array<[number, number]> = [[0, 2], [1, 5], [2, 0], [3, 6], [4, 3], [5, 1]];
const CONFIDENT = TARGETS.map(([r, y]): [number, number, number] => [r, y, 25]);
// at T = 0.5 a logit of 25 leaves 1 − p_y below float64's resolution (e^-38), where even the float64
// reference rounds p_y to 1; 15 keeps 1 − p_y near 1e-8, measurable in float64 and far below float32's ulp
const CONFIDENT_15 = TARGETS.map(([r, y]): [number, number, number] => [r, y, 15]);
// a target logit of 20 over logits of scale 1: 1 − p_y ≈ 2e-8, which float32 rounds p_y to 1 over
const CONFIDENT_20 = TARGETS.map(([r, y]): [number, number, number] => [r, y, 20]);
// the logits of a reported cancelling row: P = float32(softmax(z)) gives exact gradients of 4e-10 to 4e-9
const Z4: Array<[number, number, number]> = [[0, 0, 0.5], [0, 1, -1.25], [0, 2, 2], [0, 3, 0.125]];

export const CASES: Case[] = [
  {name: 'ids [4,5]', shape: [4, 5], labels: 'ids'},
  {name: 'probs [4,5]', shape: [4, 5], labels: 'probs'},
  {name: 'N = 0 ids mean', shape: [0, 5], labels: 'ids'},
  {name: 'N = 0 ids sum', shape: [0, 5], labels: 'ids', options: {reduction: 'sum'}},
  {name: 'N = 0 ids none', shape: [0, 5], labels: 'ids', options: {reduction: 'none'}},
  {name: 'N = 0 probs mean', shape: [0, 5], labels: 'probs'},
  {name: 'K = 1 ids', shape: [3, 1], labels: 'ids'},
  {name: 'K = 1 ids z-loss smoothing', shape: [3, 1], labels: 'ids', options: {zLoss: 0.1, labelSmoothing: 0.3}},
  {name: 'K = 1 probs', shape: [3, 1], labels: 'probs', options: {reduction: 'none'}},
  // p = 1 exactly, so the gradient is exactly 0 (its bound too: the reference's largest entry is 0)
  {name: 'K = 1 ids smoothing 0.1', shape: [3, 1], labels: 'ids', options: {labelSmoothing: 0.1}},
  {name: 'K = 1 probs smoothing 0.1 sum, temperature 1.7', shape: [3, 1], labels: 'probs',
    options: {labelSmoothing: 0.1, reduction: 'sum', temperature: 1.7}},
  {name: 'odd K ids [7,13]', shape: [7, 13], labels: 'ids'},
  {name: 'odd K probs [7,13]', shape: [7, 13], labels: 'probs', options: {reduction: 'sum'}},
  {name: 'K = 100000 ids', shape: [3, 100000], labels: 'ids'},
  {name: 'K = 100000 probs smoothing', shape: [2, 100000], labels: 'probs', options: {labelSmoothing: 0.1}},
  {name: 'rank 1 ids', shape: [6], labels: 'ids'},
  {name: 'rank 1 probs none', shape: [6], labels: 'probs', options: {reduction: 'none'}},
  {name: 'rank 3 ids none', shape: [2, 3, 7], labels: 'ids', options: {reduction: 'none'}},
  {name: 'rank 3 probs mean', shape: [2, 3, 7], labels: 'probs'},
  {name: 'rank 3 ids all options', shape: [2, 3, 7], labels: 'ids', options: {...ALL, classWeights: W7},
    ids: [[1, -100]]},
  // every option alone
  {name: 'labelSmoothing ids', shape: [5, 7], labels: 'ids', options: {labelSmoothing: 0.1}},
  {name: 'labelSmoothing 1 ids', shape: [5, 7], labels: 'ids', options: {labelSmoothing: 1}},
  {name: 'labelSmoothing probs', shape: [5, 7], labels: 'probs', options: {labelSmoothing: 0.1}},
  {name: 'classWeights ids', shape: [6, 5], labels: 'ids', options: {classWeights: W5}},
  {name: 'classWeights probs', shape: [6, 5], labels: 'probs', options: {classWeights: W5}},
  {name: 'ignoreIndex default', shape: [5, 7], labels: 'ids', ids: [[0, -100], [3, -100]]},
  {name: 'ignoreIndex in range', shape: [6, 7], labels: 'ids', options: {ignoreIndex: 2},
    ids: [[0, 2], [1, 2], [2, 5]]},
  {name: 'temperature 2.5 ids', shape: [5, 7], labels: 'ids', options: {temperature: 2.5}},
  {name: 'temperature 0.3 probs', shape: [5, 7], labels: 'probs', options: {temperature: 0.3}},
  {name: 'zLoss ids', shape: [5, 7], labels: 'ids', options: {zLoss: 1e-3}, scale: 10},
  {name: 'zLoss probs', shape: [5, 7], labels: 'probs', options: {zLoss: 0.5}},
  {name: 'reduction none ids', shape: [5, 7], labels: 'ids', options: {reduction: 'none'}},
  {name: 'reduction sum ids', shape: [5, 7], labels: 'ids', options: {reduction: 'sum'}},
  // combined
  {name: 'all options ids mean', shape: [8, 7], labels: 'ids', options: {...ALL, classWeights: W7},
    ids: [[2, -100], [5, -100]]},
  {name: 'all options ids none', shape: [8, 7], labels: 'ids',
    options: {...ALL, classWeights: W7, reduction: 'none', ignoreIndex: 6}, ids: [[1, 6]]},
  {name: 'all options probs sum', shape: [8, 7], labels: 'probs',
    options: {...ALL, classWeights: W7, reduction: 'sum'}},
  // extreme values
  {name: 'logits ±1e4 ids', shape: [6, 9], labels: 'ids', scale: 1e4},
  {name: 'logits ±1e4 ids smoothing', shape: [6, 9], labels: 'ids', scale: 1e4, options: {labelSmoothing: 0.1}},
  {name: 'logits ±1e4 probs z-loss', shape: [6, 9], labels: 'probs', scale: 1e4, options: {zLoss: 1e-4}},
  // a large offset with a small spread: lse is not a float32 logit, so a float32-rounded saved lse
  // would put an error of 5e-4 into every p = exp(s − lse)
  {name: 'logits 1e4 + small spread ids', shape: [5, 11], labels: 'ids', offset: 1e4},
  {name: 'logits 1e4 + small spread, temperature 3 ids', shape: [5, 11], labels: 'ids', offset: 1e4,
    options: {temperature: 3, labelSmoothing: 0.1}},
  {name: 'logits −3e4 + small spread probs', shape: [5, 11], labels: 'probs', offset: -3e4, options: {reduction: 'sum'}},
  {name: '−∞ on the target class (+∞ loss)', shape: [3, 5], labels: 'ids', options: {reduction: 'none'},
    logits: [[1, 2, -Infinity]], ids: [[1, 2]]},
  {name: '−∞ masked ids', shape: [4, 6], labels: 'ids', options: {reduction: 'none'},
    logits: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity]], ids: [[0, 0], [2, 3]]},
  {name: '−∞ masked ids smoothing (+∞ loss)', shape: [4, 6], labels: 'ids',
    options: {reduction: 'none', labelSmoothing: 0.1}, logits: [[0, 1, -Infinity], [2, 0, -Infinity]], ids: [[0, 0]]},
  {name: '−∞ masked probs zero there', shape: [4, 6], labels: 'probs', options: {reduction: 'none'},
    logits: [[0, 1, -Infinity], [1, 5, -Infinity], [3, 0, -Infinity]]},
  {name: '−∞ masked probs mass there (+∞ loss)', shape: [3, 6], labels: 'probs', options: {reduction: 'none'},
    logits: [[1, 2, -Infinity]], massOnMasked: true},
  {name: '−∞ masked, zero class weight', shape: [3, 5], labels: 'ids',
    options: {labelSmoothing: 0.2, classWeights: W5, reduction: 'none'}, logits: [[0, 3, -Infinity]], ids: [[0, 1]]},
  {name: 'NaN row ids none', shape: [4, 5], labels: 'ids', options: {reduction: 'none'}, logits: [[1, 2, NaN]]},
  {name: 'NaN row probs mean', shape: [4, 5], labels: 'probs', logits: [[2, 0, NaN]]},
  {name: '+∞ row ids none', shape: [3, 5], labels: 'ids', options: {reduction: 'none'}, logits: [[1, 4, Infinity]]},
  {name: 'all −∞ row ids none', shape: [2, 3], labels: 'ids', options: {reduction: 'none'},
    logits: [[0, 0, -Infinity], [0, 1, -Infinity], [0, 2, -Infinity]]},
  {name: 'NaN in an ignored row', shape: [3, 5], labels: 'ids', logits: [[1, 1, NaN]], ids: [[1, -100]]},
  {name: 'every row ignored mean', shape: [4, 5], labels: 'ids',
    ids: [[0, -100], [1, -100], [2, -100], [3, -100]]},
  {name: 'every row ignored weights sum', shape: [3, 5], labels: 'ids', options: {classWeights: W5, reduction: 'sum'},
    ids: [[0, -100], [1, -100], [2, -100]]},
  {name: 'zero-weight targets only (D = 0)', shape: [3, 5], labels: 'ids', options: {classWeights: W5},
    ids: [[0, 3], [1, 3], [2, 3]]},
  {name: 'class weights with ignoreIndex', shape: [9, 5], labels: 'ids', options: {classWeights: W5, ignoreIndex: -1},
    ids: [[0, -1], [4, -1], [7, -1]]},
  // spans longer than the wasm forward kernel's 1024-float chunks: the max sits past a chunk of −∞
  {name: '−∞ over the first 2500 classes ids', shape: [2, 3000], labels: 'ids', masked: [[0, 0, 2500]],
    ids: [[0, 2700]]},
  {name: '−∞ over the first 2500 classes probs smoothing', shape: [2, 3000], labels: 'probs', masked: [[1, 0, 2500]],
    options: {labelSmoothing: 0.1, reduction: 'none'}},
  // a NaN whose only neighbours are −∞: a tile of such a row (webgl reduces 512 classes per tile) must
  // still make the row NaN
  {name: 'NaN among −∞ ids none', shape: [2, 3000], labels: 'ids', options: {reduction: 'none'},
    masked: [[0, 0, 100], [0, 101, 2500]], logits: [[0, 100, NaN]], ids: [[0, 2700]]},
  {name: 'random [64,1000] ids smoothing', shape: [64, 1000], labels: 'ids', options: {labelSmoothing: 0.05}},
  // the gradient (A + 2λ·lse)·p_c − a_c as a difference of nearly equal terms, far smaller than they are:
  // p_y ≈ 1 at a confident target, or labels equal to the model's own softmax. A float64 backend must
  // stay exact there (a float32-rounded A fails the first case on cpu); float32 ones err by an ulp of
  // the terms (backends.ts, perTerm)
  {name: 'confident ids smoothing 0.01 class weights', shape: [6, 7], labels: 'ids',
    options: {labelSmoothing: 0.01, classWeights: W7}, logits: CONFIDENT, ids: TARGETS},
  {name: 'probs = softmax(z / 10), temperature 10, class weights', shape: [6, 7], labels: 'probs',
    options: {temperature: 10, classWeights: W7}, logits: CONFIDENT, softmaxLabels: 10},
  // labels that are exactly float32(softmax(z)): with no weights every entry cancels, to ~1e-9 of its
  // terms (a float32-rounded p alone errs by 6e-8 of them)
  {name: 'probs = float32(softmax(z)), sum [1,4]', shape: [1, 4], labels: 'probs', options: {reduction: 'sum'},
    logits: Z4, softmaxLabels: 1},
  {name: 'probs = float32(softmax(z)), mean [9,37]', shape: [9, 37], labels: 'probs', softmaxLabels: 1},
  {name: 'probs = float32(softmax(z / 1.7)), temperature 1.7, smoothing 0.1 none', shape: [5, 13], labels: 'probs',
    options: {temperature: 1.7, labelSmoothing: 0.1, reduction: 'none'}, softmaxLabels: 1.7},
  // a confident target with a temperature: g_y = (A·p_y − a_y)/T ≈ −A·(1 − p_y)/T, with 1 − p_y ~ 1e-6,
  // an entry far below float32's ulp of its terms; with smoothing, p_c ≈ ε/K off the target cancels too
  {name: 'confident ids, temperature 1.7', shape: [6, 7], labels: 'ids', options: {temperature: 1.7},
    logits: CONFIDENT, ids: TARGETS},
  {name: 'confident ids, temperature 1.7, smoothing 0.1', shape: [6, 7], labels: 'ids',
    options: {temperature: 1.7, labelSmoothing: 0.1}, logits: CONFIDENT, ids: TARGETS},
  {name: 'confident ids, temperature 0.5 sum', shape: [6, 7], labels: 'ids', options: {temperature: 0.5, reduction: 'sum'},
    logits: CONFIDENT_15, ids: TARGETS},
  {name: 'confident ids, temperature 0.5, smoothing 0.1', shape: [6, 7], labels: 'ids',
    options: {temperature: 0.5, labelSmoothing: 0.1}, logits: CONFIDENT, ids: TARGETS},
  // focal loss (Lin et al.): γ = 0 must be plain cross-entropy bit for bit; 0.5 and 5 are off the integer
  // powers a backend might special-case
  ...[0, 0.5, 1, 2, 5].flatMap((g): Case[] => [
    {name: `focal ${g} ids`, shape: [6, 7], labels: 'ids', options: {focalGamma: g}},
    {name: `focal ${g} probs none`, shape: [6, 7], labels: 'probs', options: {focalGamma: g, reduction: 'none'}},
  ]),
  {name: 'focal 2 ids classWeights (α)', shape: [6, 5], labels: 'ids', options: {focalGamma: 2, classWeights: W5}},
  {name: 'focal 2 probs smoothing, temperature 1.7, zLoss', shape: [5, 7], labels: 'probs',
    options: {focalGamma: 2, labelSmoothing: 0.1, temperature: 1.7, zLoss: 1e-2}},
  {name: 'focal 1 ids smoothing, ignoreIndex sum', shape: [6, 7], labels: 'ids',
    options: {focalGamma: 1, labelSmoothing: 0.2, reduction: 'sum'}, ids: [[1, -100], [4, -100]]},
  {name: 'focal 0.5 K = 1 ids', shape: [3, 1], labels: 'ids', options: {focalGamma: 0.5}},
  {name: 'focal 2 K = 1 probs smoothing none', shape: [3, 1], labels: 'probs',
    options: {focalGamma: 2, labelSmoothing: 0.1, reduction: 'none'}},
  {name: 'focal 2 N = 0 ids mean', shape: [0, 5], labels: 'ids', options: {focalGamma: 2}},
  {name: 'focal 2 every row ignored', shape: [3, 5], labels: 'ids', options: {focalGamma: 2},
    ids: [[0, -100], [1, -100], [2, -100]]},
  {name: 'focal 2 −∞ masked ids none', shape: [4, 6], labels: 'ids', options: {focalGamma: 2, reduction: 'none'},
    logits: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity]], ids: [[0, 0], [2, 3]]},
  {name: 'focal 2 −∞ masked ids smoothing (+∞ loss)', shape: [4, 6], labels: 'ids',
    options: {focalGamma: 2, labelSmoothing: 0.1, reduction: 'none'}, logits: [[0, 1, -Infinity]], ids: [[0, 0]]},
  {name: 'focal 0.5 −∞ masked probs zero there', shape: [4, 6], labels: 'probs',
    options: {focalGamma: 0.5, reduction: 'none'}, logits: [[0, 1, -Infinity], [3, 0, -Infinity]]},
  {name: 'focal 2 NaN row ids none', shape: [4, 5], labels: 'ids', options: {focalGamma: 2, reduction: 'none'},
    logits: [[1, 2, NaN]]},
  {name: 'focal 2 logits ±1e4 ids', shape: [6, 9], labels: 'ids', scale: 1e4, options: {focalGamma: 2}},
  {name: 'focal 2 logits 1e4 + small spread probs', shape: [5, 11], labels: 'probs', offset: 1e4,
    options: {focalGamma: 2}},
  // every row confident: a target logit of 20 over logits of scale 1 leaves 1 − p_y ≈ 2e-8, below half a
  // float32 ulp of 1 (p_y rounds to 1, so q = 1 − p would be 0 and the loss 0): the loss is ≈ q^(γ+1),
  // the gradient ≈ q^γ, both far from 0 and exact only from −expm1(s − lse) with an exact lse
  ...[0.5, 1, 2].flatMap((g): Case[] => [
    {name: `focal ${g} confident ids (1 − p below float32's ulp) none`, shape: [6, 7], labels: 'ids', scale: 1,
      options: {focalGamma: g, reduction: 'none'}, logits: CONFIDENT_20, ids: TARGETS},
  ]),
  {name: 'focal 2 confident ids mean', shape: [6, 7], labels: 'ids', scale: 1, options: {focalGamma: 2},
    logits: CONFIDENT_20, ids: TARGETS},
  {name: 'focal 2 confident ids, smoothing 0.01', shape: [6, 7], labels: 'ids', scale: 1,
    options: {focalGamma: 2, labelSmoothing: 0.01}, logits: CONFIDENT_20, ids: TARGETS},
  // smoothing over the other classes (fairseq's)
  {name: 'others ids', shape: [5, 7], labels: 'ids', options: {labelSmoothing: 0.1, labelSmoothingOver: 'others'}},
  {name: 'others ids classWeights none', shape: [6, 5], labels: 'ids',
    options: {labelSmoothing: 0.2, labelSmoothingOver: 'others', classWeights: W5, reduction: 'none'}},
  {name: 'others smoothing 1 ids', shape: [5, 7], labels: 'ids', options: {labelSmoothing: 1, labelSmoothingOver: 'others'}},
  {name: 'others K = 1 ids (no smoothing)', shape: [3, 1], labels: 'ids',
    options: {labelSmoothing: 0.3, labelSmoothingOver: 'others'}},
  {name: 'others K = 1 ids classWeights sum', shape: [3, 1], labels: 'ids',
    options: {labelSmoothing: 0.3, labelSmoothingOver: 'others', classWeights: [2.5], reduction: 'sum'}},
  {name: 'others K = 2 ids', shape: [4, 2], labels: 'ids', options: {labelSmoothing: 0.1, labelSmoothingOver: 'others'}},
  {name: 'others ignoreIndex, temperature, zLoss', shape: [8, 7], labels: 'ids',
    options: {...ALL, labelSmoothingOver: 'others', classWeights: W7}, ids: [[2, -100], [5, -100]]},
  {name: 'others −∞ masked ids smoothing (+∞ loss)', shape: [4, 6], labels: 'ids',
    options: {labelSmoothing: 0.1, labelSmoothingOver: 'others', reduction: 'none'},
    logits: [[0, 1, -Infinity], [2, 0, -Infinity]], ids: [[0, 0]]},
  {name: 'others confident ids smoothing 0.01', shape: [6, 7], labels: 'ids',
    options: {labelSmoothing: 0.01, labelSmoothingOver: 'others', classWeights: W7}, logits: CONFIDENT, ids: TARGETS},
  {name: 'others focal 2 ids', shape: [6, 7], labels: 'ids',
    options: {labelSmoothing: 0.1, labelSmoothingOver: 'others', focalGamma: 2}},
  // logit softcap (Gemma 2's): s = c·tanh(z/c); at |z| ≫ c every logit sits at ±c and its gradient is 0
  {name: 'softcap 30 ids', shape: [5, 7], labels: 'ids', scale: 20, options: {softcap: 30}},
  {name: 'softcap 5 probs', shape: [5, 7], labels: 'probs', scale: 5, options: {softcap: 5}},
  {name: 'softcap 30, logits ±1e4 ids', shape: [6, 9], labels: 'ids', scale: 1e4, options: {softcap: 30}},
  {name: 'softcap 30, logits ±1e4 probs sum', shape: [6, 9], labels: 'probs', scale: 1e4,
    options: {softcap: 30, reduction: 'sum'}},
  {name: 'softcap 10, logits 1e4 + small spread ids', shape: [5, 11], labels: 'ids', offset: 1e4, options: {softcap: 10}},
  {name: 'softcap 30 −∞ masked ids none', shape: [4, 6], labels: 'ids', scale: 20,
    options: {softcap: 30, reduction: 'none'},
    logits: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity]], ids: [[0, 0], [2, 3]]},
  {name: 'softcap 30 −∞ on the target (+∞ loss)', shape: [3, 5], labels: 'ids', options: {softcap: 30, reduction: 'none'},
    logits: [[1, 2, -Infinity]], ids: [[1, 2]]},
  {name: 'softcap 30 −∞ masked probs zero there', shape: [4, 6], labels: 'probs', scale: 20,
    options: {softcap: 30, reduction: 'none'}, logits: [[0, 1, -Infinity], [3, 0, -Infinity]]},
  {name: 'softcap 30 +∞ row ids none', shape: [3, 5], labels: 'ids', options: {softcap: 30, reduction: 'none'},
    logits: [[1, 4, Infinity]]},
  {name: 'softcap 30 NaN row probs none', shape: [3, 5], labels: 'probs', options: {softcap: 30, reduction: 'none'},
    logits: [[2, 0, NaN]]},
  {name: 'softcap 30 smoothing ids', shape: [5, 7], labels: 'ids', scale: 20, options: {softcap: 30, labelSmoothing: 0.1}},
  {name: 'softcap 30 classWeights ids', shape: [6, 5], labels: 'ids', scale: 20, options: {softcap: 30, classWeights: W5}},
  {name: 'softcap 30 ignoreIndex ids', shape: [5, 7], labels: 'ids', scale: 20, options: {softcap: 30},
    ids: [[0, -100], [3, -100]]},
  {name: 'softcap 30 temperature 2.5 probs', shape: [5, 7], labels: 'probs', scale: 20,
    options: {softcap: 30, temperature: 2.5}},
  {name: 'softcap 30 zLoss ids', shape: [5, 7], labels: 'ids', scale: 20, options: {softcap: 30, zLoss: 1e-3}},
  // everything at once
  {name: 'focal 2 + softcap + all options ids mean', shape: [8, 7], labels: 'ids', scale: 20,
    options: {...ALL, classWeights: W7, focalGamma: 2, softcap: 30}, ids: [[2, -100], [5, -100]]},
  {name: 'focal 0.5 + softcap + others + all options ids none', shape: [8, 7], labels: 'ids', scale: 20,
    options: {...ALL, classWeights: W7, focalGamma: 0.5, softcap: 30, labelSmoothingOver: 'others',
      reduction: 'none', ignoreIndex: 6}, ids: [[1, 6]]},
  {name: 'focal 5 + softcap + all options probs sum', shape: [8, 7], labels: 'probs', scale: 20,
    options: {...ALL, classWeights: W7, focalGamma: 5, softcap: 30, reduction: 'sum'}},
  {name: 'focal 1 + softcap rank 3 ids', shape: [2, 3, 7], labels: 'ids', scale: 20,
    options: {focalGamma: 1, softcap: 15, labelSmoothing: 0.1}},
  // rows past the wasm chunks and the GPU tiles, every new option on
  {name: 'focal 2 + softcap + others [16,4096] ids', shape: [16, 4096], labels: 'ids', scale: 20,
    options: {focalGamma: 2, softcap: 30, labelSmoothing: 0.1, labelSmoothingOver: 'others'}},
  {name: 'focal 0.5 + softcap [4,3000] probs, −∞ over 2500 classes', shape: [4, 3000], labels: 'probs', scale: 20,
    options: {focalGamma: 0.5, softcap: 30, reduction: 'none'}, masked: [[1, 0, 2500]]},
];

/** The concrete data of a case: float32 logits, and labels as class ids or N×K probabilities. */
export function materialize(c: Case, seed = 1): {logits: Float32Array, labels: number[], K: number} {
  const next = rng(seed + c.name.length * 7919);
  const K = c.shape[c.shape.length - 1];
  const size = c.shape.reduce((a, b) => a * b, 1);
  const N = size / K;
  const logits = randn(next, size, c.scale ?? 3).map((v) => v + (c.offset ?? 0));
  const planted = [...(c.logits ?? [])];
  for (const [r, from, to] of c.masked ?? []) for (let k = from; k < to; k++) planted.push([r, k, -Infinity]);
  for (const [r, k, v] of planted) logits[r * K + k] = v;
  let labels: number[];
  if (c.labels === 'ids') {
    labels = Array.from({length: N}, () => Math.floor(next() * K));
    for (const [r, y] of c.ids ?? []) labels[r] = y;
    // keep ids off masked classes unless a case plants one there
    for (const [r, k, v] of planted) {
      if (v === -Infinity && labels[r] === k && !(c.ids ?? []).some(([rr]) => rr === r)) labels[r] = (k + 1) % K;
    }
  } else if (c.softmaxLabels !== undefined) {
    labels = [];
    for (let r = 0; r < N; r++) {
      const s = Array.from(logits.subarray(r * K, (r + 1) * K), (v) => v / (c.softmaxLabels as number));
      const m = s.reduce((a, b) => Math.max(a, b), -Infinity);
      const e = s.map((v) => Math.exp(v - m));
      const total = e.reduce((a, b) => a + b, 0);
      labels.push(...e.map((x) => Math.fround(x / total)));
    }
  } else {
    labels = [];
    for (let r = 0; r < N; r++) {
      const row = Array.from({length: K}, () => Math.exp(3 * next()));
      if (!c.massOnMasked) for (const [rr, k, v] of planted) if (rr === r && v === -Infinity) row[k] = 0;
      const total = row.reduce((a, b) => a + b, 0);
      labels.push(...row.map((x) => Math.fround(x / total)));
    }
  }
  return {logits, labels, K};
}
