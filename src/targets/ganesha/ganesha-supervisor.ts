// Runs one NFS-Ganesha for a share backend: its own config, D-Bus and (for NFSv3) rpcbind in a
// private network namespace; exports applied live over D-Bus AND kept in %include'd files, so a
// reload or restart serves the same set. Restarts Ganesha when it dies and re-adds any export
// it came back without. Events: `restarted` (after every export is back), `down`.
//
// The export set starts empty at each start: share mounts may not be there yet, and Ganesha
// would export the empty mount-point directory below them. The driver's ensureShares mounts
// each share and puts its export back.
import { EventEmitter } from 'node:events';
import { createConnection } from 'node:net';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/clock.js';
import { daemonRestarts } from '../../util/metrics.js';
import { BackendError } from '../../errors/errors.js';
import { renderExport, renderExportsIndex, renderMainConfig, type GaneshaClientRule, type GaneshaExport } from './ganesha-config.js';
import { GaneshaDbus } from './ganesha-dbus.js';
import { PrivateBus } from './private-bus.js';
import { IsolatedRpcbind } from './isolated-rpcbind.js';
import { DaemonProcess, endRecorded, waitUntil } from './daemon-process.js';

export interface GaneshaSupervisorOptions {
  executor: Executor;
  logger: Logger;
  /** Config, logs, sockets and export files go here. */
  dir: string;
  /** Serve NFSv3 too: Ganesha then runs in network namespace `netns` with its own rpcbind. */
  nfsv3: boolean;
  netns: string;
  /** Host mode: the loopback address and port NFSv4 listens on. */
  bindAddress: string;
  nfsPort: number;
  startTimeoutMs?: number;
  /** How often to check that Ganesha, its bus and its rpcbind still answer (default 2000 ms). */
  healthIntervalMs?: number;
}

export interface ExportRequest {
  path: string;
  pseudo: string;
  rules: GaneshaClientRule[];
}

