// delete_backup: the driver removes the backup's objects (idempotent; kept while another
// backup's record names the very same objects), then in one
// transaction the row goes, its parent counts one dependent fewer, and the usage is given
// back. A failure leaves error_deleting and returns the reservation.
import type { TaskRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { TaskHandler } from '../../tasks/worker.js';
import { nowIso } from '../../util/clock.js';
import type { BackupTaskPayloads } from '../task-kinds.js';
import { toDriverBackup, userError, type BackupDeps } from './backup-context.js';

export function deleteBackupHandler(d: BackupDeps): TaskHandler {
  return {
    async run(task: TaskRow) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['delete_backup'];
      const row = await d.db.kysely.selectFrom('backups').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
      if (!row || row.status !== 'deleting') {
        await inTransaction(d.db, (tx) => d.tasks.complete(tx, task));
        return;
      }
      // A record imported under a new id (Tempest's export/import test does so) names the same
      // objects as the backup it came from: while another backup names them, only the row goes.
      const sharing = row.serviceMetadata === null ? undefined : await d.db.kysely.selectFrom('backups').select('id')
        .where('serviceMetadata', '=', row.serviceMetadata).where('id', '!=', row.id).executeTakeFirst();
      if (sharing) d.logger.info({ backup: row.id, sharedWith: sharing.id }, 'backup data shared with another backup: kept');
      else await d.driver.deleteBackup(await toDriverBackup(d.db, row));
      await inTransaction(d.db, async (tx) => {
        const gone = await tx.deleteFrom('backups').where('id', '=', row.id).where('status', '=', 'deleting').executeTakeFirst();
        if (Number(gone.numDeletedRows) > 0) {
          await tx.deleteFrom('backupMetadata').where('resourceId', '=', row.id).execute();
          if (row.parentId) {
            await tx.updateTable('backups').set((eb) => ({ numDependentBackups: eb('numDependentBackups', '-', 1), updatedAt: nowIso() }))
              .where('id', '=', row.parentId).where('numDependentBackups', '>', 0).execute();
          }
          await d.quotas.commit(tx, payload.reservation);
        } else {
          await d.quotas.rollback(tx, payload.reservation);
        }
        await d.tasks.complete(tx, task);
      });
    },
    async giveUp(task: TaskRow, error: unknown) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['delete_backup'];
      const text = userError(error);
      d.logger.error({ task: task.id, backup: task.resourceId, error: text }, 'backup delete failed');
      await inTransaction(d.db, async (tx) => {
        const b = await tx.updateTable('backups').set({ status: 'error_deleting', failReason: text.slice(0, 2000), updatedAt: nowIso() })
          .where('id', '=', task.resourceId).where('status', '=', 'deleting').returningAll().executeTakeFirst();
        await d.quotas.rollback(tx, payload.reservation);
        if (b) await recordUserMessage(tx, { projectId: b.projectId, resourceType: 'VOLUME_BACKUP', resourceUuid: b.id, eventId: 'VOLUME_BACKUP_001_003', userMessage: `Delete backup failed: ${text}` });
        await d.tasks.fail(tx, task, text, error);
      });
    },
  };
}
