// Starts one tgtd per backend (its own portal and `-C N` control socket, so several coexist),
// restarts it when it dies, and tells listeners when a (re)started tgtd needs its exports replayed.
// tgtd is a long-lived daemon, not a command: it is spawned here rather than through the
// Executor (which waits for exit); every tgtadm call still goes through the Executor.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Executor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/clock.js';
import { BackendError } from '../../errors/errors.js';
import { daemonRestarts } from '../../util/metrics.js';
import { tgtdEnv } from './tgtd-tuning.js';

export interface TgtdSupervisorOptions {
  executor: Executor;
  logger: Logger;
  controlPort: number;
  /** `ip:port` */
  portal: string;
  /** false: use a tgtd someone else runs on that control port; only watch it. */
  managed: boolean;
  /** How often to check that tgtd still answers (also catches an external tgtd restarting). */
  healthIntervalMs?: number;
}

/**
 * Events: `ready` (first start), `restarted` (tgtd came back empty: replay exports),
 * `down` (tgtd stopped answering).
 */
export class TgtdSupervisor extends EventEmitter {
  private child: ChildProcess | null = null;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private up = false;
  private restarting: Promise<void> | null = null;

  constructor(private readonly o: TgtdSupervisorOptions) {
    super();
  }

  /** pid of the tgtd this supervisor started (null when external). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (!(await this.alive())) {
      if (!this.o.managed) {
        throw new BackendError(`No tgtd answers on control port ${this.o.controlPort} (tgtd_managed = false).`, { publicDetail: 'the iSCSI target does not answer' });
      }
      await this.spawnAndWait();
    } else {
      this.o.logger.info({ controlPort: this.o.controlPort }, 'tgtd already answering on this control port; using it');
    }
    this.up = true;
    this.timer = setInterval(() => void this.check(), this.o.healthIntervalMs ?? 1000);
    this.timer.unref();
    this.emit('ready');
  }

  private async alive(): Promise<boolean> {
    try {
      await this.o.executor.run(['tgtadm', '-C', String(this.o.controlPort), '--mode', 'system', '--op', 'show'], { tries: 1, quiet: true, probe: true, timeoutMs: 5000 });
      return true;
    } catch {
      return false;
    }
  }

  private async spawnAndWait(): Promise<void> {
    const argv = ['tgtd', '-f', '-C', String(this.o.controlPort), '--iscsi', `portal=${this.o.portal}`];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: tgtdEnv() });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopping) return;
      this.o.logger.warn({ code, signal, stderr: stderr.slice(-500) }, 'tgtd exited; restarting it');
      void this.recover();
    });
    for (let i = 0; i < 100; i++) {
      if (await this.alive()) return;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await sleep(50);
    }
    throw new BackendError(`tgtd on ${this.o.portal} (control port ${this.o.controlPort}) did not start: ${stderr.trim().slice(-300)}`, { publicDetail: 'the iSCSI target did not start' });
  }

  private async check(): Promise<void> {
    if (this.stopping || this.restarting) return;
    const ok = await this.alive();
    if (ok && !this.up) {
      // An external tgtd came back: it has no targets.
      this.up = true;
      daemonRestarts.inc({ daemon: 'tgtd' });
      this.emit('restarted');
    } else if (!ok && this.up) {
      this.up = false;
      this.emit('down');
      if (this.o.managed) void this.recover();
    }
  }

  /** Restart our tgtd (with backoff) and announce it so exports are replayed. */
  recover(): Promise<void> {
    if (this.restarting) return this.restarting;
    this.restarting = (async () => {
      this.up = false;
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          if (!this.child && !(await this.alive())) await this.spawnAndWait();
          this.up = true;
          daemonRestarts.inc({ daemon: 'tgtd' });
          this.emit('restarted');
          return;
        } catch (e) {
          this.o.logger.error({ err: (e as Error).message, attempt }, 'tgtd restart failed');
          await sleep(Math.min(200 * 2 ** attempt, 5000));
        }
      }
    })().finally(() => { this.restarting = null; });
    return this.restarting;
  }

  /** Stop watching; stop our tgtd (targets must be deleted first, see TgtadmTarget.shutdownDaemon). */
  async stop(beforeExit?: () => Promise<void>): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child || !this.o.managed) return;
    await beforeExit?.();
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    child.kill('SIGTERM');
    const timeout = sleep(2000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
    this.child = null;
  }
}
