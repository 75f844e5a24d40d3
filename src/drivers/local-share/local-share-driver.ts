// The `local` share driver: each share is a sparse XFS image in the reflink pool (the `local`
// volume driver's LocalPool), loop-mounted under the backend's state dir, exported over NFS by
// an NFS-Ganesha this driver supervises. Snapshots freeze the share and reflink its image.
import { join } from 'node:path';
import { readdir, rename } from 'node:fs/promises';
import { Options } from '../../config/options.js';
import { BackendError, BackendObjectNotFound, Conflict, InvalidInput } from '../../errors/errors.js';
import { GaneshaSupervisor } from '../../targets/ganesha/ganesha-supervisor.js';
import type { GaneshaExport } from '../../targets/ganesha/ganesha-config.js';
import { localPoolFromOptions, type LocalPool } from '../local/local-pool.js';
import {
  supportedShareOperations, type AccessRuleResults, type DriverAccessRule, type DriverShare, type DriverShareSnapshot,
  type ExportLocation, type ShareBackendStats, type ShareDriverContext, type ShareDriverCore, type ShareModelUpdate,
} from '../interface/share.js';
import { desiredRules, planAccess } from './access-rules.js';
import { ShareFilesystem } from './share-filesystem.js';
import { SHARE_SUFFIX, localShareStats } from './local-share-stats.js';

const GiB = 1024 ** 3;
const SNAPSHOT_SUFFIX = '.snap';

/** Shrinking would lose data, or the filesystem cannot shrink: a public refusal, the share untouched. */
export class ShareShrinkUnsafe extends InvalidInput {}

export class LocalShareDriver implements ShareDriverCore {
  readonly backendName: string;
  readonly driverHandlesShareServers = false;
  readonly pool: LocalPool;
  readonly ganesha: GaneshaSupervisor;
  readonly fs: ShareFilesystem;
  readonly mountDir: string;
  private readonly opt: Options;
  /** Rules last applied per share (key: share name); Ganesha's supervisor replays the exports themselves. */
  private readonly applied = new Map<string, DriverAccessRule[]>();

  constructor(private readonly ctx: ShareDriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(ctx.options, ctx.backendName);
    this.pool = localPoolFromOptions(this.opt, ctx);
    this.mountDir = this.opt.optStr('local_share_mount_dir') ?? join(ctx.stateDir, 'shares');
    this.fs = new ShareFilesystem(ctx.executor, ctx.logger);
    this.ganesha = new GaneshaSupervisor({
      executor: ctx.executor,
      logger: ctx.logger,
      dir: join(ctx.stateDir, 'ganesha'),
      nfsv3: this.opt.bool('ganesha_nfsv3'),
      netns: this.opt.optStr('ganesha_netns') ?? `flint-${ctx.backendName}`.slice(0, 31),
      bindAddress: this.opt.str('ganesha_bind_address'),
      nfsPort: this.opt.int('ganesha_nfs_port'),
      healthIntervalMs: this.opt.int('ganesha_health_interval_ms'),
    });
  }

  private image(share: DriverShare): string { return `${share.name}${SHARE_SUFFIX}`; }
  private snapshotImage(s: DriverShareSnapshot): string { return `${s.name}${SNAPSHOT_SUFFIX}`; }
  private mountPoint(share: DriverShare): string { return join(this.mountDir, share.name); }
  private pseudo(share: DriverShare): string { return `/${share.name}`; }

  async doSetup(): Promise<void> {
    await this.pool.setup();
    await this.ganesha.start();
  }

  /** A pool without reflink still serves shares (stats then offer no snapshots); Ganesha must answer. */
  async checkForSetupError(): Promise<void> {
    if (!(await this.ganesha.dbus.isUp().catch(() => false))) {
      throw new BackendError('NFS-Ganesha is not on its D-Bus.', { publicDetail: 'the NFS server does not answer' });
    }
  }

  async getShareStats(_refresh = true): Promise<ShareBackendStats> {
    return localShareStats({
      pool: this.pool, opt: this.opt, backendName: this.backendName, nfsv3: this.ganesha.nfsv3, operations: supportedShareOperations(this),
    });
  }

