// Runs every bench/*.bench.ts (or those named on the command line) and prints `name: value` lines.
// Each file runs in its own process (bench/run-one.ts), so no bench measures the memory, open
// handles or JIT state another one left behind.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.FLINT_LOG_LEVEL ??= 'silent';
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();

/** Runs one bench file under the same node flags as this process (the tsx loader); resolves to whether it passed. */
function runFile(file: string): Promise<boolean> {
  const child = spawn(process.execPath, [...process.execArgv, join(here, 'run-one.ts'), join(here, file)], { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`${file} failed to start: ${e.message}\n`);
      resolve(false);
    });
    child.once('exit', (code, signal) => {
      if (signal) process.stderr.write(`${basename(file)} failed: killed by ${signal}\n`);
      resolve(code === 0);
    });
  });
}

let failed = 0;
for (const f of files) if (!(await runFile(f))) failed++;
process.exit(failed > 0 ? 1 : 0);
