/**
 * Test hooks for the module's math (test/wasm_math.test.ts): out[j] = f(x[j]) over n float32 or
 * float64 values. The float32-lane functions exist in the SIMD builds only (the scalar build's hooks
 * for them do nothing).
 */
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
