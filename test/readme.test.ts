/**
 * The README's examples, as a user meets them: in a fresh project with the packed package installed
 * (test/packed_project.ts), every JavaScript and TypeScript snippet type-checks against the shipped
 * declarations, and every CommonJS JavaScript snippet runs with node as written.
 *
 *   - ```js blocks: checked as JavaScript (checkJs) under TypeScript's node16 resolution; CommonJS ones
 *     (require, no import) are run; ES module ones (import) are checked only (they are page code).
 *   - ```ts blocks: page code with top-level await, checked as ES modules under `bundler` (a bundled
 *     page) and under `node16` (as .mts files).
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {packedProject, run} from './packed_project';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(js|ts)\n([\s\S]*?)```/g)].map((m, i) => ({
  n: i + 1, lang: m[1], code: m[2], esm: /^import /m.test(m[2]),
}));
const commonJs = blocks.filter((b) => b.lang === 'js' && !b.esm);

let dir = '';
beforeAll(() => {
  const project = packedProject();
  dir = fs.mkdtempSync(path.join(project, 'readme-'));
  for (const b of blocks) {
    const ext = b.lang === 'ts' ? '.ts' : b.esm ? '.mjs' : '.js';
    fs.writeFileSync(path.join(dir, `example${b.n}${ext}`), b.code);
    if (b.lang === 'ts') fs.writeFileSync(path.join(dir, `example${b.n}.mts`), b.code);
  }
});

/** tsc over some of the examples with these options; returns its output ('' when they type-check). */
function tsc(files: string[], options: Record<string, string | boolean>): string {
  const config = {compilerOptions: {noEmit: true, strict: true, skipLibCheck: true, types: ['node'],
    lib: ['ES2022', 'DOM'], target: 'ES2022', ...options}, files};
  const name = `tsconfig.${String(options.moduleResolution)}.${files.length}.json`;
  fs.writeFileSync(path.join(dir, name), JSON.stringify(config));
  const {status, stdout} = run([path.join(dir, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', name], dir);
  return status === 0 ? '' : stdout;
}

test('the README has JavaScript and TypeScript examples', () => {
  expect(commonJs.length).toBeGreaterThanOrEqual(3);
  expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(2);
});

test('the JavaScript examples type-check against the installed package (checkJs, node16)', () => {
  // strict off, as `// @ts-check` in a plain JavaScript project (or an editor's JavaScript checking) runs
  const files = blocks.filter((b) => b.lang === 'js').map((b) => `example${b.n}${b.esm ? '.mjs' : '.js'}`);
  expect(tsc(files, {allowJs: true, checkJs: true, strict: false, module: 'node16', moduleResolution: 'node16'}))
      .toBe('');
});

test('the TypeScript examples type-check as bundled page code (bundler)', () => {
  const files = blocks.filter((b) => b.lang === 'ts').map((b) => `example${b.n}.ts`);
  expect(tsc(files, {module: 'ESNext', moduleResolution: 'bundler'})).toBe('');
});

test('the TypeScript examples type-check as ES modules under node16', () => {
  const files = blocks.filter((b) => b.lang === 'ts').map((b) => `example${b.n}.mts`);
  expect(tsc(files, {module: 'node16', moduleResolution: 'node16'})).toBe('');
});

test.each(commonJs.map((b) => [b.n, b]))('example %i runs with node as written', (_, b) => {
  const out = execFileSync(process.execPath, [path.join(dir, `example${(b as {n: number}).n}.js`)],
      {cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
  expect(out).not.toMatch(/NaN/);
  expect(out.trim().length).toBeGreaterThan(0);
});