  private exportLocations(share: DriverShare): ExportLocation[] {
    return [{
      path: `${this.ganesha.address}:${this.pseudo(share)}`,
      isAdminOnly: false,
      preferred: true,
      metadata: {
        nfs_port: String(this.ganesha.port),
        nfs_versions: this.ganesha.nfsv3 ? '3,4' : '4',
        // In NFSv3 mode the server is reachable only from inside this network namespace.
        ...(this.ganesha.nfsv3 ? { netns: this.ganesha.rpcbind!.netns } : {}),
      },
    }];
  }

  private async requireImage(name: string, what: string): Promise<void> {
    if (!(await this.pool.exists(name))) throw new BackendObjectNotFound(`${what} image ${name} does not exist on backend ${this.backendName}.`);
  }

  /** Mounted, then exported with `rules` (never an export over an unmounted mount point). */
  private async mountAndExport(share: DriverShare, rules: DriverAccessRule[], opts: { fresh?: boolean } = {}): Promise<AccessRuleResults> {
    await this.fs.mount(this.pool.path(this.image(share)), this.mountPoint(share), { fresh: opts.fresh, directIo: this.opt.bool('local_share_loop_direct_io') });
    return this.export(share, rules);
  }

  private async export(share: DriverShare, rules: DriverAccessRule[]): Promise<AccessRuleResults> {
    if (!(await this.fs.isMounted(this.mountPoint(share)))) {
      throw new BackendError(`Share ${share.name} is not mounted at ${this.mountPoint(share)}; refusing to export the bare directory.`, { publicDetail: 'the share is not available on the backend' });
    }
    const plan = planAccess(rules);
    await this.ganesha.putExport(share.name, { path: this.mountPoint(share), pseudo: this.pseudo(share), rules: plan.clients });
    this.applied.set(share.name, rules);
    return plan.results;
  }

  private async unexportAndUnmount(share: DriverShare): Promise<void> {
    await this.ganesha.removeExport(share.name);
    await this.fs.unmount(this.mountPoint(share));
  }

  async createShare(share: DriverShare): Promise<ShareModelUpdate> {
    this.requireNfs(share);
    const img = this.image(share);
    await this.pool.createFile(img, share.size);
    const path = this.pool.path(img);
    const fresh = !(await this.fs.hasFilesystem(path));
    if (fresh) await this.fs.format(path);
    await this.mountAndExport(share, this.applied.get(share.name) ?? [], { fresh });
    return { exportLocations: this.exportLocations(share), providerLocation: img };
  }

  private requireNfs(share: DriverShare): void {
    if (share.shareProto !== 'NFS') throw new InvalidInput(`Share protocol ${share.shareProto} is not supported by backend ${this.backendName}; only NFS is.`);
  }

  async deleteShare(share: DriverShare): Promise<void> {
    await this.unexportAndUnmount(share);
    this.applied.delete(share.name);
    await this.pool.remove(this.image(share));
  }

  async ensureShares(shares: { share: DriverShare; rules: DriverAccessRule[] }[]): Promise<Record<string, ShareModelUpdate>> {
    const updates: Record<string, ShareModelUpdate> = {};
    for (const { share, rules } of shares) {
      try {
        await this.requireImage(this.image(share), 'Share');
        await this.mountAndExport(share, rules);
        updates[share.id] = { exportLocations: this.exportLocations(share) };
      } catch (e) {
        // One broken share must not keep the others unexported.
        this.ctx.logger.error({ share: share.id, err: (e as Error).message }, 'could not ensure share');
      }
    }
    return updates;
  }

  async updateAccess(share: DriverShare, all: DriverAccessRule[], add: DriverAccessRule[], remove: DriverAccessRule[]): Promise<AccessRuleResults> {
    await this.requireImage(this.image(share), 'Share');
    const rules = add.length === 0 && remove.length === 0 ? all : desiredRules(all, add, remove);
    if (!(await this.fs.isMounted(this.mountPoint(share)))) return this.mountAndExport(share, rules);
    return this.export(share, rules);
  }

