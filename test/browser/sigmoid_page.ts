/**
 * The sigmoid table in the page (test/browser/page.ts exposes it as fusedCE.sigmoidTable): every case
 * of sigmoid_cases.ts through sigmoid_parity_run.ts, the code Node's sigmoid table runs, handed back
 * as Float32Arrays; browser.test.ts's 'sigmoid parity' block meets them with the float64 reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SIGMOID_KERNEL_NAMES} from '../../kernels/sigmoid_cross_entropy/contract';
import {SIGMOID_CASES} from '../sigmoid_cases';
import {runSigmoidCase, runSigmoidCaseAsync} from '../sigmoid_parity_run';
import type {TableRun} from './page';

/** TableRun, and which of our sigmoid kernels the backend had (none: the composite fallback ran). */
export interface SigmoidTableRun extends TableRun {
  sigmoidKernels: string[];
}

/** Runs the table on the active backend (the page has switched to it). */
export async function runSigmoidTable(): Promise<SigmoidTableRun> {
  const backend = tf.getBackend();
  const run: SigmoidTableRun = {backend, results: {}, errors: {}, ms: {},
    sigmoidKernels: SIGMOID_KERNEL_NAMES.filter((k) => tf.getKernel(k, backend) !== undefined)};
  for (const c of SIGMOID_CASES) {
    const t0 = performance.now();
    try {
      // webgpu reads with data() (page.ts runTable says why)
      const r = backend === 'webgpu' ? await runSigmoidCaseAsync(c) : runSigmoidCase(c);
      run.results[c.name] = {forward: new Float32Array(r.forward), vgLoss: new Float32Array(r.vgLoss),
        vgGrad: new Float32Array(r.vgGrad), lgLoss: new Float32Array(r.lgLoss), lgGrad: new Float32Array(r.lgGrad)};
    } catch (e) {
      run.errors[c.name] = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    }
    run.ms[c.name] = Math.round(performance.now() - t0);
  }
  return run;
}
