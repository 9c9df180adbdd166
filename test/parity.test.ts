/** The parity table on cpu, the composite fallback, and the wasm backend with SIMD (see parity.ts). */
import {BACKENDS} from './backends';
import {defaultsTable, parityTable} from './parity';

parityTable(BACKENDS);
defaultsTable(BACKENDS);
