// What the backup service and a volume's manager say to each other, through the task queue,
// to read or write a volume for a backup or a restore: the manager exports the volume (or a
// temporary clone of an in-use one) to the backup host's connector and returns its connection
// info; afterwards it terminates, removes the export and deletes the temporary.
import type { ConnectionInfo, Connector } from './connection-info.js';

export const ATTACH_FOR_BACKUP = 'attach_for_backup';
export const DETACH_FOR_BACKUP = 'detach_for_backup';

/** A temporary clone's provider fields: what its driver needs to remove it again. */
export interface TemporaryVolume {
  id: string;
  providerLocation: string | null;
  providerAuth: string | null;
  providerId: string | null;
}

export interface BackupAccessPayloads {
  /**
   * Export the volume to `connector`; with `temporaryId`, a new temporary volume by that id
   * instead: a clone of the volume, or with `snapshotId` a volume made from that snapshot.
   */
  attach_for_backup: { connector: Connector; temporaryId: string | null; snapshotId?: string | null };
  /** Undo attach_for_backup; idempotent (a restart may ask twice, or for half-done work). */
  detach_for_backup: { connector: Connector; temporary: TemporaryVolume | null };
}

export interface BackupAccess {
  connectionInfo: ConnectionInfo;
  /** Set when a temporary clone was made: the backup service keeps it to remove the clone. */
  temporary: TemporaryVolume | null;
}
