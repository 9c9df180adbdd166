/**
 * The built package as users load it: by name through package.json "exports" (CommonJS), and its
 * ESM build parses and exports the same names. Runs against dist/, which `npm test` builds first.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');

test('require("tfjs-fused-cross-entropy") loads the CommonJS build and computes a loss', () => {
  // self-reference: Node resolves the package's own name through its "exports"
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(require.resolve('tfjs-fused-cross-entropy', {paths: [root]}));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  expect(Object.keys(pkg).sort()).toEqual(expect.arrayContaining(
      ['softmaxCrossEntropy', 'softmaxCrossEntropyWithGrad', 'losses']));
  const loss = pkg.softmaxCrossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32'));
  expect(loss.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
});

test('the ESM build is marked as modules and exports the same names', () => {
  const esm = path.join(root, 'dist', 'esm');
  expect(JSON.parse(fs.readFileSync(path.join(esm, 'package.json'), 'utf8')).type).toBe('module');
  const index = fs.readFileSync(path.join(esm, 'index.js'), 'utf8');
  for (const name of ['softmaxCrossEntropy', 'softmaxCrossEntropyWithGrad', 'losses']) expect(index).toMatch(name);
  // every relative import carries its .js extension, as Node's ESM resolver and bundlers need
  const files = fs.readdirSync(esm, {recursive: true}).map(String).filter((f) => f.endsWith('.js'));
  for (const f of files) {
    for (const m of fs.readFileSync(path.join(esm, f), 'utf8').matchAll(/(?:from |import |import\()'(\.[^']*)'/g)) {
      expect(m[1]).toMatch(/\.js$/);
    }
  }
});

test('import "tfjs-fused-cross-entropy" from an ES module in Node', () => {
  const code = `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    import {softmaxCrossEntropy} from 'tfjs-fused-cross-entropy';
    await tf.setBackend('cpu');
    console.log(softmaxCrossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32')).dataSync()[0]);`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const out = require('child_process').execFileSync(process.execPath, ['--input-type=module', '-e', code],
      {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
  expect(Number(out.trim().split('\n').pop())).toBeCloseTo(Math.LN2, 6);
});

/** Runs a script in a fresh Node process from the package root and returns its last line of output. */
function runNode(code: string, type: 'module' | 'commonjs'): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const out: string = require('child_process').execFileSync(process.execPath, [`--input-type=${type}`, '-e', code],
      {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
  return out.trim().split('\n').pop() as string;
}

const WASM_SCRIPT = (load: string) => `${load}
  await tf.setBackend('wasm');
  await fce.ready();
  const z = tf.tensor2d([[0, 0], [1, 1]]);
  const {loss, grad} = fce.softmaxCrossEntropyWithGrad(z, tf.tensor1d([1, 0], 'int32'));
  console.log(JSON.stringify([tf.getBackend(), loss.dataSync()[0], grad.dataSync()[0]]));`;

test('import "tfjs-fused-cross-entropy/wasm" (ESM) registers the wasm kernels; ready() loads them', () => {
  const out = runNode(WASM_SCRIPT(`
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-wasm';
    import * as fce from 'tfjs-fused-cross-entropy';
    import 'tfjs-fused-cross-entropy/wasm';`), 'module');
  const [backend, loss, g] = JSON.parse(out);
  expect(backend).toBe('wasm');
  expect(loss).toBeCloseTo(Math.LN2, 6);
  expect(g).toBeCloseTo(0.25, 6);
});

test('require("tfjs-fused-cross-entropy/wasm") (CommonJS) does the same', () => {
  const out = runNode(`(async () => { ${WASM_SCRIPT(`
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-wasm');
    const fce = require('tfjs-fused-cross-entropy');
    require('tfjs-fused-cross-entropy/wasm');`)} })();`, 'commonjs');
  const [backend, loss] = JSON.parse(out);
  expect(backend).toBe('wasm');
  expect(loss).toBeCloseTo(Math.LN2, 6);
});

// Node has wasm SIMD and tfjs's unthreaded build there: the simd build; without SIMD (as tfjs is told
// here), the scalar one. Nothing before ready(), and only that one after.
test.each([[true, 'simd'], [false, 'scalar']])(
    'the CommonJS build requires only the wasm build ready() picks, and only then (SIMD %s: %s)', (simd, build) => {
      const out = runNode(`(async () => {
        const tf = require('@tensorflow/tfjs-core');
        require('@tensorflow/tfjs-backend-wasm');
        const fce = require('tfjs-fused-cross-entropy');
        require('tfjs-fused-cross-entropy/wasm');
        const binaries = () => Object.keys(require.cache)
            .filter((f) => f.includes(require('path').join('backends', 'wasm', 'binaries')))
            .map((f) => require('path').relative(${JSON.stringify(root)}, f).split(require('path').sep).join('/'));
        const before = binaries();
        tf.env().set('WASM_HAS_SIMD_SUPPORT', ${simd});
        await tf.setBackend('wasm');
        await fce.ready();
        const {loss} = fce.softmaxCrossEntropyWithGrad(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32'));
        console.log(JSON.stringify([before, binaries(), loss.dataSync()[0]]));
      })();`, 'commonjs');
      const [before, after, loss] = JSON.parse(out);
      expect([before, after]).toEqual([[], [`dist/cjs/backends/wasm/binaries/${build}.js`]]);
      expect(loss).toBeCloseTo(Math.LN2, 6);
    });

// Node has no WebGL or WebGPU: loading a GPU subpath must still work and register the kernels (the
// browser suite runs them); a bundler resolves it the same way. Prints which of the three `backend` has.
const KERNELS_SCRIPT = (backend: string, imports: string) => `${imports}
  const names = ['FusedSoftmaxCrossEntropy', 'FusedSoftmaxCrossEntropyGrad', 'SoftmaxCrossEntropyWithLogits'];
  console.log(JSON.stringify(names.map((n) => tf.getKernel(n, '${backend}') != null)));`;

test('import "tfjs-fused-cross-entropy/webgl" (ESM) registers the three webgl kernels', () => {
  const out = runNode(KERNELS_SCRIPT('webgl', `
    import * as tf from '@tensorflow/tfjs-core';
    import 'tfjs-fused-cross-entropy/webgl';`), 'module');
  expect(JSON.parse(out)).toEqual([true, true, true]);
});

test('require("tfjs-fused-cross-entropy/webgl") (CommonJS) does the same', () => {
  const out = runNode(KERNELS_SCRIPT('webgl', `
    const tf = require('@tensorflow/tfjs-core');
    require('tfjs-fused-cross-entropy/webgl');`), 'commonjs');
  expect(JSON.parse(out)).toEqual([true, true, true]);
});

// Node has no navigator.gpu, so @tensorflow/tfjs-backend-webgpu registers no backend there: the subpath
// must still load and register the kernels, which only calls registerKernel

test('import "tfjs-fused-cross-entropy/webgpu" (ESM) registers the three webgpu kernels', () => {
  const out = runNode(KERNELS_SCRIPT('webgpu', `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-webgpu';
    import 'tfjs-fused-cross-entropy/webgpu';`), 'module');
  expect(JSON.parse(out)).toEqual([true, true, true]);
});

test('require("tfjs-fused-cross-entropy/webgpu") (CommonJS) does the same', () => {
  const out = runNode(KERNELS_SCRIPT('webgpu', `
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-webgpu');
    require('tfjs-fused-cross-entropy/webgpu');`), 'commonjs');
  expect(JSON.parse(out)).toEqual([true, true, true]);
});
