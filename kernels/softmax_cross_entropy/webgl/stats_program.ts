/**
 * Program 2 of the forward pass: combines each row's tiles into the forward kernel's outputs, laid
 * out back to back in one flat texture that forward.ts splits into views (no copies):
 *
 *   [loss: N values for 'none', else 1] [lse hi: N] [lse lo: N] [target mass A: N] [D: 1]
 *
 * Per row, with M = max_j m_j and L = log Σ_j S_j·exp(m_j − M), so lse = M + L (without spread
 * terms the tiles give their log-sum-exp: m_j = lse_j, S_j = 1):
 *   ℓ = Σ_c a_c·(lse − s_c) + λ·lse² = Σ_j [A_j·((M − m_j) + L) − B_j] + a_y·((M − s_y) + L) + λ·lse²
 * (the last a_y term for class ids: (1 − ε)·w_y). Every term is ≥ 0 and small differences such as
 * M − m_j are taken before anything large is added, so no cancellation. lse is saved as a float32 pair
 * hi + lo (hi = lse as stored), so the gradient's exp(s − hi − lo) keeps the bits hi loses at |lse| ~ 1e4.
 * The reduced loss and D are sums over rows, done serially by one texel each (N·J partials read).
 *
 * Focal (γ > 0): the target term is a_y·q_y^γ·((M − s_y) + L), and the saved mass is B = Σ_c b_c
 * (contract.ts) instead of A: b_y here, plus the focal program's per-tile sums of the spread terms.
 */
import {commonInputs, FOCAL_ROW_LSE, header, moments, scaled, Variant} from './glsl.js';

/** Focal spread terms come summed per tile from the focal program (focal_program.ts). */
export const focalSpread = (v: Variant) => v.spread && v.focal !== 'none';

export const statsInputs = (v: Variant) => [...commonInputs(v), 'partials', ...(focalSpread(v) ? ['focalSums'] : [])];

export const statsSize = (v: Variant, N: number) => (v.reduction === 'none' ? N : 1) + 3 * N + 1;

export function statsSource(v: Variant): string {
  const plane = (p: number) => `getPartials(${p} * numRows * tilesPerRow + i * tilesPerRow + j)`;
  return `${header(v)}
    struct Row { float hi; float lo; float mass; float loss; };
${v.focal === 'none' ? '' : FOCAL_ROW_LSE}
    // a class id that is neither in [0, K) nor ignoreIndex: its row is NaN (the GPU does not read back)
    bool invalid(int i) {
      ${v.ids ? `float y = getLabels(i);
      return !(y >= 0.0 && y < float(numClasses) && y == floor(y));` : 'return false;'}
    }

    Row rowStats(int i) {
      if (ignored(i)) return Row(0.0, 0.0, 0.0, 0.0);
      if (invalid(i)) return Row(NAN, NAN, NAN, NAN);
      ${v.focal === 'none' ? `// 1. row max and sum: from each tile's max m and S (spread) or log-sum-exp (M is then the
      // largest of those, and each tile's S is 1)
      float M = negInf();
      bool bad = false;
      for (int j = 0; j < tilesPerRow; j++) {
        float m = ${plane(0)};
        bad = bad || isNaN(m) || m == -negInf();
        M = max(M, m);
      }
      if (bad || M == negInf()) return Row(NAN, NAN, NAN, NAN);  // NaN or +∞ in the row, or all −∞
      float S = 0.0;
      for (int j = 0; j < tilesPerRow; j++) {
        float m = ${plane(0)};
        if (m != negInf()) S += ${moments(v) ? plane(1) : '1.0'} * exp(m - M);
      }
      float L = log(S);
` : `// 1. row max and sum, focal: L = log1p(R) from the tiles' (m, R), exact at a confident row
      float M, L;
      if (!focalRowLse(i, M, L)) return Row(NAN, NAN, NAN, NAN);  // NaN or +∞ in the row, or all −∞
`}      float hi = stored(M + L);
      float lo = (M - hi) + L;  // what hi lost; M − hi is exact when |M| ≥ |L|, where it matters
      // 2. loss
      float mass = 0.0;
      float loss = 0.0;
      ${moments(v) ? `for (int j = 0; j < tilesPerRow; j++) {
        float A = ${plane(3)};
        if (A != 0.0) loss += A * ((M - ${plane(0)}) + L) - ${plane(2)};
        mass += A;
      }` : ''}${focalSpread(v) ? `
      // the focal spread terms' sums per tile: Σ a_c·q_c^γ·(lse − s_c), then Σ b_c
      for (int j = 0; j < tilesPerRow; j++) {
        loss += getFocalSums(i * tilesPerRow + j);
        mass += getFocalSums((numRows + i) * tilesPerRow + j);
      }` : ''}
      ${v.ids ? `int y = int(getLabels(i));
      float target = (1.0 - smoothing) * weight(y);
      ${v.focal === 'none' ? `if (target != 0.0) loss += target * ((M - ${scaled(v, 'getLogits(i * numClasses + y)')}) + L);
      mass += target;` : `if (target != 0.0) {  // its focal term, and b_y
        float d = max((M - ${scaled(v, 'getLogits(i * numClasses + y)')}) + L, 0.0);
        vec4 f = focal(d);
        loss += target * (f.z * d);
        mass += target * f.w;
      }`}` : ''}
      ${v.zLoss ? 'loss += zLossCoef * (hi + lo) * (hi + lo);' : ''}
      return Row(hi, lo, mass, loss);
    }

    // D of the 'mean': Σ w_y over counted rows for class ids, N for probabilities
    float denominator() {
      ${v.ids ? `float d = 0.0;
      for (int i = 0; i < numRows; i++) {
        if (!ignored(i) && !invalid(i)) d += weight(int(getLabels(i)));
      }
      return d;` : 'return float(numRows);'}
    }

    float reducedLoss() {
      float total = 0.0;
      for (int b = 0; b < numRows; b += 32) {
        float part = 0.0;
        int e = min(b + 32, numRows);
        for (int i = b; i < e; i++) part += rowStats(i).loss;
        total += part;
      }
      ${v.reduction === 'mean' ? `float d = denominator();
      return d == 0.0 ? 0.0 : total / d;  // every row ignored: 0, never NaN` : 'return total;'}
    }

    void main() {
      int t = getOutputCoords();
      int losses = ${v.reduction === 'none' ? 'numRows' : '1'};
      if (t < losses) { setOutput(${v.reduction === 'none' ? 'rowStats(t).loss' : 'reducedLoss()'}); return; }
      t -= losses;
      if (t == 3 * numRows) { setOutput(denominator()); return; }
      int field = t / numRows;
      Row r = rowStats(t - field * numRows);
      setOutput(field == 0 ? r.hi : field == 1 ? r.lo : r.mass);
    }
  `;
}
