/**
 * The float64 reference of the divergence family (KL to probabilities or to a teacher's logits,
 * distillation, entropy), written straight from docs/semantics.md's definitions, not from the kernels'
 * one-pass recurrences: plain arrays in and out, one row at a time, each log-probability formed as
 * (s_c − m) − log1p(R) with R the sum of exp(s_c − m) over every class but one at the max (so a
 * one-hot-like row keeps 1 − p, and its entropy, exact). It shares no code with the kernels, the ops or
 * the cross-entropy reference.
 */

export type DivergenceKind = 'klProbabilities' | 'klLogits' | 'entropy';

/** The kernel's attributes (kernels/softmax_divergence/contract.ts), with the ops' defaults. */
export interface DivRefOptions {
  kind: DivergenceKind;
  reduction?: 'none' | 'sum' | 'mean';
  temperature?: number;
  /** 'klLogits' only; default: temperature. */
  targetTemperature?: number;
  /** Multiplies loss and gradient (T² for distillation, 1/ln 2 for bits). Default 1. */
  scale?: number;
}

export interface DivRefResult {
  /** One value for 'sum' and 'mean', one per row for 'none'. */
  loss: number[];
  /** d(loss)/d(logits), N×K; for 'none' the gradient of the summed losses. */
  grad: number[];
  /**
   * Per gradient entry (N×K), the size of what the entry is formed from, to first order in a relative
   * error of every exp argument and product: for KL (Σ P·p_j·(1 + |log p_j|) + P_j·(1 + |log P_j|))/T,
   * for entropy p_j·(1 + |log p_j|)·(|log p_j| + H)/T, times |dy_i|·scale (0 at non-finite entries).
   * An entry that cancels (P ≈ p, a uniform row's entropy) is far smaller than this: a backend that
   * forms it in float32 errs by an ulp or a few of it (DivergenceTolerance.perTerm).
   */
  gradTerms: number[];
  /**
   * Per gradient entry, the largest |log-sum-exp| of its row (the student's, and the teacher's or H):
   * the saved float32 pairs are good to 2^-48 of it, which a backward kernel's p and P carry
   * (DivergenceTolerance.perTermLse, times this and gradTerms).
   */
  entryLse: number[];
  /**
   * Per loss entry, the size of the terms the loss sums: for KL Σ_c P_c·[(1 + |log P_c|)·|log P_c − log p_c|
   * + |log P_c| + |log p_c|], for entropy Σ_c p_c·|log p_c|·(1 + |log p_c|), times scale, reduced as the
   * loss is (finite terms only). KL near 0 (P ≈ p) is far smaller (DivergenceTolerance.perLossTerm).
   */
  lossTerms: number[];
  /** The largest finite spread max_c |s_c − max s| of any row (student's and teacher's). */
  maxSpread: number;
  /** The largest finite |s_c| or |u_c| of the case. */
  maxLogit: number;
}

/** log-probabilities of a row of (scaled) logits, and its log-sum-exp; NaN everywhere for a NaN row. */
function logSoftmax(s: number[]): {logp: number[], lse: number} | null {
  if (s.some((v) => Number.isNaN(v) || v === Infinity)) return null;
  let top = 0;
  for (let c = 1; c < s.length; c++) if (s[c] > s[top]) top = c;
  const m = s[top];
  if (m === -Infinity) return null;  // a row of all −∞ has no distribution
  let R = 0;
  for (let c = 0; c < s.length; c++) if (c !== top) R += Math.exp(s[c] - m);
  const l1p = Math.log1p(R);
  return {logp: s.map((v) => (v - m) - l1p), lse: m + l1p};
}

