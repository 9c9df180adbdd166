/**
 * The package as npm publishes it: the tarball `npm pack` makes of dist/ (which `npm test` builds
 * first), installed in a fresh project (test/packed_project.ts). Its file list; its types under every
 * module resolution TypeScript users have (tsc, one run per configuration); its ESM and CommonJS entry
 * points run by Node; and the tarball checked by @arethetypeswrong/cli and publint, both offline.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {PACKAGE_NAME, packedProject, run, TARBALL} from './packed_project';

const ROOT = path.join(__dirname, '..');
const ENTRIES = {'.': 'index', './wasm': 'backends/wasm/register', './webgl': 'backends/webgl/register',
  './webgpu': 'backends/webgpu/register'};

let project: string;
let work: string;  // this file's own directory inside the shared project
beforeAll(() => {
  project = packedProject();
  work = fs.mkdtempSync(path.join(project, 'packed-test-'));
});
afterAll(() => {
  if (work !== undefined) fs.rmSync(work, {recursive: true, force: true});
});

test('the tarball holds dist/ (both formats, with declarations), docs/, README.md, LICENSE; no source map', () => {
  const files = execFileSync('tar', ['-tzf', path.join(project, TARBALL)], {encoding: 'utf8'})
      .trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(files.filter((f) => !/^(dist|docs)\//.test(f))).toEqual(['LICENSE', 'README.md', 'package.json']);
  expect(files).toContain('dist/esm/package.json');
  for (const format of ['cjs', 'esm']) {
    for (const entry of Object.values(ENTRIES)) {
      expect(files).toEqual(expect.arrayContaining([`dist/${format}/${entry}.js`, `dist/${format}/${entry}.d.ts`]));
    }
    // one module per wasm build, and not the single module of all three the build used to write
    expect(files.filter((f) => f.startsWith(`dist/${format}/backends/wasm/binaries`))).toEqual(
        ['scalar', 'simd', 'simd_shared'].flatMap((b) => [`dist/${format}/backends/wasm/binaries/${b}.d.ts`,
          `dist/${format}/backends/wasm/binaries/${b}.js`]));
  }
  const docs = path.join(ROOT, 'docs');
  if (fs.existsSync(docs)) {
    const own = fs.readdirSync(docs, {recursive: true}).map(String)
        .filter((f) => fs.statSync(path.join(docs, f)).isFile()).map((f) => `docs/${f.split(path.sep).join('/')}`);
    expect(files).toEqual(expect.arrayContaining(own));
  }
  const license = fs.readFileSync(path.join(project, 'node_modules', PACKAGE_NAME, 'LICENSE'), 'utf8');
  expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
});

// ok.ts: what a user writes, every subpath (noUncheckedSideEffectImports makes tsc resolve the bare
// imports); nope.ts: a subpath that does not exist, which every configuration must reject, so the
// bare-import check is known to be live; default.ts: a default import, which the package does not have
const OK_TS = `import * as tf from '@tensorflow/tfjs-core';
import {layers, losses, ready, softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '${PACKAGE_NAME}';
import type {LossAndGrad, SoftmaxCrossEntropyOptions} from '${PACKAGE_NAME}';
import '${PACKAGE_NAME}/wasm';
import '${PACKAGE_NAME}/webgl';
import '${PACKAGE_NAME}/webgpu';

export async function lossOf(z: tf.Tensor2D, y: tf.Tensor1D): Promise<number> {
  await ready();
  const options: SoftmaxCrossEntropyOptions = {labelSmoothing: 0.1};
  const loss: tf.Tensor = softmaxCrossEntropy(z, y, options);
  const both: LossAndGrad = softmaxCrossEntropyWithGrad(z, y);
  return loss.dataSync()[0] + both.grad.dataSync()[0] + (typeof losses === typeof layers ? 0 : 1);
}
`;
const NOPE_TS = `import '${PACKAGE_NAME}/nope';\nexport {};\n`;
const DEFAULT_TS = `import fce from '${PACKAGE_NAME}';\nexport const f = fce;\n`;

interface Config {
  name: string;
  type: 'module' | 'commonjs';
  module: string;
  moduleResolution: string;
  format: 'esm' | 'cjs';  // the declarations tsc must pick
}
const CONFIGS: Config[] = [
  {name: 'node16-esm', type: 'module', module: 'node16', moduleResolution: 'node16', format: 'esm'},
  {name: 'node16-cjs', type: 'commonjs', module: 'node16', moduleResolution: 'node16', format: 'cjs'},
  {name: 'bundler', type: 'module', module: 'esnext', moduleResolution: 'bundler', format: 'esm'},
  {name: 'node10', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10', format: 'cjs'},
];

test.each(CONFIGS)('tsc, $name: named imports and every subpath type-check against the $format declarations',
    (config) => {
      const dir = path.join(work, config.name);
      fs.mkdirSync(dir);
      const sources: Record<string, string> = {'ok.ts': OK_TS, 'nope.ts': NOPE_TS};
      if (config.name === 'node16-esm') sources['default.ts'] = DEFAULT_TS;
      for (const [name, text] of Object.entries(sources)) fs.writeFileSync(path.join(dir, name), text);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({type: config.type}) + '\n');
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          module: config.module, moduleResolution: config.moduleResolution, target: 'ES2020', lib: ['ES2020', 'DOM'],
          strict: true, noEmit: true, noUncheckedSideEffectImports: true, types: ['node'],
          skipLibCheck: true,  // the tfjs packages' own declarations do not pass strict checks
        },
        files: Object.keys(sources),
      }, null, 2));
      const {stdout} = run([path.join(project, 'node_modules/typescript/bin/tsc'), '-p', '.', '--pretty', 'false',
        '--listFiles'], dir);
      const lines = stdout.trim().split('\n');
      const errors = lines.filter((l) => /^\S+\(\d+,\d+\): error TS\d+/.test(l))
          .map((l) => l.replace(/\(\d+,\d+\): error (TS\d+):.*/, ' $1'));
      const expected = ['nope.ts TS2307'];  // Cannot find module 'tfjs-fused-cross-entropy/nope'
      if (config.name === 'node16-esm') expected.push('default.ts TS1192');  // ... has no default export
      expect({errors: errors.sort(), output: errors.length === expected.length ? '' : stdout})
          .toEqual({errors: expected.sort(), output: ''});
      // the declarations tsc read: the format's own, for every entry, and none of the other format's
      const ours = lines.filter((l) => l.includes(`/node_modules/${PACKAGE_NAME}/`))
          .map((l) => l.slice(l.indexOf(`/node_modules/${PACKAGE_NAME}/`) + `/node_modules/${PACKAGE_NAME}/`.length));
      for (const entry of Object.values(ENTRIES)) expect(ours).toContain(`dist/${config.format}/${entry}.d.ts`);
      expect(ours.filter((f) => !f.startsWith(`dist/${config.format}/`))).toEqual([]);
    });

