// Marks dist/esm as ES modules for Node and bundlers (the package itself stays CommonJS by default).
require('fs').writeFileSync(require('path').join(__dirname, '..', 'dist', 'esm', 'package.json'), '{"type": "module"}\n');
