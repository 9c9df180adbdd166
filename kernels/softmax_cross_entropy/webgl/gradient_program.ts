/**
 * The backward program: one texel per logit, no reduction (the forward saved lse as hi + lo, the
 * target mass A and D):
 *
 *   ∂L/∂z_c = dy_i·(1/T)·[(A + 2λ·lse)·p_c − a_c],   p_c = exp((s_c − hi) − lo)
 *
 * with dy_i = dy[i] ('none'), dy ('sum') or dy / D ('mean', 0 when D = 0). Ignored rows and rows whose
 * upstream gradient is 0 get 0; a −∞ logit gets 0; a row whose lse is NaN (NaN or +∞ in it, all −∞,
 * or an invalid class id) gets NaN.
 */
import {commonInputs, header, Variant} from './glsl.js';

/** Inputs in order; `dy` only when there is an upstream gradient (the backward kernel), not for loss-and-grad. */
export const gradientInputs = (v: Variant, upstream: boolean) =>
  [...commonInputs(v), 'lse', 'lseLow', 'mass', 'denominator', ...(upstream ? ['dy'] : [])];

/** `upstream` false: the gradient of the loss itself (dy = 1), as the loss-and-grad kernel returns it. */
export function gradientSource(v: Variant, upstream: boolean): string {
  const dy = upstream ? (v.reduction === 'none' ? 'getDy(i)' : 'getDy(0)') : '1.0';  // i: the row
  const dyRow = v.reduction !== 'mean' ? dy
    : `(getDenominator(0) == 0.0 ? 0.0 : ${dy} / getDenominator(0))`;
  const target = v.ids ? '(c == y ? (1.0 - smoothing) * weight(c) : 0.0)' : '0.0';
  const spread = v.spread ? `spreadCoef(c, ${v.ids ? 'ivec2(0)' : 'q'})` : '0.0';
  return `${header(v)}
    // One row's part of the formula. zero: ignored row, or no upstream gradient; the row reads 0.
    struct Row { bool zero; float dy; float hi; float lo; float coef; int y; };

    Row rowOf(int i${v.reduction === 'none' ? '' : ', float dyAll'}) {
      Row r = Row(true, 0.0, 0.0, 0.0, 0.0, 0);
      if (i >= numRows) return r;
      float dyRow = ${v.reduction === 'none' ? dyRow : 'dyAll'};
      if (ignored(i) || dyRow == 0.0) return r;
      float hi = getLse(i);
      float lo = getLseLow(i);
      return Row(false, dyRow, hi, lo, getMass(i)${v.zLoss ? ' + 2.0 * zLossCoef * (hi + lo)' : ''},
          ${v.ids ? 'int(getLabels(i))' : '0'});
    }

    // the entry at class c of row r, whose logit (and probability label) sit at texels p (and q)
    float entry(Row r, int c, ivec2 p, ivec2 q) {
      if (r.zero || c >= numClasses) return 0.0;
      if (isNaN(r.hi)) return NAN;  // NaN or +∞ in the row, all −∞, or an invalid class id
      float s = logitsAt(p) * invTemp;
      if (s == negInf()) return 0.0;  // an impossible class: probability 0
      // 3. gradient
      float prob = exp((s - r.hi) - r.lo);
      ${v.ids ? 'int y = r.y;' : ''}
      float a = ${target} + ${spread};
      return r.dy * invTemp * (r.coef * prob - a);
    }

    // The output is packed: each texel holds a 2×2 block, rows i, i + 1 and classes c, c + 1, so a
    // row's values (label, lse, A) are read once per two entries, and the gradient comes out in the
    // layout tfjs's packed programs (a matMul's backward, say) read without conversion. Written out
    // without loops: SwiftShader runs vector indexing and early exits of loops slowly.
    void main() {
      // this texel's block, as tfjs lays out a packed [N, K] texture: ceil(K / 2) texels per row pair
      // in flat order (what getOutputCoords computes, here without integer division)
      ivec2 texel = ivec2(gl_FragCoord.xy);
      int index = texel.y * ((outTexShape[1] + 1) / 2) + texel.x;
      int perRowPair = (numClasses + 1) / 2;
      int pair = quotient(index, perRowPair);
      int i = 2 * pair;
      int c = 2 * (index - pair * perRowPair);
      ${v.reduction === 'none' ? '' : `float dyAll = ${dyRow};  // one upstream gradient for every row`}
      Row r0 = rowOf(i${v.reduction === 'none' ? '' : ', dyAll'});
      Row r1 = rowOf(i + 1${v.reduction === 'none' ? '' : ', dyAll'});
      int width = logitsTexShape[1];
      ivec2 p0 = logitsTexel(i * numClasses + c);
      ivec2 p1 = i + 1 < numRows ? logitsTexel((i + 1) * numClasses + c) : p0;
      ${v.ids ? 'ivec2 q0 = ivec2(0); ivec2 q1 = q0;' : `ivec2 q0 = labelsTexel(i * numClasses + c);
      ivec2 q1 = i + 1 < numRows ? labelsTexel((i + 1) * numClasses + c) : q0;`}
      int qWidth = ${v.ids ? '1' : 'labelsTexShape[1]'};
      setOutput(vec4(
          entry(r0, c, p0, q0), entry(r0, c + 1, nextTexel(p0, width), nextTexel(q0, qWidth)),
          entry(r1, c, p1, q1), entry(r1, c + 1, nextTexel(p1, width), nextTexel(q1, qWidth))));
    }
  `;
}
