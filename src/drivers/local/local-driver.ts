// The `local` volume driver: sparse raw files in a pool directory (a loop-mounted XFS image
// with reflink by default), exported over iSCSI by a target helper (tgtd by default) —
// Cinder's LVM driver with the tgtadm helper, without device-mapper.
import { EventEmitter } from 'node:events';
import { basename, join } from 'node:path';
import type { DriverContext, VolumeDriverCore } from '../interface/core.js';
import type {
  BackendVolumeObject, ConnectionInfo, Connector, DriverSnapshot, DriverVolume, ModelUpdate,
} from '../interface/objects.js';
import { POOL_DEFAULTS, type BackendStats } from '../interface/stats.js';
import { supportedOperations, type ProgressReporter } from '../interface/capabilities.js';
import { Options } from '../../config/options.js';
import { BackendError, BackendObjectNotFound, InvalidInput } from '../../errors/errors.js';
import { randomSecret } from '../../util/ids.js';
import {
  formatChapAuth, formatIscsiLocation, iscsiConnectionInfo, parseChapAuth, validateIscsiConnector, type ChapAuth,
} from '../../protocols/iscsi.js';
import type { TargetHelper } from '../../targets/target-helper.js';
import { makeTargetHelper } from '../../targets/target-factory.js';
import { copyImageToVolume, copyVolumeToImage } from '../../connector/volume-transfer.js';
import { LocalPool, localPoolFromOptions } from './local-pool.js';
import { LocalExports } from './local-exports.js';
import { wipeFile, type VolumeClear } from './volume-wipe.js';
import {
  listBackendVolumes, manageExisting, manageExistingGetSize, manageExistingSnapshot, manageExistingSnapshotGetSize, requireFile,
  unmanageSnapshot, volumeFiles, type LocalManageContext,
} from './local-manage.js';

const GiB = 1024 ** 3;
export const LOCAL_DRIVER_VERSION = '1.0.0';

export class LocalDriver implements VolumeDriverCore {
  readonly backendName: string;
  /** `target-restarted` after exports were replayed onto a restarted target; `target-down`. */
  readonly events = new EventEmitter();
  readonly pool: LocalPool;
  readonly target: TargetHelper;
  private readonly opt: Options;
  private readonly exports: LocalExports;
  private readonly manage: LocalManageContext;
  private readonly protocol: 'iscsi' | 'iser';

  constructor(private readonly ctx: DriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(ctx.options, ctx.backendName);
    this.protocol = this.opt.str('target_protocol') === 'iser' ? 'iser' : 'iscsi';
    this.pool = localPoolFromOptions(this.opt, ctx);
    this.target = makeTargetHelper({
      helper: this.opt.str('target_helper'), executor: ctx.executor, ip: this.opt.str('target_ip_address'),
      port: this.opt.int('target_port'), protocol: this.protocol, controlPort: this.controlPort(),
      targetFlags: this.opt.str('target_flags') === 'none' ? null : this.opt.str('target_flags'),
      logger: ctx.logger, tgtdManaged: this.opt.bool('tgtd_managed'), tgtdHealthIntervalMs: this.opt.int('tgtd_health_interval_ms'),
    });
    this.exports = new LocalExports(ctx.stateDir);
    this.manage = { pool: this.pool, target: this.target, opt: this.opt, backendName: this.backendName };
  }

  private controlPort(): number {
    const v = this.ctx.options['tgtd_control_port'];
    // tgtd accepts -C up to 32767; distinct portal ports still give distinct sockets.
    return v === null || v === undefined ? this.opt.int('target_port') % 32768 : Number(v);
  }

  async doSetup(): Promise<void> {
    await this.pool.setup();
    await this.exports.load();
    if (this.opt.str('target_flags') !== 'none' && !this.target.capabilities.directIo) {
      this.ctx.logger.warn({ helper: this.target.name }, 'target_flags is set but this target helper ignores backing-store flags');
    }
    await this.target.start({
      restarted: () => void this.handleTargetRestart(),
      down: () => this.events.emit('target-down'),
    });
  }

  async checkForSetupError(): Promise<void> {
    await this.pool.capacity().catch((e: Error) => { throw new BackendError(`Pool ${this.pool.dir} is not usable: ${e.message}`, { cause: e, publicDetail: 'the storage pool is not usable' }); });
    await this.target.listExports().catch((e: Error) => {
      throw new BackendError(`Target helper ${this.target.name} on ${this.target.portal} does not answer: ${e.message}`, { cause: e, publicDetail: 'the iSCSI target does not answer' });
    });
  }

