/**
 * The evaluation ops in the page (test/browser/page.ts exposes this as fusedCE.evaluation): perplexity,
 * createPerplexity, expectedCalibrationError, createCalibrationError and fitTemperature on the active
 * backend, on inputs Node made and sent (browser.test.ts's 'evaluation ops' block), handed back as plain
 * numbers; Node meets them with its own float64 computations from the same inputs. Every read is
 * asynchronous (data(), as the ops themselves read), which webgpu needs. Per op the page also records
 * tf.memory().numTensors before the op's inputs are made and after they and its result are disposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import {createCalibrationError, createPerplexity, expectedCalibrationError, fitTemperature, perplexity} from '../../index';
import type {CalibrationOptions, CalibrationResult, FitTemperatureOptions, FitTemperatureResult, PerplexityOptions,
  PerplexityResult} from '../../index';

/** One input set and what to run on it. */
export interface EvaluationCase {
  name: string;
  N: number;
  K: number;
  /** N×K float32 logits, row-major. */
  logits: Float32Array;
  /** N int32 class ids, or N×K float32 probabilities. */
  labels: Int32Array | Float32Array;
  /** Run perplexity and createPerplexity with these options (class-id labels only). */
  perplexity?: PerplexityOptions;
  /** Run expectedCalibrationError and createCalibrationError with these options. */
  calibration?: CalibrationOptions;
  /** Run fitTemperature with these options. */
  fit?: FitTemperatureOptions;
  /** The streamed runs' batches: rows [edges[j], edges[j + 1]) (an edge repeated: an empty batch). */
  edges: number[];
}

/** An op's outcome: its value, or the message it threw with. */
export type Outcome<T> = {value: T} | {error: string};

/** What the page hands back for one case. */
export interface EvaluationCaseRun {
  perplexity?: Outcome<number>;
  streamedPerplexity?: Outcome<PerplexityResult>;
  calibration?: Outcome<CalibrationResult>;
  streamedCalibration?: Outcome<CalibrationResult>;
  fit?: Outcome<FitTemperatureResult>;
  /** Per op run: tf.memory().numTensors after it minus before it (0: nothing leaked). */
  leaks: Record<string, number>;
  ms: number;
}

export interface EvaluationRun {
  backend: string;
  /** Whether webgl stored tensors in float32 textures (null on the other backends). */
  renderFloat32: boolean | null;
  cases: Record<string, EvaluationCaseRun>;
  seconds: number;
}

const message = (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));

/** The case's logits and labels for rows [a, e), as new tensors. */
function inputs(c: EvaluationCase, a: number, e: number): [tf.Tensor2D, tf.Tensor] {
  const z = tf.tensor2d(c.logits.subarray(a * c.K, e * c.K), [e - a, c.K], 'float32');
  const y = c.labels instanceof Int32Array ? tf.tensor1d(c.labels.subarray(a, e), 'int32') :
    tf.tensor2d(c.labels.subarray(a * c.K, e * c.K), [e - a, c.K], 'float32');
  return [z, y];
}

/** Runs `work`, recording its value or error, and its tensor count's change under `name`. */
async function measured<T>(leaks: Record<string, number>, name: string, work: () => Promise<T>): Promise<Outcome<T>> {
  const before = tf.memory().numTensors;
  let out: Outcome<T>;
  try {
    out = {value: await work()};
  } catch (e) {
    out = {error: message(e)};
  }
  leaks[name] = tf.memory().numTensors - before;
  return out;
}

async function runCase(c: EvaluationCase): Promise<EvaluationCaseRun> {
  const t0 = performance.now();
  const leaks: Record<string, number> = {};
  const run: EvaluationCaseRun = {leaks, ms: 0};
  /** `op` on the whole case's inputs, made for it and disposed after. */
  const onWhole = async <T>(op: (z: tf.Tensor, y: tf.Tensor) => Promise<T>): Promise<T> => {
    const [z, y] = inputs(c, 0, c.N);
    try {
      return await op(z, y);
    } finally {
      tf.dispose([z, y]);
    }
  };
  const batches = c.edges.slice(1).map((e, j): [number, number] => [c.edges[j], e]);
  if (c.perplexity !== undefined) {
    const o = c.perplexity;
    run.perplexity = await measured(leaks, 'perplexity', async () => {
      const p = await onWhole(async (z, y) => perplexity(z, y, o));
      try {
        return (await p.data())[0];
      } finally {
        p.dispose();
      }
    });
    run.streamedPerplexity = await measured(leaks, 'createPerplexity', async () => {
      const acc = createPerplexity(o);
      for (const [a, e] of batches) {
        const [z, y] = inputs(c, a, e);
        const done = acc.update(z, y);
        tf.dispose([z, y]);  // the update has what it needs from them
        await done;
      }
      return acc.result();
    });
  }
  if (c.calibration !== undefined) {
    const o = c.calibration;
    run.calibration = await measured(leaks, 'expectedCalibrationError',
        () => onWhole((z, y) => expectedCalibrationError(z, y, o)));
    run.streamedCalibration = await measured(leaks, 'createCalibrationError', async () => {
      const acc = createCalibrationError(o);
      const pending: Array<Promise<void>> = [];
      for (const [a, e] of batches) {  // every update before any read-back is awaited
        const [z, y] = inputs(c, a, e);
        pending.push(acc.update(z, y));
        tf.dispose([z, y]);
      }
      await Promise.all(pending);
      return acc.result();
    });
  }
  if (c.fit !== undefined) {
    const o = c.fit;
    run.fit = await measured(leaks, 'fitTemperature', () => onWhole((z, y) => fitTemperature(z, y, o)));
  }
  run.ms = Math.round(performance.now() - t0);
  return run;
}

/** Runs every case on the active backend (the page has switched to it). */
export async function runEvaluation(cases: EvaluationCase[]): Promise<EvaluationRun> {
  const t0 = performance.now();
  const backend = tf.getBackend();
  const out: EvaluationRun = {backend, renderFloat32: backend === 'webgl' ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : null,
    cases: {}, seconds: 0};
  for (const c of cases) out.cases[c.name] = await runCase(c);
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
