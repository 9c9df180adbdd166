/**
 * The sigmoid parity table on the wasm backend with SIMD off (tfjs's plain build and our scalar build,
 * as a browser without wasm SIMD gets them), and γ = 0 against no focal option there. Its own jest
 * file (own tfjs engine): the flag must be set before tfjs initializes its wasm backend.
 */
import {CPU, WASM_SCALAR} from './backends';
import {gammaZeroTable, sigmoidKernelsPresent, sigmoidParityTable} from './sigmoid_parity';

sigmoidKernelsPresent([CPU, WASM_SCALAR]);
sigmoidParityTable([CPU, WASM_SCALAR]);
gammaZeroTable([WASM_SCALAR]);
