// Share, snapshot and share server status machines (Manila's names) and which statuses each
// action may start from.

export const SHARE_STATUSES = [
  'creating', 'available', 'deleting', 'error', 'error_deleting', 'extending', 'extending_error', 'shrinking',
  'shrinking_error', 'shrinking_possible_data_loss_error', 'reverting', 'reverting_error', 'managing', 'manage_error',
  'unmanaging', 'unmanage_error', 'inactive',
] as const;
export type ShareStatus = (typeof SHARE_STATUSES)[number];

export const SHARE_SNAPSHOT_STATUSES = [
  'creating', 'available', 'deleting', 'error', 'error_deleting', 'restoring', 'manage_starting', 'manage_error',
  'unmanage_starting', 'unmanage_error',
] as const;

export const SHARE_SERVER_STATUSES = ['creating', 'active', 'deleting', 'error'] as const;

/** Statuses an operation may start from. */
export const SHARE_ALLOWED_FROM = {
  delete: ['available', 'error', 'inactive', 'extending_error', 'shrinking_error', 'reverting_error', 'manage_error', 'unmanage_error', 'shrinking_possible_data_loss_error'],
  forceDelete: SHARE_STATUSES.filter((s) => s !== 'deleting'),
  extend: ['available'],
  shrink: ['available'],
  revert: ['available'],
  snapshot: ['available'],
  access: ['available'],
  unmanage: ['available', 'error', 'manage_error', 'unmanage_error'],
  softDelete: ['available', 'error', 'inactive', 'extending_error', 'shrinking_error', 'reverting_error'],
  snapshotDelete: ['available', 'error', 'error_deleting'],
  snapshotUnmanage: ['available', 'error', 'manage_error', 'unmanage_error'],
} as const satisfies Record<string, readonly string[]>;

/** Statuses reset_status may set (Manila's policy). */
export const SHARE_RESETTABLE = ['available', 'error', 'creating', 'deleting', 'error_deleting', 'extending', 'extending_error', 'shrinking', 'shrinking_error', 'managing', 'manage_error', 'unmanaging', 'unmanage_error', 'reverting', 'reverting_error', 'inactive'];
export const SNAPSHOT_RESETTABLE = ['available', 'error', 'creating', 'deleting', 'error_deleting', 'restoring', 'manage_starting', 'manage_error', 'unmanage_starting', 'unmanage_error'];
