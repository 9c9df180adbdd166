/**
 * Program 1 of the forward pass: per-tile partial sums. Tile (i, j) is classes [j·C, (j+1)·C) of row
 * i; the output holds V planes of N·J values, plane v at [v·N·J + i·J + j]. With s = z/T, u = t/T_t
 * (a teacher's logits), m the tile's max of a row (saved as the input's own max, max z or max t), and
 * R the tile's rest,
 * S = Σ_c exp(x_c − m) = 1 + R, summed without the max's own term 1 (which would round a small R away:
 * one-hot-like rows):
 *
 *   entropy          0 m    1 R    2 V = Σ_c e_c·(s_c − m),  e_c = exp(s_c − m)
 *   klProbabilities  0 m_s  1 R_s  2 A = Σ_c P_c             3 W = Σ_{P_c > 0} P_c·(log P_c − (s_c − m_s))
 *   klLogits         0 m_s  1 R_s  2 m_u  3 R_u              4 W = Σ_c e_c·d_c,  e_c = exp(u_c − m_u),
 *                                                              d_c = (u_c − m_u) − (s_c − m_s)
 *
 * Non-finite input: m is NaN where the tile has a NaN or +∞ (student or teacher), A where it has a NaN,
 * negative or +∞ probability; W is +∞ where target mass meets s_c = −∞ (P_c > 0, or u_c > −∞: the
 * contract's +∞ loss), a term with P_c = 0 (u_c = −∞) being 0. A max pass first (no exp), then the
 * plane's own pass: each texel re-reads its tile from cache, and runs one exp per class at most.
 */
import {commonInputs, header, planes, Variant} from './glsl.js';

export const partialsInputs = (v: Variant) => commonInputs(v);

/**
 * The output's shape: the V·N·J values in rows of 64 (the tail of the last row unused; wider rows where
 * 64 would need more rows than a texture has). A CPU rasterizer such as SwiftShader shares a draw among
 * its threads by texture rows, so a long 1-D output would leave cores idle.
 */
export function partialsShape(v: Variant, N: number, tilesPerRow: number, maxTexture: number): number[] {
  const size = planes(v) * N * tilesPerRow;
  let width = 64;
  while (Math.ceil(size / width) > maxTexture) width *= 2;
  return [Math.ceil(size / width), width];
}

/** `name`'s walk over n values from flat index `from`: GLSL opening a loop with x the value read. */
const walk = (names: string[]) => `${names.map((n) => `
      vec2 ${n}P = ${n}Center(from);
      vec2 ${n}I = ${n}Inv();
      float ${n}W = float(${n}TexShape[1]);`).join('')}
      for (int k = 0; k < n; k++) {
        ${names.map((n) => `float ${n}X = ${n}Read(${n}P, ${n}I);
        ${n}P = nextCenter(${n}P, ${n}W);`).join('\n        ')}`;

/**
 * max and rest of one row's tile: `name` the input, `scale` the uniform it is divided by. The max is
 * saved as the input's own largest value, which its texture holds exactly (float16 textures too), and
 * both programs scale it the same way: max(x)·(1/T) is max(x·(1/T)), their rounding being monotonic, so
 * the class at the max has x_c − m = 0 exactly in both (a float16-rounded m would leave a K = 1 row
 * a loss of ~1e-4, not 0).
 */
const rowParts = (name: string, scale: string, tag: string) => `
    // the tile's largest ${name} value (NaN for a NaN or +∞ in it; −∞ for a tile of −∞ only)
    float max${tag}(int from, int n) {
      float m = negInf();
      bool bad = false;
      ${walk([name])}
        bad = bad || poisons(${name}X);
        m = max(m, ${name}X);
      }
      return bad ? NAN : m;
    }
    // R = Σ_c exp(x_c − m) − 1, m = the max times ${scale}: the sum without the first class at the max,
    // whose term is exactly 1. 0 for a tile of −∞ only (never read: the stats program skips such a tile)
    // or a poisoned one.
    float rest${tag}(int from, int n, float m) {
      if (isNaN(m) || m == negInf()) return 0.0;
      Sum acc = emptySum();
      bool found = false;
      ${walk([name])}
        float x = ${name}X * ${scale};
        if (!found && x == m) found = true;
        else if (x != negInf()) add(acc, expAcc(x - m));
      }
      return total(acc);
    }
`;

