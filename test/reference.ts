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
  /** γ ≥ 0: every term times q_c^γ, q_c = 1 − p_c (0: plain cross-entropy). */
  focalGamma?: number;
  /** 'others': ε/(K − 1) on each class but the target (class ids only; K = 1: no smoothing). */
  labelSmoothingOver?: 'all' | 'others';
  /** c > 0: s = c·tanh(z/c) / T, a −∞ logit kept −∞ (0: no cap). */
  softcap?: number;
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
  const gamma = o.focalGamma ?? 0;
  const others = (o.labelSmoothingOver ?? 'all') === 'others';
  const cap = o.softcap ?? 0;

  const rowLoss: number[] = [];
  const rowGrad: number[][] = [];  // gradient of ℓ_i (dy_i = 1)
  const rowTerms: number[] = [];   // gradTerms with dy_i = 1
  const rowLse: number[] = [];
  const rowLossTerms: number[] = [];
  let D = 0;
  for (let i = 0; i < N; i++) {
    const s: number[] = [];
    const capSlope: number[] = [];  // ds_c/dz_c·T: sech²(z_c/c) under a softcap, else 1
    for (let c = 0; c < K; c++) {
      const z = logits[i * K + c];
      if (cap > 0 && Number.isFinite(z)) {
        s.push(cap * Math.tanh(z / cap) / T);
        capSlope.push(sech2(z / cap));
      } else {
        // −∞ stays −∞ (an impossible class, not −c); +∞ and NaN keep their rule (the row is NaN)
        s.push(z / T);
        capSlope.push(cap > 0 ? 0 : 1);
      }
    }
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
      const y = labels[i];
      if (!sparse) a.push(w[c] * ((1 - eps) * labels[i * K + c] + eps / K));
      else if (!others) a.push((1 - eps) * w[c] * (c === y ? 1 : 0) + (eps / K) * w[c]);
      else if (K === 1) a.push(w[c]);  // no other class to smooth onto
      else a.push(c === y ? (1 - eps) * w[c] : (eps / (K - 1)) * w[c]);
    }
    const row = gamma > 0 ? focalRow(s, a, lse, gamma, lambda, T, capSlope) : plainRow(s, a, lse, lambda, T, capSlope);
    rowLoss.push(Number.isNaN(lse) ? NaN : row.l);
    rowGrad.push(row.g);
    rowTerms.push(row.terms);
    rowLossTerms.push(Number.isFinite(row.lt) ? row.lt : 0);
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

/** sech²(x) = 1 − tanh²(x) without the cancellation: 4e/(1 + e)², e = exp(−2|x|) (0 for |x| ≫ 1). */
function sech2(x: number): number {
  const e = Math.exp(-2 * Math.abs(x));
  return (4 * e) / ((1 + e) * (1 + e));
}

interface Row {l: number; g: number[]; terms: number; lt: number}

/**
 * ℓ = Σ_c a_c·(lse − s_c) + λ·lse², ∂ℓ/∂z_c = slope_c·((A + 2λ·lse)·p_c − a_c)/T, slope_c = ∂(T·s_c)/∂z_c
 * (1 without a softcap); the gradient's terms carry the slope too.
 */
function plainRow(s: number[], a: number[], lse: number, lambda: number, T: number, slope: number[]): Row {
  const K = s.length;
  let l = lambda * lse * lse;
  for (let c = 0; c < K; c++) if (a[c] !== 0) l += a[c] * (lse - s[c]);
  let lt = lambda * lse * lse;
  for (let c = 0; c < K; c++) if (a[c] !== 0) lt += Math.abs(a[c]) * (Math.abs(lse) + Math.abs(s[c]));
  const A = a.reduce((x, y) => x + y, 0);
  const g: number[] = [];
  let terms = 0;
  for (let c = 0; c < K; c++) {
    const p = Math.exp(s[c] - lse);
    g.push(Number.isNaN(lse) ? NaN : s[c] === -Infinity ? 0 : slope[c] * (((A + 2 * lambda * lse) * p - a[c]) / T));
    if (Number.isFinite(g[c])) {
      terms = Math.max(terms, slope[c] * ((Math.abs(A + 2 * lambda * lse) * p + Math.abs(a[c])) / T));
    }
  }
  return {l, g, terms, lt};
}

/**
 * Focal: ℓ = Σ_c a_c·q_c^γ·(−log p_c) + λ·lse², q_c = −expm1(log p_c), and ∂ℓ/∂s_j = (B + 2λ·lse)·p_j − b_j
 * with b_c = a_c·q_c^γ·(1 − γ·r_c), r_c = p_c·log p_c / q_c (−1 where q_c = 0, 0 where p_c = 0), B = Σ b_c.
 * log p is formed as (s_c − m) − log1p(R), R the sum of exp(s_c − m) over every class but one at the
 * max: at a confident row 1 − p_y ≈ R (far below float64's ulp of 1 when R < 1e-16) stays exact, and
 * so does q_y^γ, which is all the loss is there.
 */
function focalRow(s: number[], a: number[], lse: number, gamma: number, lambda: number, T: number,
    slope: number[]): Row {
  const K = s.length;
  if (Number.isNaN(lse)) return {l: NaN, g: new Array(K).fill(NaN), terms: 0, lt: 0};
  let top = 0;
  for (let c = 1; c < K; c++) if (s[c] > s[top]) top = c;
  const m = s[top];
  let R = 0;
  for (let c = 0; c < K; c++) if (c !== top) R += Math.exp(s[c] - m);
  const logp = s.map((v) => (v - m) - Math.log1p(R));
  const lseExact = m + Math.log1p(R);
  let l = lambda * lseExact * lseExact;
  let lt = l;
  const b: number[] = [];
  const bTerms: number[] = [];  // |a_c|·q_c^γ·(1 + γ·|r_c|): the size of b_c's parts
  for (let c = 0; c < K; c++) {
    if (a[c] === 0) {
      b.push(0);
      bTerms.push(0);
      continue;
    }
    const p = Math.exp(logp[c]);
    const q = -Math.expm1(logp[c]);
    const qg = Math.pow(q, gamma);  // 0^0 = 1 is not reached (γ > 0); 0^γ = 0
    const r = p === 0 ? 0 : q === 0 ? -1 : (p * logp[c]) / q;
    l += a[c] * qg * -logp[c];
    lt += Math.abs(a[c]) * qg * (Math.abs(lseExact) + Math.abs(s[c]));
    b.push(a[c] * qg * (1 - gamma * r));
    bTerms.push(Math.abs(a[c]) * qg * (1 + gamma * Math.abs(r)));
  }
  const B = b.reduce((x, y) => x + y, 0);
  const Bterms = bTerms.reduce((x, y) => x + y, 0);
  const g: number[] = [];
  let terms = 0;
  for (let c = 0; c < K; c++) {
    const p = Math.exp(logp[c]);
    g.push(s[c] === -Infinity ? 0 : slope[c] * (((B + 2 * lambda * lseExact) * p - b[c]) / T));
    if (Number.isFinite(g[c])) {
      terms = Math.max(terms, slope[c] * (((Bterms + Math.abs(2 * lambda * lseExact)) * p + bTerms[c]) / T));
    }
  }
  return {l, g, terms, lt};
}
