// Runs every bench/*.bench.ts (or those named on the command line) and prints `name: value` lines.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Benches print only `name: value` lines; service logs would also cost time. Set before any bench loads the logger.
process.env.FLINT_LOG_LEVEL ??= 'silent';
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
let failed = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run(report: (name: string, value: number) => void): Promise<void> };
  try {
    await mod.run((name, value) => process.stdout.write(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}\n`));
  } catch (e) {
    failed++;
    process.stderr.write(`${f} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