export function partialsSource(v: Variant): string {
  const kl = v.kind === 'klLogits';
  const own = {
    entropy: `
    // V = Σ_c e_c·(s_c − m): −∞ logits add 0 (p log p → 0)
    float tileV(int from, int n, float m) {
      if (isNaN(m) || m == negInf()) return 0.0;
      Sum acc = emptySum();
      ${walk(['logits'])}
        float d = logitsX * dvInvTemp - m;
        if (d != negInf()) add(acc, expAcc(d) * d);
      }
      return total(acc);
    }`,
    klProbabilities: `
    // A = Σ_c P_c, NaN for a NaN, negative or +∞ probability
    float tileA(int from, int n) {
      Sum acc = emptySum();
      bool bad = false;
      ${walk(['targets'])}
        bad = bad || isNaN(targetsX) || targetsX < 0.0 || isInf(targetsX);
        if (!bad) add(acc, targetsX);
      }
      return bad ? NAN : total(acc);
    }
    // W = Σ_{P_c > 0} P_c·(log P_c − (s_c − m_s)); +∞ where P_c > 0 at s_c = −∞
    float tileW(int from, int n, float ms) {
      if (isNaN(ms)) return 0.0;
      Sum acc = emptySum();
      bool infinite = false;
      ${walk(['logits', 'targets'])}
        float s = logitsX * dvInvTemp;
        if (targetsX > 0.0) {
          if (s == negInf()) infinite = true;
          else add(acc, targetsX * (logAcc(targetsX) - (s - ms)));
        }
      }
      return infinite ? posInf() : total(acc);
    }`,
    klLogits: `
    // W = Σ_c e_c·d_c: a class with u_c = −∞ adds 0 (P_c = 0); u_c > −∞ at s_c = −∞ makes W +∞
    float tileW(int from, int n, float ms, float mu) {
      if (isNaN(ms) || isNaN(mu) || mu == negInf()) return 0.0;
      Sum acc = emptySum();
      bool infinite = false;
      ${walk(['logits', 'targets'])}
        float s = logitsX * dvInvTemp;
        float u = targetsX * dvInvTargetTemp;
        if (u != negInf()) {
          if (s == negInf()) infinite = true;
          else {
            float du = u - mu;
            add(acc, expAcc(du) * (du - (s - ms)));
          }
        }
      }
      return infinite ? posInf() : total(acc);
    }`,
  }[v.kind];
  // the plane's value for the tile at [from, from + n)
  const value = {
    entropy: `
      float z = maxS(from, n);
      if (plane == 0) return z;
      float m = z * dvInvTemp;
      if (plane == 0) return m;
      // 1. row max and sum (this tile's share)
      if (plane == 1) return restS(from, n, m);
      // 2. loss (this tile's share)
      return tileV(from, n, m);`,
    klProbabilities: `
      if (plane == 2) return tileA(from, n);
      float z = maxS(from, n);
      if (plane == 0) return z;
      float m = z * dvInvTemp;
      // 1. row max and sum (this tile's share)
      if (plane == 1) return restS(from, n, m);
      // 2. loss (this tile's share)
      return tileW(from, n, m);`,
    klLogits: `
      float t = maxU(from, n);
      if (plane == 2) return t;
      float mu = t * dvInvTargetTemp;
      if (plane == 3) return restU(from, n, mu);
      float z = maxS(from, n);
      if (plane == 0) return z;
      float m = z * dvInvTemp;
      // 1. row max and sum (this tile's share)
      if (plane == 1) return restS(from, n, m);
      // 2. loss (this tile's share)
      return tileW(from, n, m, mu);`,
  }[v.kind];
  return `${header(v)}
    ${rowParts('logits', 'dvInvTemp', 'S')}
    ${kl ? rowParts('targets', 'dvInvTargetTemp', 'U') : ''}
    ${own}

    float planeValue(int plane, int from, int n) {${value}
    }

    void main() {
      int t = int(gl_FragCoord.y) * outTexShape[1] + int(gl_FragCoord.x);
      int tiles = dvRows * dvTiles;
      if (t >= ${planes(v)} * tiles) { setOutput(0.0); return; }  // the unused tail
      int plane = quotient(t, tiles);
      int tile = t - plane * tiles;
      int i = quotient(tile, dvTiles);
      int c0 = (tile - i * dvTiles) * dvChunk;
      setOutput(planeValue(plane, i * dvClasses + c0, min(dvClasses, c0 + dvChunk) - c0));
    }
  `;
}
