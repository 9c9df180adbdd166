/**
 * The demo page's training loop: npm start's two models (model.ts, the fused loss and tfjs-layers'
 * own, same initial weights) trained side by side on the active backend, one trainOnBatch step of each
 * per batch, each step timed; then, as npm start does, the fused model's calibration on the test digits
 * (calibration.ts). No DOM in here: the page (demo_page.ts) listens to the events.
 *
 * Every read is asynchronous (trainOnBatch awaits data(), the accuracy below too): on webgpu in
 * headless Chromium a synchronous read (dataSync) reads zeros and can lose the device.
 */
import * as tf from '@tensorflow/tfjs';
import {calibrate, CalibrationReport} from './calibration';
import {PIXELS, Split} from './data';
import {accuracy, LossKind, makeModel} from './model';

export const KINDS: LossKind[] = ['fused', 'built-in'];

export interface Step {
  /** 0-based, over all epochs */
  step: number;
  epoch: number;
  loss: Record<LossKind, number>;
  /** wall time of trainOnBatch: forward, loss, backward, Adam update, and the loss read back */
  ms: Record<LossKind, number>;
}

export interface Events {
  onStep(s: Step): void;
  onEpoch(epoch: number, testAccuracy: Record<LossKind, number>): void;
  /** Asked before every step: true ends training after the step under way. */
  stopped(): boolean;
  /** Training is over (done, or stopped after at least one step): the fused model's calibration starts. */
  onCalibrating(): void;
  onCalibration(report: CalibrationReport): void;
}

interface Batch {x: tf.Tensor2D; ids: tf.Tensor1D; floatIds: tf.Tensor1D}

/**
 * A tensor made from a CPU array is uploaded on its first use, which would be inside a timed step
 * (and charged to whichever model ran first). A copy computed on the GPU holds the values there now.
 */
function onDevice<T extends tf.Tensor>(t: T): T {
  const copy = tf.mul(t, 1) as T;
  t.dispose();
  return copy;
}

function batches(train: Split, batchSize: number): Batch[] {
  const out: Batch[] = [];
  for (let start = 0; start < train.n; start += batchSize) {
    const n = Math.min(batchSize, train.n - start);
    const ids = train.y.subarray(start, start + n);
    out.push({
      x: onDevice(tf.tensor2d(train.x.subarray(start * PIXELS, (start + n) * PIXELS), [n, PIXELS])),
      ids: tf.tensor1d(ids, 'int32'),
      // tfjs-layers' own sparse loss floors its targets, which tfjs refuses for int32
      floatIds: tf.tensor1d(Float32Array.from(ids)),
    });
  }
  return out;
}

/**
 * Trains both models for `epochs` epochs (or until events.stopped()), calibrates the fused model on the
 * test digits (if it took a step), then disposes everything.
 */
export async function trainBoth(data: {train: Split, test: Split}, batchSize: number, epochs: number,
    events: Events): Promise<void> {
  const train = batches(data.train, batchSize);
  const testX = onDevice(tf.tensor2d(data.test.x, [data.test.n, PIXELS]));
  const testIds = tf.tensor1d(data.test.y, 'int32');
  const models: Record<LossKind, tf.LayersModel> = {'fused': makeModel('fused'), 'built-in': makeModel('built-in')};
  try {
    let step = 0;
    training: for (let epoch = 0; epoch < epochs; epoch++) {
      for (const b of train) {
        if (events.stopped()) break training;
        const loss = {} as Record<LossKind, number>;
        const ms = {} as Record<LossKind, number>;
        // alternate which model goes first, so neither always finds the GPU freshly idle (or busy)
        for (const kind of step % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          const t0 = performance.now();
          const out = await models[kind].trainOnBatch(b.x, kind === 'fused' ? b.ids : b.floatIds);
          ms[kind] = performance.now() - t0;
          loss[kind] = Array.isArray(out) ? out[0] : out;  // [loss, accuracy]: compiled with metrics
        }
        events.onStep({step, epoch, loss, ms});
        step++;
      }
      const acc = {} as Record<LossKind, number>;
      for (const kind of KINDS) acc[kind] = await accuracy(models[kind], testX, testIds);
      events.onEpoch(epoch, acc);
    }
    if (step > 0) {
      // the fused model outputs logits, what the evaluation ops take (its reads are asynchronous too)
      events.onCalibrating();
      events.onCalibration(await calibrate(models.fused, testX, testIds));
    }
  } finally {
    // model.dispose() leaves an optimizer it was handed (makeModel's Adam, with its moments) alone
    for (const m of Object.values(models)) { m.optimizer.dispose(); m.dispose(); }
    tf.dispose([testX, testIds, ...train.flatMap((b) => [b.x, b.ids, b.floatIds])]);
  }
}
