/**
 * The float64 reference, written straight from docs/semantics.md. It shares no
 * code with the kernels or the ops: plain arrays of numbers in, plain arrays out, one row at a time,
 * with no attempt at speed.
 */

export interface RefOptions {
  reduction?: 'none' | 'sum' | 'mean';
  labelSmoothing?: number;
  classWeights?: number[];
  ignoreIndex?: number;
  temperature?: number;
  zLoss?: number;
}

export interface RefResult {
  /** The loss as the op returns it: one value for 'sum' and 'mean', one per row for 'none'. */
  loss: number[];
  /** d(loss)/d(logits), N×K row-major; for 'none', the gradient of the summed losses. */
  grad: number[];
  /**
   * Per row, the magnitude of the two terms each gradient entry is the difference of, at its largest:
   * max_c |dy_i|·(|A_i + 2λ·lse_i|·p_ic + |a_ic|)/T over the row's finite entries (0 for a row with
   * none). Where the model is confident, the entries are far smaller than this: a backend that forms
   * the terms in float32 errs by a float32 ulp of it (Tolerance.perTerm).
   */
  gradTerms: number[];
  /**
   * Per row, |lse_i| (0 for an ignored row or a non-finite lse): the saved lse is a float32 pair, good
   * to 2^-48·|lse|, so a backward kernel's p = exp(s − lse) carries that relative error
   * (Tolerance.perTermLse).
   */
  rowLse: number[];
  /**
   * Per loss entry (like loss), the magnitude of the terms the loss is the difference of:
   * Σ_c |a_c|·(|lse| + |s_c|) + λ·lse² over the finite terms of its rows (weighted and reduced as the
   * loss is). Where the model is confident, ℓ = Σ_c a_c·(lse − s_c) is far smaller than this: a backend
   * that forms lse − s_c in float32 errs by a float32 ulp of it (Tolerance.perLossTerm).
   */
  lossTerms: number[];
}

/**
 * @param logits N×K values, row-major.
 * @param labels N class ids (sparse) or N×K probabilities.
 */
export function reference(logits: ArrayLike<number>, K: number, labels: ArrayLike<number>, sparse: boolean,
    o: RefOptions = {}): RefResult {
  const N = K === 0 ? 0 : logits.length / K;
  const eps = o.labelSmoothing ?? 0;
  const T = o.temperature ?? 1;
  const lambda = o.zLoss ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const w = o.classWeights ?? new Array(K).fill(1);
  const reduction = o.reduction ?? 'mean';

  const rowLoss: number[] = [];
  const rowGrad: number[][] = [];  // gradient of ℓ_i (dy_i = 1)
  const rowTerms: number[] = [];   // gradTerms with dy_i = 1
  const rowLse: number[] = [];
  const rowLossTerms: number[] = [];
  let D = 0;
  for (let i = 0; i < N; i++) {
    const s: number[] = [];
    for (let c = 0; c < K; c++) s.push(logits[i * K + c] / T);
    if (sparse && labels[i] === ignore) {
      rowLoss.push(0);
      rowGrad.push(new Array(K).fill(0));
      rowTerms.push(0);
      rowLse.push(0);
      rowLossTerms.push(0);
      continue;
    }
    if (sparse && !(labels[i] >= 0 && labels[i] < K)) throw new Error(`reference: bad class id ${labels[i]}`);
    // lse = log Σ exp(s): shift by the max; NaN or +∞ anywhere, or all −∞, gives NaN
    const m = s.reduce((x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)), -Infinity);
    let sum = 0;
    for (const v of s) sum += Math.exp(v - m);
    const lse = m + Math.log(sum);
    const a: number[] = [];
    for (let c = 0; c < K; c++) {
      a.push(sparse
          ? (1 - eps) * w[c] * (c === labels[i] ? 1 : 0) + (eps / K) * w[c]
          : w[c] * ((1 - eps) * labels[i * K + c] + eps / K));
    }
    let l = lambda * lse * lse;
    for (let c = 0; c < K; c++) if (a[c] !== 0) l += a[c] * (lse - s[c]);
    let lt = lambda * lse * lse;
    for (let c = 0; c < K; c++) if (a[c] !== 0) lt += Math.abs(a[c]) * (Math.abs(lse) + Math.abs(s[c]));
    rowLossTerms.push(Number.isFinite(lt) ? lt : 0);
    const A = a.reduce((x, y) => x + y, 0);
    const g: number[] = [];
    let terms = 0;
    for (let c = 0; c < K; c++) {
      const p = Math.exp(s[c] - lse);
      g.push(Number.isNaN(lse) ? NaN : s[c] === -Infinity ? 0 : ((A + 2 * lambda * lse) * p - a[c]) / T);
      if (Number.isFinite(g[c])) terms = Math.max(terms, (Math.abs(A + 2 * lambda * lse) * p + Math.abs(a[c])) / T);
    }
    rowLoss.push(Number.isNaN(lse) ? NaN : l);
    rowGrad.push(g);
    rowTerms.push(terms);
    rowLse.push(Number.isFinite(lse) ? Math.abs(lse) : 0);
    D += sparse ? w[labels[i]] : 1;
  }

  let loss: number[];
  let lossTerms: number[];
  let dy: number[];
  const sum = (v: number[]) => v.reduce((x, y) => x + y, 0);
  if (reduction === 'none') {
    loss = rowLoss;
    lossTerms = rowLossTerms;
    dy = rowLoss.map(() => 1);
  } else if (reduction === 'sum') {
    loss = [sum(rowLoss)];
    lossTerms = [sum(rowLossTerms)];
    dy = rowLoss.map(() => 1);
  } else {
    loss = [D === 0 ? 0 : sum(rowLoss) / D];
    lossTerms = [D === 0 ? 0 : sum(rowLossTerms) / D];
    dy = rowLoss.map(() => (D === 0 ? 0 : 1 / D));
  }
  const grad: number[] = [];
  for (let i = 0; i < N; i++) for (const g of rowGrad[i]) grad.push(dy[i] === 0 ? 0 : dy[i] * g);
  const gradTerms = rowTerms.map((t, i) => Math.abs(dy[i]) * t);
  return {loss, grad, gradTerms, rowLse, lossTerms};
}
