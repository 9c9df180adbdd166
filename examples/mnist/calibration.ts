/**
 * What `npm start` and the demo page report after training: how well the model's probabilities are
 * calibrated on held-out digits, before and after temperature scaling (Guo et al. 2017). The test digits
 * are split in two, interleaved by class as they are: the first half fits the temperature, the second
 * half is judged with it (the temperature never sees the digits it is judged on).
 */
import * as tf from '@tensorflow/tfjs';
import {CalibrationResult, expectedCalibrationError, fitTemperature, softmaxCrossEntropy} from '../../index';

export interface CalibrationReport {
  /** Digits the temperature was fitted on, and digits judged. */
  fitN: number;
  evalN: number;
  /** Accuracy on the judged digits (a temperature changes no prediction). */
  accuracy: number;
  /** The fitted T, and the loss evaluations fitTemperature made. */
  temperature: number;
  iterations: number;
  /** Mean NLL (nats) and top-label calibration (15 bins) on the judged digits, at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  before: CalibrationResult;
  after: CalibrationResult;
}

async function scalar(t: tf.Tensor): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v;
}

/** Calibration of a model that outputs logits, on (x, ids): fit T on the first half, judge the second. */
export async function calibrate(model: tf.LayersModel, x: tf.Tensor2D, ids: tf.Tensor1D): Promise<CalibrationReport> {
  const n = x.shape[0];
  const fitN = Math.floor(n / 2);
  const evalN = n - fitN;
  const [fitZ, evalZ, fitY, evalY] = tf.tidy(() => {
    const z = model.predict(x, {batchSize: 512}) as tf.Tensor2D;
    const y = tf.cast(ids, 'int32') as tf.Tensor1D;
    return [z.slice([0, 0], [fitN, -1]), z.slice([fitN, 0], [evalN, -1]), y.slice([0], [fitN]), y.slice([fitN], [evalN])];
  });
  try {
    const fit = await fitTemperature(fitZ, fitY);
    const T = fit.temperature;
    const accuracy = await scalar(tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(evalZ, 1), evalY), 'float32'))));
    const nllBefore = await scalar(softmaxCrossEntropy(evalZ, evalY));
    const nllAfter = await scalar(softmaxCrossEntropy(evalZ, evalY, {temperature: T}));
    const before = await expectedCalibrationError(evalZ, evalY);
    const after = await expectedCalibrationError(evalZ, evalY, {temperature: T});
    return {fitN, evalN, accuracy, temperature: T, iterations: fit.iterations, nllBefore, nllAfter, before, after};
  } finally {
    tf.dispose([fitZ, evalZ, fitY, evalY]);
  }
}

/** The report as the lines `npm start` prints (a markdown table). */
export function reportLines(r: CalibrationReport): string[] {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return [
    `Calibration on held-out digits: T fitted on ${r.fitN} test digits (${r.iterations} loss evaluations), ` +
        `judged on the other ${r.evalN}`,
    '',
    '| | accuracy | NLL (nats) | ECE (15 bins) | MCE |',
    '|---|---:|---:|---:|---:|',
    `| T = 1 | ${pct(r.accuracy)} | ${r.nllBefore.toFixed(4)} | ${pct(r.before.ece)} | ${pct(r.before.mce)} |`,
    `| fitted T = ${r.temperature.toFixed(3)} | ${pct(r.accuracy)} | ${r.nllAfter.toFixed(4)} | ${pct(r.after.ece)} | ` +
        `${pct(r.after.mce)} |`,
  ];
}
