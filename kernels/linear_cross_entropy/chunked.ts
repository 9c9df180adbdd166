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

/** tfjs's wasm FusedMatMul adds a bias wrongly with transposeB (tfjs 4.22): add it apart there. */
function fusedBiasOk(transposeB: boolean): boolean {
  return !(transposeB && tf.getBackend() === 'wasm');
}

/** 1. logits z_c = h_c·W (+ b), [R, V]. */
function chunkLogits(head: Head, h: tf.Tensor2D): tf.Tensor2D {
  const transposeB = head.transposeWeight;
  if (head.bias === undefined) return tf.matMul(h, head.weight, false, transposeB) as tf.Tensor2D;
  if (fusedBiasOk(transposeB)) return tf.fused.matMul({a: h, b: head.weight, transposeB, bias: head.bias}) as tf.Tensor2D;
  const z = tf.matMul(h, head.weight, false, transposeB);
  const zb = tf.add(z, head.bias) as tf.Tensor2D;
  z.dispose();
  return zb;
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
  eachChunk(head.plan, N, (start, count) => {
    parts.push(atRows(head.op, start, () => tf.tidy(() => {
      const z = chunkLogits(head, rowsOf(head.hidden, start, count) as tf.Tensor2D);
      const loss = softmaxCrossEntropy(z, rowsOf(head.labels, start, count), options);
      z.dispose();
      return loss;
    })));
  });
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
  // dW accumulates in one fused matMul whose bias is the sum so far (no separate partial product) on
  // the GPU backends, whose fused matMul broadcasts any bias; cpu's adds apart anyway, and wasm's
  // takes a rank-1 bias only.
  const accumulateInMatMul = tf.getBackend() === 'webgl' || tf.getBackend() === 'webgpu';
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
      const z = chunkLogits(head, h);
      // 2. loss and its gradient with respect to the chunk's logits (one fused kernel run)
      const {loss, grad} = softmaxCrossEntropyWithGrad(z, rowsOf(head.labels, start, count), options);
      z.dispose();
      const g = grad as tf.Tensor2D;
      // 3. gradients: s on the small factors only
      const dhc = tf.mul(tf.matMul(g, head.weight, false, !tw), s);
      const hs = tf.mul(h, s) as tf.Tensor2D;
      const [a, b] = tw ? [g, hs] : [hs, g];
      let dbc: tf.Tensor | undefined;
      if (head.bias !== undefined) {
        const part = scale.rank === 0
            ? tf.mul(tf.sum(g, 0), scale)
            : tf.reshape(tf.matMul(tf.reshape(s, [1, count]), g), [-1]);
        dbc = before.db === undefined ? part : tf.add(before.db, part);
        before.db?.dispose();
      }
      // Order matters for the peak: g (a chunk) is freed before the running sum is replaced, so at no
      // time do g, the old sum, a partial product and the new sum all exist.
      let dWc: tf.Tensor2D;
      if (before.dW !== undefined && accumulateInMatMul) {
        dWc = tf.fused.matMul({a, b, transposeA: true, bias: before.dW}) as tf.Tensor2D;
        g.dispose();
      } else {
        const partial = tf.matMul(a, b, true, false) as tf.Tensor2D;
        g.dispose();
        dWc = before.dW === undefined ? partial : tf.add(before.dW, partial) as tf.Tensor2D;
        if (before.dW !== undefined) partial.dispose();
      }
      before.dW?.dispose();
      return {loss, dhc, dWc, ...(dbc !== undefined ? {dbc} : {})};
    })) as {loss: tf.Tensor, dhc: tf.Tensor, dWc: tf.Tensor2D, dbc?: tf.Tensor};
    losses.push(out.loss);
    dh.push(out.dhc);
    dW = out.dWc;
    db = out.dbc;
  });
  const V = tw ? head.weight.shape[0] : head.weight.shape[1];
  const dHidden = (dh.length === 0 ? tf.zeros([0, H]) : dh.length === 1 ? dh[0] : tf.concat(dh, 0)) as tf.Tensor2D;
  if (dh.length > 1) tf.dispose(dh);
  return {
    loss: joinLosses(losses, perRow, N),
    dHidden,
    dWeight: dW ?? tf.zeros(head.weight.shape),
    dBias: head.bias === undefined ? undefined : (db ?? tf.zeros([V])) as tf.Tensor1D,
  };
}
