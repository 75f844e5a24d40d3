// Optional driver capabilities: one small interface each, with an `is()` guard.
// The manager branches on the guard; a missing capability is a NotSupported error
// naming the backend and the operation. Stats advertise `supportedOperations(driver)`.
import type { VolumeDriverCore } from './core.js';
import type { BackendSnapshotObject, BackendVolumeObject, Connector, DriverSnapshot, DriverVolume, ModelUpdate } from './objects.js';

type Guard<T> = { readonly operation: string; readonly methods: readonly string[]; is(d: VolumeDriverCore): d is VolumeDriverCore & T };

function guard<T>(operation: string, ...methods: string[]): Guard<T> {
  return {
    operation,
    methods,
    is: (d): d is VolumeDriverCore & T =>
      methods.every((m) => typeof (d as unknown as Record<string, unknown>)[m] === 'function'),
  };
}

export interface Snapshots {
  createSnapshot(snapshot: DriverSnapshot): Promise<ModelUpdate | void>;
  deleteSnapshot(snapshot: DriverSnapshot): Promise<void>;
}
export const Snapshots = guard<Snapshots>('snapshot', 'createSnapshot', 'deleteSnapshot');

export interface CreateFromSnapshot {
  /** `volume.size` may be larger than the snapshot's; the driver grows the result. */
  createVolumeFromSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate | void>;
}
export const CreateFromSnapshot = guard<CreateFromSnapshot>('create_from_snapshot', 'createVolumeFromSnapshot');

export interface Clone {
  /** `volume.size` may be larger than the source's; the driver grows the result. */
  createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate | void>;
}
export const Clone = guard<Clone>('clone', 'createClonedVolume');

export interface Extend {
  /** Online extend (attached volume) is advertised by the pool's `onlineExtendSupport`. */
  extendVolume(volume: DriverVolume, newSizeGiB: number): Promise<ModelUpdate | void>;
}
export const Extend = guard<Extend>('extend', 'extendVolume');

export interface RevertToSnapshot {
  revertToSnapshot(volume: DriverVolume, snapshot: DriverSnapshot): Promise<void>;
}
export const RevertToSnapshot = guard<RevertToSnapshot>('revert_to_snapshot', 'revertToSnapshot');

