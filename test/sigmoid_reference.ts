/**
 * The float64 reference of the sigmoid family, written straight from docs/semantics.md (the math of
 * kernels/sigmoid_cross_entropy/contract.ts). It shares no code with the kernels or the ops: plain
 * arrays of numbers in, plain arrays out, one entry at a time, with no attempt at speed.
 */

export interface SigmoidRefOptions {
  reduction?: 'none' | 'sum' | 'mean';
  labelSmoothing?: number;
  /** One number for every column, or one per column of the last axis. */
  posWeight?: number | number[];
  classWeights?: number[];
  focalGamma?: number;
  focalAlpha?: number;
}

export interface SigmoidRefResult {
  /** The loss as the op returns it: one value for 'sum' and 'mean', one per entry for 'none'. */
  loss: number[];
  /** d(loss)/d(logits), one per entry; for 'none', the gradient of the summed losses. */
  grad: number[];
  /**
   * Per entry, the size of the terms its gradient is the sum of, times |dy|:
   * |w·α_t|·(|γ·q^(γ−1)·(1 − 2y')·σ(x)σ(−x)·bce| + q^γ·(|1 − y'|·σ(x) + |P·y'|·σ(−x))), 0 for a NaN entry.
   * Where the model matches its label (σ(x) ≈ P·y'/(1 − y' + P·y')) the gradient is far smaller than
   * this: a backend that forms the terms in float32 errs by a float32 ulp of it (Tolerance.perTerm).
   */
  gradTerms: number[];
  /**
   * Per loss value (like loss), the size of the terms it is formed from: for one entry
   * |w·α_t·q^γ|·(|P·y'|·sp(−x) + |1 − y'|·sp(x)), summed (and divided by M for 'mean') over the finite
   * entries for 'sum' and 'mean'. Every softplus term is ≥ 0, so an entry's terms are its own |ℓ|; a
   * reduced loss's differ from it where weights of both signs cancel, and a sum formed in float32 errs
   * by an ulp or a few of them (Tolerance.perLossTerm).
   */
  lossTerms: number[];
  /**
   * Like lossTerms, for a backend that takes one softplus and forms the other from sp(−x) = sp(x) − x:
   * bce = (P·y' + 1 − y')·sp(x) − P·y'·x, whose terms |P·y' + 1 − y'|·sp(x) + |P·y'|·|x| (times the
   * same coefficient) are far larger than a confident entry's loss (x = 20, y = 1: 40 against 2e-9).
   * tf.losses.sigmoidCrossEntropy's formula, max(x, 0) − x·y + log1p(e^−|x|), has these terms too.
   */
  lossTermsLinear: number[];
  /**
   * Per entry (with smoothing only; 0 without), |∂(∂ℓ/∂x)/∂y'| times |dy|: y' = (1 − ε)·y + ε/2 formed
   * in float32 errs by an ulp of y', and 1 − y' (the coefficient of sp(x), in α_t and q_t) inherits
   * that error whole, however small 1 − y' is; the gradient errs by this times it (Tolerance.perLabel).
   * Without smoothing y' is the float32 label itself, exact, and 1 − y' is exact or good to an ulp of
   * itself.
   */
  gradLabelTerms: number[];
  /** Per loss value, like gradLabelTerms: |∂ℓ/∂y'| of an entry, summed as the loss is. */
  lossLabelTerms: number[];
}

/** softplus: log(1 + e^u) without overflow; +∞ at +∞, 0 at −∞. */
function softplus(u: number): number {
  return Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
}

/** σ(x) and σ(−x) from e = exp(−|x|), neither formed as 1 − the other. */
function sigmoids(x: number): [number, number] {
  const e = Math.exp(-Math.abs(x));
  const big = 1 / (1 + e);
  const small = e / (1 + e);
  return x >= 0 ? [big, small] : [small, big];
}

/** c·v, 0 where the coefficient c is 0 even if v is ±∞ (a term with a zero coefficient is 0). */
const times = (c: number, v: number) => (c === 0 ? 0 : c * v);

interface Entry {loss: number; grad: number; gradTerms: number; lossTerms: number; lossTermsLinear: number}

