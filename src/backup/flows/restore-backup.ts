// restore_backup: export the target volume to this host, have the driver rebuild the backup's
// chain onto it (it verifies every checksum), flush, remove the export; then in one
// transaction the backup is available again and the volume available. A restore killed
// mid-way starts over after removing the export: writing the same bytes twice is harmless.
// A failure leaves the volume error_restoring (its bytes are partial) and the backup available.
import type { TaskRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import { mergeMetadata } from '../../db/repos/metadata.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { toFlintError } from '../../errors/errors.js';
import type { TaskHandler } from '../../tasks/worker.js';
import { nowIso } from '../../util/clock.js';
import { attachForBackup, detachForBackup, openAccess } from '../volume-access.js';
import type { BackupTaskPayloads } from '../task-kinds.js';
import { stepsOf, toDriverBackup, userError, type BackupDeps } from './backup-context.js';
import { throttled } from './progress.js';

const ATTACHING = 'attaching';

export function restoreBackupHandler(d: BackupDeps): TaskHandler {
  return {
    async run(task: TaskRow, owner: string) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['restore_backup'];
      const row = await d.db.kysely.selectFrom('backups').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
      const vol = await d.db.kysely.selectFrom('volumes').select(['id', 'host', 'status']).where('id', '=', payload.volumeId).executeTakeFirst();
      if (!row || row.status !== 'restoring' || !vol || vol.status !== 'restoring-backup') {
        await inTransaction(d.db, (tx) => d.tasks.complete(tx, task));
        return;
      }
      const detach = () => detachForBackup(d.access, vol, null)
        .catch((e) => d.logger.error({ backup: row.id, volume: vol.id, err: toFlintError(e).message }, 'removing the restore export failed'));
      if (stepsOf(task).includes(ATTACHING)) {
        d.logger.warn({ backup: row.id, attempt: task.attempts }, 'restore attempt after a crash: starting over');
        await detach();
      }
      await d.tasks.recordProgress(task.id, owner, [ATTACHING]);
      try {
        const access = await attachForBackup(d.access, vol, null, null);
        const device = await openAccess(d.access, access, false);
        try {
          await d.driver.restore(await toDriverBackup(d.db, row), device, throttled((p) => d.tasks.recordPercent(task.id, p)));
          await device.flush();
        } finally {
          await device.close();
        }
        await detachForBackup(d.access, vol, null);
      } catch (e) {
        await detach();
        await d.tasks.recordProgress(task.id, owner, []);
        throw e;
      }
      await inTransaction(d.db, async (tx) => {
        await tx.updateTable('backups').set({ status: 'available', updatedAt: nowIso() }).where('id', '=', row.id).where('status', '=', 'restoring').execute();
        const restored = await tx.updateTable('volumes').set({ status: 'available', updatedAt: nowIso() })
          .where('id', '=', vol.id).where('status', '=', 'restoring-backup').returning('id').executeTakeFirst();
        // The metadata the volume had when backed up comes back with its bytes (Cinder's volume_meta).
        if (restored && row.sourceVolumeMetadata) await mergeMetadata(tx, 'volumeMetadata', vol.id, JSON.parse(row.sourceVolumeMetadata) as Record<string, string>);
        await d.tasks.complete(tx, task);
      });
    },
    async giveUp(task: TaskRow, error: unknown) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['restore_backup'];
      const text = userError(error);
      d.logger.error({ task: task.id, backup: task.resourceId, error: text }, 'restore failed');
      await inTransaction(d.db, async (tx) => {
        const b = await tx.updateTable('backups').set({ status: 'available', failReason: text.slice(0, 2000), updatedAt: nowIso() })
          .where('id', '=', task.resourceId).where('status', '=', 'restoring').returningAll().executeTakeFirst();
        await tx.updateTable('volumes').set({ status: 'error_restoring', updatedAt: nowIso() }).where('id', '=', payload.volumeId).where('status', '=', 'restoring-backup').execute();
        if (b) await recordUserMessage(tx, { projectId: b.projectId, resourceType: 'VOLUME_BACKUP', resourceUuid: b.id, eventId: 'VOLUME_BACKUP_001_004', userMessage: `Restore backup failed: ${text}` });
        await d.tasks.fail(tx, task, text, error);
      });
    },
  };
}
