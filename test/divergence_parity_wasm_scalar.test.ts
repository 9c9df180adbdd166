/**
 * The divergence parity table on the wasm backend with SIMD off (tfjs's plain build and our scalar
 * build, as a browser without wasm SIMD gets them). Its own jest file (own tfjs engine): the flag must
 * be set before tfjs initializes its wasm backend.
 */
import {CPU, WASM_SCALAR} from './backends';
import {divergenceKernelsPresent, divergenceParityTable} from './divergence_parity';

let warn: jest.SpyInstance;
beforeAll(() => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

divergenceKernelsPresent([CPU, WASM_SCALAR]);
divergenceParityTable([CPU, WASM_SCALAR]);
