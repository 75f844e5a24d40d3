// Runs one bench file in this process and prints its `name: value` lines; exits 1 if it failed.
import { pathToFileURL } from 'node:url';

// Benches print only `name: value` lines; service logs would also cost time. Set before the bench loads the logger.
process.env.FLINT_LOG_LEVEL ??= 'silent';
const file = process.argv[2];
if (!file) throw new Error('usage: run-one.ts BENCH_FILE');
const mod = (await import(pathToFileURL(file).href)) as { run(report: (name: string, value: number) => void): Promise<void> };
try {
  await mod.run((name, value) => process.stdout.write(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}\n`));
  process.exit(0);
} catch (e) {
  process.stderr.write(`${file} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
