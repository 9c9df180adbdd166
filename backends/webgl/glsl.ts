/**
 * GLSL plumbing every loss's WebGL programs share (GLSL ES 3.00: WebGL 2): integer division that a
 * CPU rasterizer runs fast, direct texel reads of flat inputs, bit tests for NaN and ∞, and rounding
 * to what a float16 texture keeps. The losses' own math lives in their kernels' glsl.ts.
 */

/**
 * `int quotient(int a, int b)`: a / b for 0 ≤ a < 2^31, 0 < b, a / b < 2^23, by a float division and
 * one correction step. SwiftShader runs integer division lane by lane; it was half of the softmax
 * gradient program's time.
 */
export const QUOTIENT = `
    int quotient(int a, int b) {
      int q = int(float(a) / float(b));
      int r = a - q * b;
      return r < 0 ? q - 1 : r >= b ? q + 1 : q;
    }
`;

/**
 * GLSL that reads a flat input straight from its texture, where value f sits at texel
 * (f mod W, f div W): `ivec2 <name>Texel(int index)` and `float <name>At(ivec2 texel)`. tfjs's
 * get<Name>(index) samplers turn every index into coordinates with an integer division, which a CPU
 * rasterizer such as SwiftShader runs lane by lane (it made the softmax reads 3× slower); walking a
 * run of values needs one division at its start (NEXT_TEXEL). The names used (`<name>` the sampler,
 * `<name>TexShape` and `offset<name>` uniforms) are the ones tfjs declares for every input of a
 * program with enableShapeUniforms. Needs QUOTIENT; the host uploads these inputs as textures first
 * (program.ts inTexture), so none arrives as a uniform array.
 */
export function directReads(name: string): string {
  return `
    ivec2 ${name}Texel(int index) {
      int f = index + offset${name};
      if (${name}TexShape[0] == 1) return ivec2(f, 0);  // a one-row texture: most per-row inputs
      int r = quotient(f, ${name}TexShape[1]);
      return ivec2(f - r * ${name}TexShape[1], r);
    }
    float ${name}At(ivec2 p) { return texelFetch(${name}, p, 0).r; }
  `;
}

/** `ivec2 nextTexel(ivec2 p, int width)`: the next texel in flat order. */
export const NEXT_TEXEL = `
    ivec2 nextTexel(ivec2 p, int width) {
      p.x += 1;
      if (p.x == width) { p.x = 0; p.y += 1; }
      return p;
    }
`;

/**
 * `isNaN`, `isInf` and `negInf()`, tested and made on the bits: GLSL compilers may fold x != x and
 * comparisons with NaN away, and have no infinity literal.
 */
export const NON_FINITE = `
    bool isNaN(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }
    bool isInf(float x) { return (floatBitsToUint(x) & 0x7fffffffu) == 0x7f800000u; }
    float negInf() { return -uintBitsToFloat(0x7f800000u); }
`;

/**
 * `float stored(float x)`: a value as the next program will read it back from a texture, rounded to
 * float16 when textures hold half floats (`half`), else itself.
 */
export function stored(half: boolean): string {
  return `
    float stored(float x) { ${half ? 'return unpackHalf2x16(packHalf2x16(vec2(x, 0.0))).x;' : 'return x;'} }
  `;
}

/**
 * GLSL that reads a flat input through texture() at texel centers, the read SwiftShader serves
 * fastest: `vec2 <name>Center(int index)` (value f's texel (f mod W, f div W) + 0.5),
 * `vec2 <name>Inv()` (1 / the texture's size, to hoist out of loops) and
 * `float <name>Read(vec2 center, vec2 inv)`. Walking a run of values needs one index computation at
 * its start (NEXT_CENTER). Measured on SwiftShader, a loop reading two [4096, 1000] textures this way
 * took 28 ms against 41 ms with texelFetch (the coordinates' conversions and checks, per lane); tfjs's
 * textures sample NEAREST, and (c + 0.5)·(1/W) lands within 1e-3 texel of the center for any
 * texture width WebGL allows. Needs QUOTIENT; the input must be a texture (program.ts inTexture).
 */
export function centerReads(name: string): string {
  return `
    vec2 ${name}Center(int index) {
      int f = index + offset${name};
      if (${name}TexShape[0] == 1) return vec2(float(f) + 0.5, 0.5);
      int r = quotient(f, ${name}TexShape[1]);
      return vec2(float(f - r * ${name}TexShape[1]) + 0.5, float(r) + 0.5);
    }
    vec2 ${name}Inv() { return 1.0 / vec2(${name}TexShape[1], ${name}TexShape[0]); }
    float ${name}Read(vec2 center, vec2 inv) { return texture(${name}, center * inv).r; }
  `;
}

/** `vec2 nextCenter(vec2 center, float width)`: the next texel center in flat order. */
export const NEXT_CENTER = `
    vec2 nextCenter(vec2 p, float width) {
      p.x += 1.0;
      if (p.x > width) { p.x = 0.5; p.y += 1.0; }
      return p;
    }
`;
