/**
 * How every row is measured, whatever the loss (softmax_cross_entropy.ts, sigmoid_cross_entropy.ts): the
 * methods of one backend and shape timed in rotation with a copy of the logits (copy_floor.ts), medians
 * after warm-up rounds, then tf.profile's peak bytes and kernel count per step.
 */
import * as tf from '@tensorflow/tfjs';
import {copyStep} from './copy_floor';
import type {Method, Step} from './methods';
import {BASELINE, GB, Kind, Loss, Row} from './row';

export const WARMUP_ROUNDS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// backends whose kernels have finished when they return; reading their outputs back would time a copy
// out of the backend (33 MB at [256,32000] on wasm) that is not part of the step
const SYNCHRONOUS = new Set(['cpu', 'wasm']);

/**
 * A timed run lasts at least this long: a step faster than that is repeated within the run and its time
 * divided (Chromium's performance.now() has 0.1 ms steps in a page that is not cross-origin isolated).
 */
const SAMPLE_MS = 2;
/** A step whose first warm-up round took this long is warm after one round; one whose first timed run did may take fewer runs. */
export const SLOW_MS = 1000;

/**
 * One timed run of `reps` steps, each until its outputs are ready and freed. A GPU backend runs its
 * programs in order, so reading back one value of each output waits for the step and no more (reading
 * a whole output would time a 33 MB download at [256,32000]). Returns ms per step.
 */
async function once(step: Step, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = step();
    if (!SYNCHRONOUS.has(tf.getBackend())) {
      const probes = out.map((t) => tf.slice(tf.reshape(t, [-1]), 0, Math.min(1, t.size)));
      await Promise.all(probes.map((t) => t.data()));
      tf.dispose(probes);
    }
    tf.dispose(out);
  }
  return (performance.now() - t0) / reps;
}

interface Timing {
  medians: number[];
  /** steps per timed run */
  reps: number[];
  /** timed runs */
  runs: number[];
}

/**
 * Median times of the steps, run in rotation (A B C A B C ...) so that garbage one method leaves
 * behind (the built-ins leave hundreds of MB) is collected during every method's runs alike. Warm-up:
 * WARMUP_ROUNDS rounds (JIT, shader compiles on GPU backends), one for a step slower than SLOW_MS; the
 * last sets how many steps each timed run repeats (SAMPLE_MS). A step whose first timed run took
 * SLOW_MS or more is timed `slowRuns` times in all (a second is long against the noise), the others
 * `runs` times.
 */
async function timeInRotation(steps: Step[], runs: number, slowRuns = runs): Promise<Timing> {
  const times: number[][] = steps.map(() => []);
  const reps = steps.map(() => 1);
  const wanted = steps.map(() => runs);
  const first: number[] = [];
  for (let r = -WARMUP_ROUNDS; r < runs; r++) {
    for (let m = 0; m < steps.length; m++) {
      // a step that took a second is warm after one round (the built-ins on cpu: most of the run's time)
      if (r > -WARMUP_ROUNDS && r < 0 && first[m] >= SLOW_MS) continue;
      if (r >= wanted[m]) continue;
      const ms = await once(steps[m], reps[m]);
      if (r === -WARMUP_ROUNDS) first[m] = ms;
      // decided on a warm run: a first round can take a second for compiling alone (tfjs's wasm ops)
      if (r === 0 && ms >= SLOW_MS) wanted[m] = Math.min(runs, slowRuns);
      if (r >= 0) times[m].push(ms);
      if (r === -1) reps[m] = Math.min(1000, Math.ceil(SAMPLE_MS / Math.max(ms, 0.002)));
    }
  }
  return {medians: times.map(median), reps, runs: wanted};
}

async function profile(step: Step, logitsBytes: number) {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => { tf.dispose(step()); });
  const identities = info.kernels.filter((k) => k.name === 'Identity').length;
  return {peakBytes: info.peakBytes - before + logitsBytes, kernels: info.kernels.length - identities, identities};
}

export interface Problem {
  /** the rows' backend label */
  backend: string;
  loss: Loss;
  shape: [number, number];
  /** the logits the copy floor copies (the methods read their own copies of the same values) */
  logits: tf.Tensor;
  runs: number;
  slowRuns?: number;
  /** bytes a perfect kernel must move for a step of this kind (Row.minBytes) */
  minBytes(kind: Kind): number;
  /** the peak ratio's denominator: the logits, and the gradient for value-and-grad (Row.peakRatio) */
  floorBytes(kind: Kind): number;
}

/**
 * Times the methods of one problem on the active backend, with a copy of the logits in the same
 * rotation, then profiles each; returns a row per method, speedups against BASELINE[loss] of the same
 * kind (which `methods` must hold for every kind it has).
 */
export async function measureRows(p: Problem, methods: Method[]): Promise<Row[]> {
  const {backend, loss, shape, logits} = p;
  const logitsBytes = logits.size * 4;
  const [copy, freeCopy] = copyStep(logits);
  const timing = await timeInRotation([...methods.map((m) => m.step), copy], p.runs, p.slowRuns);
  freeCopy();
  const copyMs = timing.medians[methods.length];
  const rows: Row[] = [];
  for (const [i, {kind, method, label, step}] of methods.entries()) {
    const medianMs = timing.medians[i];
    const prof = await profile(step, logitsBytes);
    const minBytes = p.minBytes(kind);
    rows.push({backend, shape, loss, kind, method, label, medianMs, runs: timing.runs[i], reps: timing.reps[i],
      speedup: NaN, minBytes, gbps: minBytes / GB / (medianMs / 1e3), copyMs,
      copyGbps: 2 * logitsBytes / GB / (copyMs / 1e3), vsCopy: medianMs / copyMs, ...prof,
      peakRatio: prof.peakBytes / p.floorBytes(kind)});
  }
  for (const r of rows) r.speedup = rows.find((b) => b.kind === r.kind && b.method === BASELINE[loss])!.medianMs / r.medianMs;
  return rows;
}
