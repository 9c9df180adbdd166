/**
 * The divergence parity table (KL to probabilities, KL to a teacher's logits, distillation, entropy):
 * every backend runs every case, compared with the float64 reference (divergence_reference.ts). Cases
 * are data, as in cases.ts: a shape, an op, its options, and edits that plant awkward values.
 */
import type {DivRefOptions} from './divergence_reference';
import {randn, rng} from './rng';

/** Which public op the case is: klDivergence (probabilities or logits), distillationLoss, entropy. */
export type DivergenceOp = 'kl' | 'klLogits' | 'distillation' | 'entropy';

export interface DivergenceCase {
  name: string;
  shape: number[];  // [..., K]
  op: DivergenceOp;
  options?: {reduction?: 'none' | 'sum' | 'mean'; temperature?: number; targetTemperature?: number; base?: number};
  scale?: number;   // student logits' magnitude (default 3)
  offset?: number;  // added to every student logit (default 0)
  /** Teacher logits (klLogits, distillation): magnitude (default 3) and offset (default 0). */
  targetScale?: number;
  targetOffset?: number;
  logits?: Array<[number, number, number]>;   // [row, class, value] planted in the student logits
  masked?: Array<[number, number, number]>;   // [row, from, to): −∞ planted on a span of student classes
  /** [row, class, value] planted in the targets after they are made (teacher logits, or probabilities as is). */
  targets?: Array<[number, number, number]>;
  /** Probabilities: [row, class] with P = 0 (the rest renormalized). */
  zeros?: Array<[number, number]>;
  /** Probabilities: one-hot rows (a random class each). */
  oneHot?: boolean;
  /** Probabilities: keep mass on the student's −∞ classes (default: P = 0 there). */
  massOnMasked?: boolean;
  /** Probabilities: P = float32(softmax(student logits / this)), so every gradient entry nearly cancels. */
  softmaxTargets?: number;
  /** Teacher logits equal to the student's (KL exactly 0, every gradient entry cancels). */
  teacherIsStudent?: boolean;
}

/** The kernel attributes of a case, as the ops make them (ops/divergence_options.ts). */
export function divergenceAttrs(c: DivergenceCase): DivRefOptions {
  const o = c.options ?? {};
  const T = o.temperature ?? 1;
  const reduction = o.reduction ?? 'mean';
  switch (c.op) {
    case 'kl': return {kind: 'klProbabilities', reduction, temperature: T, targetTemperature: T, scale: 1};
    case 'klLogits':
      return {kind: 'klLogits', reduction, temperature: T, targetTemperature: o.targetTemperature ?? T, scale: 1};
    case 'distillation': return {kind: 'klLogits', reduction, temperature: T, targetTemperature: T, scale: T * T};
    case 'entropy': {
      const base = o.base ?? Math.E;
      return {kind: 'entropy', reduction, temperature: T, targetTemperature: T, scale: base === Math.E ? 1 : 1 / Math.log(base)};
    }
  }
}

// a logit of 30 over logits of scale 1 (one-hot-like rows): 1 − p_max ≈ 6e-13, H ≈ 2e-11
const PEAKED: Array<[number, number, number]> = [[0, 2, 30], [1, 0, 30], [2, 6, 30], [3, 4, 30]];
// 60: H ≈ 1e-24, far below float32's ulp of log S = log(1 + 1e-26)
const PEAKED_60: Array<[number, number, number]> = PEAKED.map(([r, c]) => [r, c, 60]);