  /**
   * Replays every export this process knows onto a target that lost them (tgtd restarted).
   * The supervisor calls it; the manager may too, after it ensureExport()s what it knows.
   */
  async handleTargetRestart(): Promise<void> {
    for (const volume of this.exports.replayable()) {
      try {
        await this.ensureExport(volume);
      } catch (e) {
        this.ctx.logger.error({ volume: volume.id, err: (e as Error).message }, 'could not re-export volume after target restart');
      }
    }
    this.events.emit('target-restarted');
  }

  async getVolumeStats(): Promise<BackendStats> {
    const cap = await this.pool.capacity();
    const files = await volumeFiles(this.pool, this.opt);
    let provisioned = 0;
    for (const f of files) provisioned += Math.ceil((await this.pool.size(f)) / GiB);
    return {
      volumeBackendName: this.opt.optStr('volume_backend_name') ?? this.backendName,
      vendorName: 'Open Source',
      driverVersion: LOCAL_DRIVER_VERSION,
      storageProtocol: this.protocol === 'iser' ? 'iSER' : 'iSCSI',
      operations: supportedOperations(this),
      pools: [{
        ...POOL_DEFAULTS,
        poolName: basename(this.pool.dir),
        capacity: { known: true, totalGiB: round2(cap.totalGiB), freeGiB: round2(cap.freeGiB) },
        provisionedCapacityGiB: provisioned,
        allocatedCapacityGiB: provisioned,
        thinProvisioningSupport: true,
        thickProvisioningSupport: false,
        maxOverSubscriptionRatio: this.opt.num('max_over_subscription_ratio'),
        reservedPercentage: this.opt.int('reserved_percentage'),
        // tgtd accepts several initiators on one target; extend re-adds the LUN live.
        multiattach: true,
        onlineExtendSupport: this.target.capabilities.onlineExtend,
        totalVolumes: files.length,
        capabilities: { reflink: this.pool.reflink, pool_filesystem: this.pool.fsType, target_helper: this.target.name },
      }],
      ...(this.pool.problem ? { problems: [this.pool.problem] } : {}),
    };
  }

  async createVolume(volume: DriverVolume): Promise<void> {
    await this.pool.createFile(volume.name, volume.size);
  }

  async deleteVolume(volume: DriverVolume): Promise<void> {
    if (!(await this.pool.exists(volume.name))) return;
    // Cinder's manager removes the export first too; never leave a target on a deleted file.
    await this.removeExport(volume);
    await this.wipeAndRemove(volume.name);
    await this.pool.setUnmanaged(volume.name, false);
  }

  private async wipeAndRemove(name: string): Promise<void> {
    await wipeFile(this.ctx.executor, this.pool.path(name), this.opt.str('volume_clear') as VolumeClear, this.opt.int('volume_clear_size'));
    await this.pool.remove(name);
  }

  private iqn(volume: DriverVolume): string {
    return `${this.opt.str('iscsi_target_prefix')}${volume.name}`;
  }

  /** Reuses the volume's recorded credentials so a repeated create/ensure keeps them. */
  private chapFor(volume: DriverVolume): ChapAuth | null {
    if (!this.opt.bool('use_chap_auth')) return null;
    const recorded = parseChapAuth(volume.providerAuth);
    if (recorded) return recorded;
    return {
      method: 'CHAP',
      username: this.opt.optStr('chap_username') ?? `flint${randomSecret(15)}`,
      secret: this.opt.optStr('chap_password') ?? randomSecret(20),
    };
  }

  async createExport(volume: DriverVolume, _connector: Connector | null = null): Promise<ModelUpdate> {
    if (!(await this.pool.exists(volume.name))) throw new BackendObjectNotFound(`Volume file ${volume.name} does not exist on backend ${this.backendName}.`);
    const chap = this.chapFor(volume);
    const loc = await this.target.createExport({ iqn: this.iqn(volume), path: this.pool.path(volume.name), chap });
    const update: ModelUpdate = {
      providerLocation: formatIscsiLocation({ portal: loc.portal, tpgt: loc.tpgt, iqn: loc.iqn, lun: loc.lun }),
      providerAuth: chap ? formatChapAuth(chap) : null,
    };
    await this.exports.remember({ ...volume, ...update } as DriverVolume);
    return update;
  }

  async ensureExport(volume: DriverVolume): Promise<ModelUpdate | void> {
    if (!volume.providerLocation) return;
    const update = await this.createExport(volume);
    for (const initiator of this.exports.initiators(volume.name)) await this.target.allowInitiator(this.iqn(volume), initiator);
    return update;
  }

  async removeExport(volume: DriverVolume): Promise<void> {
    await this.target.removeExport(this.iqn(volume));
    await this.exports.forget(volume.name);
  }

  validateConnector(connector: Connector): void {
    validateIscsiConnector(connector);
  }

