/**
 * One sigmoid kernel call's problem, held in wasm globals (not in linear memory: the module owns none
 * of the memory it shares with tfjs). The host sets it with setSigmoidProblem and setSigmoidOptions
 * before each call. Default values are 0, 1 or 2 (test/wasm_module.test.ts tells a stack pointer
 * from our globals by their initial values).
 */
import {MEAN} from '../../../../backends/wasm/assembly/reduction';

export let xBase: usize = 0;        // logits, M float32
export let yBase: usize = 0;        // labels, M float32
export let posBase: usize = 0;      // posWeight, C float32
export let wBase: usize = 0;        // classWeights, C float32
export let entries: i32 = 0;        // M
export let columns: i32 = 1;        // C: entry e is in column e mod C

export let eps: f64 = 0;            // label smoothing ε
export let gamma: f64 = 0;          // focal γ ≥ 0 (0: no focal term)
export let alpha: f64 = -1;         // focal α in [0, 1], or −1: absent (α_t = 1)
export let posWeighted: bool = false;
export let classWeighted: bool = false;
export let reduction: i32 = 2;      // backends/wasm/assembly/reduction.ts: 0 none, 1 sum, 2 mean

export function setProblemGlobals(x: usize, y: usize, p: usize, w: usize, m: i32, c: i32): void {
  xBase = x; yBase = y; posBase = p; wBase = w; entries = m; columns = c;
}

export function setOptionsGlobals(smoothing: f64, g: f64, a: f64, pos: bool, cls: bool, red: i32): void {
  eps = smoothing; gamma = g; alpha = a; posWeighted = pos; classWeighted = cls; reduction = red;
}

/** Some weight array is read (the other, if unflagged, holds ones: the op passes ones). */
// @ts-ignore: decorator
@inline export function weighted(): bool { return posWeighted || classWeighted; }

/** The per-entry factor is more than the class weight: α_t (α given) and/or q_t^γ (γ > 0). */
// @ts-ignore: decorator
@inline export function modulated(): bool { return gamma != 0 || alpha >= 0; }

/** The upstream gradient of every entry of loss-and-grad: 1 for 'none' and 'sum', 1/M for 'mean' (0 if M = 0). */
export function entryScale(): f64 {
  if (reduction != MEAN) return 1;
  return entries == 0 ? 0 : 1.0 / <f64>entries;
}
