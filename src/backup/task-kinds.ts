// The durable operations of the backup service and their payloads (queue BACKUP_QUEUE).

export const BACKUP_QUEUE = 'backup';

export interface BackupTaskPayloads {
  /** Read the volume (`backing-up`, back to `previousStatus` after) into the backup driver. */
  create_backup: { reservation: string; previousStatus: string; useTemporary: boolean };
  /** Remove the backup's objects; the reservation holds the negative usage. */
  delete_backup: { reservation: string };
  /** Write the backup onto volume `volumeId` (`restoring-backup`, back to available after). */
  restore_backup: { volumeId: string };
}

export type BackupTaskKind = keyof BackupTaskPayloads;
