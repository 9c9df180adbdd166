/**
 * The three builds of the wasm module (scripts/build_wasm.js) are what the issue asks: one module per
 * build exporting both loss families (softmax and sigmoid), importing tfjs's memory and owning nothing
 * in it (no data segment, no stack, no memory.grow), and the shared-memory build (for tfjs's threaded
 * build) computes exactly what the SIMD build does, for both families.
 */
import {execFileSync} from 'child_process';
import {SCALAR} from '../backends/wasm/binaries/scalar';
import {SIMD} from '../backends/wasm/binaries/simd';
import {SIMD_SHARED} from '../backends/wasm/binaries/simd_shared';
import type {KernelModule} from '../backends/wasm/module';

const BUILDS = {scalar: SCALAR, simd: SIMD, 'simd-shared': SIMD_SHARED};

/**
 * The module as text, by binaryen (assemblyscript's own dependency; ESM, hence a child process). The
 * base64 goes in on stdin: a build is larger than one command-line argument may be (E2BIG at 128 KiB).
 */
function wat(base64: string): string {
  const script = "let s = ''; process.stdin.on('data', (d) => { s += d; }).on('end', () => import('binaryen')" +
      ".then((b) => process.stdout.write(b.default.readBinary(Buffer.from(s, 'base64')).emitText())))";
  return execFileSync(process.execPath, ['-e', script], {input: base64, encoding: 'utf8', maxBuffer: 1 << 27});
}

describe.each(Object.entries(BUILDS))('%s build', (name, base64) => {
  const text = wat(base64);
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));

  test('imports only env.memory, owns no data segment, no start function, never grows memory', () => {
    expect(WebAssembly.Module.imports(module)).toEqual([{module: 'env', name: 'memory', kind: 'memory'}]);
    expect(text).not.toMatch(/\(data\b/);
    expect(text).not.toMatch(/\(start\b/);
    expect(text).not.toMatch(/memory\.grow/);
    // no stack or heap of its own in that memory: a stack pointer or allocator offset would be an i32
    // global starting at an address; ours start at the problem.ts defaults of each family (0, ids = 1,
    // columns = 1, ignoreIndex = −100, reduction = 2)
    const i32Globals = [...text.matchAll(/\(global \S+ \(mut i32\) \(i32\.const (-?\d+)\)\)/g)].map((m) => Number(m[1]));
    expect(i32Globals.length).toBeGreaterThan(0);
    for (const v of i32Globals) expect([0, 1, 2, -100]).toContain(v);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(
        ['backward', 'divergenceBackward', 'divergenceForward', 'divergenceLossAndGrad', 'divergenceSetOptions',
          'divergenceSetProblem', 'exp2f4Many', 'exp64Many', 'expNeg64Many', 'expNegf4Many', 'expf4Many', 'forward', 'log1p64Many', 'log1pf4Many',
          'log64Many', 'lossAndGrad', 'powUnitf4Many', 'setOptions', 'setProblem', 'setSigmoidOptions',
          'setSigmoidProblem', 'sigmoidBackward', 'sigmoidForward', 'sigmoidLossAndGrad']);
  });

  test('the memory import fits tfjs-backend-wasm\'s memory', () => {
    const line = text.split('\n').find((l) => l.includes('(import "env" "memory"')) as string;
    if (name === 'simd-shared') expect(line).toMatch(/\(memory \S+ 0 65536 shared\)/);  // tfjs: 4 GiB max
    else expect(line).toMatch(/\(memory \S+ 0\)\)/);  // any initial size, no maximum
    expect(text.includes('v128')).toBe(name !== 'scalar');
  });
});

/** Lays out one problem in a memory and runs loss-and-grad, forward and backward on it. */
function runAll(base64: string, memory: WebAssembly.Memory): Float32Array {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')), {env: {memory}})
      .exports as unknown as KernelModule;
  const N = 37, K = 1003;  // odd sizes: tails and unaligned rows
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const z = 4096, y = z + N * K * 4, w = y + N * 4, loss = w + K * 4, grad = loss + N * 4;
  const hi = grad + N * K * 4, lo = hi + N * 4, den = lo + N * 4, mass = den + 4, dy = mass + N * 4;
  const grad2 = dy + 4;
  let s = 12345;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let j = 0; j < N * K; j++) f32[z / 4 + j] = 6 * rand() - 3;
  for (let i = 0; i < N; i++) i32[y / 4 + i] = Math.floor(rand() * K);
  for (let c = 0; c < K; c++) f32[w / 4 + c] = 1;
  f32[dy / 4] = 1;
  ex.setProblem(z, y, w, N, K, true);
  ex.setOptions(0.1, 1.5, 1e-3, -100, 2);
  ex.lossAndGrad(loss, grad);
  ex.forward(loss + 4, hi, lo, den, mass);
  ex.backward(hi, lo, den, dy, grad2);
  return new Float32Array(memory.buffer.slice(loss, grad2 + N * K * 4));
}

/**
 * Lays out one sigmoid problem (per-column weights over an odd C, a tail, soft labels, focal options of
 * both kinds) and runs its three kernels with each reduction; returns every output.
 */
