/**
 * The language model's training loop, for Node (start.ts: `npm start -- --lm`) and the browser
 * (demo_page.ts) alike: tf.variables and an Adam optimizer (optimizer.minimize), one head at a time
 * from the same initial weights over the same batches, held-out perplexity after every epoch, each
 * step timed and the training's peak tf.memory().numBytes recorded. No fs, no DOM; every read is
 * asynchronous (data()), which webgpu in headless Chromium needs.
 *
 * Held-out perplexity is exp(Σ loss / Σ tokens) over held-out batches, each summed by
 * linearCrossEntropy (reduction 'sum') and read back as one number: streamed, so no batch's logits
 * ever exist, for either head's model (the weights are what is judged, not the head's code).
 */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_CONFIG, HeadKind, LanguageModel, LmConfig, Weights} from './model';
import {measurePeak} from './peak';
import {batchPositions, Corpus, Examples, examples, heldOutPositions, pick, trainingOrder} from './tokens';

export interface Settings {
  epochs: number;
  /** optimizer steps per epoch: an epoch is stepsPerEpoch · batchTokens positions of the training text */
  stepsPerEpoch: number;
  /** tokens (predicted words) per step */
  batchTokens: number;
  /** held-out tokens perplexity is measured on (spread over all held-out documents) */
  evalTokens: number;
  /** tokens per evaluation batch */
  evalBatch: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_SETTINGS: Settings = {epochs: 4, stepsPerEpoch: 8, batchTokens: 1024, evalTokens: 8192,
  evalBatch: 2048, learningRate: 0.01, seed: 1};

/** The corpus as examples, and the orders training and evaluation take them in. */
export interface Prepared {
  config: LmConfig;
  corpus: Corpus;
  train: Examples;
  heldOut: Examples;
  order: Uint32Array;
  heldOutAt: Uint32Array;
}

export function prepare(corpus: Corpus, settings: Settings, config: Partial<Omit<LmConfig, 'vocabSize'>> = {}): Prepared {
  const c: LmConfig = {...DEFAULT_CONFIG, ...config, vocabSize: corpus.vocab.length};
  const train = examples(corpus.train, c.context);
  const heldOut = examples(corpus.heldOut, c.context);
  return {config: c, corpus, train, heldOut, order: trainingOrder(train.n, settings.seed),
    heldOutAt: heldOutPositions(heldOut.n, settings.evalTokens)};
}

/** Batch tensors: contexts int32 [n, k], next words int32 [n]. */
function batchTensors(ex: Examples, positions: ArrayLike<number>): {context: tf.Tensor2D, next: tf.Tensor1D} {
  const {context, next} = pick(ex, positions);
  return {context: tf.tensor2d(context, [next.length, ex.k], 'int32'), next: tf.tensor1d(next, 'int32')};
}

export interface Evaluation {
  perplexity: number;
  /** mean cross-entropy, nats per word */
  loss: number;
  tokens: number;
}

/** Held-out perplexity, streamed: one summed loss read back per batch. */
export async function evaluate(model: LanguageModel, p: Prepared, evalBatch: number): Promise<Evaluation> {
  let sum = 0;
  for (let start = 0; start < p.heldOutAt.length; start += evalBatch) {
    const b = batchTensors(p.heldOut, p.heldOutAt.subarray(start, start + evalBatch));
    const s = model.sumLoss(b.context, b.next);
    tf.dispose([b.context, b.next]);
    sum += (await s.data())[0];
    s.dispose();
  }
  const loss = sum / p.heldOutAt.length;
  return {perplexity: Math.exp(loss), loss, tokens: p.heldOutAt.length};
}

export interface EpochResult {
  /** 0: before training */
  epoch: number;
  heldOut: Evaluation;
  /** mean training loss over the epoch's steps (absent for epoch 0) */
  trainLoss?: number;
  /** wall time of the epoch's training steps (evaluation not included) */
  trainMs?: number;
  stepMs?: number[];
}

export interface HeadRun {
  head: HeadKind;
  epochs: EpochResult[];
  /** the first step's loss (the same batch and weights for both heads) */
  firstLoss?: number;
  /** the largest tf.memory().numBytes during any training step, and the count with nothing running */
  peakBytes?: number;
  restBytes?: number;
  /** why training stopped early (an error, e.g. out of memory), and where */
  failure?: {epoch: number, step: number, message: string};
  stopped?: boolean;
}

export interface Events {
  onStep?(head: HeadKind, s: {epoch: number, step: number, steps: number, loss: number, ms: number}): void;
  onEpoch?(head: HeadKind, r: EpochResult): void;
  /** asked before each step: true ends this head's training */
  stopped?(): boolean;
}

/** One optimizer step on the batch; its loss, read back. */
async function step(model: LanguageModel, optimizer: tf.Optimizer, head: HeadKind, ex: Examples,
    positions: ArrayLike<number>): Promise<number> {
  const b = batchTensors(ex, positions);
  try {
    const loss = optimizer.minimize(() => model.loss(head, b.context, b.next), true, model.varList) as tf.Scalar;
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  } finally {
    tf.dispose([b.context, b.next]);
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Trains a model with `head` from `init` for settings.epochs epochs: held-out perplexity before and
 * after each epoch. An error in a step (the tf.losses head out of memory) ends the run and is
 * reported in `failure`; what was measured before it is kept.
 */
export async function trainHead(head: HeadKind, p: Prepared, init: Weights, s: Settings, events: Events = {}): Promise<HeadRun> {
  const run: HeadRun = {head, epochs: []};
  const model = new LanguageModel(p.config, init, head);
  const optimizer = tf.train.adam(s.learningRate);
  try {
    const before = {epoch: 0, heldOut: await evaluate(model, p, s.evalBatch)};
    run.epochs.push(before);
    events.onEpoch?.(head, before);
    let batch = 0;
    for (let epoch = 1; epoch <= s.epochs; epoch++) {
      const stepMs: number[] = [];
      const losses: number[] = [];
      let failed = false;
      for (let i = 0; i < s.stepsPerEpoch; i++, batch++) {
        if (events.stopped?.()) { run.stopped = true; break; }
        const t0 = performance.now();
        let loss: number;
        try {
          const r = await measurePeak(() => step(model, optimizer, head, p.train, batchPositions(p.order, batch, s.batchTokens)));
          run.peakBytes = Math.max(run.peakBytes ?? 0, r.peakBytes);
          loss = r.result;
        } catch (e) {
          run.failure = {epoch, step: i + 1, message: message(e)};
          failed = true;
          break;
        }
        const ms = performance.now() - t0;
        if (batch === 0) run.firstLoss = loss;
        stepMs.push(ms);
        losses.push(loss);
        events.onStep?.(head, {epoch, step: i + 1, steps: s.stepsPerEpoch, loss, ms});
      }
      if (failed || stepMs.length === 0) break;
      const r: EpochResult = {epoch, heldOut: await evaluate(model, p, s.evalBatch),
        trainLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
        trainMs: stepMs.reduce((a, b) => a + b, 0), stepMs};
      run.epochs.push(r);
      events.onEpoch?.(head, r);
      if (run.stopped) break;
    }
    run.restBytes = tf.memory().numBytes;
  } finally {
    // after a wasm out-of-memory abort the backend is gone: disposing may throw too
    try { optimizer.dispose(); model.dispose(); } catch { /* reported in run.failure */ }
  }
  return run;
}

export interface Probe {
  head: HeadKind;
  tokens: number;
  /** the step's wall time, its loss and the peak tf.memory().numBytes, when it ran */
  ms?: number;
  loss?: number;
  peakBytes?: number;
  startBytes?: number;
  error?: string;
}

/**
 * One training step of `head` on `tokens` tokens, from `init`, on a fresh model and optimizer: does
 * the head fit at this batch size, how long does the step take, what is its peak memory. `guard`
 * wraps the step (the browser page turns webgpu's validation and out-of-memory errors, which tfjs
 * does not throw, into exceptions with it).
 */
export async function probeStep(head: HeadKind, p: Prepared, init: Weights, tokens: number, s: Settings,
    guard: <T>(f: () => Promise<T>) => Promise<T> = (f) => f()): Promise<Probe> {
  const model = new LanguageModel(p.config, init, `probe-${head}-${tokens}`);
  const optimizer = tf.train.adam(s.learningRate);
  try {
    const t0 = performance.now();
    const r = await measurePeak(() => guard(() => step(model, optimizer, head, p.train,
        batchPositions(p.order, 0, tokens))));
    const ms = performance.now() - t0;
    if (!Number.isFinite(r.result)) throw new Error(`the loss came back as ${r.result}`);
    return {head, tokens, ms, loss: r.result, peakBytes: r.peakBytes, startBytes: r.startBytes};
  } catch (e) {
    return {head, tokens, error: message(e)};
  } finally {
    try { optimizer.dispose(); model.dispose(); } catch { /* the error is reported */ }
  }
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