export const DIVERGENCE_CASES: DivergenceCase[] = [
  // KL to probabilities, every reduction
  {name: 'kl [4,5]', shape: [4, 5], op: 'kl'},
  {name: 'kl none [5,7]', shape: [5, 7], op: 'kl', options: {reduction: 'none'}},
  {name: 'kl sum [5,7]', shape: [5, 7], op: 'kl', options: {reduction: 'sum'}},
  {name: 'kl temperature 2.5', shape: [5, 7], op: 'kl', options: {temperature: 2.5}},
  {name: 'kl temperature 0.3 none', shape: [5, 7], op: 'kl', options: {temperature: 0.3, reduction: 'none'}},
  {name: 'kl zeros in P none', shape: [4, 6], op: 'kl', options: {reduction: 'none'},
    zeros: [[0, 1], [0, 3], [2, 0], [3, 5]]},
  {name: 'kl one-hot P', shape: [5, 7], op: 'kl', oneHot: true},
  {name: 'kl one-hot P none, temperature 1.7', shape: [5, 7], op: 'kl', oneHot: true,
    options: {reduction: 'none', temperature: 1.7}},
  {name: 'kl −∞ logits, P = 0 there none', shape: [4, 6], op: 'kl', options: {reduction: 'none'},
    logits: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity]]},
  {name: 'kl −∞ logit with P > 0 there (+∞) none', shape: [3, 6], op: 'kl', options: {reduction: 'none'},
    logits: [[1, 2, -Infinity]], massOnMasked: true},
  {name: 'kl −∞ logit with P > 0 there (+∞) mean', shape: [3, 6], op: 'kl', logits: [[1, 2, -Infinity]],
    massOnMasked: true},
  // P = float32(softmax(z / T)): KL ≈ 1e-15 per row, every gradient entry a difference of nearly equal terms
  {name: 'kl P = float32(softmax(z)) none', shape: [5, 7], op: 'kl', options: {reduction: 'none'}, softmaxTargets: 1},
  {name: 'kl P = float32(softmax(z / 1.7)), temperature 1.7', shape: [9, 37], op: 'kl',
    options: {temperature: 1.7}, softmaxTargets: 1.7},
  {name: 'kl NaN logit row none', shape: [4, 5], op: 'kl', options: {reduction: 'none'}, logits: [[1, 2, NaN]]},
  {name: 'kl +∞ logit row none', shape: [3, 5], op: 'kl', options: {reduction: 'none'}, logits: [[1, 4, Infinity]]},
  {name: 'kl all −∞ row none', shape: [2, 3], op: 'kl', options: {reduction: 'none'},
    masked: [[0, 0, 3]], massOnMasked: true},
  {name: 'kl NaN in P none', shape: [3, 5], op: 'kl', options: {reduction: 'none'}, targets: [[0, 3, NaN]]},
  {name: 'kl negative P none', shape: [3, 5], op: 'kl', options: {reduction: 'none'}, targets: [[2, 1, -0.25]]},
  {name: 'kl NaN in P mean', shape: [3, 5], op: 'kl', targets: [[1, 0, NaN]]},
  {name: 'kl logits ±1e4', shape: [6, 9], op: 'kl', scale: 1e4},
  {name: 'kl logits 1000 + small spread none', shape: [5, 11], op: 'kl', offset: 1000, options: {reduction: 'none'}},
  {name: 'kl logits −1000 + small spread sum', shape: [5, 11], op: 'kl', offset: -1000, options: {reduction: 'sum'}},
  {name: 'kl K = 1', shape: [3, 1], op: 'kl'},
  {name: 'kl K = 1 none, temperature 1.7', shape: [3, 1], op: 'kl', options: {reduction: 'none', temperature: 1.7}},
  {name: 'kl N = 0 mean', shape: [0, 5], op: 'kl'},
  {name: 'kl N = 0 sum', shape: [0, 5], op: 'kl', options: {reduction: 'sum'}},
  {name: 'kl N = 0 none', shape: [0, 5], op: 'kl', options: {reduction: 'none'}},
  {name: 'kl odd K [7,13]', shape: [7, 13], op: 'kl'},
  {name: 'kl rank 1', shape: [6], op: 'kl'},
  {name: 'kl rank 1 none', shape: [6], op: 'kl', options: {reduction: 'none'}},
  {name: 'kl rank 3 none', shape: [2, 3, 7], op: 'kl', options: {reduction: 'none'}},
  {name: 'kl −∞ over the first 2500 classes [2,3000]', shape: [2, 3000], op: 'kl', masked: [[0, 0, 2500]],
    options: {reduction: 'none'}},
  {name: 'kl random [64,1000]', shape: [64, 1000], op: 'kl'},
  {name: 'kl K = 100000', shape: [2, 100000], op: 'kl'},

  // KL to a teacher's logits (P = softmax(t / T_t), taken in log space)
  {name: 'klLogits [4,5]', shape: [4, 5], op: 'klLogits'},
  {name: 'klLogits none, targetTemperature 2', shape: [5, 7], op: 'klLogits',
    options: {reduction: 'none', targetTemperature: 2}},
  {name: 'klLogits sum, temperature 0.5, targetTemperature 3', shape: [5, 7], op: 'klLogits',
    options: {reduction: 'sum', temperature: 0.5, targetTemperature: 3}},
  {name: 'klLogits teacher ±1e4', shape: [6, 9], op: 'klLogits', targetScale: 1e4},
  {name: 'klLogits teacher ±1e4 none, student ±1e4', shape: [6, 9], op: 'klLogits', targetScale: 1e4, scale: 1e4,
    options: {reduction: 'none'}},
  {name: 'klLogits teacher 1e4 + small spread', shape: [5, 11], op: 'klLogits', targetOffset: 1e4},
  {name: 'klLogits teacher −∞ masks none', shape: [4, 6], op: 'klLogits', options: {reduction: 'none'},
    targets: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity], [3, 0, -Infinity], [3, 1, -Infinity]]},
  {name: 'klLogits −∞ in both at the same class none', shape: [3, 6], op: 'klLogits', options: {reduction: 'none'},
    logits: [[0, 2, -Infinity], [2, 5, -Infinity]], targets: [[0, 2, -Infinity], [2, 5, -Infinity]]},
  {name: 'klLogits student −∞ where the teacher is finite (+∞) none', shape: [3, 6], op: 'klLogits',
    options: {reduction: 'none'}, logits: [[1, 3, -Infinity]]},
  {name: 'klLogits teacher = student none', shape: [5, 7], op: 'klLogits', options: {reduction: 'none'},
    teacherIsStudent: true},
  {name: 'klLogits teacher NaN row none', shape: [3, 5], op: 'klLogits', options: {reduction: 'none'},
    targets: [[1, 2, NaN]]},
  {name: 'klLogits teacher +∞ row none', shape: [3, 5], op: 'klLogits', options: {reduction: 'none'},
    targets: [[0, 0, Infinity]]},
  {name: 'klLogits teacher all −∞ row none', shape: [2, 4], op: 'klLogits', options: {reduction: 'none'},
    targets: [[1, 0, -Infinity], [1, 1, -Infinity], [1, 2, -Infinity], [1, 3, -Infinity]]},
  {name: 'klLogits student NaN row mean', shape: [3, 5], op: 'klLogits', logits: [[2, 4, NaN]]},
  {name: 'klLogits K = 1', shape: [3, 1], op: 'klLogits'},
  {name: 'klLogits N = 0 sum', shape: [0, 5], op: 'klLogits', options: {reduction: 'sum'}},
  {name: 'klLogits odd K [7,13] none', shape: [7, 13], op: 'klLogits', options: {reduction: 'none'}},
  {name: 'klLogits rank 1 sum', shape: [6], op: 'klLogits', options: {reduction: 'sum'}},
  {name: 'klLogits rank 3', shape: [2, 3, 7], op: 'klLogits', options: {targetTemperature: 0.7}},
  {name: 'klLogits teacher −∞ over the first 2500 classes [2,3000]', shape: [2, 3000], op: 'klLogits',
    targets: Array.from({length: 2500}, (_, k): [number, number, number] => [1, k, -Infinity])},

  // distillation: T²·KL(softmax(t/T) ‖ softmax(s/T))
  {name: 'distillation T 2', shape: [5, 7], op: 'distillation', options: {temperature: 2}},
  {name: 'distillation T 4 sum', shape: [5, 7], op: 'distillation', options: {temperature: 4, reduction: 'sum'}},
  {name: 'distillation T 0.5 none', shape: [5, 7], op: 'distillation', options: {temperature: 0.5, reduction: 'none'}},
  {name: 'distillation T 1', shape: [4, 5], op: 'distillation'},
  {name: 'distillation teacher ±1e4, T 2', shape: [6, 9], op: 'distillation', targetScale: 1e4,
    options: {temperature: 2}},
  {name: 'distillation student 1000 + spread, teacher −1000 + spread none', shape: [5, 11], op: 'distillation',
    offset: 1000, targetOffset: -1000, options: {reduction: 'none'}},
  {name: 'distillation teacher = student, T 3', shape: [5, 7], op: 'distillation', teacherIsStudent: true,
    options: {temperature: 3}},
  {name: 'distillation teacher −∞ masks, T 2 none', shape: [4, 6], op: 'distillation',
    options: {temperature: 2, reduction: 'none'}, targets: [[0, 1, -Infinity], [2, 3, -Infinity]]},
  {name: 'distillation K = 1, T 2', shape: [3, 1], op: 'distillation', options: {temperature: 2}},
  {name: 'distillation N = 0 mean', shape: [0, 7], op: 'distillation', options: {temperature: 2}},
  {name: 'distillation random [64,1000], T 2', shape: [64, 1000], op: 'distillation', options: {temperature: 2}},
  {name: 'distillation K = 100000, T 2', shape: [2, 100000], op: 'distillation', options: {temperature: 2}},

  // entropy, in nats and in bits
  {name: 'entropy [4,5]', shape: [4, 5], op: 'entropy'},
  {name: 'entropy none [5,7]', shape: [5, 7], op: 'entropy', options: {reduction: 'none'}},
  {name: 'entropy sum [5,7]', shape: [5, 7], op: 'entropy', options: {reduction: 'sum'}},
  {name: 'entropy bits', shape: [5, 7], op: 'entropy', options: {base: 2}},
  {name: 'entropy bits none, temperature 0.3', shape: [5, 7], op: 'entropy', options: {base: 2, temperature: 0.3,
    reduction: 'none'}},
  {name: 'entropy temperature 2.5 sum', shape: [5, 7], op: 'entropy', options: {temperature: 2.5, reduction: 'sum'}},
  {name: 'entropy one-hot-like rows none', shape: [4, 7], op: 'entropy', scale: 1, logits: PEAKED,
    options: {reduction: 'none'}},
  {name: 'entropy one-hot-like rows (H ≈ 1e-24) none', shape: [4, 7], op: 'entropy', scale: 1, logits: PEAKED_60,
    options: {reduction: 'none'}},
  {name: 'entropy one-hot-like rows bits mean', shape: [4, 7], op: 'entropy', scale: 1, logits: PEAKED,
    options: {base: 2}},
  {name: 'entropy uniform rows (H = log K, gradient 0) none', shape: [3, 6], op: 'entropy', scale: 0, offset: 1.5,
    options: {reduction: 'none'}},
  {name: 'entropy rows offset by 1000 none', shape: [5, 11], op: 'entropy', offset: 1000, options: {reduction: 'none'}},
  {name: 'entropy rows offset by −1000 bits', shape: [5, 11], op: 'entropy', offset: -1000, options: {base: 2}},
  {name: 'entropy logits ±1e4', shape: [6, 9], op: 'entropy', scale: 1e4},
  {name: 'entropy −∞ masked none', shape: [4, 6], op: 'entropy', options: {reduction: 'none'},
    logits: [[0, 1, -Infinity], [0, 4, -Infinity], [2, 0, -Infinity]]},
  {name: 'entropy NaN row none', shape: [4, 5], op: 'entropy', options: {reduction: 'none'}, logits: [[1, 2, NaN]]},
  {name: 'entropy +∞ row none', shape: [3, 5], op: 'entropy', options: {reduction: 'none'}, logits: [[0, 4, Infinity]]},
  {name: 'entropy all −∞ row none', shape: [2, 3], op: 'entropy', options: {reduction: 'none'}, masked: [[1, 0, 3]]},
  {name: 'entropy K = 1', shape: [3, 1], op: 'entropy'},
  {name: 'entropy K = 1 none bits', shape: [3, 1], op: 'entropy', options: {reduction: 'none', base: 2}},
  {name: 'entropy N = 0 mean', shape: [0, 5], op: 'entropy'},
  {name: 'entropy N = 0 none', shape: [0, 5], op: 'entropy', options: {reduction: 'none'}},
  {name: 'entropy odd K [7,13]', shape: [7, 13], op: 'entropy'},
  {name: 'entropy rank 1 none', shape: [6], op: 'entropy', options: {reduction: 'none'}},
  {name: 'entropy rank 3 sum', shape: [2, 3, 7], op: 'entropy', options: {reduction: 'sum'}},
  {name: 'entropy −∞ over the first 2500 classes [2,3000]', shape: [2, 3000], op: 'entropy', masked: [[0, 0, 2500]]},
  {name: 'entropy random [64,1000]', shape: [64, 1000], op: 'entropy'},
  {name: 'entropy K = 100000', shape: [2, 100000], op: 'entropy'},
];