function largest(s: number[]): number {
  let m = 0;
  for (const v of s) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function spread(s: number[]): number {
  let m = -Infinity;
  for (const v of s) if (Number.isFinite(v)) m = Math.max(m, v);
  let d = 0;
  for (const v of s) if (Number.isFinite(v)) d = Math.max(d, Math.abs(v - m));
  return d;
}

/**
 * @param logits N×K student logits, row-major.
 * @param targets N×K: probabilities ('klProbabilities'), teacher logits ('klLogits'); ignored for 'entropy'.
 */
export function divergenceReference(logits: ArrayLike<number>, targets: ArrayLike<number>, K: number,
    o: DivRefOptions): DivRefResult {
  const N = K === 0 ? 0 : logits.length / K;
  const T = o.temperature ?? 1;
  const Tt = o.targetTemperature ?? T;
  const scale = o.scale ?? 1;
  const reduction = o.reduction ?? 'mean';

  const rowLoss: number[] = [];
  const rowGrad: number[][] = [];
  const rowTerms: number[][] = [];
  const rowLse: number[] = [];
  const rowLossTerms: number[] = [];
  let maxSpread = 0;
  let maxLogit = 0;
  const nanRow = () => {
    rowLoss.push(NaN);
    rowGrad.push(new Array(K).fill(NaN));
    rowTerms.push(new Array(K).fill(0));
    rowLse.push(0);
    rowLossTerms.push(0);
  };
  for (let i = 0; i < N; i++) {
    const s: number[] = [];
    for (let c = 0; c < K; c++) s.push(logits[i * K + c] / T);
    const st = logSoftmax(s);
    if (st === null) {
      nanRow();
      continue;
    }
    maxSpread = Math.max(maxSpread, spread(s));
    maxLogit = Math.max(maxLogit, largest(s));
    const logp = st.logp;
    const p = logp.map(Math.exp);

    if (o.kind === 'entropy') {
      // H = −Σ p_c·log p_c, every term ≥ 0 (0 where p_c = 0)
      let H = 0;
      let lt = 0;
      for (let c = 0; c < K; c++) {
        if (p[c] === 0) continue;
        H -= p[c] * logp[c];
        lt += p[c] * Math.abs(logp[c]) * (1 + Math.abs(logp[c]));
      }
      const g: number[] = [];
      const terms: number[] = [];
      for (let c = 0; c < K; c++) {
        g.push(s[c] === -Infinity ? 0 : -(p[c] * (logp[c] + H)) / T);
        terms.push(s[c] === -Infinity ? 0 : (p[c] * (1 + Math.abs(logp[c])) * (Math.abs(logp[c]) + H)) / T);
      }
      rowLoss.push(H);
      rowGrad.push(g);
      rowTerms.push(terms);
      rowLse.push(Math.max(Math.abs(st.lse), H));
      rowLossTerms.push(lt);
      continue;
    }

    // log P: the probabilities' own logs, or the teacher's log-softmax (never the log of a rounded P)
    let logP: number[];
    let P: number[];
    let lseU = 0;
    if (o.kind === 'klLogits') {
      const u: number[] = [];
      for (let c = 0; c < K; c++) u.push(targets[i * K + c] / Tt);
      const ut = logSoftmax(u);
      if (ut === null) {
        nanRow();
        continue;
      }
      maxSpread = Math.max(maxSpread, spread(u));
      maxLogit = Math.max(maxLogit, largest(u));
      logP = ut.logp;
      P = logP.map(Math.exp);
      lseU = ut.lse;
    } else {
      P = [];
      for (let c = 0; c < K; c++) P.push(targets[i * K + c]);
      if (P.some((v) => Number.isNaN(v) || v < 0)) {
        nanRow();
        continue;
      }
      logP = P.map(Math.log);
    }
    // KL = Σ P_c·(log P_c − log p_c): 0 where P_c = 0 (a teacher's u_c = −∞), +∞ where P_c > 0 = p_c (for a
    // teacher: u_c finite, even if exp(log P_c) underflows, where s_c = −∞)
    let kl = 0;
    let lt = 0;
    let mass = 0;
    for (let c = 0; c < K; c++) {
      mass += P[c];
      if (logP[c] === -Infinity) continue;
      const d = logP[c] - logp[c];
      if (d === Infinity) {
        kl = Infinity;
        continue;
      }
      if (P[c] === 0) continue;
      kl += P[c] * d;
      if (Number.isFinite(d)) {
        lt += P[c] * ((1 + Math.abs(logP[c])) * Math.abs(d) + Math.abs(logP[c]) + Math.abs(logp[c]));
      }
    }
    if (o.kind === 'klLogits') mass = 1;  // a softmax sums to 1: the gradient is (p_j − P_j)/T
    const g: number[] = [];
    const terms: number[] = [];
    for (let c = 0; c < K; c++) {
      // (Σ P)·p_j − P_j, 0 at an impossible class (s_j = −∞) even where P_j > 0 made the loss +∞
      g.push(s[c] === -Infinity ? 0 : (mass * p[c] - P[c]) / T);
      const pTerm = p[c] === 0 ? 0 : Math.abs(mass) * p[c] * (1 + Math.abs(logp[c]));
      const PTerm = P[c] === 0 ? 0 : P[c] * (1 + Math.abs(logP[c]));
      terms.push(s[c] === -Infinity ? 0 : (pTerm + PTerm) / T);
    }
    rowLoss.push(kl);
    rowGrad.push(g);
    rowTerms.push(terms);
    rowLse.push(Math.max(Math.abs(st.lse), o.kind === 'klLogits' ? Math.abs(lseU) : 0));
    rowLossTerms.push(lt);
  }

  const sum = (v: number[]) => v.reduce((x, y) => x + y, 0);
  let loss: number[];
  let lossTerms: number[];
  let dy: number[];
  if (reduction === 'none') {
    loss = rowLoss.map((l) => scale * l);
    lossTerms = rowLossTerms.map((l) => scale * l);
    dy = rowLoss.map(() => 1);
  } else if (reduction === 'sum') {
    loss = [scale * sum(rowLoss)];
    lossTerms = [scale * sum(rowLossTerms)];
    dy = rowLoss.map(() => 1);
  } else {
    // rows, not entries (PyTorch's 'batchmean'); an empty batch's mean is 0
    loss = [N === 0 ? 0 : (scale * sum(rowLoss)) / N];
    lossTerms = [N === 0 ? 0 : (scale * sum(rowLossTerms)) / N];
    dy = rowLoss.map(() => 1 / N);
  }
  const grad: number[] = [];
  const gradTerms: number[] = [];
  const entryLse: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < K; c++) {
      grad.push(scale * dy[i] * rowGrad[i][c]);
      gradTerms.push(scale * dy[i] * rowTerms[i][c]);
      entryLse.push(rowLse[i]);
    }
  }
  return {loss, grad, gradTerms, entryLse, lossTerms, maxSpread, maxLogit};
}