const COMPUTE = `
  await tf.setBackend('wasm');
  await fce.ready();
  const {loss, grad} = fce.softmaxCrossEntropyWithGrad(tf.tensor2d([[0, 0], [1, 1]]), tf.tensor1d([1, 0], 'int32'));
  const names = ['FusedSoftmaxCrossEntropy', 'FusedSoftmaxCrossEntropyGrad', 'SoftmaxCrossEntropyWithLogits'];
  const registered = ['wasm', 'webgl', 'webgpu'].map((b) => names.every((n) => tf.getKernel(n, b) != null));
  console.log(JSON.stringify({backend: tf.getBackend(), loss: loss.dataSync()[0], grad: grad.dataSync()[0],
    registered, resolved, binaries}));`;

test('node runs the ESM entry points (import) and computes a loss on wasm', () => {
  const dir = path.join(work, 'run-esm');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'run.mjs'), `import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-wasm';
    import '@tensorflow/tfjs-backend-webgpu';
    import * as fce from '${PACKAGE_NAME}';
    import '${PACKAGE_NAME}/wasm';
    import '${PACKAGE_NAME}/webgl';
    import '${PACKAGE_NAME}/webgpu';
    const resolved = import.meta.resolve('${PACKAGE_NAME}');
    const binaries = null;
    ${COMPUTE}`);
  const out = JSON.parse(run(['run.mjs'], dir).stdout.trim().split('\n').pop() as string);
  expect(out).toEqual({backend: 'wasm', loss: expect.closeTo(Math.LN2, 6), grad: expect.closeTo(0.25, 6),
    registered: [true, true, true], binaries: null,
    resolved: 'file://' + path.join(project, 'node_modules', PACKAGE_NAME, 'dist/esm/index.js')});
});

test('node runs the CommonJS entry points (require), computes a loss on wasm, requiring one wasm build', () => {
  const dir = path.join(work, 'run-cjs');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'run.cjs'), `(async () => {
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-wasm');
    require('@tensorflow/tfjs-backend-webgpu');
    const fce = require('${PACKAGE_NAME}');
    require('${PACKAGE_NAME}/wasm');
    require('${PACKAGE_NAME}/webgl');
    require('${PACKAGE_NAME}/webgpu');
    const resolved = require.resolve('${PACKAGE_NAME}');
    let binaries;
    ${COMPUTE.replace('const {loss', `binaries = Object.keys(require.cache).filter((f) => f.includes('binaries'));
  const {loss`)}
  })();`);
  const out = JSON.parse(run(['run.cjs'], dir).stdout.trim().split('\n').pop() as string);
  const dist = path.join(project, 'node_modules', PACKAGE_NAME, 'dist/cjs');
  expect(out).toEqual({backend: 'wasm', loss: expect.closeTo(Math.LN2, 6), grad: expect.closeTo(0.25, 6),
    registered: [true, true, true], resolved: path.join(dist, 'index.js'),
    binaries: [path.join(dist, 'backends/wasm/binaries/simd.js')]});
});

test('@arethetypeswrong/cli: no problem under node10, node16 (CJS and ESM) or bundler, for every entry', () => {
  const attw = path.join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  // a local .tgz and no @types lookup: nothing leaves the machine
  const {status, stdout} = run([attw, TARBALL, '--format', 'json', '--no-definitely-typed'], project);
  const analysis = JSON.parse(stdout).analysis;
  expect(analysis.problems).toEqual([]);
  for (const [subpath, entry] of Object.entries(ENTRIES)) {
    const resolutions = analysis.entrypoints[subpath].resolutions;
    const seen = Object.fromEntries(Object.entries(resolutions).map(([kind, r]) => {
      const {resolution, visibleProblems} = r as {resolution?: {fileName: string}, visibleProblems?: unknown[]};
      return [kind, {file: resolution?.fileName.replace(`/node_modules/${PACKAGE_NAME}/`, ''), problems: visibleProblems ?? []}];
    }));
    const want = (format: string) => ({file: `dist/${format}/${entry}.d.ts`, problems: []});
    expect(seen).toEqual({'node10': want('cjs'), 'node16-cjs': want('cjs'), 'node16-esm': want('esm'),
      'bundler': want('esm')});
  }
  expect(status).toBe(0);
});

test('publint: all good, suggestions included', () => {
  const publint = path.join(ROOT, 'node_modules/publint/src/cli.js');
  const {status, stdout} = run([publint, 'run', TARBALL, '--strict', '--level', 'suggestion'], project);
  expect(stdout).toMatch(/All good!/);
  expect(status).toBe(0);
});
