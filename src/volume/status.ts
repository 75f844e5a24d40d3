// Volume and snapshot status machines (Cinder's names) and which statuses each action
// may start from.

export const VOLUME_STATUSES = [
  'creating', 'available', 'reserved', 'attaching', 'in-use', 'detaching', 'extending', 'deleting', 'error',
  'error_deleting', 'error_extending', 'error_restoring', 'downloading', 'uploading', 'retyping', 'backing-up',
  'restoring-backup', 'maintenance', 'managing', 'error_managing', 'reverting', 'awaiting-transfer',
] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];

export const SNAPSHOT_STATUSES = [
  'creating', 'available', 'deleting', 'error', 'error_deleting', 'restoring', 'backing-up', 'unmanaging',
] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

export const ATTACH_STATUSES = ['attached', 'attaching', 'detached', 'reserved', 'detaching', 'error_attaching', 'error_detaching'] as const;

/** Statuses an operation may start from. */
export const ALLOWED_FROM = {
  delete: ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'],
  forceDelete: [...VOLUME_STATUSES].filter((s) => s !== 'deleting'),
  extend: ['available'],
  extendOnline: ['in-use'],
  snapshot: ['available'],
  snapshotForce: ['available', 'in-use'],
  revert: ['available'],
  clone: ['available', 'in-use'],
  reserve: ['available'],
  reserveMulti: ['available', 'in-use'],
  unreserve: ['attaching', 'reserved'],
  beginDetaching: ['in-use'],
  rollDetaching: ['detaching'],
  unmanage: ['available', 'error', 'error_managing'],
  upload: ['available'],
  uploadForce: ['available', 'in-use'],
  snapshotDelete: ['available', 'error', 'error_deleting'],
  /** Cinder's delete_snapshot with unmanage_only: available or error. */
  snapshotUnmanage: ['available', 'error'],
  /** A snapshot is managed for a volume in these statuses (Cinder's forced snapshot). */
  snapshotManage: ['available', 'in-use'],
} as const satisfies Record<string, readonly string[]>;

/** Statuses in which nothing is in progress (what crash recovery must end in). */
export const TERMINAL_VOLUME_STATUSES: readonly string[] = [
  'available', 'in-use', 'error', 'error_deleting', 'error_extending', 'error_restoring', 'error_managing', 'reserved',
];
export const TERMINAL_SNAPSHOT_STATUSES: readonly string[] = ['available', 'error', 'error_deleting'];
