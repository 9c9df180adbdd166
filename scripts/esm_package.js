// Marks dist/esm as ES modules for Node, bundlers and TypeScript (the package itself stays CommonJS by
// default): its .js files are ES modules, and its .d.ts files, tsc's declarations for them, are read as
// ESM declarations (node16/nodenext, bundler), so a default import that does not exist is an error.
require('fs').writeFileSync(require('path').join(__dirname, '..', 'dist', 'esm', 'package.json'), '{"type": "module"}\n');
