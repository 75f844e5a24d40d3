// Flint in a child process (test/support/serve-child.ts), for tests and benches that
// kill it, restart it or measure its memory apart from their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let bundle: Promise<string> | null = null;

/**
 * serve-child.ts compiled once into one ES module (packages stay imports from node_modules),
 * for tests that restart Flint many times: it starts in about half the time of tsx, which
 * compiles every source file again at each start.
 */
export function bundledServeChild(): Promise<string> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
    // Under the repository so its bare imports resolve from node_modules.
    const dir = join(ROOT, 'var', `serve-child-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'serve-child.mjs');
    await build({ entryPoints: [join(ROOT, 'test/support/serve-child.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
    // The WAL checkpointer's thread body is loaded by URL beside the module that starts it, which
    // is now the bundle: without its copy a bundled Flint on SQLite would checkpoint on its event loop.
    copyFileSync(join(ROOT, 'src/db/wal-checkpoint-worker.mjs'), join(dir, 'wal-checkpoint-worker.mjs'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return outfile;
  })();
  return bundle;
}

/**
 * Starts Flint on `listen` with `config` (all roles, or `roles`); resolves once it is up.
 * `entry` is a bundle from bundledServeChild(); by default serve-child.ts runs through tsx.
 */
export function startFlintProcess(config: string, listen: string, logLevel = 'error', roles?: string[], entry?: string): Promise<ChildProcess> {
  const argv = entry ? [entry] : ['--import', 'tsx', 'test/support/serve-child.ts'];
  const child = spawn(process.execPath, [...argv, config, listen, ...(roles ? [roles.join(',')] : [])], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLINT_LOG_LEVEL: logLevel, NODE_TEST_CONTEXT: '' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('LISTENING')) resolve(child);
    });
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    child.once('exit', (code) => reject(new Error(`flint exited early (${code}): ${err.slice(-2000)}`)));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopFlintProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
