// A long-lived child daemon run in the foreground: spawned directly (the Executor waits for
// commands to exit), its stderr tail kept for error messages, stopped with TERM then KILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { sleep } from '../../util/clock.js';

export class DaemonProcess {
  readonly child: ChildProcess;
  private tail = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly argv: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const keep = (b: Buffer) => { this.tail = (this.tail + b.toString()).slice(-2000); };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      // A spawn failure (ENOENT) emits 'error' and no 'exit'.
      this.child.once('error', (e) => { this.tail += `\n${e.message}`; resolve({ code: -1, signal: null }); });
    });
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last output of the daemon, for error messages. */
  output(): string {
    return this.tail.trim().slice(-500);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut && this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Polls `ready` every `intervalMs` until it is true, the daemon died, or `timeoutMs` passed. */
export async function waitUntil(ready: () => Promise<boolean>, daemon: DaemonProcess | null, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon && !daemon.running) return false;
    if (await ready().catch(() => false)) return true;
    await sleep(intervalMs);
  }
  return false;
}

/** Records a daemon's pid, so that a later start can end it if this process dies without stopping it. */
export async function recordPid(file: string, pid: number | null): Promise<void> {
  if (pid) await writeFile(file, `${pid}\n`);
  else await rm(file, { force: true });
}

/**
 * Ends the daemon recorded in `file` (left by a crashed Flint) when it still runs and its
 * command line contains `marker`, so a recycled pid is never hit. Returns whether it ended one.
 */
export async function endRecorded(file: string, marker: string): Promise<boolean> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  await rm(file, { force: true });
  if (!pid) return false;
  const cmdline = () => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (!(await cmdline())?.includes(marker)) return false;
  try { process.kill(pid, 'SIGKILL'); } catch { return false; }
  await waitUntil(async () => (await cmdline()) === null, null, 5000);
  return true;
}

/**
 * The one daemon of a kind a supervisor runs, with the pid file that lets a later start end it
 * if Flint died without stopping it (`marker`: a string its command line contains).
 */
export class DaemonSlot {
  private current: DaemonProcess | null = null;

  constructor(private readonly pidFile: string, private readonly marker: string) {}

  get process(): DaemonProcess | null { return this.current; }
  get running(): boolean { return this.current?.running ?? false; }
  get pid(): number | null { return this.current?.pid ?? null; }

  /** Spawns the daemon into the slot; record() once it is up. */
  spawn(argv: readonly string[], env?: Record<string, string>): DaemonProcess {
    this.current = new DaemonProcess(argv, env);
    return this.current;
  }

  record(): Promise<void> {
    return recordPid(this.pidFile, this.pid);
  }

  async stop(graceMs: number): Promise<void> {
    await this.current?.stop(graceMs);
    this.current = null;
    await recordPid(this.pidFile, null);
  }

  /** Ends a daemon of this slot left by a crashed Flint; true when there was one. */
  endLeftover(): Promise<boolean> {
    return endRecorded(this.pidFile, this.marker);
  }
}
