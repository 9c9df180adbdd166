/**
 * Bundles test/browser/page.ts for the browser with esbuild, in memory, from the TypeScript sources
 * (not dist/): the page runs the very files Node's tests run, with no build step in between to go stale.
 */
import {build, Plugin} from 'esbuild';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

export interface Bundle {
  code: string;
}

/**
 * package.json's "sideEffects" lists the dist/ files users import. Bundling the sources, esbuild would
 * read it as "no .ts file of this package has side effects" and drop every bare import of one: the
 * register files, and the page itself. Our own files are marked as having side effects; the tfjs
 * packages keep their own "sideEffects" lists.
 */
const OWN_FILES_HAVE_SIDE_EFFECTS: Plugin = {
  name: 'own-files-have-side-effects',
  setup(b) {
    const again = Symbol('resolving');
    b.onResolve({filter: /^\./}, async (args) => {
      if (args.pluginData === again || args.resolveDir.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const r = await b.resolve(args.path, {kind: args.kind, importer: args.importer, resolveDir: args.resolveDir,
        pluginData: again});
      return r.errors.length > 0 ? {errors: r.errors} : {...r, sideEffects: true};
    });
  },
};

/** `page`: the entry, relative to the package root (the benchmark bundles its own). */
export async function bundlePage(page = 'test/browser/page.ts'): Promise<Bundle> {
  const result = await build({
    entryPoints: [path.join(ROOT, page)],
    bundle: true,
    platform: 'browser',  // takes the packages' "browser" fields: no fs, worker_threads, ... in the page
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    plugins: [OWN_FILES_HAVE_SIDE_EFFECTS],
  });
  return {code: result.outputFiles[0].text};
}
