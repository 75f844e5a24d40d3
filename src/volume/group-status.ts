// Group and group snapshot status machines (Cinder's GroupStatus, GroupSnapshotStatus) and
// the statuses each group action may start from.

export const GROUP_STATUSES = ['creating', 'available', 'updating', 'deleting', 'error', 'error_deleting', 'in-use'] as const;
export const GROUP_SNAPSHOT_STATUSES = ['creating', 'available', 'deleting', 'error', 'error_deleting'] as const;

export const GROUP_ALLOWED_FROM = {
  delete: ['available', 'error'],
  update: ['available'],
  snapshot: ['available'],
  /** A group given as the source of another. */
  source: ['available'],
  replicate: ['available'],
  groupSnapshotDelete: ['available', 'error'],
  /** Volumes a group snapshot may be taken of. */
  snapshotVolume: ['available', 'in-use'],
  addVolume: ['available', 'in-use'],
  removeVolume: ['available', 'in-use', 'error', 'error_deleting'],
  deleteVolume: ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'],
} as const satisfies Record<string, readonly string[]>;

/** Group-type spec (and volume-type extra spec) that makes a group replicated. */
export const REPLICATION_SPEC = 'group_replication_enabled';
export const IS_TRUE = '<is> True';

/**
 * Replication status transitions of a group (Cinder's ReplicationStatus): the status each
 * action starts from, the one it shows while running and the one it ends in.
 */
export const GROUP_REPLICATION = {
  enable: { from: ['disabled'], during: 'enabling', to: 'enabled' },
  disable: { from: ['enabled', 'error'], during: 'disabling', to: 'disabled' },
  failover: { from: ['enabled', 'failed-over'], during: 'failing-over', to: 'failed-over' },
} as const;
export type GroupReplicationAction = keyof typeof GROUP_REPLICATION;