export interface Manage {
  /** Size in GiB (rounded up) of the object `ref` names; throws if it does not exist. */
  manageExistingGetSize(volume: DriverVolume, ref: Record<string, string>): Promise<number>;
  /** Take the object over as `volume` (renaming it when the backend names by id). */
  manageExisting(volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate | void>;
  /** Forget the volume; the backend object stays. */
  unmanage(volume: DriverVolume): Promise<void>;
}
export const Manage = guard<Manage>('manage', 'manageExistingGetSize', 'manageExisting', 'unmanage');

export interface ManageSnapshots {
  /** Size in GiB (rounded up) of the snapshot `ref` names, which must be a snapshot of `snapshot.volume`. */
  manageExistingSnapshotGetSize(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<number>;
  /** Take the backend snapshot over as `snapshot` (renaming it when the backend names by id). */
  manageExistingSnapshot(snapshot: DriverSnapshot, ref: Record<string, string>): Promise<ModelUpdate | void>;
  /** Forget the snapshot; the backend object stays. */
  unmanageSnapshot(snapshot: DriverSnapshot): Promise<void>;
}
export const ManageSnapshots = guard<ManageSnapshots>('manage_snapshot', 'manageExistingSnapshotGetSize', 'manageExistingSnapshot', 'unmanageSnapshot');

export interface ListBackendSnapshots {
  /** Every snapshot on the backend, managed or not, for manageable listing. */
  listBackendSnapshots(): Promise<BackendSnapshotObject[]>;
}
export const ListBackendSnapshots = guard<ListBackendSnapshots>('list_backend_snapshots', 'listBackendSnapshots');

export interface ListBackendVolumes {
  /** Every volume-like object on the backend, for reconciliation and manageable listing. */
  listBackendVolumes(): Promise<BackendVolumeObject[]>;
}
export const ListBackendVolumes = guard<ListBackendVolumes>('list_backend_volumes', 'listBackendVolumes');

export interface LocalPath {
  /** A path on this host where the volume's bytes can be read and written directly. */
  localPath(volume: DriverVolume): Promise<string>;
}
export const LocalPath = guard<LocalPath>('local_path', 'localPath');

export interface CopyVolumeData {
  /** Driver-optimised copy; the manager falls back to connector-based copy without it. */
  copyVolumeData(source: DriverVolume, dest: DriverVolume): Promise<void>;
}
export const CopyVolumeData = guard<CopyVolumeData>('copy_volume_data', 'copyVolumeData');

/** Percent done, 0..100, reported as a long copy goes. */
export type ProgressReporter = (percent: number) => void;

export interface ImageTransfer {
  /** Write an image file (`raw` or `qcow2`) onto the volume. */
  copyImageToVolume(volume: DriverVolume, imagePath: string, imageFormat: string, onProgress?: ProgressReporter): Promise<void>;
  /** Read the volume into a new image file of the given format. */
  copyVolumeToImage(volume: DriverVolume, imagePath: string, imageFormat: string, onProgress?: ProgressReporter): Promise<void>;
}
export const ImageTransfer = guard<ImageTransfer>('image_transfer', 'copyImageToVolume', 'copyVolumeToImage');

export interface Retype {
  /** Returns false when the change needs a migration instead. */
  retype(volume: DriverVolume, newExtraSpecs: Record<string, string>): Promise<boolean>;
}
export const Retype = guard<Retype>('retype', 'retype');

export interface Migrate {
  /** Backend-assisted migration; `[moved, update]`. `moved=false` asks for generic migration. */
  migrateVolume(volume: DriverVolume, destHost: string): Promise<[boolean, ModelUpdate | null]>;
}
export const Migrate = guard<Migrate>('migrate', 'migrateVolume');

export interface Groups {
  createGroup(groupId: string): Promise<ModelUpdate | void>;
  deleteGroup(groupId: string, volumes: DriverVolume[]): Promise<void>;
  updateGroup(groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void>;
  createGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void>;
  deleteGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void>;
}
export const Groups = guard<Groups>(
  'groups', 'createGroup', 'deleteGroup', 'updateGroup', 'createGroupSnapshot', 'deleteGroupSnapshot',
);

export interface Replication {
  failoverHost(volumes: DriverVolume[], secondaryId: string | null): Promise<{ activeBackendId: string }>;
  enableReplication(volume: DriverVolume): Promise<ModelUpdate | void>;
  disableReplication(volume: DriverVolume): Promise<ModelUpdate | void>;
}
export const Replication = guard<Replication>('replication', 'failoverHost', 'enableReplication', 'disableReplication');

export interface BackupHooks {
  /** A point-in-time source the backup service may read (e.g. a temporary snapshot path). */
  getBackupDevice(volume: DriverVolume): Promise<{ path: string; cleanup(): Promise<void> }>;
}
export const BackupHooks = guard<BackupHooks>('backup', 'getBackupDevice');

export interface AttachCallbacks {
  /** Called after a host attached, with the mountpoint it reports. */
  attachVolume(volume: DriverVolume, instanceUuid: string | null, hostName: string | null, mountpoint: string): Promise<void>;
  detachVolume(volume: DriverVolume, attachmentId: string): Promise<void>;
}
export const AttachCallbacks = guard<AttachCallbacks>('attach_callbacks', 'attachVolume', 'detachVolume');

export interface ValidateConnector {
  /** Throws InvalidInput naming the missing connector field (e.g. `initiator` for iSCSI). */
  validateConnector(connector: Connector): void;
}
export const ValidateConnector = guard<ValidateConnector>('validate_connector', 'validateConnector');

export const ALL_CAPABILITIES = [
  Snapshots, CreateFromSnapshot, Clone, Extend, RevertToSnapshot, Manage, ManageSnapshots, ListBackendSnapshots, ListBackendVolumes, LocalPath,
  CopyVolumeData, ImageTransfer, Retype, Migrate, Groups, Replication, BackupHooks, AttachCallbacks, ValidateConnector,
] as const;

/** The operation names a driver implements: what its stats advertise. */
export function supportedOperations(driver: VolumeDriverCore): string[] {
  return ALL_CAPABILITIES.filter((c) => c.is(driver)).map((c) => c.operation);
}