  async createSnapshot(snapshot: DriverShareSnapshot): Promise<{ size: number }> {
    const src = this.image(snapshot.share);
    await this.requireImage(src, 'Share');
    const dir = this.mountPoint(snapshot.share);
    // Frozen, the image on disk is a consistent filesystem; the reflink takes constant time.
    if (await this.fs.isMounted(dir)) await this.fs.frozen(dir, () => this.pool.copy(src, this.snapshotImage(snapshot)));
    else await this.pool.copy(src, this.snapshotImage(snapshot));
    return { size: Math.ceil((await this.pool.size(this.snapshotImage(snapshot))) / GiB) };
  }

  async deleteSnapshot(snapshot: DriverShareSnapshot): Promise<void> {
    await this.pool.remove(this.snapshotImage(snapshot));
  }

  async createShareFromSnapshot(share: DriverShare, snapshot: DriverShareSnapshot): Promise<ShareModelUpdate> {
    this.requireNfs(share);
    const snap = this.snapshotImage(snapshot);
    await this.requireImage(snap, 'Snapshot');
    const snapBytes = await this.pool.size(snap);
    if (share.size * GiB < snapBytes) throw new InvalidInput(`Share size ${share.size} GiB is smaller than the snapshot's ${Math.ceil(snapBytes / GiB)} GiB.`);
    const img = this.image(share);
    const dir = this.mountPoint(share);
    if (!(await this.fs.isMounted(dir))) {
      await this.pool.copy(snap, img);
      await this.fs.newUuid(this.pool.path(img), dir);
    }
    await this.fs.mount(this.pool.path(img), dir, { directIo: this.opt.bool('local_share_loop_direct_io') });
    if (share.size * GiB > (await this.pool.size(img))) await this.fs.growToImage(this.pool.path(img), dir, share.size);
    await this.export(share, this.applied.get(share.name) ?? []);
    return { exportLocations: this.exportLocations(share), providerLocation: img };
  }

  /** Swaps the share's image for a reflink of the snapshot while the share is unexported and unmounted. */
  async revertToSnapshot(snapshot: DriverShareSnapshot, rules: DriverAccessRule[]): Promise<void> {
    const share = snapshot.share;
    const snap = this.snapshotImage(snapshot);
    await this.requireImage(snap, 'Snapshot');
    await this.unexportAndUnmount(share);
    await this.pool.copy(snap, this.image(share));
    const img = this.pool.path(this.image(share));
    const dir = this.mountPoint(share);
    await this.fs.mount(img, dir, { directIo: this.opt.bool('local_share_loop_direct_io') });
    if (share.size * GiB > (await this.pool.size(this.image(share)))) await this.fs.growToImage(img, dir, share.size);
    await this.export(share, rules);
  }

  async extendShare(share: DriverShare, newSizeGiB: number): Promise<void> {
    const img = this.image(share);
    await this.requireImage(img, 'Share');
    if (newSizeGiB * GiB < (await this.pool.size(img))) throw new InvalidInput(`New size ${newSizeGiB} GiB is smaller than the share.`);
    const dir = this.mountPoint(share);
    await this.fs.mount(this.pool.path(img), dir, { directIo: this.opt.bool('local_share_loop_direct_io') });
    await this.fs.growToImage(this.pool.path(img), dir, newSizeGiB);
  }

