// The `fake` volume driver: every capability over an in-memory store (FakeBackendStore),
// strict like a real array (it refuses what a real one would) and with fault injection.
// This class is the capability surface; each group's work lives in its own module over the
// shared FakeArray (fake-core, fake-snapshots, fake-manage, fake-movement, fake-groups).
import { ConfigError } from '../../errors/errors.js';
import type { DriverContext, VolumeDriverCore } from '../interface/core.js';
import * as Cap from '../interface/capabilities.js';
import type {
  BackendSnapshotObject, BackendVolumeObject, Connector, ConnectionInfo, DriverSnapshot, DriverVolume, ModelUpdate,
} from '../interface/objects.js';
import type { BackendStats } from '../interface/stats.js';
import type { FakeBackendStore } from './fake-backend-store.js';
import { FakeArray } from './fake-array.js';
import { validateFakeConnector } from './fake-connection.js';
import * as core from './fake-core.js';
import * as snaps from './fake-snapshots.js';
import * as manage from './fake-manage.js';
import * as manageSnaps from './fake-manage-snapshots.js';
import * as moves from './fake-movement.js';
import * as groups from './fake-groups.js';

export { FakeBackendConflict } from './fake-array.js';

export type FakeDriverCapabilities = Cap.Snapshots & Cap.CreateFromSnapshot & Cap.Clone & Cap.Extend &
  Cap.RevertToSnapshot & Cap.Manage & Cap.ManageSnapshots & Cap.ListBackendSnapshots & Cap.ListBackendVolumes & Cap.CopyVolumeData & Cap.ImageTransfer &
  Cap.Retype & Cap.Migrate & Cap.Groups & Cap.Replication & Cap.BackupHooks & Cap.AttachCallbacks &
  Cap.ValidateConnector;

export class FakeDriver implements VolumeDriverCore, FakeDriverCapabilities {
  readonly backendName: string;
  readonly store: FakeBackendStore;
  private readonly a: FakeArray;

