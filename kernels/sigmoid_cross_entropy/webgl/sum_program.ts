/**
 * The second pass of a reduced loss: one texel sums the P partial sums (layout.ts places them) with
 * the same compensated float32 sum, times sgFinalScale (B/M for 'mean', whose partials are block
 * means; 1 for 'sum': problem.ts). P ≈ √M keeps this serial loop as long as each block's.
 *
 * Why a second program: a WebGL 2 fragment shader writes only its own texel and cannot read what the
 * other invocations of its draw write (no atomics, no shared memory, no storage buffers), so a sum of
 * M entries is either one invocation's serial loop over all M (what a single block is, up to
 * SINGLE_PASS_ENTRIES in problem.ts) or partial sums and a second draw that adds them. Blending many
 * fragments into one texel would add in no defined order, without compensation, needs float32
 * blending (EXT_float_blend), and is not something tfjs's program runner offers.
 */
import {centerReads} from '../../../backends/webgl/glsl.js';
import {sumHeader} from './glsl.js';

export const sumInputs = ['partials'];

export function sumSource(): string {
  return `${sumHeader()}
    ${centerReads('partials')}
    void main() {
      Sum acc = emptySum();
      int perRow = (sgNumBlocks + sgTailRows - 1) / sgTailRows;
      vec2 inv = partialsInv();
      float width = float(partialsTexShape[1]);
      for (int row = 0; row < sgTailRows; row++) {
        vec2 p = partialsCenter(row * sgTailStride);
        for (int k = 0; k < perRow; k++) {
          if (k * sgTailRows + row >= sgNumBlocks) break;
          add(acc, partialsRead(p, inv));
          p = nextCenter(p, width);
        }
      }
      setOutput(total(acc) * sgFinalScale);
    }
  `;
}
