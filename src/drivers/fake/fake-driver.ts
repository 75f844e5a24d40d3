// The `fake` volume driver: every capability over an in-memory store (FakeBackendStore),
// strict like a real array (it refuses what a real one would) and with fault injection.
import { BackendCapacityError, BackendError, BackendObjectNotFound, ConfigError, InvalidInput } from '../../errors/errors.js';
import { Options, type OptionValue } from '../../config/options.js';
import { COMMON_BACKEND_OPTIONS } from '../../config/driver-options.js';
import { sleep } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import { tmpdir } from 'node:os';
import type { DriverContext, VolumeDriverCore } from '../interface/core.js';
import * as Cap from '../interface/capabilities.js';
import { supportedOperations } from '../interface/capabilities.js';
import type {
  BackendVolumeObject, Connector, ConnectionInfo, DriverSnapshot, DriverVolume, ModelUpdate,
} from '../interface/objects.js';
import type { BackendStats, Capacity, PoolStats } from '../interface/stats.js';
import { POOL_DEFAULTS } from '../interface/stats.js';
import { FAKE_DRIVER_OPTIONS } from './fake-options.js';
import { FakeBackendStore, normalizeOperation, type FakeVolumeRecord } from './fake-backend-store.js';
import { connectionInfo, connectionKey, exportLocation, validateFakeConnector, type FakeProtocol } from './fake-connection.js';
import { readImage, writeBackupDevice, writeImage } from './fake-data.js';

/** The backend refuses a request that conflicts with what it holds (HTTP 409). */
export class FakeBackendConflict extends BackendError {
  override readonly code = 'backend_conflict';
  override readonly httpStatus = 409;
}

export type FakeDriverCapabilities = Cap.Snapshots & Cap.CreateFromSnapshot & Cap.Clone & Cap.Extend &
  Cap.RevertToSnapshot & Cap.Manage & Cap.ListBackendVolumes & Cap.CopyVolumeData & Cap.ImageTransfer &
  Cap.Retype & Cap.Migrate & Cap.Groups & Cap.Replication & Cap.BackupHooks & Cap.AttachCallbacks &
  Cap.ValidateConnector;

export class FakeDriver implements VolumeDriverCore, FakeDriverCapabilities {
  readonly backendName: string;
  readonly store: FakeBackendStore;
  private readonly opt: Options;
  private readonly protocol: FakeProtocol;
  private readonly pools: string[];
  private readonly alwaysFail: Set<string>;

  constructor(private readonly ctx: DriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(withDefaults(ctx.options), ctx.backendName);
    this.protocol = this.opt.str('fake_protocol') as FakeProtocol;
    this.pools = this.opt.list('fake_pools');
    this.alwaysFail = new Set(this.opt.list('fake_fail_operations').map(normalizeOperation));
    this.store = FakeBackendStore.get(ctx.backendName);
    this.disableCapabilities(this.opt.list('fake_disabled_capabilities'));
  }

  /** Hides the methods of each named capability, so its guard is false as for a driver without it. */
  private disableCapabilities(operations: string[]): void {
    for (const op of operations) {
      const cap = Cap.ALL_CAPABILITIES.find((c) => c.operation === op);
      if (!cap) {
        throw new ConfigError(`Option fake_disabled_capabilities in section [${this.backendName}]: unknown capability '${op}' (known: ${Cap.ALL_CAPABILITIES.map((c) => c.operation).join(', ')}).`);
      }
      for (const m of cap.methods) Object.defineProperty(this, m, { value: undefined, configurable: true });
    }
  }

