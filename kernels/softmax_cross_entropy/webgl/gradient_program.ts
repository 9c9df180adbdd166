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
  const dy = upstream ? (v.reduction === 'none' ? 'getDy(i)' : 'getDy(0)') : '1.0';
  const dyRow = v.reduction !== 'mean' ? dy
    : `(getDenominator(0) == 0.0 ? 0.0 : ${dy} / getDenominator(0))`;
  const target = v.ids ? '(c == y ? (1.0 - smoothing) * weight(c) : 0.0)' : '0.0';
  const spread = v.spread ? `spreadCoef(c, ${v.ids ? 'ivec2(0)' : 'q'})` : '0.0';
  return `${header(v)}
    // The output is packed: each texel holds a 2×2 block, rows i, i + 1 and classes c, c + 1, so a
    // row's values (label, lse, A) are read once per two entries, and the gradient comes out in the
    // layout tfjs's packed programs (a matMul's backward, say) read without conversion.
    void main() {
      ivec2 rc = getOutputCoords();
      vec4 g = vec4(0.0);
      for (int dr = 0; dr < 2; dr++) {
        int i = rc.x + dr;
        if (i >= numRows) break;
        float dyRow = ${dyRow};
        if (ignored(i) || dyRow == 0.0) continue;  // zeros
        float hi = getLse(i);
        if (isNaN(hi)) { g[2 * dr] = NAN; g[2 * dr + 1] = NAN; continue; }
        float lo = getLseLow(i);
        float coef = getMass(i)${v.zLoss ? ' + 2.0 * zLossCoef * (hi + lo)' : ''};
        ${v.ids ? 'int y = int(getLabels(i));' : ''}
        int t = i * numClasses + rc.y;
        ivec2 p = logitsTexel(t);
        ${v.ids ? '' : 'ivec2 q = labelsTexel(t);'}
        for (int dc = 0; dc < 2; dc++) {
          int c = rc.y + dc;
          if (c >= numClasses) break;
          float s = logitsAt(p) * invTemp;
          if (s != negInf()) {  // an impossible class keeps probability 0 and gradient 0
            // 3. gradient
            float prob = exp((s - hi) - lo);
            float a = ${target} + ${spread};
            g[2 * dr + dc] = dyRow * invTemp * (coef * prob - a);
          }
          p = nextTexel(p, logitsTexShape[1]);
          ${v.ids ? '' : 'q = nextTexel(q, labelsTexShape[1]);'}
        }
      }
      setOutput(g);
    }
  `;
}
