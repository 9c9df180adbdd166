/**
 * The sigmoid parity table on cpu, the composite fallback and the wasm backend with SIMD (see
 * sigmoid_parity.ts). γ = 0 against no focal option: test/sigmoid_ops.test.ts.
 */
import {BACKENDS} from './backends';
import {sigmoidKernelsPresent, sigmoidParityTable} from './sigmoid_parity';

let warn: jest.SpyInstance;
beforeAll(() => {
  // the composite fallback's one warning per backend (test/fallback.test.ts checks it)
  warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

sigmoidKernelsPresent(BACKENDS);
sigmoidParityTable(BACKENDS);
