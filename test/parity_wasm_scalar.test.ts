/**
 * The parity table on the wasm backend with SIMD off: tfjs's plain build and our scalar build, as a
 * browser without wasm SIMD gets them. Its own jest file (own tfjs engine), because the flag must be
 * set before tfjs initializes its wasm backend.
 */
import {CPU, WASM_SCALAR} from './backends';
import {defaultsTable, parityTable} from './parity';

parityTable([CPU, WASM_SCALAR]);
defaultsTable([WASM_SCALAR]);
