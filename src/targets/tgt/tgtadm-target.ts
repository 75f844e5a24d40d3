// Target helper for tgtd (userspace, the one that runs here), driven by `tgtadm -C N`.
// One target per volume, LUN 1, thin provisioning on, IQN ACLs (tgt denies by default), CHAP.
import type { Executor, RunOptions } from '../../exec/executor.js';
import { BackendError, CommandError } from '../../errors/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ExportLocation, ExportSpec, TargetEvents, TargetHelper } from '../target-helper.js';
import { parseTgtShow, type TgtTarget } from './tgt-show-parser.js';
import { TgtdSupervisor } from './tgtd-supervisor.js';
import { ISCSI_TARGET_PARAMS } from './tgtd-tuning.js';

export interface TgtadmTargetOptions {
  executor: Executor;
  /** tgtd control port (`-C N`, socket /var/run/tgtd/socket.N). */
  controlPort: number;
  /** `ip:port` the tgtd instance listens on. */
  portal: string;
  /** `iser` when target_protocol = iser. */
  lld?: 'iscsi' | 'iser';
  /**
   * `--bsoflags` for each LUN's backing file (`direct`, `sync`, `direct:sync`). `direct` keeps
   * tgtd's reads and writes out of the page cache: buffered, tgtd copies every byte once more
   * and a 1 GiB write stalls in writeback throttling (figures in bench/local.bench.ts).
   * What each guarantees is said at addLun.
   */
  bsoflags?: string | null;
  /** For start(): who logs the supervisor's news, whether we run tgtd, how often we check it. */
  supervise?: { logger: Logger; managed: boolean; healthIntervalMs: number };
}

const LUN = 1;
// tgtadm answers rc 22 with these texts when the object is already there / already gone.
const EXISTS = /already exists/;
const GONE = /can't find|does not exist/;
const ACTIVE = /still active/;

export class TgtadmTarget implements TargetHelper {
  readonly name = 'tgtadm';
  readonly portal: string;
  readonly capabilities = { onlineExtend: true, chap: true, directIo: true };
  private queue: Promise<unknown> = Promise.resolve();
  private supervisor: TgtdSupervisor | null = null;

  constructor(private readonly o: TgtadmTargetOptions) {
    this.portal = o.portal;
  }

  get daemonPid(): number | null {
    return this.supervisor?.pid ?? null;
  }

  /** Starts tgtd on our control port (or watches one already there) and reports restarts. */
  async start(events: TargetEvents): Promise<void> {
    const sv = this.o.supervise;
    if (!sv) throw new BackendError('tgtadm target helper was built without supervisor options; it cannot start tgtd.');
    this.supervisor = new TgtdSupervisor({
      executor: this.o.executor, logger: sv.logger, controlPort: this.o.controlPort, portal: this.portal,
      managed: sv.managed, healthIntervalMs: sv.healthIntervalMs,
    });
    this.supervisor.on('restarted', () => events.restarted());
    this.supervisor.on('down', () => events.down());
    await this.supervisor.start();
  }

  async stop(opts: { stopDaemon: boolean }): Promise<void> {
    await this.supervisor?.stop(opts.stopDaemon && this.o.supervise?.managed ? () => this.shutdownDaemon() : undefined);
  }

  /** tgtd allocates nothing itself: tids are ours, so concurrent creates must not race. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private tgtadm(args: string[], opts: RunOptions = {}) {
    return this.o.executor.run(
      ['tgtadm', '-C', String(this.o.controlPort), '--lld', this.o.lld ?? 'iscsi', ...args],
      { tries: 1, quiet: true, ...opts },
    );
  }

  /** Runs a tgtadm call, treating the listed "already so" answers as success. */
  private async idempotent(args: string[], tolerate: RegExp, opts: RunOptions = {}): Promise<void> {
    try {
      await this.tgtadm(args, opts);
    } catch (e) {
      if (e instanceof CommandError && tolerate.test(e.stderr)) return;
      throw e;
    }
  }

  async show(): Promise<TgtTarget[]> {
    const r = await this.tgtadm(['--mode', 'target', '--op', 'show']);
    return parseTgtShow(r.stdout);
  }

  private async find(iqn: string): Promise<TgtTarget | undefined> {
    return (await this.show()).find((t) => t.iqn === iqn);
  }

  createExport(spec: ExportSpec): Promise<ExportLocation> {
    return this.serial(async () => {
      const all = await this.show();
      let t = all.find((x) => x.iqn === spec.iqn);
      if (!t) {
        const tid = all.reduce((m, x) => Math.max(m, x.tid), 0) + 1;
        await this.tgtadm(['--mode', 'target', '--op', 'new', '--tid', String(tid), '--targetname', spec.iqn]);
        if ((this.o.lld ?? 'iscsi') === 'iscsi') {
          for (const [name, value] of ISCSI_TARGET_PARAMS) {
            await this.tgtadm(['--mode', 'target', '--op', 'update', '--tid', String(tid), '--name', name, '--value', String(value)]);
          }
        }
        t = { tid, iqn: spec.iqn, luns: [], acls: [], accounts: [], sessions: [] };
      }
      if (!t.luns.includes(LUN)) await this.addLun(t.tid, spec.path);
      if (spec.chap) {
        const { username, secret } = spec.chap;
        await this.idempotent(['--mode', 'account', '--op', 'new', '--user', username, '--password', secret], EXISTS, { secrets: [secret] });
        if (!t.accounts.includes(username)) {
          await this.tgtadm(['--mode', 'account', '--op', 'bind', '--tid', String(t.tid), '--user', username]);
        }
      }
      return { iqn: spec.iqn, lun: LUN, portal: this.portal, tpgt: 1 };
    });
  }

