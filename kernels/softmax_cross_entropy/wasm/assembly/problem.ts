/**
 * One kernel call's problem, held in wasm globals (not in linear memory: this module owns none of
 * the memory it shares with tfjs). The host sets it with setProblem and setOptions before each call,
 * which keeps every entry point's signature short.
 */

export let zBase: usize = 0;      // logits, N×K float32, row-major
export let yBase: usize = 0;      // labels: N int32 class ids, or N×K float32 probabilities
export let wBase: usize = 0;      // class weights, K float32
export let rows: i32 = 0;         // N
export let classes: i32 = 0;      // K
export let sparse: bool = true;   // labels are class ids
export let wSum: f64 = 0;         // Σ_c w_c in float64 (the smoothing term's total weight)

export let eps: f64 = 0;          // label smoothing ε
export let invT: f64 = 1;         // 1 / temperature
export let temperature: f64 = 1;  // T
export let lambda: f64 = 0;       // z-loss coefficient λ
export let ignoreIndex: i32 = -100;
export let reduction: i32 = 2;    // backends/wasm/assembly/reduction.ts: 0 none, 1 sum, 2 mean
export let gamma: f64 = 0;        // focal γ (0: off)
export let cap: f64 = 0;          // softcap c (0: off)
export let invCap: f64 = 0;       // 1 / c
export let others: bool = false;  // class ids smoothed over the other classes ('others' with ε ≠ 0)
// focal, a softcap or 'others' smoothing: the rows go through rows_general.ts. False for the defaults,
// which run the build's own row code unchanged (bit for bit the results from before these options)
export let general: bool = false;

export function setProblemGlobals(z: usize, y: usize, w: usize, n: i32, k: i32, ids: bool): void {
  zBase = z; yBase = y; wBase = w; rows = n; classes = k; sparse = ids;
  let s: f64 = 0;
  for (let c = 0; c < k; c++) s += <f64>load<f32>(w + (<usize>c << 2));
  wSum = s;
}

/**
 * γ and c count only when > 0, so a caller that leaves them out (a JavaScript call with five
 * arguments passes NaN) gets the defaults. 'others' needs class ids and ε ≠ 0 (with ε = 0 it is 'all').
 */
export function setOptionsGlobals(smoothing: f64, t: f64, zLoss: f64, ignore: i32, red: i32, focalGamma: f64,
    softcap: f64, overOthers: bool): void {
  eps = smoothing; temperature = t; invT = 1.0 / t; lambda = zLoss; ignoreIndex = ignore; reduction = red;
  gamma = focalGamma > 0 ? focalGamma : 0;
  cap = softcap > 0 ? softcap : 0;
  invCap = cap > 0 ? 1.0 / cap : 0;
  others = overOthers && sparse && smoothing != 0;
  general = gamma != 0 || cap != 0 || others;
}

// @ts-ignore: decorator
@inline export function rowPtr(i: i32): usize { return zBase + ((<usize>i * <usize>classes) << 2); }
// @ts-ignore: decorator
@inline export function probsPtr(i: i32): usize { return yBase + ((<usize>i * <usize>classes) << 2); }
// @ts-ignore: decorator
@inline export function classId(i: i32): i32 { return load<i32>(yBase + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function weight(c: i32): f64 { return <f64>load<f32>(wBase + (<usize>c << 2)); }
// @ts-ignore: decorator
@inline export function isIgnored(i: i32): bool { return sparse && classId(i) == ignoreIndex; }

/** D of the 'mean' reduction: Σ w_y over non-ignored rows for class ids, N for probabilities. */
export function denominator(): f64 {
  if (!sparse) return <f64>rows;
  let d: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const y = classId(i);
    if (y != ignoreIndex) d += weight(y);
  }
  return d;
}

/**
 * 2. loss for class ids, both builds: ℓ = (1 − ε)·w_y·(lse − s_y) + (ε/K)·S with
 * S = Σ_{c: w_c ≠ 0} w_c·(lse − s_c), which each build sums its own way (read only when ε ≠ 0). The
 * target term is skipped when its coefficient is 0, so a masked target with no weight adds 0.
 */
export function classIdLoss(i: i32, lse: f64, smooth: f64): f64 {
  const y = classId(i);
  const hot = (1.0 - eps) * weight(y);
  let loss: f64 = 0;
  if (hot != 0) loss += hot * (lse - <f64>load<f32>(rowPtr(i) + (<usize>y << 2)) * invT);
  if (eps != 0) loss += (eps / <f64>classes) * smooth;
  return loss;
}

/**
 * A = Σ_c a_c for row i (the gradient's weight on p), in float64: O(1) for class ids, one pass over the
 * row for probabilities. Both builds' rowLoss take the class-id A from here (for probabilities they sum
 * the a_c in the loss's own sweep); the backward kernel takes both.
 */
export function targetMass(i: i32): f64 {
  const K = classes;
  if (sparse) return (1.0 - eps) * weight(classId(i)) + (eps / <f64>K) * wSum;
  const P = probsPtr(i);
  const u = eps / <f64>K;
  let a: f64 = 0;
  for (let c = 0; c < K; c++) a += weight(c) * ((1.0 - eps) * <f64>load<f32>(P + (<usize>c << 2)) + u);
  return a;
}

/**
 * 3. gradient when K = 1, both builds: p = 1 exactly (float32 lanes, a float32 park or the saved lse
 * would make it 1 ± an ulp), so g = dy·(1/T)·[(A − a_0) + 2λ·lse], k = dy/T. With one class A is a_0,
 * and targetMass forms it by the same expression as `a` was, so A − a_0 is exactly 0, and so is the
 * gradient without z-loss. `g` is the row's gradient entry.
 */
export function oneClassGradient(i: i32, k: f64, a: f64, lse: f64, g: usize): void {
  store<f32>(g, <f32>(k * ((a - targetMass(i)) + 2.0 * lambda * lse)));
}
