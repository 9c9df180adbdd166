/**
 * The wasm module's entry: one module per build (scripts/build_wasm.js: scalar, SIMD, SIMD with shared
 * memory), instantiated once against tfjs-backend-wasm's memory, exporting every loss family's
 * kernels. Each family keeps its own entry points and globals in its folder; what they share (exp and
 * log, the reduction codes) lives here, next to this file.
 *
 * Every build imports its memory from tfjs, owns no data segment and no stack in it, and never grows
 * it (test/wasm_module.test.ts). Export names are global to the module, so a family prefixes its own
 * (softmax's came first and keep their short names).
 */
export * from '../../../kernels/softmax_cross_entropy/wasm/assembly/index';
export * from '../../../kernels/sigmoid_cross_entropy/wasm/assembly/index';
export * from '../../../kernels/softmax_divergence/wasm/assembly/index';
export * from './hooks';
