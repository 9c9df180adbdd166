/**
 * The backward program: one texel per logit, no reduction (the forward saved lse as hi + lo and aux,
 * auxLow by kind):
 *
 *   klProbabilities  ∂L/∂z_c = g·(A·p_c − P_c),           A = aux (Σ_c P_c)
 *   klLogits         ∂L/∂z_c = g·(p_c − P_c),             P_c = exp((u_c − aux) − auxLow)
 *   entropy          ∂L/∂z_c = −g·p_c·(log p_c + H),     H = aux + auxLow
 *
 * with p_c = exp((s_c − hi) − lo), log p_c = (s_c − hi) − lo, and g = dy_i·scale/T (dy_i = dy[i] for
 * 'none', dy for 'sum', dy / N for 'mean'). A −∞ logit of a finite row gets 0 (also where the target
 * has mass there, the +∞ loss: softmax's rule); a row whose lse is NaN (NaN or +∞ in it, all −∞, a
 * teacher's such row, a NaN or negative probability) gets NaN. K = 1: p = P = 1 and log p = 0 exactly,
 * so the gradient is exactly 0 (with float16 textures too, whose lse pair does not give s back exactly).
 */
import {commonInputs, header, Variant} from './glsl.js';

/** Inputs in order; `dy` only when there is an upstream gradient (the backward kernel), not for loss-and-grad. */
export const gradientInputs = (v: Variant, upstream: boolean) =>
  [...commonInputs(v), 'lse', 'lseLow', 'aux', 'auxLow', ...(upstream ? ['dy'] : [])];

/** `upstream` false: the gradient of the loss itself (dy = 1), as the loss-and-grad kernel returns it. */
export function gradientSource(v: Variant, upstream: boolean): string {
  const dy = upstream ? (v.reduction === 'none' ? 'getDy(i) * ' : 'getDy(0) * ') : '';
  // an input's value at this entry: at this very texel when its texture has the output's layout (the
  // usual case), the read a rasterizer serves fastest; else through the entry's flat index
  const read = (name: string) => `(offset${name} == 0 && ${name}TexShape == outTexShape ? ` +
    `texture(${name}, resultUV).r : ${name}Read(${name}Center(t), ${name}Inv()))`;
  const value = {
    klProbabilities: `float P = ${read('targets')};
      return (getAux(i) + getAuxLow(i)) * p - P;`,
    klLogits: `float u = ${read('targets')} * dvInvTargetTemp;
      float P = single ? 1.0 : u == negInf() ? 0.0 : expAcc((u - getAux(i)) - getAuxLow(i));
      return p - P;`,
    entropy: 'return single ? 0.0 : -p * (logp + (getAux(i) + getAuxLow(i)));  // K = 1: 0, not −0',
  }[v.kind];
  return `${header(v)}
    // ∂(loss)/∂s_c of row i, entry t (flat), at s_c > −∞ of a finite row
    float entryGrad(int i, int t, float s) {
      bool single = dvClasses == 1;
      // 3. gradient
      float logp = single ? 0.0 : (s - getLse(i)) - getLseLow(i);
      float p = single ? 1.0 : expAcc(logp);
      ${value}
    }

    void main() {
      ivec2 here = ivec2(gl_FragCoord.xy);
      int t = here.y * outTexShape[1] + here.x;
      int i = quotient(t, dvClasses);
      if (isNaN(getLse(i))) { setOutput(NAN); return; }  // the row is NaN (the forward's rules)
      float s = ${read('logits')} * dvInvTemp;
      if (s == negInf()) { setOutput(0.0); return; }  // an impossible class: probability 0
      setOutput(${dy}dvGradScale * entryGrad(i, t, s));
    }
  `;
}
