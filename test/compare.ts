/** Comparison with a tolerance that follows the backend's precision (see backends.ts). */
import type {Tolerance} from './backends';

const finiteMax = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/**
 * The worst excess over the bound, with its index: NaN must meet NaN and ±∞ the same ±∞. Finite
 * entries must meet backends.ts's bound. For a gradient, pass the reference's gradTerms as rowTerms
 * (one value per row of ref: ref.length / rowTerms.length entries each) and the bound gains
 * tol.perTerm times the entry's row's terms; without it (losses) that part is 0.
 */
export function mismatch(got: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance, maxLogit: number,
    rowTerms?: ArrayLike<number>): string | null {
  if (got.length !== ref.length) return `length ${got.length}, expected ${ref.length}`;
  const scale = finiteMax(ref);
  const perRow = rowTerms !== undefined && rowTerms.length > 0 ? ref.length / rowTerms.length : 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(r) || !Number.isFinite(r)) {
      if (!Object.is(g, r) && !(Number.isNaN(g) && Number.isNaN(r))) return `[${i}] = ${g}, expected ${r}`;
      continue;
    }
    const terms = perRow === 0 ? 0 : (rowTerms as ArrayLike<number>)[Math.floor(i / perRow)];
    const bound = tol.rtol * Math.abs(r) + (tol.atol + tol.perLogit * maxLogit) * scale + tol.perTerm * terms;
    if (!(Math.abs(g - r) <= bound)) return `[${i}] = ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > ${bound})`;
  }
  return null;
}

export {finiteMax};
