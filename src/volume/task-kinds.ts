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
  /** GET /manageable_volumes: the backend's objects, answered by its manager wherever it runs. */
  list_manageable_volumes: Record<string, never>;
  upload_image: { imagePath: string; diskFormat: string; previousStatus: string; /** The reserved image row (absent in tasks queued before images had owners). */ imageId?: string };
}

export type TaskKind = keyof TaskPayloads;