/** Inside the namespace nothing else listens: the standard ports are free. */
const NETNS_NFS_PORT = 2049;
const NETNS_MOUNT_PORT = 20048;

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export class GaneshaSupervisor extends EventEmitter {
  readonly dbus: GaneshaDbus;
  readonly bus: PrivateBus;
  readonly rpcbind: IsolatedRpcbind | null;
  private daemon: DaemonProcess | null = null;
  private stopping = false;
  private recovering: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failedChecks = 0;
  /** key (the share's backend name) → its export, mirrored in exports/<id>.conf. */
  private readonly exports = new Map<string, GaneshaExport>();
  /** Export changes one at a time: each rewrites the index and talks to Ganesha. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: GaneshaSupervisorOptions) {
    super();
    this.bus = new PrivateBus(o.dir, o.logger);
    this.dbus = new GaneshaDbus(o.executor, this.bus.address);
    this.rpcbind = o.nfsv3 ? new IsolatedRpcbind(o.netns, o.dir, o.executor, o.logger) : null;
  }

  get pid(): number | null {
    return this.daemon?.pid ?? null;
  }

  get nfsv3(): boolean {
    return this.o.nfsv3;
  }

  /** The address clients mount (inside the namespace in NFSv3 mode). */
  get address(): string {
    return this.o.nfsv3 ? '127.0.0.1' : this.o.bindAddress;
  }

  get port(): number {
    return this.o.nfsv3 ? NETNS_NFS_PORT : this.o.nfsPort;
  }

  private get exportsDir(): string { return join(this.o.dir, 'exports'); }
  private get indexFile(): string { return join(this.o.dir, 'exports.conf'); }
  private get configFile(): string { return join(this.o.dir, 'ganesha.conf'); }
  private get pidFile(): string { return join(this.o.dir, 'ganesha.pid'); }
  get logFile(): string { return join(this.o.dir, 'ganesha.log'); }
  private exportFile(id: number): string { return join(this.exportsDir, `export-${id}.conf`); }

  async start(): Promise<void> {
    if (this.daemon?.running) return;
    this.stopping = false;
    await mkdir(this.exportsDir, { recursive: true });
    await mkdir(join(this.o.dir, 'recovery'), { recursive: true });
    await this.killLeftover();
    this.exports.clear();
    await rm(this.exportsDir, { recursive: true, force: true });
    await mkdir(this.exportsDir, { recursive: true });
    await writeAtomic(this.indexFile, renderExportsIndex([]));
    await writeAtomic(this.configFile, renderMainConfig({
      nfsv3: this.o.nfsv3,
      bindAddress: this.o.nfsv3 ? null : this.o.bindAddress,
      nfsPort: this.port,
      mountPort: NETNS_MOUNT_PORT,
      recoveryRoot: join(this.o.dir, 'recovery'),
      exportsIndex: this.indexFile,
    }));
    try {
      await this.bus.start();
      await this.rpcbind?.start();
      await this.spawnAndWait();
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.timer = setInterval(() => void this.check(), this.o.healthIntervalMs ?? 2000);
    this.timer.unref();
  }

  /**
   * A Ganesha that exits is restarted by its exit handler; this catches the rest: its bus or
   * rpcbind gone (Ganesha is then unreachable or unregistered) or Ganesha not answering twice.
   * Each ends Ganesha, so the restart path brings everything back in order.
   */
  private async check(): Promise<void> {
    if (this.stopping || this.recovering || !this.daemon?.running) return;
    let why: string | null = null;
    if (!this.bus.running) why = 'its D-Bus daemon is gone';
    else if (this.rpcbind && !this.rpcbind.running) why = 'its rpcbind is gone';
    else {
      const ok = await this.dbus.exportIds().then(() => true, () => false);
      this.failedChecks = ok ? 0 : this.failedChecks + 1;
      if (this.failedChecks >= 2) why = 'it does not answer on D-Bus';
    }
    if (!why || this.stopping || this.recovering) return;
    this.failedChecks = 0;
    this.o.logger.warn({ pid: this.daemon?.pid, why }, 'Ganesha is not usable; restarting it');
    this.daemon?.child.kill('SIGKILL');
  }

  /** Daemons of ours left running by a crashed Flint hold the ports and the bus: end them. */
  private async killLeftover(): Promise<void> {
    if (await endRecorded(this.pidFile, this.configFile)) this.o.logger.info({}, 'ended a Ganesha left running by an earlier Flint');
    await this.bus.endLeftover();
    await this.rpcbind?.endLeftover();
  }

  private async spawnAndWait(): Promise<void> {
    const argv = ['ganesha.nfsd', '-F', '-f', this.configFile, '-L', this.logFile, '-p', this.pidFile, '-N', 'NIV_EVENT'];
    const d = new DaemonProcess(this.rpcbind ? this.rpcbind.enter(argv) : argv, { DBUS_SYSTEM_BUS_ADDRESS: this.bus.address });
    this.daemon = d;
    void d.exited.then(({ code, signal }) => {
      if (this.daemon !== d || this.stopping) return;
      this.daemon = null;
      this.o.logger.warn({ code, signal, output: d.output() }, 'Ganesha exited; restarting it');
      this.emit('down');
      void this.recover();
    });
    // Polls during start are expected to find Ganesha not ready yet: they log at debug only.
    const ready = await waitUntil(() => this.serving(), d, this.o.startTimeoutMs ?? 30_000, 100);
    if (!ready) {
      const log = await readFile(this.logFile, 'utf8').catch(() => '');
      const why = log.split('\n').filter((l) => /:(MAJ|CRIT|FATAL) :/.test(l) && !/krb5|keytab/.test(l)).slice(-3).join(' | ');
      this.daemon = null;
      await d.stop(2000);
      throw new BackendError(`Ganesha did not start: ${why || d.output() || 'no error logged'}`, { publicDetail: 'the NFS server could not start' });
    }
    if (this.stopping) {
      // stop() came while this (re)start was under way: it must not outlive the supervisor.
      if (this.daemon === d) this.daemon = null;
      await d.stop(2000);
      throw new BackendError('Ganesha was stopped while it started.');
    }
    this.o.logger.info({ pid: d.pid, nfsv3: this.o.nfsv3, port: this.port }, 'Ganesha serving');
  }

  /** On D-Bus, and taking NFS connections (registered with rpcbind in NFSv3 mode). */
  private async serving(): Promise<boolean> {
    if (!(await this.dbus.isUp())) return false;
    if (this.rpcbind) return this.rpcbind.lists('nfs');
    return new Promise((resolve) => {
      const s = createConnection({ host: this.o.bindAddress, port: this.o.nfsPort });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
  }

  /** Restart Ganesha (with backoff) and put back every export it lacks. */
  recover(): Promise<void> {
    if (this.recovering) return this.recovering;
    this.recovering = (async () => {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          await this.bus.start();
          await this.rpcbind?.start();
          if (!this.daemon?.running) await this.spawnAndWait();
          await this.serialized(() => this.replay());
          daemonRestarts.inc({ daemon: 'ganesha' });
          this.emit('restarted');
          return;
        } catch (e) {
          if (this.stopping) return;
          this.o.logger.error({ err: (e as Error).message, attempt }, 'Ganesha restart failed');
          await sleep(Math.min(200 * 2 ** attempt, 5000));
        }
      }
    })().finally(() => { this.recovering = null; });
    return this.recovering;
  }

  /** Adds over D-Bus every known export Ganesha does not serve (it read the files at start; this covers the rest). */
  private async replay(): Promise<void> {
    const live = new Set(await this.dbus.exportIds());
    for (const e of this.exports.values()) {
      if (!live.has(e.exportId)) await this.dbus.addExport(this.exportFile(e.exportId), e.exportId);
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private allocateId(): number {
    const used = new Set([...this.exports.values()].map((e) => e.exportId));
    for (let id = 1; id <= 65535; id++) if (!used.has(id)) return id;
    throw new BackendError('Ganesha has no free export id (65535 exports).', { publicDetail: 'the NFS server has no room for another export' });
  }

  private async writeIndex(): Promise<void> {
    await writeAtomic(this.indexFile, renderExportsIndex([...this.exports.values()].map((e) => this.exportFile(e.exportId))));
  }

  exportOf(key: string): GaneshaExport | null {
    return this.exports.get(key) ?? null;
  }

  /**
   * Exports `req` under `key` (new) or changes it (rules, path) in place: file first, then live.
   * A refusal by Ganesha leaves the previous state in the file and in Ganesha.
   */
  putExport(key: string, req: ExportRequest): Promise<GaneshaExport> {
    return this.serialized(async () => {
      const previous = this.exports.get(key) ?? null;
      const next: GaneshaExport = { exportId: previous?.exportId ?? this.allocateId(), path: req.path, pseudo: req.pseudo, rules: req.rules };
      const file = this.exportFile(next.exportId);
      const text = renderExport(next, this.o.nfsv3);
      const previousText = await readFile(file, 'utf8').catch(() => null);
      await writeAtomic(file, text);
      this.exports.set(key, next);
      await this.writeIndex();
      try {
        const live = await this.dbus.exportIds();
        if (live.includes(next.exportId)) {
          if (previousText !== text) await this.dbus.updateExport(file, next.exportId);
        } else {
          await this.dbus.addExport(file, next.exportId);
        }
      } catch (e) {
        if (previous && previousText !== null) {
          await writeAtomic(file, previousText);
          this.exports.set(key, previous);
        } else {
          await rm(file, { force: true });
          this.exports.delete(key);
        }
        await this.writeIndex();
        throw e;
      }
      return next;
    });
  }

  /** Unexports `key` live and drops its file; unknown keys succeed. */
  removeExport(key: string): Promise<void> {
    return this.serialized(async () => {
      const e = this.exports.get(key);
      if (!e) return;
      await this.dbus.removeExport(e.exportId);
      this.exports.delete(key);
      await this.writeIndex();
      await rm(this.exportFile(e.exportId), { force: true });
    });
  }

  /**
   * Lets go of the daemons without stopping them: clients keep their mounts while Flint
   * restarts; the next start ends them (by their pid files) and starts afresh.
   */
  detach(): void {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.daemon = null;
  }

  /** Stops Ganesha, its rpcbind and its bus; exports files stay for inspection. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.recovering?.catch(() => undefined);
    const d = this.daemon;
    this.daemon = null;
    await d?.stop(10_000);
    await this.rpcbind?.stop();
    await this.bus.stop();
  }
}
