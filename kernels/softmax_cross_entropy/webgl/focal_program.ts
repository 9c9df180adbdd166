/**
 * The focal forward's extra program, for rows with spread terms (probabilities, or class ids with
 * smoothing) and γ > 0: per tile, the sums of the spread terms that the stats program adds up per row,
 *
 *   plane 0  Σ_c a_c·q_c^γ·(lse − s_c)     (the loss's share)
 *   plane 1  Σ_c b_c = Σ_c a_c·q_c^γ·(1 − γ·r_c)   (B's share)
 *
 * with a_c the spread coefficients (the class-id target term is the stats program's, from one logit).
 * q_c needs the row's lse, which the partials program's tiles do not know yet: each texel takes it
 * from its row's tiles' (m, R) first, as the stats program does (glsl.ts FOCAL_ROW_LSE: 2J values per
 * row, against the tile's C classes), so the focal forward is three program runs, not four. Without spread terms the
 * focal target term is the stats program's alone and this program does not run.
 */
import {commonInputs, FOCAL_ROW_LSE, header, scaled, Variant} from './glsl.js';
import {inRows} from './partials_program.js';

export const focalInputs = (v: Variant) => [...commonInputs(v), 'partials'];

export const focalShape = (N: number, tilesPerRow: number) => inRows(2 * N * tilesPerRow);

export function focalSource(v: Variant): string {
  return `${header(v)}
${FOCAL_ROW_LSE}
    void main() {
      ivec2 rc = getOutputCoords();
      int t = rc.x * 64 + rc.y;
      int tiles = numRows * tilesPerRow;
      if (t >= 2 * tiles) { setOutput(0.0); return; }  // the unused tail
      int plane = t >= tiles ? 1 : 0;
      int tile = t - plane * tiles;
      int i = quotient(tile, tilesPerRow);
      int c0 = (tile - i * tilesPerRow) * chunkLen;
      int n = min(numClasses, c0 + chunkLen) - c0;
      float M, L;
      if (ignored(i) || !focalRowLse(i, M, L)) { setOutput(0.0); return; }  // never read
      // 2. loss (plane 0) and B (plane 1): this tile's share of the spread terms, in blocks of 32
      int base = i * numClasses;
      int width = logitsTexShape[1];
      ivec2 p = logitsTexel(base + c0);
      ivec2 q = ${v.ids ? (v.others ? 'ivec2(int(getLabels(i)), 0)' : 'ivec2(0)') : 'labelsTexel(base + c0)'};
      float total = 0.0;
      for (int b = 0; b < n; b += 32) {
        float part = 0.0;
        int e = min(b + 32, n);
        for (int k = b; k < e; k++) {
          float a = spreadCoef(c0 + k, q);
          float s = ${scaled(v, 'logitsAt(p)')};
          p = nextTexel(p, width);
          ${v.ids ? '' : 'q = nextTexel(q, labelsTexShape[1]);'}
          if (a == 0.0) continue;  // a term with a_c = 0 is 0, even at s_c = −∞
          float d = max((M - s) + L, 0.0);
          vec4 f = focal(d);
          part += plane == 0 ? a * (f.z * d) : a * f.w;
        }
        total += part;
      }
      setOutput(total);
    }
  `;
}
