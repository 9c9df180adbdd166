/**
 * The chunk loop of the linear head (contract.ts has the math and the numbered passes). Every chunk's
 * temporaries are disposed as soon as they are used, not at the end of a tidy: a tidy around the loop
 * would keep every chunk's logits alive until the end, which is the [N, V] tensor this exists to avoid.
 */
import * as tf from '@tensorflow/tfjs-core';
import {softmaxCrossEntropy} from '../../ops/softmax_cross_entropy.js';
import {softmaxCrossEntropyWithGrad} from '../../ops/softmax_cross_entropy_with_grad.js';
import type {SoftmaxCrossEntropyOptions} from '../../ops/options.js';
import type {ChunkPlan} from './plan.js';

/** The head's tensors, flattened to rows: hidden [N, H], labels [N]. */
export interface Head {
  /** The public op's name, for errors. */
  op: string;
  hidden: tf.Tensor2D;
  weight: tf.Tensor2D;       // [H, V], or [V, H] with transposeWeight
  bias?: tf.Tensor1D;        // [V]
  labels: tf.Tensor1D;       // int32 [N]
  transposeWeight: boolean;
  /** The softmax options for one chunk (reduction is set per call; labels already validated). */
  loss: SoftmaxCrossEntropyOptions;
  plan: ChunkPlan;
}

export interface HeadGrads {
  dHidden: tf.Tensor2D;
  dWeight: tf.Tensor2D;
  dBias?: tf.Tensor1D;
}

/** Per-row scale of the gradient: a scalar (1/D for the mean, 1 for the sum) or dy [N] ('none'). */
export type RowScale = tf.Scalar | tf.Tensor1D;

/**
 * Runs f on the chunk of rows from `start`, rewriting a bad-class-id error of the softmax kernels
 * (which count rows within the chunk, under their own name) to name the op and the row of the batch.
 */
export function atRows<T>(op: string, start: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const m = e instanceof Error ? /^softmaxCrossEntropy: ([^]*); row (\d+) has ([^]*)$/.exec(e.message) : null;
    if (m) throw new Error(`${op}: ${m[1]}; row ${start + Number(m[2])} has ${m[3]}`);
    throw e;
  }
}

function rowsOf(t: tf.Tensor, start: number, count: number): tf.Tensor {
  return t.rank === 1 ? tf.slice(t, [start], [count]) : tf.slice(t, [start, 0], [count, -1]);
}

/**
 * The head's products. tfjs's wasm matMul is about 10× slower with a transposed operand (measured at
 * R = 512, H = 64, V = 20 002: g·Wᵀ 495 ms against 39 ms with Wᵀ made first, hᵀ·g 496 ms against
 * 43 ms with hᵀ made first, the transposes themselves 10 ms and < 1 ms), so on wasm no product takes
 * one: the weight is transposed once per call (one more weight-sized tensor), each chunk's h is
 * transposed (small), and dW accumulates as [H, V] (a tied head's is transposed once at the end).
 * The other backends take the transposes in their matMul kernels. (Without a transpose, wasm's fused
 * bias is also safe: with transposeB tfjs 4.22 adds it wrongly.)
 */
class Products {
  private readonly wasm = tf.getBackend() === 'wasm';
  /** wasm only: the weight in the other layout ([V, H] for a dense kernel, [H, V] for a tied one). */
  private readonly flipped?: tf.Tensor2D;

  constructor(private readonly head: Head, grads: boolean) {
    if (this.wasm && (grads || head.transposeWeight)) this.flipped = tf.transpose(head.weight);
  }

  /** 1. logits z_c = h_c·W (+ b), [R, V]. */
  logits(h: tf.Tensor2D): tf.Tensor2D {
    const {weight, bias, transposeWeight: tw} = this.head;
    const [b, transposeB] = tw && this.flipped ? [this.flipped, false] : [weight, tw];
    return (bias === undefined ? tf.matMul(h, b, false, transposeB)
        : tf.fused.matMul({a: h, b, transposeB, bias})) as tf.Tensor2D;
  }

  /** dh_c = g_c·Wᵀ, [R, H]. */
  dHidden(g: tf.Tensor2D): tf.Tensor2D {
    const {weight, transposeWeight: tw} = this.head;
    if (tw) return tf.matMul(g, weight);
    return (this.flipped ? tf.matMul(g, this.flipped) : tf.matMul(g, weight, false, true)) as tf.Tensor2D;
  }

  /**
   * The running dW plus this chunk's (s·h_c)ᵀ·g_c (g_cᵀ·(s·h_c) for a tied head), freeing g_c before
   * the running sum is replaced: at no time do g_c, the old sum, a partial product and the new sum all
   * exist. On webgl and webgpu the sum so far is the bias of one fused matMul (their fused matMul
   * broadcasts any bias), so there is no separate partial product either.
   */
  accumulate(before: tf.Tensor2D | undefined, hs: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
    const tw = this.head.transposeWeight;
    let partial: tf.Tensor2D;
    if (this.wasm) {
      partial = tf.matMul(tf.transpose(hs), g);  // [H, V] in either layout
    } else {
      const [a, b] = tw ? [g, hs] : [hs, g];
      const backend = tf.getBackend();
      if (before !== undefined && (backend === 'webgl' || backend === 'webgpu')) {
        const sum = tf.fused.matMul({a, b, transposeA: true, bias: before}) as tf.Tensor2D;
        g.dispose();
        return sum;
      }
      partial = tf.matMul(a, b, true, false);
    }
    g.dispose();
    if (before === undefined) return partial;
    const sum = tf.add(before, partial) as tf.Tensor2D;
    partial.dispose();
    return sum;
  }

