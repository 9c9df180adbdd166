/**
 * A parity table run in the page, shared by the softmax table (page.ts) and the sigmoid table
 * (sigmoid_page.ts): every case through its runner, on the active backend, results packed for the trip
 * to Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {Results} from '../parity_run';

/**
 * Results as Float32Arrays, for the trip to Node only: Playwright sends a typed array as its bytes and a
 * number[] value by value (4–15 s per run for the table's ~1.5M numbers, against 0.3 s). The values are
 * float32 already, so nothing changes on the way (NaN, ±∞ and −0 included); Node turns them back into
 * parity_run.ts's plain arrays (browser.test.ts).
 */
export type PackedResults = {[K in keyof Results]: Float32Array};

/** What the page hands back for one backend: results by case name, or the error that case threw. */
export interface TableRun {
  backend: string;
  results: Record<string, PackedResults>;
  errors: Record<string, string>;
  /** Milliseconds per case, to see where the time goes. */
  ms: Record<string, number>;
}

/**
 * Runs every case on the active backend, each through `run` (dataSync reads) or, on webgpu, through
 * `runAsync` (data() reads: webgpu's dataSync copies through a canvas, which reads zeros, and can lose
 * the device, in headless Chromium on SwiftShader). A case that throws is recorded, not rethrown.
 */
export async function runTableCases<C extends {name: string}>(cases: readonly C[], run: (c: C) => Results,
    runAsync: (c: C) => Promise<Results>): Promise<TableRun> {
  const backend = tf.getBackend();
  const table: TableRun = {backend, results: {}, errors: {}, ms: {}};
  for (const c of cases) {
    const t0 = performance.now();
    try {
      const r = backend === 'webgpu' ? await runAsync(c) : run(c);
      table.results[c.name] = {forward: new Float32Array(r.forward), vgLoss: new Float32Array(r.vgLoss),
        vgGrad: new Float32Array(r.vgGrad), lgLoss: new Float32Array(r.lgLoss), lgGrad: new Float32Array(r.lgGrad)};
    } catch (e) {
      table.errors[c.name] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    }
    table.ms[c.name] = Math.round(performance.now() - t0);
  }
  return table;
}
