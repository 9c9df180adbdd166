/**
 * Program 2 of the forward pass: merges each row's tiles into the forward kernel's outputs, laid out
 * back to back in one flat texture that forward.ts splits into views (no copies):
 *
 *   [loss: N values for 'none', else 1] [lse: N] [lseLow: N] [aux: N] [auxLow: N]
 *
 * Per row, from tiles j with max m_j and rest R_j (S_j = 1 + R_j, partials_program.ts): M = max_j m_j,
 * S = Σ_j S_j·exp(m_j − M) = 1 + R with R = R_j* + Σ_{j ≠ j*} S_j·exp(m_j − M), j* the first tile at M
 * (so that log S = log1p(R) keeps a one-hot-like row's small R), and lse = M + log1p(R). A tile's
 * sums are relative to its own maxes; on the row's, every x_c − m_j drops by δ = M − m_j ≥ 0 and every
 * exp(x_c − m_j) shrinks by e^(−δ), so (the contract's merge):
 *
 *   entropy          V = Σ_j e^(−δ_j)·(V_j − δ_j·S_j),                H = log S − V / S
 *   klProbabilities  W = Σ_j (W_j + A_j·δs_j), A = Σ_j A_j,            KL = W + A·log S_s
 *   klLogits         W = Σ_j e^(−δu_j)·(W_j + (δs_j − δu_j)·S_u,j),   KL = (log S_s − log S_u) + W / S_u
 *
 * Every loss is times `scale`. lse (and a teacher's lse_u, or H) is saved as a float32 pair hi + lo
 * (hi = the value as stored), so the gradient's exp(s − hi − lo) keeps the bits hi loses at |lse| ~ 1e4.
 * Sums are compensated (glsl.ts); the reduced loss is a sum over rows, done serially by one texel.
 */
import {header, Variant} from './glsl.js';

/** The partials only: every value the stats need is in them. */
export const statsInputs = ['partials'];

export const statsSize = (v: Variant, N: number) => (v.reduction === 'none' ? N : 1) + 4 * N;

export function statsSource(v: Variant): string {
  const loss = {
    entropy: `
      // V over the row's max, then H = log S − V / S (both terms ≥ 0: no cancellation)
      Sum acc = emptySum();
      for (int j = 0; j < dvTiles; j++) {
        float m = tileMax(0, i, j);
        if (m == negInf()) continue;
        float delta = s.M - m;
        add(acc, expAcc(-delta) * (plane(2, i, j) - delta * (1.0 + plane(1, i, j))));
      }
      float H = s.L - total(acc) / (1.0 + s.R);
      float H0 = stored(H);
      return Row(s.hi, s.lo, H0, H - H0, H);`,
    klProbabilities: `
      Sum mass = emptySum();
      Sum acc = emptySum();
      bool infinite = false;
      for (int j = 0; j < dvTiles; j++) {
        float A = plane(2, i, j);
        if (isNaN(A)) return poisoned();  // a NaN, negative or +∞ probability
        add(mass, A);
        if (A == 0.0) continue;  // no target mass here: no term (even at −∞ logits)
        float W = plane(3, i, j);
        if (W == posInf()) infinite = true;
        else add(acc, W + A * (s.M - tileMax(0, i, j)));
      }
      float A = total(mass);
      float A0 = stored(A);
      // auxLow: what a float16 texture loses of A (0 with float32 textures)
      return Row(s.hi, s.lo, A0, A - A0, infinite ? posInf() : total(acc) + A * s.L);`,
    klLogits: `
      Parts u = rowParts(2, i);
      if (isNaN(u.M) || u.M == negInf()) return poisoned();  // NaN or +∞ in the teacher, or all −∞
      Sum acc = emptySum();
      bool infinite = false;
      for (int j = 0; j < dvTiles; j++) {
        float mu = tileMax(2, i, j);
        if (mu == negInf()) continue;  // no teacher mass here: no term
        float W = plane(4, i, j);
        if (W == posInf()) { infinite = true; continue; }
        float du = u.M - mu;
        add(acc, expAcc(-du) * (W + ((s.M - tileMax(0, i, j)) - du) * (1.0 + plane(3, i, j))));
      }
      return Row(s.hi, s.lo, u.hi, u.lo, infinite ? posInf() : (s.L - u.L) + total(acc) / (1.0 + u.R));`,
  }[v.kind];
  return `${header(v, false)}
    float plane(int p, int i, int j) { return getPartials((p * dvRows + i) * dvTiles + j); }
    // tile j's max of the student's s (p = 0) or the teacher's u (p = 2), as the partials program scaled it
    float tileMax(int p, int i, int j) { return plane(p, i, j) * (p == 0 ? dvInvTemp : dvInvTargetTemp); }

    // a row's max M, rest R (S = 1 + R), L = log1p(R) and lse as a pair hi + lo
    struct Parts { float M; float R; float L; float hi; float lo; };
    // the forward's per-row outputs and the row's loss (unscaled)
    struct Row { float hi; float lo; float aux; float auxLow; float loss; };
    Row poisoned() { return Row(NAN, NAN, NAN, NAN, NAN); }

    // 1. row max and sum: of the row whose tiles' maxes are plane p and rests plane p + 1
    Parts rowParts(int p, int i) {
      float M = negInf();
      bool bad = false;
      for (int j = 0; j < dvTiles; j++) {
        float m = tileMax(p, i, j);
        bad = bad || isNaN(m);
        M = max(M, m);
      }
      if (bad) return Parts(NAN, NAN, NAN, NAN, NAN);
      if (M == negInf()) return Parts(M, 0.0, 0.0, M, 0.0);
      Sum acc = emptySum();
      bool found = false;
      for (int j = 0; j < dvTiles; j++) {
        float m = tileMax(p, i, j);
        if (m == negInf()) continue;
        float R = plane(p + 1, i, j);
        if (!found && m == M) { found = true; add(acc, R); }
        else add(acc, expAcc(m - M) * (1.0 + R));
      }
      float R = total(acc);
      float L = log1pAcc(R);
      float hi = stored(M + L);
      return Parts(M, R, L, hi, (M - hi) + L);  // M − hi is exact where it matters, |M| ≥ |L|
    }

    Row rowStats(int i) {
      Parts s = rowParts(0, i);
      if (isNaN(s.M) || s.M == negInf()) return poisoned();  // NaN or +∞ in the row, or all −∞
      // 2. loss
      ${loss}
    }

    // the reduced loss: a compensated sum over rows, NaN if a row's is, else +∞ if a row's is
    float reducedLoss() {
      Sum acc = emptySum();
      bool nan = false;
      bool infinite = false;
      for (int i = 0; i < dvRows; i++) {
        float l = rowStats(i).loss;
        if (isNaN(l)) nan = true;
        else if (l == posInf()) infinite = true;
        else add(acc, l);
      }
      float sum = isInf(acc.s) ? acc.s : total(acc);  // past float32's range: +∞, not the compensation's NaN
      return nan ? NAN : infinite ? posInf() : sum * dvLossScale;
    }

    void main() {
      int t = getOutputCoords();
      int losses = ${v.reduction === 'none' ? 'dvRows' : '1'};
      if (t < losses) { setOutput(${v.reduction === 'none' ? 'rowStats(t).loss * dvRowScale' : 'reducedLoss()'}); return; }
      t -= losses;
      int field = quotient(t, dvRows);
      Row r = rowStats(t - field * dvRows);
      setOutput(field == 0 ? r.hi : field == 1 ? r.lo : field == 2 ? r.aux : r.auxLow);
    }
  `;
}