function runAllSigmoid(base64: string, memory: WebAssembly.Memory): Float32Array {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')), {env: {memory}})
      .exports as unknown as KernelModule;
  const N = 29, C = 37, M = N * C;
  const f32 = new Float32Array(memory.buffer);
  const x = 4096, y = x + M * 4, P = y + M * 4, w = P + C * 4, dy = w + C * 4, out = dy + M * 4;
  let s = 777;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let j = 0; j < M; j++) {
    f32[x / 4 + j] = 16 * rand() - 8;
    f32[y / 4 + j] = j % 3 === 0 ? rand() : j % 3 - 1;
    f32[dy / 4 + j] = rand() - 0.5;
  }
  for (let c = 0; c < C; c++) {
    f32[P / 4 + c] = 0.5 + 2 * rand();
    f32[w / 4 + c] = 2 * rand();
  }
  let o = out;
  for (const [eps, gamma, alpha] of [[0, 0, -1], [0.1, 2, 0.25], [0.05, 1.3, -1]]) {
    for (const reduction of [0, 1, 2]) {
      ex.setSigmoidProblem(x, y, P, w, M, C);
      ex.setSigmoidOptions(eps, gamma, alpha, true, true, reduction);
      const lossSize = reduction === 0 ? M : 1;
      ex.sigmoidLossAndGrad(o, o + lossSize * 4);
      o += (lossSize + M) * 4;
      ex.sigmoidForward(o);
      o += lossSize * 4;
      ex.sigmoidBackward(dy, o);
      o += M * 4;
    }
  }
  return new Float32Array(memory.buffer.slice(out, o));
}

test('the shared-memory build runs on a shared memory and gives bit-identical results to the SIMD build', () => {
  const shared = new WebAssembly.Memory({initial: 32, maximum: 65536, shared: true});
  expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
  const a = runAll(SIMD_SHARED, shared);
  const b = runAll(SIMD, new WebAssembly.Memory({initial: 32}));
  expect(a.some((v) => v !== 0)).toBe(true);
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  const c = runAllSigmoid(SIMD_SHARED, shared);
  const d = runAllSigmoid(SIMD, new WebAssembly.Memory({initial: 32}));
  expect(c.length).toBe(3 * (8 * 29 * 37 + 4));  // per option set: 'none' 4·M outputs, 'sum' and 'mean' 2·M + 2
  expect(c.every((v) => Number.isFinite(v)) && c.some((v) => v !== 0)).toBe(true);
  expect(Buffer.from(c.buffer).equals(Buffer.from(d.buffer))).toBe(true);
});

test('the non-shared builds cannot be given a shared memory by mistake, nor the shared build a plain one', () => {
  const plain = new WebAssembly.Memory({initial: 1});
  const shared = new WebAssembly.Memory({initial: 1, maximum: 65536, shared: true});
  expect(() => new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(SIMD_SHARED, 'base64')), {env: {memory: plain}}))
      .toThrow(WebAssembly.LinkError);
  expect(() => new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(SIMD, 'base64')), {env: {memory: shared}}))
      .toThrow(WebAssembly.LinkError);
});

/**
 * K = 1: p = 1 exactly, so without z-loss the gradient is exactly 0, whatever the temperature,
 * smoothing and reduction. Float32 lanes would give 1 ± an ulp, and an entry of an ulp of 1/T (up to
 * 2.4e-7 for T < 0.5) where the answer is 0; the kernels special-case K = 1 in float64.
 */
test.each(Object.entries(BUILDS).filter(([n]) => n !== 'simd-shared'))(
    'K = 1: every build\'s loss-and-grad and backward give a gradient of exactly 0', (name, base64) => {
  const memory = new WebAssembly.Memory({initial: 1});
  const ex = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64')), {env: {memory}})
      .exports as unknown as KernelModule;
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const z = [0.37, -2.9, 5.3, 1230, -0.001, 7.77];
  const N = z.length, pz = 1024, py = 2048, pw = 3072, loss = 4096, grad = 5120;
  const hi = 6144, lo = 7168, den = 8192, mass = 8320, dy = 9216;
  const nonzero: string[] = [];
  for (const ids of [true, false]) {
    z.forEach((v, i) => { f32[pz / 4 + i] = v; if (ids) i32[py / 4 + i] = 0; else f32[py / 4 + i] = 1; });
    f32[pw / 4] = 1.5;
    for (let i = 0; i < N; i++) f32[dy / 4 + i] = 1;
    for (const T of [0.3, 0.5, 1, 1.7, 2.5]) {
      for (const reduction of [0, 1, 2]) {
        for (const tape of [false, true]) {
          ex.setProblem(pz, py, pw, N, 1, ids);
          ex.setOptions(0.1, T, 0, -100, reduction);
          f32.fill(NaN, grad / 4, grad / 4 + N);
          if (tape) {
            ex.forward(loss, hi, lo, den, mass);
            ex.backward(hi, lo, den, dy, grad);
          } else {
            ex.lossAndGrad(loss, grad);
          }
          const g = Array.from(f32.subarray(grad / 4, grad / 4 + N));
          if (g.some((v) => v !== 0)) nonzero.push(`${ids ? 'ids' : 'probs'} T ${T} reduction ${reduction} ${tape ? 'backward' : 'loss-and-grad'}: ${g}`);
        }
      }
    }
  }
  expect(`${name}: ${nonzero.join('; ') || 'all 0'}`).toBe(`${name}: all 0`);
});
