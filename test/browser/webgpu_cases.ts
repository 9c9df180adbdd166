/**
 * Data of the webgpu checks (webgpu_checks.ts runs them in the page; browser.test.ts makes the float64
 * reference of the same data in Node). Too large for the parity table, which every backend runs.
 */
import type {Case} from '../cases';

/** Many short rows: runCase on webgpu and on the page's cpu. */
export const LARGE_N_CASES: Case[] = [
  {name: 'K = 1, N = 65536 ids', shape: [65536, 1], labels: 'ids'},
  {name: 'K = 10, N = 65536 ids', shape: [65536, 10], labels: 'ids'},
  {name: 'K = 10, N = 65536 ids none smoothing', shape: [65536, 10], labels: 'ids',
    options: {reduction: 'none', labelSmoothing: 0.1}},
];

/** Rows 1 and 4 hold invalid class ids (K, and −5); reduction 'none' so each row's loss shows. */
export const INVALID_CASE: Case = {name: 'invalid class ids', shape: [6, 10], labels: 'ids',
  options: {reduction: 'none'}, ids: [[1, 10], [4, -5]]};
export const INVALID_ROWS = [1, 4];
