/**
 * Program 1 of the forward pass: per-tile partial sums. Tile (i, j) is classes [j·C, (j+1)·C) of row
 * i; the output holds V planes of N·J values, plane v at [v·N·J + i·J + j]. Without spread terms
 * (class ids, no smoothing: the common case) one plane, the tile's log-sum-exp log Σ_c exp(s_c), in one
 * pass over the tile. With them:
 *
 *   v = 0  m = max_c s_c                  (NaN if the tile has a NaN or +∞ logit)
 *   v = 1  S = Σ_c exp(s_c − m)           (0 for a tile of −∞ only)
 *   v = 2  B = Σ_c a_c·(s_c − m)          (spread coefficients only; a term with a_c = 0 is 0)
 *   v = 3  A = Σ_c a_c
 *
 * where a_c here excludes the class-id target term, which the stats program adds from one logit.
 * With focal spread terms only the one plane (the focal program sums those terms once the row's lse
 * is known). Under a softcap the tile's max is capped after it is taken: c·tanh(z/c) increases with z.
 * One texel writes one value, so each texel re-reads its tile (from cache; exp runs in plane 1 only).
 */
import {commonInputs, header, moments, partialValues, scaled, Variant} from './glsl.js';

export const partialsInputs = (v: Variant) => commonInputs(v);

/**
 * The output's shape: the V·N·J values in rows of 64 (the tail of the last row unused). A CPU
 * rasterizer such as SwiftShader shares a render among its threads by texture rows, so a long 1-D
 * output (2 rows of 8192 at [256, 32000]) would leave cores idle; rows of 64 give it plenty.
 */
export function partialsShape(v: Variant, N: number, tilesPerRow: number): number[] {
  return inRows(partialValues(v) * N * tilesPerRow);
}
const ROW = 64;

/** `size` values in rows of 64, as the partials are (the focal program's per-tile sums too). */
export const inRows = (size: number) => [Math.ceil(size / ROW), ROW];