  /** dW in the weight's layout. */
  finish(dW: tf.Tensor2D): tf.Tensor2D {
    if (!(this.wasm && this.head.transposeWeight)) return dW;
    const t = tf.transpose(dW);
    dW.dispose();
    return t;
  }

  dispose(): void {
    this.flipped?.dispose();
  }
}

/** Calls f on each chunk's rows [start, start + count). */
function eachChunk(plan: ChunkPlan, N: number, f: (start: number, count: number) => void): void {
  for (let c = 0; c < plan.chunks; c++) {
    const start = c * plan.chunkRows;
    f(start, Math.min(plan.chunkRows, N - start));
  }
}

/**
 * Steps 1–2 without the gradient: the summed loss (a scalar) or, for 'none', one loss per row [N].
 * One matMul and one forward kernel per chunk.
 */
export function headLoss(head: Head, perRow: boolean): tf.Tensor {
  const N = head.hidden.shape[0];
  const options = {...head.loss, reduction: perRow ? 'none' as const : 'sum' as const};
  const parts: tf.Tensor[] = [];
  const products = new Products(head, false);
  eachChunk(head.plan, N, (start, count) => {
    parts.push(atRows(head.op, start, () => tf.tidy(() => {
      const z = products.logits(rowsOf(head.hidden, start, count) as tf.Tensor2D);
      const loss = softmaxCrossEntropy(z, rowsOf(head.labels, start, count), options);
      z.dispose();
      return loss;
    })));
  });
  products.dispose();
  return joinLosses(parts, perRow, N);
}

function joinLosses(parts: tf.Tensor[], perRow: boolean, N: number): tf.Tensor {
  if (parts.length === 0) return perRow ? tf.zeros([N]) : tf.scalar(0);
  if (perRow) {
    if (parts.length === 1) return parts[0];
    const joined = tf.concat(parts, 0);
    tf.dispose(parts);
    return joined;
  }
  // A running sum, not tf.addN: tfjs's webgpu addN binds every input in one shader, and past the
  // device's storage-buffer limit (8 on SwiftShader) its pipeline is invalid and the sum is garbage.
  let total = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const next = tf.add(total, parts[i]);
    total.dispose();
    parts[i].dispose();
    total = next;
  }
  return total;
}

/**
 * Steps 1–3: the gradients of Σ_i s_i·ℓ_i with respect to hidden, weight and bias, and the loss
 * (summed, or per row when `perRow`) as a by-product of the same kernel runs.
 */
export function headLossAndGrads(head: Head, scale: RowScale, perRow: boolean): HeadGrads & {loss: tf.Tensor} {
  const N = head.hidden.shape[0];
  const H = head.hidden.shape[1];
  const {transposeWeight: tw} = head;
  const options = {...head.loss, reduction: perRow ? 'none' as const : 'sum' as const};
  const products = new Products(head, true);
  const losses: tf.Tensor[] = [];
  const dh: tf.Tensor[] = [];
  let dW: tf.Tensor2D | undefined;
  let db: tf.Tensor | undefined;
  eachChunk(head.plan, N, (start, count) => {
    // The tidy moves what it returns to the enclosing scope; the running sums are disposed by hand as
    // soon as they are replaced.
    const before = {dW, db};
    const out = atRows(head.op, start, () => tf.tidy(() => {
      const h = rowsOf(head.hidden, start, count) as tf.Tensor2D;
      const s = scale.rank === 0 ? scale : tf.reshape(rowsOf(scale, start, count), [count, 1]);
      // 1. logits
      const z = products.logits(h);
      // 2. loss and its gradient with respect to the chunk's logits (one fused kernel run)
      const {loss, grad} = softmaxCrossEntropyWithGrad(z, rowsOf(head.labels, start, count), options);
      z.dispose();
      const g = grad as tf.Tensor2D;
      // 3. gradients: s on the small factors only
      const dhc = tf.mul(products.dHidden(g), s);
      let dbc: tf.Tensor | undefined;
      if (head.bias !== undefined) {
        // sᵀ·g as a [1, R]·[R, V] product: tf.sum(g, 0) takes 13 s at [1024, 20002] on tfjs's webgpu
        // (84 ms this way) and 100 ms against 3 ms at [512, 20002] on wasm.
        const row = scale.rank === 0 ? tf.mul(tf.ones([1, count]), scale) : tf.reshape(s, [1, count]);
        const part = tf.reshape(tf.matMul(row, g), [-1]);
        dbc = before.db === undefined ? part : tf.add(before.db, part);
        before.db?.dispose();
      }
      const dWc = products.accumulate(before.dW, tf.mul(h, s) as tf.Tensor2D, g);
      before.dW?.dispose();
      return {loss, dhc, dWc, ...(dbc !== undefined ? {dbc} : {})};
    })) as {loss: tf.Tensor, dhc: tf.Tensor, dWc: tf.Tensor2D, dbc?: tf.Tensor};
    losses.push(out.loss);
    dh.push(out.dhc);
    dW = out.dWc;
    db = out.dbc;
  });
  products.dispose();
  const V = tw ? head.weight.shape[0] : head.weight.shape[1];
  const dHidden = (dh.length === 0 ? tf.zeros([0, H]) : dh.length === 1 ? dh[0] : tf.concat(dh, 0)) as tf.Tensor2D;
  if (dh.length > 1) tf.dispose(dh);
  return {
    loss: joinLosses(losses, perRow, N),
    dHidden,
    dWeight: dW === undefined ? tf.zeros(head.weight.shape) as tf.Tensor2D : products.finish(dW),
    dBias: head.bias === undefined ? undefined : (db ?? tf.zeros([V])) as tf.Tensor1D,
  };
}