  /**
   * XFS cannot shrink (it only grows), so a shrink copies the share's files into a new, smaller
   * filesystem while the share is unexported, then swaps the images. When the files do not fit,
   * the share is re-exported unchanged and the refusal is public (Manila's "possible data loss").
   */
  async shrinkShare(share: DriverShare, newSizeGiB: number): Promise<void> {
    const img = this.image(share);
    await this.requireImage(img, 'Share');
    if (newSizeGiB * GiB >= (await this.pool.size(img))) throw new InvalidInput(`New size ${newSizeGiB} GiB is not smaller than the share.`);
    const dir = this.mountPoint(share);
    await this.fs.mount(this.pool.path(img), dir, { directIo: this.opt.bool('local_share_loop_direct_io') });
    const rules = this.applied.get(share.name) ?? [];
    const tmpImg = `${share.name}.shrink`;
    const tmpDir = join(this.mountDir, `.shrink-${share.name}`);
    const refuse = (why: string) => new ShareShrinkUnsafe(`Share ${share.id} cannot shrink to ${newSizeGiB} GiB: ${why}; it is unchanged.`);
    await this.pool.remove(tmpImg);
    await this.pool.createFile(tmpImg, newSizeGiB);
    let swapped = false;
    try {
      await this.fs.format(this.pool.path(tmpImg));
      await this.fs.mount(this.pool.path(tmpImg), tmpDir);
      const used = (await this.fs.usage(dir)).usedBytes - (await this.fs.usage(tmpDir)).usedBytes;
      if (used > (await this.fs.usage(tmpDir)).totalBytes - (await this.fs.usage(tmpDir)).usedBytes) throw refuse(`its data (${Math.ceil(used / 1024 ** 2)} MiB) would not fit`);
      // Clients must not write while the files move.
      await this.ganesha.removeExport(share.name);
      try {
        await this.ctx.executor.run(['cp', '-a', '--sparse=always', `${dir}/.`, `${tmpDir}/`], { tries: 1, nonRetryable: [/.*/] });
      } catch (e) {
        throw refuse(`its files did not fit (${(e as Error).message.split('\n')[0]})`);
      }
      await this.fs.unmount(tmpDir);
      await this.fs.unmount(dir);
      await rename(this.pool.path(tmpImg), this.pool.path(img));
      swapped = true;
    } finally {
      if (!swapped) {
        await this.fs.unmount(tmpDir).catch(() => undefined);
        await this.pool.remove(tmpImg);
      }
      await this.mountAndExport(share, rules);
    }
  }

  /**
   * Adopts the share image an export path names (`127.0.0.1:/share-x`, `/share-x` or `share-x`),
   * e.g. one unmanaged earlier: renamed to the new share's name, mounted and exported with no access.
   */
  async manageExisting(share: DriverShare, exportPath: string, _driverOptions: Record<string, string>): Promise<ShareModelUpdate & { size: number }> {
    this.requireNfs(share);
    const name = exportPath.slice(exportPath.indexOf(':') + 1).replace(/^\/+/, '');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new InvalidInput(`Export path '${exportPath}' does not name a share of backend ${this.backendName}.`);
    const from = `${name}${SHARE_SUFFIX}`;
    const img = this.image(share);
    if (name !== share.name) {
      await this.requireImage(from, 'Share');
      if (this.ganesha.exportOf(name)) throw new Conflict(`Share ${name} is exported by a managed share; unmanage it first.`);
      if (await this.pool.exists(img)) throw new Conflict(`Share image ${img} already exists on backend ${this.backendName}.`);
      await this.fs.unmount(join(this.mountDir, name));
      await rename(this.pool.path(from), this.pool.path(img));
    }
    await this.requireImage(img, 'Share');
    if (!(await this.fs.hasFilesystem(this.pool.path(img)))) throw new InvalidInput(`Share image ${img} holds no XFS filesystem.`);
    const size = Math.max(1, Math.ceil((await this.pool.size(img)) / GiB));
    await this.mountAndExport(share, []);
    // The share is accounted in whole GiB: its filesystem gets all of them.
    if (size * GiB > (await this.pool.size(img))) await this.fs.growToImage(this.pool.path(img), this.mountPoint(share), size);
    return { size, exportLocations: this.exportLocations(share), providerLocation: img };
  }

  /** Forgets the share: unexported and unmounted, its image kept under its name for a later manage. */
  async unmanage(share: DriverShare): Promise<void> {
    await this.unexportAndUnmount(share);
    this.applied.delete(share.name);
  }

  /** The export Ganesha holds for a share (tests and diagnostics). */
  exportOf(share: DriverShare): GaneshaExport | null {
    return this.ganesha.exportOf(share.name);
  }

  async shutdown(): Promise<void> {
    if (!this.opt.bool('ganesha_stop_on_shutdown')) { this.ganesha.detach(); return; }
    await this.ganesha.stop();
    for (const name of this.applied.keys()) await this.fs.unmount(join(this.mountDir, name)).catch(() => undefined);
    // Shares mounted by an earlier process are unmounted too: the mount dir holds only ours.
    for (const name of await readdir(this.mountDir).catch(() => [] as string[])) await this.fs.unmount(join(this.mountDir, name)).catch(() => undefined);
    this.applied.clear();
    await this.pool.unmount();
  }
}
