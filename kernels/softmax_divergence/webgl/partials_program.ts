/**
 * Program 1 of the forward pass: per-tile partial sums, four values per texel (a packed RGBA output,
 * which only the stats program reads, texel by texel). Tile (i, j) is classes [j·C, (j+1)·C) of row i,
 * texel v·N·J + i·J + j its part v (the kind's values in fours). With s = z/T, u = t/T_t (a teacher's logits), m
 * a row's max over the tile and R its rest, S = Σ_c exp(x_c − m) = 1 + R summed without the max's own
 * term 1 (which would round a small R away: one-hot-like rows):
 *
 *   entropy          (max z, R, V, 0)                 V = Σ_c e_c·(s_c − m),  e_c = exp(s_c − m)
 *   klProbabilities  (max z, R_s, A, W)               A = Σ_c P_c, W = Σ_{P_c > 0} P_c·(log P_c − (s_c − m_s))
 *   klLogits         (max z, R_s, 0, 0), (W, max t, R_u, 0)
 *                                                     W = Σ_c e_c·d_c, e_c = exp(u_c − m_u),
 *                                                     d_c = (u_c − m_u) − (s_c − m_s)
 *
 * Each texel reads its tile once (both rows where it needs both) with the contract's online
 * recurrences, one exp per class and row: a new max m' = m + δ rescales, R ← (R + 1)·e^(−δ) (every term
 * shrinks and the old max's 1 joins them), V ← e^(−δ)·(V − δ·S) and, for a teacher's, W ← e^(−δ)·(W − δ·S_u);
 * a new student max adds W ← W + δ·S_u (W + δ·A with probabilities). The max is saved as the input's own
 * largest value, which its texture holds exactly (float16 textures too), and both programs scale it the
 * same way: max(z)·(1/T) is max(z·(1/T)), their rounding being monotonic, so the class at the max has
 * s_c − m = 0 exactly in both (a float16-rounded m would leave a K = 1 row a loss of ~1e-4, not 0).
 *
 * Non-finite input: the max is NaN where the tile has a NaN or +∞ (student or teacher), A where it has
 * a NaN, negative or +∞ probability; W is +∞ where target mass meets s_c = −∞ (P_c > 0, or u_c > −∞:
 * the contract's +∞ loss), a term with P_c = 0 (u_c = −∞) being 0.
 *
 * Why packed: one value per texel (the softmax kernels' layout) would have each of a tile's five
 * values re-read the tile (ten reads and three exps per class for a teacher's KL, against three reads
 * and two exps here); WebGL 2 gives a fragment four channels, and the stats program reads them with
 * texelFetch as they are (packedInputs: tfjs runs no unpack program for it).
 */
import {commonInputs, header, Variant} from './glsl.js';

export const partialsInputs = (v: Variant) => commonInputs(v);

/**
 * Texels per tile: the kind's values in fours. A teacher's KL has two, each part in a region of its own:
 * SwiftShader runs a 2×2 quad of texels as SIMD lanes under masks, so parts mixed in one quad would each
 * cost both parts' code (interleaved, the forward took as long as with one value per texel: 117 ms at
 * [1024, 1000] against 52 to 63 ms in regions).
 */
export const texelsPerTile = (v: Variant) => (v.kind === 'klLogits' ? 2 : 1);

/**
 * The output's logical shape, twice its texture's [rows, width] (a packed texture holds a 2×2 block of
 * the logical shape per texel): the texels in rows of 64 (the tail of the last row unused; wider rows
 * where 64 would need more rows than a texture has). A CPU rasterizer such as SwiftShader shares a
 * draw among its threads by texture rows, so a long 1-D output would leave cores idle.
 */
export function partialsShape(v: Variant, N: number, tilesPerRow: number, maxTexture: number): number[] {
  const size = texelsPerTile(v) * N * tilesPerRow;
  let width = 64;
  while (Math.ceil(size / width) > maxTexture) width *= 2;
  return [2 * Math.ceil(size / width), 2 * width];
}

/** GLSL opening a walk over n values from flat index `from` of each input: the loop, with <name>X read. */
const walk = (names: string[]) => `${names.map((n) => `
      vec2 ${n}P = ${n}Center(from);
      vec2 ${n}I = ${n}Inv();
      float ${n}W = float(${n}TexShape[1]);`).join('')}
      for (int k = 0; k < n; k++) {
        ${names.map((n) => `float ${n}X = ${n}Read(${n}P, ${n}I);
        ${n}P = nextCenter(${n}P, ${n}W);`).join('\n        ')}`;