export function partialsSource(v: Variant): string {
  return `${header(v)}
    // the largest s_c of the tile, as stored; max(z)/T is max(z/T) because T > 0
    float tileMax(int from, int n) {
      float m = negInf();
      bool bad = false;
      int width = logitsTexShape[1];
      ivec2 p = logitsTexel(from);
      for (int k = 0; k < n; k++) {
        float z = logitsAt(p);
        p = nextTexel(p, width);
        bad = bad || poisons(z);
        m = max(m, z);
      }
      return bad ? NAN : stored(${scaled(v, 'm')});
    }

    // The tile's max m and Σ exp(s_c − m) in one pass: an online sum that rescales when the running
    // max grows (exp(−|s − max|) is the one exp either way), in blocks of 32 so that rounding grows with
    // 32 + C/32 rather than C. total 0 for a tile of −∞ only; m NaN when the tile has a NaN or +∞
    // (tested on the bits, as NaN arithmetic can vanish: a NaN among −∞ would leave m = −∞).
    void tileOnline(int from, int n, out float m, out float total) {
      m = negInf();
      total = 0.0;
      bool bad = false;
      int width = logitsTexShape[1];
      ivec2 p = logitsTexel(from);
      for (int b = 0; b < n; b += 32) {
        float bm = negInf();
        float part = 0.0;
        int e = min(b + 32, n);
        for (int k = b; k < e; k++) {
          float z = logitsAt(p);
          p = nextTexel(p, width);
          bad = bad || poisons(z);
          float s = ${scaled(v, 'z')};
          float d = s - bm;
          float x = exp(-abs(d));
          bool up = d > 0.0;
          bool skip = s == negInf();  // probability 0 (and −∞ − −∞ would be NaN)
          part = skip ? part : up ? part * x + 1.0 : part + x;
          bm = skip || !up ? bm : s;
        }
        if (bm > m) { total = total * exp(m - bm) + part; m = bm; }
        else if (bm != negInf()) total += part * exp(bm - m);
      }
      if (bad) m = NAN;
    }

    // plane 1 with spread terms: Σ exp(s_c − m), m as plane 0 stores it (the same max; rounded to
    // float16 when textures are half floats, hence the rescaling)
    float tileSumExp(int from, int n) {
      float m, total;
      tileOnline(from, n, m, total);
      return m == negInf() ? 0.0 : total * exp(m - stored(m));
    }

    // plane 0 without spread terms, the only one: the tile's log-sum-exp m + log S (−∞ for a tile of
    // −∞ only, NaN or +∞ as the tile's NaN or +∞ make it). Stored in one float32, it is off by half an
    // ulp of itself, the error that s = z/T already has at the row's largest logits.
    float tileLse(int from, int n) {
      float m, total;
      tileOnline(from, n, m, total);
      return m == negInf() ? m : stored(m + log(total));  // NaN stays NaN
    }

${v.focal === 'none' ? '' : `
    // focal, plane 1: R = Σ exp(s_c − m) − 1 with m as tileMax stores it, by tileOnline's online sum
    // kept as the sum less the 1 of its max (a new max: R·x + x; else R + x), so a tile of one
    // dominant class keeps Σ of the others' exp, not 1 + it rounded (−1 for a tile of −∞ only)
    float tileRest(int from, int n) {
      float m = negInf();
      float rest = -1.0;
      float zMax = negInf();
      int width = logitsTexShape[1];
      ivec2 p = logitsTexel(from);
      for (int b = 0; b < n; b += 32) {
        float bm = negInf();
        float part = -1.0;
        int e = min(b + 32, n);
        for (int k = b; k < e; k++) {
          float z = logitsAt(p);
          p = nextTexel(p, width);
          zMax = max(zMax, z);
          float s = ${scaled(v, 'z')};
          float d = s - bm;
          float x = expNegative(abs(d));  // GLSL's exp errs by 40 ulp at −20: all of a confident R
          bool up = d > 0.0;
          bool skip = s == negInf();  // probability 0 (and −∞ − −∞ would be NaN)
          part = skip ? part : up ? part * x + x : part + x;
          bm = skip || !up ? bm : s;
        }
        if (bm > m) { float x = expNegative(bm - m); rest = rest * x + x + part; m = bm; }
        else if (bm != negInf()) rest += (part + 1.0) * expNegative(m - bm);
      }
      if (m == negInf()) return -1.0;
      // against plane 0's m (float16-rounded, or a softcap's tanh rounding the max elsewhere): the same
      // sum, rescaled
      float m0 = stored(${scaled(v, 'zMax')});
      return m0 == m ? rest : (rest + 1.0) * exp(m - m0) - 1.0;
    }
`}    // Σ a_c·(s_c − m) or, with weightedLogits false, Σ a_c, over classes [c0, c0 + n) of the row at
    // flat index base; a −∞ logit with a_c > 0 makes the first −∞ (loss +∞)
    float tileSpread(int base, int c0, int n, float m, bool weightedLogits) {
      float shift = m == negInf() ? 0.0 : m;  // a tile of −∞ only: s − m would be NaN
      float total = 0.0;
      int width = logitsTexShape[1];
      ivec2 p = logitsTexel(base + c0);
      ivec2 q = ${v.ids ? (v.others ? 'ivec2(int(getLabels(base / numClasses)), 0)' : 'ivec2(0)')
        : 'labelsTexel(base + c0)'};
      for (int b = 0; b < n; b += 32) {
        float part = 0.0;
        int e = min(b + 32, n);
        for (int k = b; k < e; k++) {
          float a = spreadCoef(c0 + k, q);
          float s = ${scaled(v, 'logitsAt(p)')};
          p = nextTexel(p, width);
          ${v.ids ? '' : 'q = nextTexel(q, labelsTexShape[1]);'}
          if (!weightedLogits) part += a;
          else if (a != 0.0) part += a * (s - shift);
        }
        total += part;
      }
      return total;
    }

    void main() {
      ivec2 rc = getOutputCoords();
      int t = rc.x * ${ROW} + rc.y;
      if (t >= ${partialValues(v)} * numRows * tilesPerRow) { setOutput(0.0); return; }  // the unused tail
      int tiles = numRows * tilesPerRow;
      int v = quotient(t, tiles);
      int tile = t - v * tiles;
      int i = quotient(tile, tilesPerRow);
      int c0 = (tile - i * tilesPerRow) * chunkLen;
      int n = min(numClasses, c0 + chunkLen) - c0;
      int base = i * numClasses;
      if (ignored(i)) { setOutput(0.0); return; }  // never read
      if (v == 3) { setOutput(tileSpread(base, c0, n, 0.0, false)); return; }
      // 1. row max and sum (this tile's share)
      ${moments(v) ? '' : v.focal !== 'none' ? `setOutput(v == 0 ? tileMax(base + c0, n) : tileRest(base + c0, n));
      return;  // the two planes` : 'setOutput(tileLse(base + c0, n)); return;  // the only plane'}
      if (v == 1) { setOutput(tileSumExp(base + c0, n)); return; }
      float m = tileMax(base + c0, n);
      if (v == 0) { setOutput(m); return; }
      // 2. loss (this tile's share)
      setOutput(tileSpread(base, c0, n, m, true));
    }
  `;
}
