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
import {directReads} from '../../../backends/webgl/glsl.js';
import {commonInputs, header, Variant} from './glsl.js';

/** The per-row inputs, read by texelFetch (backends/webgl/glsl.ts directReads), not tfjs's samplers. */
const ROW_INPUTS = ['lse', 'lseLow', 'aux', 'auxLow'];

/** Inputs in order; `dy` only when there is an upstream gradient (the backward kernel), not for loss-and-grad. */
export const gradientInputs = (v: Variant, upstream: boolean) =>
  [...commonInputs(v), ...ROW_INPUTS, ...(upstream ? ['dy'] : [])];

/** `upstream` false: the gradient of the loss itself (dy = 1), as the loss-and-grad kernel returns it. */
export function gradientSource(v: Variant, upstream: boolean): string {
  const dy = upstream ? (v.reduction === 'none' ? 'dyAt(dyTexel(i)) * ' : 'getDy(0) * ') : '';
  // row i's value of a per-row input: a texelFetch at (i + offset, 0) where its texture is one row (N up
  // to the texture width), where tfjs's get<Name>(i) would divide by the width, four times per entry
  // (SwiftShader runs integer division lane by lane: backends/webgl/glsl.ts QUOTIENT)
  const row = (name: string) => `${name}At(${name}Texel(i))`;
  // an input's value at this entry: at this very texel when its texture has the output's layout (the
  // usual case), the read a rasterizer serves fastest; else through the entry's flat index
  const read = (name: string) => `(offset${name} == 0 && ${name}TexShape == outTexShape ? ` +
    `texture(${name}, resultUV).r : ${name}Read(${name}Center(t), ${name}Inv()))`;
  const value = {
    klProbabilities: `float P = ${read('targets')};
      return (${row('aux')} + ${row('auxLow')}) * p - P;`,
    klLogits: `float u = ${read('targets')} * dvInvTargetTemp;
      float P = single ? 1.0 : u == negInf() ? 0.0 : expAcc((u - ${row('aux')}) - ${row('auxLow')});
      return p - P;`,
    entropy: `return single ? 0.0 : -p * (logp + (${row('aux')} + ${row('auxLow')}));  // K = 1: 0, not −0`,
  }[v.kind];
  return `${header(v)}
    ${[...ROW_INPUTS, ...(upstream && v.reduction === 'none' ? ['dy'] : [])].map(directReads).join('')}
    // ∂(loss)/∂s_c of row i, entry t (flat), at s_c > −∞ of a finite row
    float entryGrad(int i, int t, float s) {
      bool single = dvClasses == 1;
      // 3. gradient
      float logp = single ? 0.0 : (s - ${row('lse')}) - ${row('lseLow')};
      float p = single ? 1.0 : expAcc(logp);
      ${value}
    }

    void main() {
      ivec2 here = ivec2(gl_FragCoord.xy);
      int t = here.y * outTexShape[1] + here.x;
      int i = quotient(t, dvClasses);
      if (isNaN(${row('lse')})) { setOutput(NAN); return; }  // the row is NaN (the forward's rules)
      float s = ${read('logits')} * dvInvTemp;
      if (s == negInf()) { setOutput(0.0); return; }  // an impossible class: probability 0
      setOutput(${dy}dvGradScale * entryGrad(i, t, s));
    }
  `;
}