  constructor(ctx: DriverContext) {
    this.a = new FakeArray(ctx);
    this.backendName = this.a.backendName;
    this.store = this.a.store;
    this.disableCapabilities(this.a.opt.list('fake_disabled_capabilities'));
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

  // ---- core ----
  doSetup(): Promise<void> { return core.doSetup(this.a); }
  checkForSetupError(): Promise<void> { return core.checkForSetupError(this.a); }
  getVolumeStats(_refresh: boolean): Promise<BackendStats> { return core.getVolumeStats(this.a, this); }
  createVolume(volume: DriverVolume): Promise<ModelUpdate | void> { return core.createVolume(this.a, volume); }
  deleteVolume(volume: DriverVolume): Promise<void> { return core.deleteVolume(this.a, volume); }
  createExport(volume: DriverVolume, _connector: Connector | null): Promise<ModelUpdate | void> { return core.exportVolume(this.a, 'createExport', volume); }
  ensureExport(volume: DriverVolume): Promise<ModelUpdate | void> { return core.exportVolume(this.a, 'ensureExport', volume); }
  removeExport(volume: DriverVolume): Promise<void> { return core.removeExport(this.a, volume); }
  initializeConnection(volume: DriverVolume, connector: Connector): Promise<ConnectionInfo> { return core.initializeConnection(this.a, volume, connector); }
  terminateConnection(volume: DriverVolume, connector: Connector | null): Promise<void> { return core.terminateConnection(this.a, volume, connector); }
  async shutdown(): Promise<void> { this.store.save(); }

  // ---- snapshots, clones, extend, revert ----
  createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate | void> { return snaps.createSnapshot(this.a, snapshot); }
  deleteSnapshot(snapshot: DriverSnapshot): Promise<void> { return snaps.deleteSnapshot(this.a, snapshot); }
  createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate | void> { return snaps.createVolumeFromSnapshot(this.a, volume, snapshot); }
  createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate | void> { return snaps.createClonedVolume(this.a, volume, source); }
  extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<ModelUpdate | void> { return snaps.extendVolume(this.a, volume, newSizeGiB); }
  revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> { return snaps.revertToSnapshot(this.a, volume, snapshot); }

  // ---- manage / unmanage / listing ----
  manageExistingGetSize(_volume: DriverVolume, ref: Record<string, string>): Promise<number> { return manage.manageExistingGetSize(this.a, ref); }
  manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate | void> { return manage.manageExisting(this.a, volume, ref); }
  unmanage(volume: DriverVolume): Promise<void> { return manage.unmanage(this.a, volume); }
  listBackendVolumes(): Promise<BackendVolumeObject[]> { return manage.listBackendVolumes(this.a); }
  manageExistingSnapshotGetSize(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<number> { return manageSnaps.manageExistingSnapshotGetSize(this.a, snapshot, ref); }
  manageExistingSnapshot(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<ModelUpdate | void> { return manageSnaps.manageExistingSnapshot(this.a, snapshot, ref); }
  unmanageSnapshot(snapshot: DriverSnapshot): Promise<void> { return manageSnaps.unmanageSnapshot(this.a, snapshot); }
  listBackendSnapshots(): Promise<BackendSnapshotObject[]> { return manageSnaps.listBackendSnapshots(this.a); }

  // ---- data movement, retype, migration ----
  copyVolumeData(source: DriverVolume, dest: DriverVolume): Promise<void> { return moves.copyVolumeData(this.a, source, dest); }
  copyImageToVolume(volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> { return moves.copyImageToVolume(this.a, volume, imagePath, imageFormat); }
  copyVolumeToImage(volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> { return moves.copyVolumeToImage(this.a, volume, imagePath, imageFormat); }
  getBackupDevice(volume: DriverVolume): Promise<{ path: string; cleanup(): Promise<void> }> { return moves.getBackupDevice(this.a, volume); }
  retype(volume: DriverVolume, newExtraSpecs: Record<string, string>): Promise<boolean> { return moves.retype(this.a, volume, newExtraSpecs); }
  migrateVolume(volume: DriverVolume, destHost: string): Promise<[boolean, ModelUpdate | null]> { return moves.migrateVolume(this.a, volume, destHost); }

  // ---- groups, replication, attach callbacks ----
  createGroup(groupId: string): Promise<ModelUpdate | void> { return groups.createGroup(this.a, groupId); }
  deleteGroup(groupId: string, volumes: DriverVolume[]): Promise<void> { return groups.deleteGroup(this.a, groupId, volumes); }
  updateGroup(groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void> { return groups.updateGroup(this.a, groupId, add, remove); }
  createGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> { return groups.createGroupSnapshot(this.a, groupSnapshotId, snapshots); }
  deleteGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> { return groups.deleteGroupSnapshot(this.a, groupSnapshotId, snapshots); }
  failoverHost(_volumes: DriverVolume[], secondaryId: string | null): Promise<{ activeBackendId: string }> { return groups.failoverHost(this.a, secondaryId); }
  enableReplication(volume: DriverVolume): Promise<ModelUpdate | void> { return groups.setReplication(this.a, volume, 'enabled'); }
  disableReplication(volume: DriverVolume): Promise<ModelUpdate | void> { return groups.setReplication(this.a, volume, 'disabled'); }
  attachVolume(volume: DriverVolume, instanceUuid: string | null, hostName: string | null, mountpoint: string): Promise<void> {
    return groups.attachVolume(this.a, volume, instanceUuid, hostName, mountpoint);
  }
  detachVolume(volume: DriverVolume, attachmentId: string): Promise<void> { return groups.detachVolume(this.a, volume, attachmentId); }
  validateConnector(connector: Connector): void { validateFakeConnector(this.a.protocol, connector); }
}

export const createFakeDriver = (ctx: DriverContext): FakeDriver => new FakeDriver(ctx);