/** One entry's loss, gradient (dy = 1) and term sizes, float64, from its smoothed label y'. */
function entry(x: number, yp: number, P: number, w: number, gamma: number, alpha: number | undefined): Entry {
  if (Number.isNaN(x) || Number.isNaN(yp)) return {loss: NaN, grad: NaN, gradTerms: 0, lossTerms: 0, lossTermsLinear: 0};
  const pos = P * yp;   // coefficient of sp(−x)
  const neg = 1 - yp;   // coefficient of sp(x)
  const [sx, snx] = sigmoids(x);
  const bce = times(pos, softplus(-x)) + times(neg, softplus(x));
  const dbce = neg * sx - pos * snx;
  const alphaT = alpha === undefined ? 1 : alpha * yp + (1 - alpha) * (1 - yp);
  const q = yp * snx + (1 - yp) * sx;
  const qg = gamma === 0 ? 1 : Math.pow(q, gamma);  // 0^0 = 1: γ = 0 has no focal term
  const c = w * alphaT * qg;
  // ∂q/∂x = (1 − 2y')·σ(x)σ(−x); the focal term is 0 where γ = 0, q = 0 or σ(x)σ(−x) = 0
  const ss = sx * snx;
  const focal = gamma === 0 || q === 0 || ss === 0 || 1 - 2 * yp === 0 ? 0
      : gamma * Math.pow(q, gamma - 1) * (1 - 2 * yp) * ss * bce;
  const grad = times(w * alphaT, focal + qg * dbce);
  const gradTerms = Math.abs(w * alphaT) * (Math.abs(focal) + qg * (Math.abs(neg) * sx + Math.abs(pos) * snx));
  const terms = times(Math.abs(c), times(Math.abs(pos), softplus(-x)) + times(Math.abs(neg), softplus(x)));
  const linear = times(Math.abs(c), times(Math.abs(pos + neg), softplus(x)) + times(Math.abs(pos), Math.abs(x)));
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  return {loss: times(c, bce), grad, gradTerms: finite(gradTerms), lossTerms: finite(terms), lossTermsLinear: finite(linear)};
}

/**
 * |∂ℓ/∂y'| and |∂(∂ℓ/∂x)/∂y'| by central differences in float64 (step h, inside [0, 1] for the
 * smoothed labels this is taken for), 0 where either is not finite.
 */
function labelSensitivity(x: number, yp: number, P: number, w: number, gamma: number, alpha: number | undefined,
    h: number): [number, number] {
  const up = entry(x, yp + h, P, w, gamma, alpha);
  const down = entry(x, yp - h, P, w, gamma, alpha);
  const d = (a: number, b: number) => {
    const v = Math.abs(a - b) / (2 * h);
    return Number.isFinite(v) ? v : 0;
  };
  return [d(up.loss, down.loss), d(up.grad, down.grad)];
}

/**
 * @param logits the entries, row-major; C the last axis (entry e is in column e mod C).
 * @param labels as many values as logits.
 */
export function sigmoidReference(logits: ArrayLike<number>, labels: ArrayLike<number>, C: number,
    o: SigmoidRefOptions = {}): SigmoidRefResult {
  const M = logits.length;
  if (labels.length !== M) throw new Error(`sigmoidReference: ${labels.length} labels for ${M} logits`);
  const reduction = o.reduction ?? 'mean';
  const column = (v: number | number[] | undefined, e: number) =>
    (v === undefined ? 1 : typeof v === 'number' ? v : v[e % C]);
  const eps = o.labelSmoothing ?? 0;
  const gamma = o.focalGamma ?? 0;
  const scale = reduction === 'mean' ? (M === 0 ? 0 : 1 / M) : 1;  // the upstream gradient of each entry
  // one plain array per quantity: a million entries take a second, not ten
  const [loss, grad, gradTerms, gradLabelTerms, lossTerms, lossTermsLinear, lossLabelTerms] =
    Array.from({length: 7}, () => new Array<number>(M));
  for (let e = 0; e < M; e++) {
    const yp = (1 - eps) * labels[e] + eps / 2;
    const P = column(o.posWeight, e);
    const w = column(o.classWeights, e);
    const x = entry(logits[e], yp, P, w, gamma, o.focalAlpha);
    const [lossLabel, gradLabel] = eps > 0 && Number.isFinite(yp)
      ? labelSensitivity(logits[e], yp, P, w, gamma, o.focalAlpha, Math.min(1e-6, eps / 4)) : [0, 0];
    loss[e] = x.loss;
    grad[e] = times(scale, x.grad);
    gradTerms[e] = scale * x.gradTerms;
    gradLabelTerms[e] = scale * gradLabel;
    lossTerms[e] = x.lossTerms;
    lossTermsLinear[e] = x.lossTermsLinear;
    lossLabelTerms[e] = lossLabel;
  }
  if (reduction === 'none') return {loss, grad, gradTerms, gradLabelTerms, lossTerms, lossTermsLinear, lossLabelTerms};
  const sum = (v: number[]) => {
    let t = 0;
    for (let e = 0; e < M; e++) t += v[e];
    return t;
  };
  return {loss: [M === 0 ? 0 : scale * sum(loss)], grad, gradTerms, gradLabelTerms, lossTerms: [scale * sum(lossTerms)],
    lossTermsLinear: [scale * sum(lossTermsLinear)], lossLabelTerms: [scale * sum(lossLabelTerms)]};
}
