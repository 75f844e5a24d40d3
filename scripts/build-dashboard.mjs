// Bundles the dashboard (web/dashboard, Preact + TSX) into dist/dashboard/app.js with esbuild.
// Run by scripts/install-deps.sh, so `make run` and `make test` always serve a current bundle.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'web/dashboard/main.tsx')],
  outfile: join(root, 'dist/dashboard/app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`dashboard bundle: ${(bytes / 1024).toFixed(1)} KiB`);
