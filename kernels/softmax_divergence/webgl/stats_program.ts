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

/** The partials only (packed: read with texelFetch as they are): every value the stats need is in them. */
export const statsInputs = ['partials'];

export const statsSize = (v: Variant, N: number) => (v.reduction === 'none' ? N : 1) + 4 * N;

export function statsSource(v: Variant): string {
  const loss = {
    entropy: `
      // V over the row's max, then H = log S − V / S (both terms ≥ 0: no cancellation)
      Sum acc = emptySum();
      for (int j = 0; j < dvTiles; j++) {
        vec4 q = tile(i, j, 0);
        float m = q.x * dvInvTemp;
        if (m == negInf()) continue;
        float delta = s.M - m;
        add(acc, expAcc(-delta) * (q.z - delta * (1.0 + q.y)));
      }
      float H = s.L - total(acc) / (1.0 + s.R);
      float H0 = stored(H);
      return Row(s.hi, s.lo, H0, H - H0, H);`,
    klProbabilities: `
      Sum mass = emptySum();
      Sum acc = emptySum();
      bool infinite = false;
      for (int j = 0; j < dvTiles; j++) {
        vec4 q = tile(i, j, 0);
        if (isNaN(q.z)) return poisoned();  // a NaN, negative or +∞ probability
        add(mass, q.z);
        if (q.z == 0.0) continue;  // no target mass here: no term (even at −∞ logits)
        if (q.w == posInf()) infinite = true;
        else add(acc, q.w + q.z * (s.M - q.x * dvInvTemp));
      }
      float A = total(mass);
      float A0 = stored(A);
      // auxLow: what a float16 texture loses of A (0 with float32 textures)
      return Row(s.hi, s.lo, A0, A - A0, infinite ? posInf() : total(acc) + A * s.L);`,
    klLogits: `
      Parts u = rowParts(i, 1, 1, 2, dvInvTargetTemp);
      if (isNaN(u.M) || u.M == negInf()) return poisoned();  // NaN or +∞ in the teacher, or all −∞
      Sum acc = emptySum();
      bool infinite = false;
      for (int j = 0; j < dvTiles; j++) {
        vec4 q = tile(i, j, 1);
        float mu = q.y * dvInvTargetTemp;
        if (mu == negInf()) continue;  // no teacher mass here: no term
        if (q.x == posInf()) { infinite = true; continue; }
        float du = u.M - mu;
        add(acc, expAcc(-du) * (q.x + ((s.M - tile(i, j, 0).x * dvInvTemp) - du) * (1.0 + q.z)));
      }
      return Row(s.hi, s.lo, u.hi, u.lo, infinite ? posInf() : (s.L - u.L) + total(acc) / (1.0 + u.R));`,
  }[v.kind];
  return `${header(v, false)}
    // texel 'part' of tile j of row i (partials_program.ts), from the packed texture as it is: its
    // width is half its logical shape's
    vec4 tile(int i, int j, int part) {
      int t = (part * dvRows + i) * dvTiles + j;
      int width = partialsTexShape[1] / 2;
      int r = quotient(t, width);
      return texelFetch(partials, ivec2(t - r * width, r), 0);
    }
    float channel(vec4 q, int c) { return c == 0 ? q.x : c == 1 ? q.y : c == 2 ? q.z : q.w; }

    // a row's max M, rest R (S = 1 + R), L = log1p(R) and lse as a pair hi + lo
    struct Parts { float M; float R; float L; float hi; float lo; };
    // the forward's per-row outputs and the row's loss (unscaled)
    struct Row { float hi; float lo; float aux; float auxLow; float loss; };
    Row poisoned() { return Row(NAN, NAN, NAN, NAN, NAN); }

    // 1. row max and sum: of the row whose tiles' maxes are channel cm and rests channel cr of texel
    // 'part', the maxes times scale
    Parts rowParts(int i, int part, int cm, int cr, float scale) {
      float M = negInf();
      bool bad = false;
      for (int j = 0; j < dvTiles; j++) {
        float m = channel(tile(i, j, part), cm) * scale;
        bad = bad || isNaN(m);
        M = max(M, m);
      }
      if (bad) return Parts(NAN, NAN, NAN, NAN, NAN);
      if (M == negInf()) return Parts(M, 0.0, 0.0, M, 0.0);
      Sum acc = emptySum();
      bool found = false;
      for (int j = 0; j < dvTiles; j++) {
        vec4 q = tile(i, j, part);
        float m = channel(q, cm) * scale;
        if (m == negInf()) continue;
        float R = channel(q, cr);
        if (!found && m == M) { found = true; add(acc, R); }
        else add(acc, expAcc(m - M) * (1.0 + R));
      }
      float R = total(acc);
      float L = log1pAcc(R);
      float hi = stored(M + L);
      return Parts(M, R, L, hi, (M - hi) + L);  // M − hi is exact where it matters, |M| ≥ |L|
    }

    Row rowStats(int i) {
      Parts s = rowParts(i, 0, 0, 1, dvInvTemp);
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
