/**
 * The backward program: one texel per logit, no reduction (the forward saved lse as hi + lo, the
 * target mass A and D):
 *
 *   ∂L/∂z_c = dy_i·(1/T)·[(A + 2λ·lse)·p_c − a_c],   p_c = exp((s_c − hi) − lo)
 *
 * with dy_i = dy[i] ('none'), dy ('sum') or dy / D ('mean', 0 when D = 0). Ignored rows and rows whose
 * upstream gradient is 0 get 0; a −∞ logit gets 0; a row whose lse is NaN (NaN or +∞ in it, all −∞,
 * or an invalid class id) gets NaN.
 *
 * Focal (γ > 0): a → b_c = a_c·q_c^γ·(1 − γ·r_c) and A → B (the saved mass), p and q from
 * d = (hi − s) + lo by e^−d and −expm1(−d). For class ids without spread terms B = b_y, so the target
 * entry is formed as −b_y·q_y (+ the z-loss term) rather than B·p_y − b_y, which would cancel to
 * rounding where p_y ≈ 1. A softcap multiplies by ∂s/∂z's sech²(z/c).
 */
import {commonInputs, header, scaled, Variant} from './glsl.js';

/** Inputs in order; `dy` only when there is an upstream gradient (the backward kernel), not for loss-and-grad. */
export const gradientInputs = (v: Variant, upstream: boolean) =>
  [...commonInputs(v), 'lse', 'lseLow', 'mass', 'denominator', ...(upstream ? ['dy'] : [])];

/** `upstream` false: the gradient of the loss itself (dy = 1), as the loss-and-grad kernel returns it. */
export function gradientSource(v: Variant, upstream: boolean): string {
  const dy = upstream ? (v.reduction === 'none' ? 'getDy(i)' : 'getDy(0)') : '1.0';  // i: the row
  const dyRow = v.reduction !== 'mean' ? dy
    : `(getDenominator(0) == 0.0 ? 0.0 : ${dy} / getDenominator(0))`;
  const target = v.ids ? '(c == y ? (1.0 - smoothing) * weight(c) : 0.0)' : '0.0';
  const spread = v.spread ? `spreadCoef(c, ${v.ids ? (v.others ? 'ivec2(y, 0)' : 'ivec2(0)') : 'q'})` : '0.0';
  const zLoss = v.zLoss ? ' + 2.0 * zLossCoef * (hi + lo)' : '';
  const logit = '(sameLayout ? texture(logits, resultUV).r : logitsAt(logitsTexel(t)))';
  // the gradient with respect to s, before dy/T (and the softcap's slope)
  const ds = v.focal === 'none' ? 'coef * prob - a'
    : v.ids && !v.spread ? `c == y ? ${v.zLoss ? '2.0 * zLossCoef * (hi + lo) * prob' : '0.0'} - b * f.y : coef * prob`
      : 'coef * prob - b';
  const out = v.softcap ? `dyRow * invTemp * (${ds}) * sech2(z * invSoftcap)` : `dyRow * invTemp * (${ds})`;
  return `${header(v)}
    // One texel per entry, in the logits' own [N, K] texture layout: when the logits texture has that
    // layout (the usual case) this entry's logit is at this very texel, read at the texel's own
    // texture coordinate, the read a rasterizer serves fastest. (On SwiftShader, a packed output,
    // four reads at computed positions per texel, took 1.6× as long for the whole step; texelFetch
    // took 1.3× as long as texture() at resultUV, for the logit and the row's values alike.)
    void main() {
      ivec2 here = ivec2(gl_FragCoord.xy);
      int t = here.y * outTexShape[1] + here.x;
      int i = quotient(t, numClasses);
      int c = t - i * numClasses;
      float dyRow = ${dyRow};
      ${v.ids ? 'float label = getLabels(i);' : ''}
      if (${v.ids ? 'label == ignoreId || ' : ''}dyRow == 0.0) { setOutput(0.0); return; }
      float hi = getLse(i);
      if (isNaN(hi)) { setOutput(NAN); return; }  // NaN or +∞ in the row, all −∞, or an invalid class id
      bool sameLayout = offsetlogits == 0 && logitsTexShape == outTexShape;
      ${v.softcap ? `float z = ${logit};
      float s = ${scaled(v, 'z')};` : `float s = ${scaled(v, logit)};`}
      if (s == negInf()) { setOutput(0.0); return; }  // an impossible class: probability 0
      float lo = getLseLow(i);
      // 3. gradient
      ${v.focal === 'none' ? 'float prob = exp((s - hi) - lo);' : `vec4 f = focal((hi - s) + lo);
      float prob = f.x;`}
      ${v.ids ? 'int y = int(label);' : `ivec2 q = offsetlabels == 0 && labelsTexShape == outTexShape ? here : labelsTexel(t);`}
      float a = ${target} + ${spread};
      float coef = getMass(i)${zLoss};
      ${v.focal === 'none' ? '' : `float b = a == 0.0 ? 0.0 : a * f.w;
      `}setOutput(${out});
    }
  `;
}