  /**
   * Durability. The LUN uses tgtd's default backing store, `rdwr` (pread/pwrite from I/O
   * threads). It reports a write-back cache (caching mode page, WCE=1), so initiators flush,
   * and it answers SYNCHRONIZE CACHE, and any write with FUA set, with fdatasync() on the
   * volume file. On the pool that fdatasync commits XFS's log and flushes the loop device,
   * which fsyncs the image file on the host filesystem, which flushes the disk: once an
   * initiator's SYNCHRONIZE CACHE or FUA write returns, its data is on stable storage, with
   * any target_flags. Before that, writes may sit in the host's caches (or, with `direct`,
   * the disk's). `sync` makes every write durable when it completes, for initiators that never
   * flush, at a cost in speed; `direct` only skips the page cache. tgtd's `aio` store is not
   * used: it completes SYNCHRONIZE CACHE without flushing and ignores FUA and UNMAP.
   */
  private async addLun(tid: number, path: string): Promise<void> {
    const flags = this.o.bsoflags ? ['--bsoflags', this.o.bsoflags] : [];
    await this.tgtadm(['--mode', 'logicalunit', '--op', 'new', '--tid', String(tid), '--lun', String(LUN), '--backing-store', path, ...flags]);
    // UNMAP from the initiator punches holes in the file: the volume stays thin.
    await this.tgtadm(['--mode', 'logicalunit', '--op', 'update', '--tid', String(tid), '--lun', String(LUN), '--params', 'thin_provisioning=1']);
  }

  removeExport(iqn: string): Promise<void> {
    return this.serial(async () => {
      const t = await this.find(iqn);
      if (!t) return;
      // Order from notes/dataplane.md 2.5: revoke access, close sessions, then LUN and target.
      await this.revoke(t, null);
      if (t.luns.includes(LUN)) {
        await this.idempotent(['--mode', 'logicalunit', '--op', 'delete', '--tid', String(t.tid), '--lun', String(LUN)], GONE);
      }
      await this.idempotent(['--mode', 'target', '--op', 'delete', '--force', '--tid', String(t.tid)], GONE);
      for (const user of t.accounts) {
        await this.idempotent(['--mode', 'account', '--op', 'delete', '--user', user], GONE);
      }
    });
  }

  allowInitiator(iqn: string, initiator: string): Promise<void> {
    return this.serial(async () => {
      const t = await this.find(iqn);
      if (!t) throw new BackendError(`iSCSI target ${iqn} is not exported by tgtd on ${this.portal}.`, { publicDetail: 'the volume is not exported' });
      if (t.acls.includes(initiator)) return;
      await this.idempotent(['--mode', 'target', '--op', 'bind', '--tid', String(t.tid), '--initiator-name', initiator], EXISTS);
    });
  }

  denyInitiator(iqn: string, initiator: string | null): Promise<void> {
    return this.serial(async () => {
      const t = await this.find(iqn);
      if (t) await this.revoke(t, initiator);
    });
  }

  /** Unbind first so a libiscsi initiator cannot log straight back in, then drop its sessions. */
  private async revoke(t: TgtTarget, initiator: string | null): Promise<void> {
    for (const acl of t.acls) {
      if (initiator !== null && acl !== initiator) continue;
      const flag = /^(iqn\.|eui\.|naa\.)/.test(acl) ? '--initiator-name' : '--initiator-address';
      await this.idempotent(['--mode', 'target', '--op', 'unbind', '--tid', String(t.tid), flag, acl], GONE);
    }
    for (const s of t.sessions) {
      if (initiator !== null && s.initiator !== initiator) continue;
      for (const cid of s.cids.length ? s.cids : [0]) {
        await this.idempotent(['--mode', 'conn', '--op', 'delete', '--tid', String(t.tid), '--sid', String(s.sid), '--cid', String(cid)], GONE);
      }
    }
  }

  /**
   * tgtd reads a backing file's size only when the LUN is added, so the LUN is deleted and
   * re-added (same tid/LUN, hence the same SCSI id). An idle session does not block this;
   * if I/O keeps the LUN busy, the sessions are closed (ACLs kept) and the initiator reconnects.
   */
  refreshLunSize(iqn: string, path: string): Promise<void> {
    return this.serial(async () => {
      const t = await this.find(iqn);
      if (!t) return;
      const del = ['--mode', 'logicalunit', '--op', 'delete', '--tid', String(t.tid), '--lun', String(LUN)];
      try {
        await this.idempotent(del, GONE);
      } catch (e) {
        if (!(e instanceof CommandError && ACTIVE.test(e.stderr))) throw e;
        for (const s of t.sessions) {
          for (const cid of s.cids.length ? s.cids : [0]) {
            await this.idempotent(['--mode', 'conn', '--op', 'delete', '--tid', String(t.tid), '--sid', String(s.sid), '--cid', String(cid)], GONE);
          }
        }
        await this.o.executor.run(['tgtadm', '-C', String(this.o.controlPort), '--lld', this.o.lld ?? 'iscsi', ...del], { tries: 5, quiet: true });
      }
      await this.addLun(t.tid, path);
    });
  }

  async listExports(): Promise<string[]> {
    return (await this.show()).map((t) => t.iqn);
  }

  /** Force-delete every target and ask tgtd to exit (SIGTERM is ignored while targets exist). */
  async shutdownDaemon(): Promise<void> {
    for (const t of await this.show().catch(() => [])) {
      await this.idempotent(['--mode', 'target', '--op', 'delete', '--force', '--tid', String(t.tid)], GONE).catch(() => undefined);
    }
    await this.o.executor.run(['tgtadm', '-C', String(this.o.controlPort), '--op', 'delete', '--mode', 'system'], { tries: 1, quiet: true }).catch(() => undefined);
  }
}
