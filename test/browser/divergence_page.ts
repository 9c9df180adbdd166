/**
 * The divergence table in the page (test/browser/page.ts exposes it as fusedCE.divergenceTable): every
 * case of divergence_cases.ts through divergence_parity_run.ts, the code Node's divergence table runs,
 * handed back as Float32Arrays; browser.test.ts's 'divergence parity' block meets them with the float64
 * reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import {DIVERGENCE_KERNEL_NAMES} from '../../kernels/softmax_divergence/contract';
import {DIVERGENCE_CASES} from '../divergence_cases';
import {runDivergenceCase, runDivergenceCaseAsync} from '../divergence_parity_run';
import {runTableCases, TableRun} from './table_run';

/** TableRun, and which of our divergence kernels the backend had (none: the composite fallback ran). */
export interface DivergenceTableRun extends TableRun {
  divergenceKernels: string[];
}

/** Runs the table on the active backend (the page has switched to it). */
export async function runDivergenceTable(): Promise<DivergenceTableRun> {
  const run = await runTableCases(DIVERGENCE_CASES, runDivergenceCase, runDivergenceCaseAsync);
  return {...run, divergenceKernels: DIVERGENCE_KERNEL_NAMES.filter((k) => tf.getKernel(k, run.backend) !== undefined)};
}
