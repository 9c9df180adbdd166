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
 * tol.perTerm times the entry's row's terms; without it (losses) that part is 0. With rowLse too (the
 * reference's |lse| per row), it gains tol.perTermLse·|lse|·terms as well. For a loss, pass the
 * reference's lossTerms (one per entry) and the bound gains tol.perLossTerm times the entry's.
 */
export function mismatch(got: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance, maxLogit: number,
    rowTerms?: ArrayLike<number>, rowLse?: ArrayLike<number>, lossTerms?: ArrayLike<number>): string | null {
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
    const row = Math.floor(i / perRow);
    const terms = perRow === 0 ? 0 : (rowTerms as ArrayLike<number>)[row];
    const lse = perRow === 0 || rowLse === undefined ? 0 : rowLse[row];
    const bound = tol.rtol * Math.abs(r) + (tol.atol + tol.perLogit * maxLogit) * scale +
        (tol.perTerm + (tol.perTermLse ?? 0) * lse) * terms +
        (lossTerms === undefined ? 0 : (tol.perLossTerm ?? 0) * lossTerms[i]);
    if (!(Math.abs(g - r) <= bound)) return `[${i}] = ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > ${bound})`;
  }
  return null;
}

export {finiteMax};