  async initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> {
    validateIscsiConnector(connector);
    let v = volume;
    if (!v.providerLocation || !this.exports.has(v.name)) v = { ...v, ...(await this.createExport(v)) } as DriverVolume;
    await this.target.allowInitiator(this.iqn(v), connector.initiator!);
    await this.exports.allow(v.name, connector.initiator!);
    return iscsiConnectionInfo(v.id, v.providerLocation!, v.providerAuth, {
      protocol: this.protocol, discard: this.opt.bool('report_discard_supported'),
    });
  }

  async terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void> {
    const initiator = connector?.initiator ?? null;
    await this.target.denyInitiator(this.iqn(volume), initiator);
    await this.exports.deny(volume.name, initiator);
  }

  async createSnapshot(snapshot: DriverSnapshot): Promise<void> {
    await this.requireFile(snapshot.volume.name);
    await this.pool.copy(snapshot.volume.name, snapshot.name);
  }

  async deleteSnapshot(snapshot: DriverSnapshot): Promise<void> {
    if (await this.pool.exists(snapshot.name)) await this.wipeAndRemove(snapshot.name);
  }

  async createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
    if (volume.size < snapshot.volumeSize) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than the snapshot's ${snapshot.volumeSize} GiB.`);
    await this.requireFile(snapshot.name);
    await this.pool.copy(snapshot.name, volume.name, volume.size);
  }

  async createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<void> {
    if (volume.size < source.size) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than the source's ${source.size} GiB.`);
    await this.requireFile(source.name);
    await this.pool.copy(source.name, volume.name, volume.size);
  }

  async extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<void> {
    await this.requireFile(volume.name);
    if (newSizeGiB * GiB < (await this.pool.size(volume.name))) throw new InvalidInput(`New size ${newSizeGiB} GiB is smaller than the volume.`);
    await this.pool.resize(volume.name, newSizeGiB);
    // An exported LUN keeps its old size until tgtd re-reads it.
    if ((await this.target.listExports()).includes(this.iqn(volume))) {
      await this.target.refreshLunSize(this.iqn(volume), this.pool.path(volume.name));
    }
  }

  async revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
    await this.requireFile(snapshot.name);
    // In place, so an export holding the file open serves the reverted bytes; size stays the volume's.
    await this.pool.copy(snapshot.name, volume.name, volume.size);
  }

  manageExistingGetSize(_volume: DriverVolume, ref: Record<string, string>): Promise<number> {
    return manageExistingGetSize(this.manage, ref);
  }

  manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate> {
    return manageExisting(this.manage, volume, ref);
  }

  listBackendVolumes(): Promise<BackendVolumeObject[]> {
    return listBackendVolumes(this.manage);
  }

  manageExistingSnapshotGetSize(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<number> {
    return manageExistingSnapshotGetSize(this.manage, snapshot, ref);
  }

  manageExistingSnapshot(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<ModelUpdate | void> {
    return manageExistingSnapshot(this.manage, snapshot, ref);
  }

  unmanageSnapshot(snapshot: DriverSnapshot): Promise<void> {
    return unmanageSnapshot(this.manage, snapshot);
  }

  async unmanage(volume: DriverVolume): Promise<void> {
    await this.exports.forget(volume.name);
    if (await this.pool.exists(volume.name)) await this.pool.setUnmanaged(volume.name, true);
  }

  async localPath(volume: DriverVolume): Promise<string> {
    return this.pool.path(volume.name);
  }

  async copyVolumeData(source: DriverVolume, dest: DriverVolume): Promise<void> {
    await this.requireFile(source.name);
    await this.pool.copy(source.name, dest.name, dest.size);
  }

  async copyImageToVolume(volume: DriverVolume, imagePath: string, imageFormat: string, onProgress?: ProgressReporter): Promise<void> {
    await this.requireFile(volume.name);
    await copyImageToVolume(this.ctx.executor, imagePath, imageFormat, { kind: 'file', path: this.pool.path(volume.name), format: 'raw' }, { onProgress });
  }

  async copyVolumeToImage(volume: DriverVolume, imagePath: string, imageFormat: string, onProgress?: ProgressReporter): Promise<void> {
    await this.requireFile(volume.name);
    await copyVolumeToImage(this.ctx.executor, { kind: 'file', path: this.pool.path(volume.name), format: 'raw' }, imagePath, imageFormat, { onProgress });
  }

  async shutdown(): Promise<void> {
    if (!this.opt.bool('tgtd_stop_on_shutdown')) { await this.target.stop({ stopDaemon: false }); return; }
    await this.target.stop({ stopDaemon: true });
    await this.pool.unmount();
  }

  private requireFile(name: string): Promise<void> {
    return requireFile(this.pool, name, this.backendName);
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
