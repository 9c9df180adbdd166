/** The divergence parity table on cpu, the composite fallback and the wasm backend with SIMD (see divergence_parity.ts). */
import {BACKENDS} from './backends';
import {divergenceKernelsPresent, divergenceParityTable} from './divergence_parity';

let warn: jest.SpyInstance;
beforeAll(() => {
  // the composite fallback's one warning per backend (test/fallback.test.ts checks it)
  warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

divergenceKernelsPresent(BACKENDS);
divergenceParityTable(BACKENDS);