/** The texel's values for each kind: a function `vec4 texelValue(int part, int from, int n)`. */
const KIND_CODE = {
  entropy: `
    vec4 texelValue(int part, int from, int n) {
      float top = negInf();
      bool bad = false;
      float m = negInf();
      Sum R = emptySum();
      Sum V = emptySum();
      ${walk(['logits'])}
        bad = bad || poisons(logitsX);
        top = max(top, logitsX);
        float x = logitsX * dvInvTemp;
        if (x != negInf()) {  // p = 0: no term (p log p → 0)
          float d = x - m;
          float e = expAcc(-abs(d));
          if (d > 0.0) {  // a new max, δ = d
            if (m != negInf()) rescale(V, e, -e * d * (1.0 + total(R)));
            rescale(R, e, e);
            m = x;
          } else {
            add(R, e);
            add(V, e * d);
          }
        }
      }
      return bad ? vec4(NAN) : vec4(top, total(R), total(V), 0.0);
    }`,
  klProbabilities: `
    vec4 texelValue(int part, int from, int n) {
      float top = negInf();
      bool bad = false;
      bool badMass = false;
      bool infinite = false;
      float m = negInf();
      Sum R = emptySum();
      Sum A = emptySum();
      Sum W = emptySum();
      ${walk(['logits', 'targets'])}
        bad = bad || poisons(logitsX);
        top = max(top, logitsX);
        float P = targetsX;
        badMass = badMass || isNaN(P) || P < 0.0 || isInf(P);
        float x = logitsX * dvInvTemp;
        if (x != negInf()) {
          float d = x - m;
          float e = expAcc(-abs(d));
          if (d > 0.0) {  // a new max: every term's −(s_c − m) grows by δ = d
            if (m != negInf()) add(W, d * total(A));
            rescale(R, e, e);
            m = x;
          } else add(R, e);
          if (P > 0.0) add(W, P * (logAcc(P) - (x - m)));
        } else if (P > 0.0) infinite = true;  // P_c > 0 = p_c
        if (!badMass) add(A, P);
      }
      return bad ? vec4(NAN) : vec4(top, total(R), badMass ? NAN : total(A), infinite ? posInf() : total(W));
    }`,
  klLogits: `
    // part 0: the student's max and rest
    vec4 studentValue(int from, int n) {
      float top = negInf();
      bool bad = false;
      float m = negInf();
      Sum R = emptySum();
      ${walk(['logits'])}
        bad = bad || poisons(logitsX);
        top = max(top, logitsX);
        float x = logitsX * dvInvTemp;
        if (x != negInf()) {
          float d = x - m;
          float e = expAcc(-abs(d));
          if (d > 0.0) { rescale(R, e, e); m = x; }
          else add(R, e);
        }
      }
      return bad ? vec4(NAN) : vec4(top, total(R), 0.0, 0.0);
    }
    // part 1: W, the teacher's max and rest (the student's max again, without sums)
    vec4 teacherValue(int from, int n) {
      float top = negInf();
      bool bad = false;
      bool infinite = false;
      float ms = negInf();
      float mu = negInf();
      Sum R = emptySum();
      Sum W = emptySum();
      ${walk(['logits', 'targets'])}
        bad = bad || poisons(targetsX);
        top = max(top, targetsX);
        float s = logitsX * dvInvTemp;
        float u = targetsX * dvInvTargetTemp;
        // a new student max: every d_c grows by δ (no teacher mass yet: nothing to shift)
        if (s > ms) {
          if (ms != negInf() && mu != negInf()) add(W, (s - ms) * (1.0 + total(R)));
          ms = s;
        }
        if (u != negInf()) {  // P_c > 0
          float du = u - mu;
          float e = expAcc(-abs(du));
          float term = e * (du - (s - ms));
          if (du > 0.0) {  // a new teacher max, δ = du
            if (mu != negInf()) rescale(W, e, -e * du * (1.0 + total(R)));
            rescale(R, e, e);
            mu = u;
            term = -(s - ms);
          } else add(R, e);
          if (s == negInf()) infinite = true;  // P_c > 0 = p_c
          else add(W, term);
        }
      }
      return bad ? vec4(NAN) : vec4(infinite ? posInf() : total(W), top, total(R), 0.0);
    }
    vec4 texelValue(int part, int from, int n) {
      return part == 0 ? studentValue(from, n) : teacherValue(from, n);
    }`,
};

export function partialsSource(v: Variant): string {
  const parts = texelsPerTile(v);
  return `${header(v)}
    // a Sum of terms that all shrink by e, plus v: (Σ + …)·e + v
    void rescale(inout Sum a, float e, float v) {
      a.s *= e;
      a.c *= e;
      add(a, v);
    }
    ${KIND_CODE[v.kind]}

    void main() {
      // the texel's flat index: the texture is [rows, width], half the logical output shape
      int t = int(gl_FragCoord.y) * (outTexShape[1] / 2) + int(gl_FragCoord.x);
      int tiles = dvRows * dvTiles;
      if (t >= ${parts} * tiles) { setOutput(vec4(0.0)); return; }  // the unused tail
      int part = t >= tiles ? 1 : 0;
      int tile = t - part * tiles;
      int i = quotient(tile, dvTiles);
      int c0 = (tile - i * dvTiles) * dvChunk;
      // 1. row max and sum, and 2. the loss's sums (this tile's share)
      setOutput(texelValue(part, i * dvClasses + c0, min(dvClasses, c0 + dvChunk) - c0));
    }
  `;
}
