/**
 * A project that installs the package as users get it: `npm pack` of this checkout (its dist/, which
 * `npm test` builds first; packed with --ignore-scripts, so not rebuilt here), extracted into a fresh
 * project in os.tmpdir() as node_modules/tfjs-fused-cross-entropy. Everything else it needs is linked
 * from this checkout's node_modules (nothing is downloaded): every @tensorflow/* package, typescript
 * and @types/node. Node and tsc follow the links to the real paths, so the package, the tfjs packages
 * and the code under test share one copy of @tensorflow/tfjs-core.
 *
 * The project is made once per tarball content: jest runs test files in parallel worker processes, so
 * each builds its candidate in a temporary directory and renames it to a path named by a hash of the
 * tarball (and of this file, and of the checkout's path); if another worker got there first, the
 * rename fails and that one is used. A rename is atomic, so the project is always whole once there.
 */
import {execFileSync} from 'child_process';
import {createHash} from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
export const PACKAGE_NAME = 'tfjs-fused-cross-entropy';

/** The tarball's file name inside the project directory (what `npm pack` named it). */
export const TARBALL = 'package.tgz';

let made: string | undefined;

/**
 * The project's directory (absolute). It holds package.json ({"private": true, "type": "commonjs"}),
 * package.tgz (the packed tarball) and node_modules/: tfjs-fused-cross-entropy (extracted from the
 * tarball), @tensorflow/* (links), typescript (link; run node_modules/typescript/bin/tsc) and
 * @types/node (link). Shared by every test file that asks for it: write your files in a directory of
 * your own inside it (fs.mkdtempSync(path.join(dir, 'x-'))), never at its top.
 */
export function packedProject(): string {
  if (made !== undefined && fs.existsSync(made)) return made;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fce-packing-'));
  try {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
        {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
    const tgz = path.join(work, (JSON.parse(out) as {filename: string}[])[0].filename);
    const hash = createHash('sha256').update(fs.readFileSync(tgz)).update(fs.readFileSync(__filename))
        .update(ROOT).digest('hex').slice(0, 16);
    const project = path.join(os.tmpdir(), `${PACKAGE_NAME}-packed-${hash}`);
    if (!fs.existsSync(project)) {
      const candidate = path.join(work, 'project');
      assemble(candidate, tgz);
      try {
        fs.renameSync(candidate, project);
      } catch (e) {
        // another worker renamed its own candidate there first: the same content, use it
        if (!fs.existsSync(project)) throw e;
      }
    }
    made = project;
    return project;
  } finally {
    fs.rmSync(work, {recursive: true, force: true});
  }
}

function assemble(dir: string, tgz: string): void {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '@tensorflow'), {recursive: true});
  fs.mkdirSync(path.join(modules, '@types'), {recursive: true});
  fs.writeFileSync(path.join(dir, 'package.json'),
      JSON.stringify({name: 'packed-project', private: true, type: 'commonjs'}, null, 2) + '\n');
  fs.copyFileSync(tgz, path.join(dir, TARBALL));
  // npm's tarballs hold one directory, package/
  execFileSync('tar', ['-xzf', tgz, '--no-same-owner', '-C', modules]);
  fs.renameSync(path.join(modules, 'package'), path.join(modules, PACKAGE_NAME));
  const from = path.join(ROOT, 'node_modules');
  const links = [...fs.readdirSync(path.join(from, '@tensorflow')).map((n) => `@tensorflow/${n}`),
    'typescript', '@types/node'];
  for (const name of links) fs.symlinkSync(fs.realpathSync(path.join(from, name)), path.join(modules, name), 'dir');
}

/**
 * Runs a tool's bin (a .js file) with Node in `cwd`: its output (stdout, then stderr when it fails) and
 * exit status (tsc, attw and publint exit non-zero on findings; a killed process throws).
 */
export function run(args: string[], cwd: string): {status: number, stdout: string} {
  try {
    return {status: 0, stdout: execFileSync(process.execPath, args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})};
  } catch (e) {
    const err = e as {status: number | null, stdout: string, stderr: string};
    if (err.status === null) throw e;
    return {status: err.status, stdout: `${err.stdout}${err.stderr}`};
  }
}
