/**
 * Test hooks for the module's math (test/wasm_math.test.ts): out[j] = f(x[j]) over n float32 or
 * float64 values, for the shared math (./math.ts) and the sigmoid family's (its wasm/assembly/math.ts).
 * The float32-lane functions exist in the SIMD builds only (the scalar build's hooks for them do
 * nothing).
 */
import {expNeg64, expNegf4, gammaHigh, log1p64, log1pf4, powUnitf4}
  from '../../../kernels/sigmoid_cross_entropy/wasm/assembly/math';
import {exp2f4, expf4, exp64, log64} from './math';

export function expf4Many(x: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let j = 0; j < n; j++) {
      v128.store32_lane(out + (<usize>j << 2), expf4(v128.load32_zero(x + (<usize>j << 2))), 0);
    }
  }
}
export function exp2f4Many(x: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let j = 0; j < n; j++) {
      v128.store32_lane(out + (<usize>j << 2), exp2f4(v128.load32_zero(x + (<usize>j << 2))), 0);
    }
  }
}
export function exp64Many(x: usize, out: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), exp64(load<f64>(x + (<usize>j << 3))));
}
export function log64Many(x: usize, out: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), log64(load<f64>(x + (<usize>j << 3))));
}
export function expNegf4Many(x: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let j = 0; j < n; j++) {
      v128.store32_lane(out + (<usize>j << 2), expNegf4(v128.load32_zero(x + (<usize>j << 2))), 0);
    }
  }
}
export function log1pf4Many(x: usize, out: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let j = 0; j < n; j++) {
      v128.store32_lane(out + (<usize>j << 2), log1pf4(v128.load32_zero(x + (<usize>j << 2))), 0);
    }
  }
}
/** out[j] = x[j]^γ (γ > 0, x in [0, 1]). */
export function powUnitf4Many(x: usize, out: usize, n: i32, gamma: f64): void {
  if (ASC_FEATURE_SIMD) {
    const hi = gammaHigh(gamma);
    const vg = f32x4.splat(<f32>gamma), vhi = f32x4.splat(hi), vlo = f32x4.splat(<f32>(gamma - <f64>hi));
    for (let j = 0; j < n; j++) {
      v128.store32_lane(out + (<usize>j << 2), powUnitf4(v128.load32_zero(x + (<usize>j << 2)), vg, vhi, vlo), 0);
    }
  }
}
export function log1p64Many(x: usize, out: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), log1p64(load<f64>(x + (<usize>j << 3))));
}
export function expNeg64Many(x: usize, out: usize, n: i32): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), expNeg64(load<f64>(x + (<usize>j << 3))));
}
