/**
 * The one program every sigmoid kernel runs: one texel per output value, laid out by kind as
 * layout.ts says. A loss or gradient texel reads its entry's logit, label (and dy) once; a partial-sum
 * texel sums the losses of its block of B consecutive entries (walking the textures, one index
 * computation per block) with a compensated float32 sum. Every entry is its own problem, so loss and
 * gradient texels share nothing and need no second pass; only a reduced loss does (sum_program.ts).
 *
 * Written for SwiftShader, where it was measured (no GPU here; [4096, 1000], one program, min of 4
 * runs): straight-line code on both sides of a branch runs for every texel (the rasterizer runs 2×2
 * quads as SIMD lanes under masks: loss-or-gradient by region took 145 ms, the gradient alone 105 ms),
 * so a texel of lossGrad reads its inputs and evaluates its entry's terms once whichever region it is
 * in; reads at the output texel's own resultUV are the cheapest (the gradient program: 105 ms,
 * against 166 ms by texelFetch and 155 ms by texture() at a computed coordinate, and choosing between
 * them per texel took 238 ms), so which inputs are read there is decided by the host from their
 * textures (layout.ts atTexel) and written into the source; and partial sums run in a program of their
 * own: in the gradient's draw, its loops made loss-and-grad take 331 ms against 142 ms for the
 * gradient program, the partials program and the sum (benchmark rotation, 9 runs, medians).
 */
import {centerReads} from '../../../backends/webgl/glsl.js';
import {commonInputs, entryHeader, Variant} from './glsl.js';
import type {Kind} from './layout.js';

/** Inputs in order: the common ones, and dy for the backward kernel's gradient. */
export const entryInputs = (v: Variant, kind: Kind, upstream: boolean) =>
  [...commonInputs(v), ...(kind === 'grad' && upstream ? ['dy'] : [])];

/**
 * `upstream`: the backward kernel's dy is an input ('none': one per entry; else a scalar, times the
 * mean's 1/M); without it (loss-and-grad) the gradient is the loss's own, times 1/M for 'mean'.
 * `atTexel`: the inputs read at the output texel (layout.ts); the others through e's flat index.
 */
export function entrySource(v: Variant, kind: Kind, upstream: boolean, atTexel: string[]): string {
  const none = v.reduction === 'none';
  const withDy = upstream && none;
  // input `name`'s value for entry e: at the texel (rows rescaled; lossGrad's gradient half shifted
  // by whole rows), or through e's flat index
  const read = (name: string) => (atTexel.includes(name) ?
    `texture(${name}, vec2(resultUV.x, resultUV.y * sgRowScale${kind === 'lossGrad' ? ' - (second ? sgRowShift : 0.0)' : ''})).r` :
    `${name}Read(${name}Center(e), ${name}Inv())`);
  const dy = !upstream ? 'sgInvCount' : none ? read('dy') : 'getDy(0) * sgInvCount';
  const value = kind === 'loss' ? 'entryLoss(T, P, w)' :
    kind === 'lossGrad' ? `second ? ${dy} * entryGrad(T, P, w) : entryLoss(T, P, w)` : `${dy} * entryGrad(T, P, w)`;
  const main = {
    loss: 'if (t < M) { setOutput(entryValue(t)); return; }',
    grad: 'if (t < M) { setOutput(entryValue(t)); return; }',
    lossGrad: 'if (t < M || (t >= sgTailStart && t < sgTailStart + M)) { setOutput(entryValue(t)); return; }',
    gradLoss: 'if (t < M) { setOutput(entryValue(t)); return; }\n      if (t == M) { setOutput(partial(0)); return; }',
    partials: 'setOutput(partialAt(t)); return;',
  }[kind];
  return `${entryHeader(v)}
    ${withDy ? centerReads('dy') : ''}

    // The value of output texel t: its entry's loss or gradient (times dy), from one read of each
    // input and one evaluation of the entry's terms (lossGrad: the loss, or the gradient from
    // sgTailStart on, as the texel's region says; both are cheap once the terms are known).
    float entryValue(int t) {
      bool second = ${kind === 'lossGrad' ? 't >= sgTailStart' : 'false'};
      int e = second ? t - sgTailStart : t;
      float x = ${read('logits')};
      float y = ${read('labels')};
      int c = columnOf(e);
      float P = posWeightAt(c);
      float w = classWeightAt(c);
      Terms T = terms(x, y);
      float v = ${value};
      return eitherNaN(x, y) ? NAN : v;
    }

    // partial j: the compensated sum of block j's losses, times sgPartialScale (problem.ts says why)
    float partial(int j) {
      int e0 = j * sgBlockLen;
      int n = min(sgBlockLen, sgEntries - e0);
      vec2 p = logitsCenter(e0);
      vec2 q = labelsCenter(e0);
      vec2 pInv = logitsInv();
      vec2 qInv = labelsInv();
      float pWidth = float(logitsTexShape[1]);
      float qWidth = float(labelsTexShape[1]);
      int c = columnOf(e0);
      Sum acc = emptySum();
      for (int k = 0; k < n; k++) {
        add(acc, lossOf(logitsRead(p, pInv), labelsRead(q, qInv), c));
        p = nextCenter(p, pWidth);
        q = nextCenter(q, qWidth);
        c = c + 1 == sgColumns ? 0 : c + 1;
      }
      return total(acc) * sgPartialScale;
    }
    // the partial sum output texel t holds (layout.ts), or 0 for an unused texel
    float partialAt(int t) {
      int row = quotient(t, sgTailStride);
      int j = (t - row * sgTailStride) * sgTailRows + row;
      if (row >= sgTailRows || j >= sgNumBlocks) return 0.0;
      return partial(j);
    }

    void main() {
      int t = int(gl_FragCoord.y) * outTexShape[1] + int(gl_FragCoord.x);
      int M = sgEntries;
      ${main}
      setOutput(0.0);  // not a value's texel
    }
  `;
}
