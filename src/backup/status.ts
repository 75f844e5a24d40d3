// The backup status machine (Cinder's names) and the statuses each action may start from.

export const BACKUP_STATUSES = ['creating', 'available', 'deleting', 'error', 'error_deleting', 'restoring', 'error_restoring'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/** Statuses an admin may set with os-reset_status (as Cinder: only these two). */
export const RESETTABLE_STATUSES = ['available', 'error'] as const;

export const BACKUP_ALLOWED_FROM = {
  delete: ['available', 'error'],
  forceDelete: ['available', 'error', 'creating', 'restoring', 'error_deleting', 'error_restoring'],
  restore: ['available'],
} as const satisfies Record<string, readonly string[]>;

/** Volume statuses a backup may read from: available, or in-use with force (from a temporary clone). */
export const VOLUME_BACKUP_FROM = ['available'] as const;
export const VOLUME_BACKUP_FROM_FORCE = ['available', 'in-use'] as const;
