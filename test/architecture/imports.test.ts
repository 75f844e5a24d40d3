// Imports run one way: a module may import from its own top-level folder of src/ or from a
// layer below it, never from one above or beside it. The rule is read from the source (every
// .ts file under src/, unit tests included), so it stays true as the code grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/**
 * Top-level folders of src/, highest first; folders on one line are peers that do not import
 * each other. This is DESIGN.md's `api → volume|share|backup → scheduler → drivers →
 * targets|connector|protocols → tasks|db|config|exec → errors|util`, with every folder placed:
 * - cli and service sit on top: the CLI's `serve` starts the service, which composes the roles
 *   (api, scheduler, volume@B) out of everything below it.
 * - protocols sit under targets and connector: both speak the connection info it defines.
 * - quota is bookkeeping over the database that the API and the volume service both use;
 *   tasks is the queue over the database; db, config and exec are peers on the floor above
 *   errors and util, which import nothing of Flint's.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['service'],
  ['api'],
  ['volume', 'share', 'backup'],
  ['scheduler'],
  ['drivers'],
  ['targets', 'connector'],
  ['protocols'],
  ['quota'],
  ['tasks'],
  ['db', 'config', 'exec'],
  ['errors', 'util'],
];

/**
 * Upward imports tolerated for now, each `importing file -> imported file` relative to src/.
 * None today: keep it so. An entry that no longer occurs fails the test, so it leaves with its fix.
 */
const KNOWN_EXCEPTIONS = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers a file imports (static, type-only, re-exports and dynamic). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
}

function layerOf(top: string): number {
  return LAYERS.findIndex((l) => l.includes(top));
}

interface Edge { from: string; to: string }

function srcEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of importsOf(file)) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = relative(SRC, target);
      if (to.startsWith('..')) continue; // test/support and the like: not part of the layering
      edges.push({ from: relative(SRC, file), to });
    }
  }
  return edges;
}

const top = (p: string) => p.split('/')[0]!;

test('every top-level folder of src/ has a place in the layer order', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.deepEqual(folders.filter((f) => layerOf(f) < 0), [], 'place a new folder in LAYERS with a reason');
});

test('no import runs from a lower layer to a higher one or across peers', () => {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const { from, to } of srcEdges()) {
    const a = top(from);
    const b = top(to);
    if (a === b || layerOf(b) > layerOf(a)) continue;
    const key = `${from} -> ${to}`;
    if (KNOWN_EXCEPTIONS.has(key)) { seen.add(key); continue; }
    bad.push(key);
  }
  assert.deepEqual(bad, [], 'move the helper down (or the importer up) instead of reaching up');
  assert.deepEqual([...KNOWN_EXCEPTIONS].filter((k) => !seen.has(k)), [], 'a known exception is gone: remove it from the list');
});

test('the rule sees type-only, re-exported and dynamic imports', () => {
  const text = `import type { A } from '../a.js';\nexport { B } from './b.js';\nconst c = await import('../../c.js');\n`;
  const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  assert.deepEqual(specs.sort(), ['../../c.js', '../a.js', './b.js']);
});
