/**
 * The float64 reference of the fused linear head, from docs/semantics.md: logits z = h·W (+ b) in plain
 * float64 loops, the float64 softmax reference (reference.ts) for the loss and ∂/∂z, then
 * ∂/∂h = g·Wᵀ, ∂/∂W = hᵀ·g ([V, H] layout: gᵀ·h) and ∂/∂b = Σ_i g_i, all float64. It shares no code
 * with the ops: plain arrays of numbers in and out, no attempt at speed.
 */
import type {LinearCase, LinearInputs} from './linear_cases';
import {rowCount} from './linear_cases';
import {reference, RefOptions} from './reference';

// Module-scope: a global such as Math is looked up through jest's sandbox on every use, which makes
// the 10^8-term loops below some 15 times slower.
const abs = Math.abs;

export interface LinearRefResult {
  /** As the op returns it: one value for 'sum' and 'mean', one per row for 'none'. */
  loss: number[];
  /** d/d(hidden), N×H row-major. */
  dHidden: number[];
  /** d/d(weight) in the weight's layout ([H, V], or [V, H] with transposeWeight), row-major. */
  dWeight: number[];
  /** d/d(bias) [V], when the case has a bias. */
  dBias?: number[];
  /**
   * Per loss entry, Σ_c |∂(entry)/∂z_c|·|z|_c over its rows, with |z|_ic = Σ_k |h_ik·W_kc| + |b_c|: a
   * float32 matMul errs in z_ic by a few ulps of |z|_ic, and the loss carries that times its slope.
   */
  lossLogitTerms: number[];
  /** Per loss entry, reference.ts's lossTerms (the size of what the loss is the difference of). */
  lossTerms: number[];
  /** Per entry of dHidden, Σ_c |g_ic·W_kc|: the size of the terms of its float32 dot product. */
  dHiddenTerms: number[];
  /** Per entry of dWeight, Σ_i |h_ik·g_ic|. */
  dWeightTerms: number[];
  /** Per entry of dBias, Σ_i |g_ic|. */
  dBiasTerms?: number[];
}

/** The case's loss options, as reference.ts takes them (the head's own options dropped). */
export function refOptions(c: LinearCase): RefOptions {
  const {chunkRows: _r, chunkBytes: _b, validateLabels: _v, ...loss} = c.options;
  return loss;
}

/**
 * The reference of case c on its inputs. With useDy and reduction 'none', the gradients are those of
 * Σ_i dy_i·ℓ_i (what tf.grads with dy gives); otherwise of the loss (for 'none', of Σ_i ℓ_i, what
 * linearCrossEntropyWithGrad gives).
 */
export function linearReference(c: LinearCase, inputs: LinearInputs, useDy: boolean): LinearRefResult {
  const N = rowCount(c);
  const {H, V} = c;
  const {hidden: h, bias, labels, dy} = inputs;
  // W as float64 [H, V] whatever the layout (loops over contiguous classes: the medium cases have 10^8 terms)
  const W = new Float64Array(H * V);
  for (let k = 0; k < H; k++) {
    for (let v = 0; v < V; v++) W[k * V + v] = c.transposeWeight ? inputs.weight[v * H + k] : inputs.weight[k * V + v];
  }
  const z = new Float64Array(N * V);
  const zAbs = new Float64Array(N * V);
  for (let i = 0; i < N; i++) {
    const row = i * V;
    if (bias !== undefined) {
      for (let v = 0; v < V; v++) {
        z[row + v] = bias[v];
        zAbs[row + v] = abs(bias[v]);
      }
    }
    for (let k = 0; k < H; k++) {
      const hk = h[i * H + k];
      const base = k * V;
      for (let v = 0; v < V; v++) {
        const p = hk * W[base + v];
        z[row + v] += p;
        zAbs[row + v] += abs(p);
      }
    }
  }
  const o = refOptions(c);
  const ref = reference(z, V, labels, true, o);
  const none = (o.reduction ?? 'mean') === 'none';

  // The loss's sensitivity to the logits' rounding, from the unscaled gradient (the loss is not dy's).
  const rowLogitTerms: number[] = [];
  for (let i = 0; i < N; i++) {
    let t = 0;
    for (let v = 0; v < V; v++) t += abs(ref.grad[i * V + v]) * zAbs[i * V + v];
    rowLogitTerms.push(t);
  }
  const lossLogitTerms = none ? rowLogitTerms : [rowLogitTerms.reduce((a, b) => a + b, 0)];

  const g = Float64Array.from(ref.grad);
  if (none && useDy) for (let j = 0; j < g.length; j++) g[j] *= dy[Math.floor(j / V)];

  const dHidden = new Float64Array(N * H);
  const dHiddenTerms = new Float64Array(N * H);
  const dW = new Float64Array(H * V);      // [H, V]
  const dWTerms = new Float64Array(H * V);
  for (let i = 0; i < N; i++) {
    const row = i * V;
    for (let k = 0; k < H; k++) {
      const hk = h[i * H + k];
      const base = k * V;
      let s = 0;
      let a = 0;
      for (let v = 0; v < V; v++) {
        const gv = g[row + v];
        const p = gv * W[base + v];
        s += p;
        a += abs(p);
        const q = hk * gv;
        dW[base + v] += q;
        dWTerms[base + v] += abs(q);
      }
      dHidden[i * H + k] = s;
      dHiddenTerms[i * H + k] = a;
    }
  }
  // in the weight's layout
  const layout = (m: Float64Array) => {
    if (!c.transposeWeight) return Array.from(m);
    const out: number[] = new Array(H * V);
    for (let k = 0; k < H; k++) for (let v = 0; v < V; v++) out[v * H + k] = m[k * V + v];
    return out;
  };
  let dBias: number[] | undefined;
  let dBiasTerms: number[] | undefined;
  if (bias !== undefined) {
    dBias = new Array(V).fill(0);
    dBiasTerms = new Array(V).fill(0);
    for (let i = 0; i < N; i++) {
      for (let v = 0; v < V; v++) {
        dBias[v] += g[i * V + v];
        dBiasTerms[v] += abs(g[i * V + v]);
      }
    }
  }
  return {loss: ref.loss, dHidden: Array.from(dHidden), dWeight: layout(dW),
    ...(dBias !== undefined ? {dBias, dBiasTerms} : {}),
    lossLogitTerms, lossTerms: ref.lossTerms, dHiddenTerms: Array.from(dHiddenTerms), dWeightTerms: layout(dWTerms)};
}
