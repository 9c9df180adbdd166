/**
 * The sigmoid table in the page (test/browser/page.ts exposes it as fusedCE.sigmoidTable): every case
 * of sigmoid_cases.ts through sigmoid_parity_run.ts, the code Node's sigmoid table runs, handed back
 * as Float32Arrays; browser.test.ts's 'sigmoid parity' block meets them with the float64 reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SIGMOID_KERNEL_NAMES} from '../../kernels/sigmoid_cross_entropy/contract';
import {SIGMOID_CASES} from '../sigmoid_cases';
import {runSigmoidCase, runSigmoidCaseAsync} from '../sigmoid_parity_run';
import {runTableCases, TableRun} from './table_run';

/** TableRun, and which of our sigmoid kernels the backend had (none: the composite fallback ran). */
export interface SigmoidTableRun extends TableRun {
  sigmoidKernels: string[];
}

/** Runs the table on the active backend (the page has switched to it). */
export async function runSigmoidTable(): Promise<SigmoidTableRun> {
  const run = await runTableCases(SIGMOID_CASES, runSigmoidCase, runSigmoidCaseAsync);
  return {...run, sigmoidKernels: SIGMOID_KERNEL_NAMES.filter((k) => tf.getKernel(k, run.backend) !== undefined)};
}