/** The concrete data of a case: float32 student logits and targets (for entropy, the logits again). */
export function materializeDivergence(c: DivergenceCase, seed = 1): {logits: Float32Array, targets: Float32Array, K: number} {
  const next = rng(seed + c.name.length * 7919 + 13);
  const K = c.shape[c.shape.length - 1];
  const size = c.shape.reduce((a, b) => a * b, 1);
  const N = size / K;
  const logits = randn(next, size, c.scale ?? 3).map((v) => v + (c.offset ?? 0));
  const planted = [...(c.logits ?? [])];
  for (const [r, from, to] of c.masked ?? []) for (let k = from; k < to; k++) planted.push([r, k, -Infinity]);
  for (const [r, k, v] of planted) logits[r * K + k] = v;
  if (c.op === 'entropy') return {logits, targets: logits, K};
  let targets: Float32Array;
  if (c.op === 'klLogits' || c.op === 'distillation') {
    targets = c.teacherIsStudent ? logits.slice()
        : randn(next, size, c.targetScale ?? 3).map((v) => v + (c.targetOffset ?? 0));
  } else if (c.softmaxTargets !== undefined) {
    targets = new Float32Array(size);
    for (let r = 0; r < N; r++) {
      const s = Array.from(logits.subarray(r * K, (r + 1) * K), (v) => v / (c.softmaxTargets as number));
      const m = s.reduce((a, b) => Math.max(a, b), -Infinity);
      const e = s.map((v) => Math.exp(v - m));
      const total = e.reduce((a, b) => a + b, 0);
      e.forEach((x, k) => { targets[r * K + k] = x / total; });
    }
  } else {
    targets = new Float32Array(size);
    for (let r = 0; r < N; r++) {
      const row = Array.from({length: K}, () => Math.exp(3 * next()));
      if (c.oneHot) {
        const hot = Math.floor(next() * K);
        row.fill(0);
        row[hot] = 1;
      }
      for (const [rr, k] of c.zeros ?? []) if (rr === r) row[k] = 0;
      if (!c.massOnMasked) for (const [rr, k, v] of planted) if (rr === r && v === -Infinity) row[k] = 0;
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((x, k) => { targets[r * K + k] = x / total; });
    }
  }
  for (const [r, k, v] of c.targets ?? []) targets[r * K + k] = v;
  return {logits, targets, K};
}
