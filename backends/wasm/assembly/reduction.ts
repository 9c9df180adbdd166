/**
 * The reduction codes every loss family's setOptions takes (the host's side is REDUCTION in
 * backends/wasm/call.ts): one numbering for the whole module.
 */
export const NONE = 0;
export const SUM = 1;
export const MEAN = 2;
