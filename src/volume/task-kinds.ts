// The durable operations of the block service and their payloads.
import type { Connector } from '../drivers/interface/objects.js';
import type { BackupAccessPayloads } from '../protocols/backup-access.js';

export interface TaskPayloads extends BackupAccessPayloads {
  /** Scheduler: place a new volume, then hand it to its backend's manager. */
  schedule_volume: {
    reservation: string; excludeHosts: string[]; hints: { sameHost?: string[]; differentHost?: string[] }; imagePath: string | null;
    /** Why the previous backend failed, when this is a retry. */
    lastError?: string;
  };
  create_volume: { reservation: string; excludeHosts: string[]; imagePath: string | null };
  delete_volume: { cascade: boolean; reservation: string };
  extend_volume: { newSize: number; oldSize: number; reservation: string; previousStatus: string };
  create_snapshot: { reservation: string };
  delete_snapshot: { reservation: string };
  revert_to_snapshot: { snapshotId: string };
  initialize_connection: { connector: Connector; attachmentId: string | null };
  terminate_connection: {
    connector: Connector | null; attachmentId: string | null;
    /** After the last legacy detach: remove the export if the volume is still unused (no driver terminate). */
    exportOnly?: boolean;
    /** Drop the attachment row when the access is revoked (attachment delete). */
    dropAttachment?: boolean;
  };
  manage_volume: { ref: Record<string, string>; reservation: string };
  unmanage_volume: { reservation: string };
  /** Adopt the backend snapshot `ref` names; the gigabytes are counted once it is measured. */
  manage_snapshot: { ref: Record<string, string>; reservation: string };
  unmanage_snapshot: { reservation: string };
  /** GET /manageable_volumes: the backend's objects, answered by its manager wherever it runs. */
  list_manageable_volumes: Record<string, never>;
  /** GET /manageable_snapshots: the backend's snapshots, the same way. */
  list_manageable_snapshots: Record<string, never>;
  /**
   * Retype (newTypeId set) and/or migrate (destHost set) on the source backend: in place by
   * the driver's Retype, across backends by its Migrate. The status goes back to
   * previousStatus at the end; the reservation moves the per-type quota.
   */
  move_volume: { newTypeId: string | null; destHost: string | null; reservation: string; previousStatus: string };
  /** 3.68 os-reimage: write the image over the volume's data. */
  reimage_volume: { imagePath: string; previousStatus: string };
  upload_image: { imagePath: string; diskFormat: string; previousStatus: string; /** The reserved image row (absent in tasks queued before images had owners). */ imageId?: string };
  /** Scheduler: pick the backend of a new group, then hand it to that backend's manager. */
  schedule_group: { reservation: string };
  create_group: { reservation: string };
  /** Deletes the group and the volumes named (those the API moved to deleting with it). */
  delete_group: { reservation: string; volumeIds: string[] };
  update_group: { add: string[]; remove: string[] };
  /** Replication of a group's volumes: enable, disable or fail over (3.38). */
  group_replication: { action: 'enable' | 'disable' | 'failover'; secondaryBackendId: string | null };
  create_group_snapshot: { reservation: string };
  delete_group_snapshot: { reservation: string };
}

export type TaskKind = keyof TaskPayloads;