  /** Fault injection and delays, run around every operation. */
  private async op<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    this.store.calls.push(normalizeOperation(name));
    const before = this.opt.int('fake_delay_ms');
    if (before > 0) await sleep(before);
    if (this.alwaysFail.has(normalizeOperation(name)) || this.store.takeFailure(name)) {
      throw new BackendError(`Injected failure of ${name} on fake backend ${this.backendName}.`, { retryable: true });
    }
    const result = await work();
    this.store.save();
    const after = this.opt.int('fake_delay_after_ms');
    if (after > 0) await sleep(after);
    return result;
  }

  private vol(id: string): FakeVolumeRecord {
    const v = this.store.volumes().get(id);
    if (!v) throw new BackendObjectNotFound(`Volume ${id} does not exist on fake backend ${this.backendName}.`);
    return v;
  }

  private poolOf(volume: DriverVolume): string {
    const pool = volume.host?.split('#')[1];
    if (pool === undefined) return this.pools[0]!;
    if (!this.pools.includes(pool)) throw new BackendError(`Pool ${pool} does not exist on fake backend ${this.backendName}.`);
    return pool;
  }

  private provisioned(pool: string): number {
    let sum = 0;
    for (const v of this.store.volumes().values()) if (v.pool === pool) sum += v.size;
    for (const f of this.store.foreign().values()) if (f.pool === pool) sum += f.size;
    return sum;
  }

  /** Refuses growth a real pool could not hold (thin: up to the over-subscription ratio). */
  private checkRoom(pool: string, extraGiB: number): void {
    if (this.opt.str('fake_capacity_mode') !== 'known' || extraGiB <= 0) return;
    const total = this.opt.int('fake_capacity_gib');
    const usable = total * (1 - this.opt.int('reserved_percentage') / 100);
    const limit = this.opt.bool('fake_thin_provisioning') ? usable * this.opt.num('max_over_subscription_ratio') : usable;
    if (this.provisioned(pool) + extraGiB > limit) {
      throw new BackendCapacityError(`Pool ${pool} of fake backend ${this.backendName} has no room for ${extraGiB} GiB more.`);
    }
  }

  /** Creates the record, or accepts a repeat of the same request (idempotent by Flint id). */
  private insert(volume: DriverVolume, data: Buffer): ModelUpdate | void {
    if (!Number.isInteger(volume.size) || volume.size < 1) throw new InvalidInput(`Volume size ${volume.size} must be a positive integer (GiB).`);
    const existing = this.store.volumes().get(volume.id);
    if (existing) {
      if (existing.size !== volume.size) {
        throw new FakeBackendConflict(`Volume ${volume.id} already exists on ${this.backendName} with size ${existing.size} GiB, not ${volume.size} GiB.`);
      }
      return;
    }
    if (this.store.foreign().has(volume.name)) throw new FakeBackendConflict(`An object named ${volume.name} already exists on ${this.backendName}.`);
    const pool = this.poolOf(volume);
    this.checkRoom(pool, volume.size);
    this.store.volumes().set(volume.id, {
      id: volume.id, name: volume.name, size: volume.size, pool, exported: false, providerLocation: null, providerAuth: null,
      connections: new Set(), data: Buffer.from(data), extraSpecs: { ...volume.extraSpecs }, groupId: null,
      replication: 'disabled', attachments: [], detachedAttachmentIds: [],
    });
  }

  private snap(snapshot: DriverSnapshot) {
    const s = this.store.snapshots().get(snapshot.id);
    if (!s) throw new BackendObjectNotFound(`Snapshot ${snapshot.id} does not exist on fake backend ${this.backendName}.`);
    return s;
  }

  // ---- core ----

  doSetup(): Promise<void> {
    return this.op('doSetup', () => this.store.attachFile(this.opt.optStr('fake_state_file')));
  }

  checkForSetupError(): Promise<void> {
    return this.op('checkForSetupError', () => {
      if (this.pools.length === 0) throw new InvalidInput(`fake_pools of backend ${this.backendName} must name at least one pool.`);
      if (new Set(this.pools).size !== this.pools.length) throw new InvalidInput(`fake_pools of backend ${this.backendName} names a pool twice.`);
    });
  }

  getVolumeStats(_refresh: boolean): Promise<BackendStats> {
    return this.op('getVolumeStats', () => ({
      volumeBackendName: this.opt.optStr('volume_backend_name') ?? this.backendName,
      vendorName: 'Flint',
      driverVersion: '1.0.0',
      storageProtocol: { fake: 'fake', iscsi: 'iSCSI', iser: 'iSER', fibre_channel: 'FC' }[this.protocol],
      operations: supportedOperations(this),
      pools: this.pools.map((p) => this.poolStats(p)),
    }));
  }

  private poolStats(pool: string): PoolStats {
    const mine = [...this.store.volumes().values()].filter((v) => v.pool === pool);
    const provisioned = this.provisioned(pool);
    const mode = this.opt.str('fake_capacity_mode');
    const thin = this.opt.bool('fake_thin_provisioning');
    const total = this.opt.int('fake_capacity_gib');
    // Thin pools only consume what was written; thick ones consume the full size.
    const usedGiB = thin
      ? Math.ceil(mine.reduce((n, v) => n + v.data.length, 0) / 2 ** 30)
      : provisioned;
    const capacity: Capacity = mode === 'known'
      ? { known: true, totalGiB: total, freeGiB: Math.max(0, total - usedGiB) }
      : { known: false, reason: mode as 'infinite' | 'unknown' };
    return {
      ...POOL_DEFAULTS,
      poolName: pool,
      capacity,
      provisionedCapacityGiB: provisioned,
      allocatedCapacityGiB: mine.reduce((n, v) => n + v.size, 0),
      thinProvisioningSupport: thin,
      thickProvisioningSupport: true,
      maxOverSubscriptionRatio: this.opt.num('max_over_subscription_ratio'),
      reservedPercentage: this.opt.int('reserved_percentage'),
      multiattach: true,
      // Flags follow the capabilities, which fake_disabled_capabilities may take away.
      onlineExtendSupport: Cap.Extend.is(this),
      totalVolumes: mine.length,
      ...(this.opt.optStr('filter_function') ? { filterFunction: this.opt.str('filter_function') } : {}),
      ...(this.opt.optStr('goodness_function') ? { goodnessFunction: this.opt.str('goodness_function') } : {}),
      capabilities: {
        fake_pool: pool, replication_enabled: Cap.Replication.is(this), consistent_group_snapshot_enabled: Cap.Groups.is(this) && Cap.Snapshots.is(this),
      },
    };
  }

  createVolume(volume: DriverVolume): Promise<ModelUpdate | void> {
    return this.op('createVolume', () => this.insert(volume, Buffer.alloc(0)));
  }

  deleteVolume(volume: DriverVolume): Promise<void> {
    return this.op('deleteVolume', () => {
      const v = this.store.volumes().get(volume.id);
      if (!v) return;
      const dependents = [...this.store.snapshots().values()].filter((s) => s.volumeId === volume.id);
      if (dependents.length > 0) {
        throw new FakeBackendConflict(`Volume ${volume.id} has ${dependents.length} snapshot(s) on ${this.backendName}; delete them first.`);
      }
      if (v.connections.size > 0) throw new FakeBackendConflict(`Volume ${volume.id} is still connected to ${[...v.connections].join(', ')}.`);
      this.store.volumes().delete(volume.id);
      if (v.groupId) this.store.groups().get(v.groupId)?.delete(volume.id);
    });
  }

  createExport(volume: DriverVolume, _connector: Connector | null): Promise<ModelUpdate | void> {
    return this.op('createExport', () => this.export(volume));
  }

  ensureExport(volume: DriverVolume): Promise<ModelUpdate | void> {
    return this.op('ensureExport', () => this.export(volume));
  }

  private export(volume: DriverVolume): ModelUpdate {
    const v = this.vol(volume.id);
    if (!v.exported || v.providerLocation === null) {
      const loc = exportLocation(this.protocol, this.opt, volume, v.pool);
      v.providerLocation = loc.providerLocation;
      v.providerAuth = loc.providerAuth;
      v.exported = true;
    }
    return { providerLocation: v.providerLocation, providerAuth: v.providerAuth };
  }

  removeExport(volume: DriverVolume): Promise<void> {
    return this.op('removeExport', () => {
      const v = this.store.volumes().get(volume.id);
      if (!v) return;
      v.exported = false;
      v.connections.clear();
    });
  }

  initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> {
    return this.op('initializeConnection', () => {
      validateFakeConnector(this.protocol, connector);
      const v = this.vol(volume.id);
      if (!v.exported || v.providerLocation === null) throw new BackendError(`Volume ${volume.id} is not exported; createExport comes first.`);
      const key = connectionKey(this.protocol, connector);
      if (!volume.multiattach && v.connections.size > 0 && !v.connections.has(key)) {
        throw new FakeBackendConflict(`Volume ${volume.id} is not multiattach and is already connected to ${[...v.connections].join(', ')}.`);
      }
      v.connections.add(key);
      const location = { providerLocation: volume.providerLocation ?? v.providerLocation, providerAuth: volume.providerAuth ?? v.providerAuth };
      return connectionInfo(this.protocol, this.opt, volume, connector, location, v.pool);
    });
  }

  terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void> {
    return this.op('terminateConnection', () => {
      const v = this.store.volumes().get(volume.id);
      if (!v) return;
      if (connector === null) v.connections.clear();
      else v.connections.delete(connectionKey(this.protocol, connector));
    });
  }

  async shutdown(): Promise<void> {
    this.store.save();
  }

  // ---- snapshots, clones, extend, revert ----

  createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate | void> {
    return this.op('createSnapshot', () => this.takeSnapshot(snapshot, null));
  }

  private takeSnapshot(snapshot: DriverSnapshot, groupSnapshotId: string | null): ModelUpdate {
    const existing = this.store.snapshots().get(snapshot.id);
    if (existing) {
      if (existing.volumeId !== snapshot.volume.id) throw new FakeBackendConflict(`Snapshot ${snapshot.id} exists for another volume.`);
      return { providerLocation: `fake-snapshot:${existing.name}` };
    }
    const v = this.vol(snapshot.volume.id);
    this.store.snapshots().set(snapshot.id, {
      id: snapshot.id, name: snapshot.name, volumeId: v.id, size: v.size, data: Buffer.from(v.data), groupSnapshotId,
    });
    return { providerLocation: `fake-snapshot:${snapshot.name}` };
  }

  deleteSnapshot(snapshot: DriverSnapshot): Promise<void> {
    return this.op('deleteSnapshot', () => { this.store.snapshots().delete(snapshot.id); });
  }

  createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate | void> {
    return this.op('createVolumeFromSnapshot', () => {
      const s = this.snap(snapshot);
      if (volume.size < s.size) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than snapshot ${snapshot.id} (${s.size} GiB).`);
      return this.insert(volume, s.data);
    });
  }

  createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate | void> {
    return this.op('createClonedVolume', () => {
      const src = this.vol(source.id);
      if (volume.size < src.size) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than source ${source.id} (${src.size} GiB).`);
      return this.insert(volume, src.data);
    });
  }

  extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<ModelUpdate | void> {
    return this.op('extendVolume', () => {
      const v = this.vol(volume.id);
      if (!Number.isInteger(newSizeGiB) || newSizeGiB < v.size) {
        throw new InvalidInput(`New size ${newSizeGiB} GiB must be an integer no smaller than ${v.size} GiB.`);
      }
      this.checkRoom(v.pool, newSizeGiB - v.size);
      v.size = newSizeGiB;
    });
  }

  revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
    return this.op('revertToSnapshot', () => {
      const v = this.vol(volume.id);
      const s = this.snap(snapshot);
      if (s.volumeId !== v.id) throw new InvalidInput(`Snapshot ${snapshot.id} does not belong to volume ${volume.id}.`);
      v.data = Buffer.from(s.data);
    });
  }

  // ---- manage / unmanage / listing ----

  /** Finds what `ref` names: `source-name` (backend name) or `source-id` (Flint id of a managed volume). */
  private lookup(ref: Record<string, string>): { size: number; foreignName: string | null; managedId: string | null } {
    const name = ref['source-name'];
    const id = ref['source-id'];
    if (!name && !id) throw new InvalidInput("A manage reference needs 'source-name' or 'source-id'.");
    if (name) {
      const f = this.store.foreign().get(name);
      if (f) return { size: f.size, foreignName: name, managedId: null };
      const v = [...this.store.volumes().values()].find((x) => x.name === name);
      if (v) return { size: v.size, foreignName: null, managedId: v.id };
    } else {
      const v = this.store.volumes().get(id!);
      if (v) return { size: v.size, foreignName: null, managedId: v.id };
    }
    throw new BackendObjectNotFound(`No object matching ${JSON.stringify(ref)} on fake backend ${this.backendName}.`);
  }

  manageExistingGetSize(_volume: DriverVolume, ref: Record<string, string>): Promise<number> {
    return this.op('manageExistingGetSize', () => this.lookup(ref).size);
  }

  manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate | void> {
    return this.op('manageExisting', () => {
      const found = this.lookup(ref);
      if (found.managedId === volume.id) return { size: found.size };
      if (found.managedId !== null) throw new FakeBackendConflict(`The object ${JSON.stringify(ref)} is already managed as volume ${found.managedId}.`);
      const f = this.store.foreign().get(found.foreignName!)!;
      this.store.foreign().delete(f.name);
      this.store.volumes().set(volume.id, {
        id: volume.id, name: volume.name, size: f.size, pool: f.pool, exported: false, providerLocation: null, providerAuth: null,
        connections: new Set(), data: f.data, extraSpecs: { ...volume.extraSpecs }, groupId: null, replication: 'disabled',
        attachments: [], detachedAttachmentIds: [],
      });
      return { size: f.size };
    });
  }

  unmanage(volume: DriverVolume): Promise<void> {
    return this.op('unmanage', () => {
      const v = this.store.volumes().get(volume.id);
      if (!v) return;
      this.store.volumes().delete(volume.id);
      this.store.foreign().set(v.name, { name: v.name, size: v.size, pool: v.pool, data: v.data });
    });
  }

  listBackendVolumes(): Promise<BackendVolumeObject[]> {
    return this.op('listBackendVolumes', () => [
      ...[...this.store.volumes().values()].map((v) => ({
        reference: { 'source-name': v.name }, sizeGiB: v.size, flintId: v.id, safeToManage: false, reasonNotSafe: 'already managed',
      })),
      ...[...this.store.foreign().values()].map((f) => {
        const id = f.name.startsWith('volume-') ? f.name.slice('volume-'.length) : '';
        return { reference: { 'source-name': f.name }, sizeGiB: f.size, flintId: isUuid(id) ? id : null, safeToManage: true, reasonNotSafe: null };
      }),
    ]);
  }

  // ---- data movement ----

  copyVolumeData(source: DriverVolume, dest: DriverVolume): Promise<void> {
    return this.op('copyVolumeData', () => {
      const s = this.vol(source.id);
      const d = this.vol(dest.id);
      if (d.size < s.size) throw new InvalidInput(`Destination ${dest.id} (${d.size} GiB) is smaller than source ${source.id} (${s.size} GiB).`);
      d.data = Buffer.from(s.data);
    });
  }

  copyImageToVolume(volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> {
    return this.op('copyImageToVolume', async () => {
      const v = this.vol(volume.id);
      v.data = await readImage(this.ctx.executor, imagePath, imageFormat, v.size);
    });
  }

  copyVolumeToImage(volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> {
    return this.op('copyVolumeToImage', async () => {
      const v = this.vol(volume.id);
      await writeImage(this.ctx.executor, v.data, v.size, imagePath, imageFormat);
    });
  }

  getBackupDevice(volume: DriverVolume): Promise<{ path: string; cleanup(): Promise<void> }> {
    return this.op('getBackupDevice', () => {
      const v = this.vol(volume.id);
      return writeBackupDevice(this.ctx.stateDir || tmpdir(), v.id, v.data, v.size);
    });
  }

  retype(volume: DriverVolume, newExtraSpecs: Record<string, string>): Promise<boolean> {
    return this.op('retype', () => {
      const v = this.vol(volume.id);
      // A pool change cannot happen in place; the manager must migrate instead.
      const wantPool = newExtraSpecs['fake:pool'];
      if ((wantPool && wantPool !== v.pool) || newExtraSpecs['fake:requires_migration'] === 'true') return false;
      v.extraSpecs = { ...newExtraSpecs };
      return true;
    });
  }

  migrateVolume(volume: DriverVolume, destHost: string): Promise<[boolean, ModelUpdate | null]> {
    return this.op('migrateVolume', (): [boolean, ModelUpdate | null] => {
      const v = this.vol(volume.id);
      const match = /^[^@#]+@([^#]+)(?:#(.+))?$/.exec(destHost);
      if (!match) throw new InvalidInput(`Destination host '${destHost}' is not host@backend#pool.`);
      const [, destBackend, destPool] = match as unknown as [string, string, string | undefined];
      const hasSnapshots = [...this.store.snapshots().values()].some((s) => s.volumeId === v.id);
      if (hasSnapshots || v.connections.size > 0) return [false, null];
      if (destBackend === this.backendName) {
        if (!destPool || !this.pools.includes(destPool)) return [false, null];
        this.checkRoom(destPool, v.size);
        v.pool = destPool;
        return [true, null];
      }
      // Assisted migration between two fake backends of this process: move the object over.
      if (!FakeBackendStore.has(destBackend)) return [false, null];
      const dest = FakeBackendStore.get(destBackend);
      if (dest.volumes().has(v.id)) return [false, null];
      this.store.volumes().delete(v.id);
      if (v.groupId) this.store.groups().get(v.groupId)?.delete(v.id);
      dest.volumes().set(v.id, { ...v, pool: destPool ?? 'pool0', exported: false, providerLocation: null, providerAuth: null, groupId: null });
      dest.save();
      return [true, { providerLocation: null, providerAuth: null }];
    });
  }

  // ---- groups ----

  createGroup(groupId: string): Promise<ModelUpdate | void> {
    return this.op('createGroup', () => {
      if (!this.store.groups().has(groupId)) this.store.groups().set(groupId, new Set());
    });
  }

  deleteGroup(groupId: string, volumes: DriverVolume[]): Promise<void> {
    return this.op('deleteGroup', () => {
      for (const vol of volumes) {
        if ([...this.store.snapshots().values()].some((s) => s.volumeId === vol.id)) {
          throw new FakeBackendConflict(`Volume ${vol.id} of group ${groupId} has snapshots.`);
        }
      }
      for (const vol of volumes) this.store.volumes().delete(vol.id);
      this.store.groups().delete(groupId);
    });
  }

  updateGroup(groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void> {
    return this.op('updateGroup', () => {
      const members = this.store.groups().get(groupId);
      if (!members) throw new BackendObjectNotFound(`Group ${groupId} does not exist on fake backend ${this.backendName}.`);
      for (const vol of add) {
        const v = this.vol(vol.id);
        if (v.groupId && v.groupId !== groupId) throw new FakeBackendConflict(`Volume ${vol.id} already belongs to group ${v.groupId}.`);
      }
      for (const vol of add) { this.vol(vol.id).groupId = groupId; members.add(vol.id); }
      for (const vol of remove) {
        const v = this.store.volumes().get(vol.id);
        if (v?.groupId === groupId) v.groupId = null;
        members.delete(vol.id);
      }
    });
  }

  createGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
    return this.op('createGroupSnapshot', () => {
      for (const s of snapshots) this.vol(s.volume.id);
      for (const s of snapshots) this.takeSnapshot(s, groupSnapshotId);
    });
  }

  deleteGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
    return this.op('deleteGroupSnapshot', () => {
      for (const s of snapshots) this.store.snapshots().delete(s.id);
      for (const [id, s] of this.store.snapshots()) if (s.groupSnapshotId === groupSnapshotId) this.store.snapshots().delete(id);
    });
  }

  // ---- replication ----

  failoverHost(_volumes: DriverVolume[], secondaryId: string | null): Promise<{ activeBackendId: string }> {
    return this.op('failoverHost', () => {
      const targets = this.opt.list('fake_replication_targets');
      const target = secondaryId ?? targets[0];
      if (target === undefined) throw new InvalidInput(`Backend ${this.backendName} has no replication targets.`);
      if (target !== 'default' && !targets.includes(target)) {
        throw new InvalidInput(`Unknown replication target '${target}' (known: ${['default', ...targets].join(', ')}).`);
      }
      this.store.activeBackendId = target;
      return { activeBackendId: target };
    });
  }

  enableReplication(volume: DriverVolume): Promise<ModelUpdate | void> {
    return this.op('enableReplication', () => { this.vol(volume.id).replication = 'enabled'; });
  }

  disableReplication(volume: DriverVolume): Promise<ModelUpdate | void> {
    return this.op('disableReplication', () => { this.vol(volume.id).replication = 'disabled'; });
  }

  // ---- attach callbacks, connector validation ----

  attachVolume(volume: DriverVolume, instanceUuid: string | null, hostName: string | null, mountpoint: string): Promise<void> {
    return this.op('attachVolume', () => { this.vol(volume.id).attachments.push({ instanceUuid, hostName, mountpoint }); });
  }

  detachVolume(volume: DriverVolume, attachmentId: string): Promise<void> {
    return this.op('detachVolume', () => {
      const v = this.store.volumes().get(volume.id);
      if (v && !v.detachedAttachmentIds.includes(attachmentId)) v.detachedAttachmentIds.push(attachmentId);
    });
  }

  validateConnector(connector: Connector): void {
    validateFakeConnector(this.protocol, connector);
  }
}

/** Option values with every common and fake default filled in (tests may pass a partial set). */
function withDefaults(values: Readonly<Record<string, OptionValue>>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const s of [...COMMON_BACKEND_OPTIONS, ...FAKE_DRIVER_OPTIONS]) out[s.name] = s.default === undefined ? null : s.default;
  return { ...out, ...values };
}

export const createFakeDriver = (ctx: DriverContext): FakeDriver => new FakeDriver(ctx);
