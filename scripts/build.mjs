// Compiles Flint's TypeScript (src/, tests excluded) to JavaScript under dist/js/ with esbuild,
// one output file per source file (no bundling: the layout and lazy imports stay as written),
// so `flint` and `flint serve` start without a TypeScript loader. Type checking stays tsc's job.
// Run by scripts/install-deps.sh; bin/flint re-runs it when a source is newer than the build.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/js');

function files(dir, wanted) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p, wanted);
    return wanted(p) ? [p] : [];
  });
}
const sources = (dir) => files(dir, (p) => p.endsWith('.ts') && !p.endsWith('.test.ts'));

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: sources(join(root, 'src')),
  outdir: out,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Plain JavaScript modules (worker thread bodies, loaded by path) are copied as they are.
for (const p of files(join(root, 'src'), (f) => f.endsWith('.mjs'))) {
  const to = join(out, relative(root, p));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(p, to);
}
// bin/flint compares sources against this stamp.
writeFileSync(join(out, '.built'), new Date().toISOString());
