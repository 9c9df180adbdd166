/** Comparison with a tolerance that follows the backend's precision (see backends.ts). */
import type {Tolerance} from './backends';

const finiteMax = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** The worst excess over the bound, with its index: NaN must meet NaN and ±∞ the same ±∞. */
export function mismatch(got: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance, maxLogit: number):
    string | null {
  if (got.length !== ref.length) return `length ${got.length}, expected ${ref.length}`;
  const scale = finiteMax(ref);
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(r) || !Number.isFinite(r)) {
      if (!Object.is(g, r) && !(Number.isNaN(g) && Number.isNaN(r))) return `[${i}] = ${g}, expected ${r}`;
      continue;
    }
    const bound = tol.rtol * Math.abs(r) + (tol.atol + tol.perLogit * maxLogit) * scale;
    if (!(Math.abs(g - r) <= bound)) return `[${i}] = ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > ${bound})`;
  }
  return null;
}

export {finiteMax};
