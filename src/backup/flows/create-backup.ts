// create_backup: export the volume (or a temporary clone / volume from a snapshot) to this
// host, stream it into the backup driver, remove the export and the temporary, then in one
// transaction make the backup available, give the volume its previous status back and turn
// the quota reservation into usage. A new attempt after a crash first removes what the dead
// one left (the export, the temporary, the partial objects) and starts over: a backup is
// resumed from the beginning, never from a half-written object.
import type { BackupRow, TaskRow } from '../../db/schema.js';
import { ClaimLost } from '../../tasks/task-queue.js';
import { inTransaction } from '../../db/transaction.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { toFlintError } from '../../errors/errors.js';
import type { TemporaryVolume } from '../../protocols/backup-access.js';
import type { TaskHandler } from '../../tasks/worker.js';
import { nowIso } from '../../util/clock.js';
import { attachForBackup, detachForBackup, openAccess } from '../volume-access.js';
import type { BackupTaskPayloads } from '../task-kinds.js';
import { stepsOf, toDriverBackup, userError, type BackupDeps } from './backup-context.js';
import { throttled } from './progress.js';

const ATTACHING = 'attaching';

async function loadRow(d: BackupDeps, id: string, status: string): Promise<BackupRow | null> {
  const row = await d.db.kysely.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
  return row && row.status === status ? row : null;
}

function temporaryOf(row: BackupRow): TemporaryVolume | null {
  if (!row.tempVolumeId) return null;
  if (row.tempVolumeProvider) return JSON.parse(row.tempVolumeProvider) as TemporaryVolume;
  return { id: row.tempVolumeId, providerLocation: null, providerAuth: null, providerId: null };
}

/** Undo what an attempt did: the export (and temporary), then the partial objects. Each part runs whatever the other did. */
export async function undoAttempt(d: BackupDeps, row: BackupRow, attached: boolean): Promise<void> {
  const vol = await d.db.kysely.selectFrom('volumes').select(['id', 'host']).where('id', '=', row.volumeId).executeTakeFirst();
  if (attached && vol) {
    await detachForBackup(d.access, vol, temporaryOf(row))
      .catch((e) => d.logger.error({ backup: row.id, err: toFlintError(e).message }, 'removing the backup export failed'));
  }
  await d.driver.deleteBackup({ ...(await toDriverBackup(d.db, row)), serviceMetadata: null });
}

export function createBackupHandler(d: BackupDeps): TaskHandler {
  return {
    async run(task: TaskRow, owner: string) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['create_backup'];
      let row = await loadRow(d, task.resourceId, 'creating');
      if (!row) {
        await inTransaction(d.db, (tx) => d.tasks.complete(tx, task));
        return;
      }
      if (stepsOf(task).length > 0) {
        d.logger.warn({ backup: row.id, attempt: task.attempts }, 'backup attempt after a crash: removing what the last one left, starting over');
        await undoAttempt(d, row, stepsOf(task).includes(ATTACHING));
        await d.db.kysely.updateTable('backups').set({ tempVolumeProvider: null, updatedAt: nowIso() }).where('id', '=', row.id).execute();
        await d.tasks.recordProgress(task.id, owner, []);
      }
      const vol = await d.db.kysely.selectFrom('volumes').select(['id', 'host']).where('id', '=', row.volumeId).executeTakeFirstOrThrow();
      // Recorded before asking, so a crash during the export still leads to its removal.
      await d.tasks.recordProgress(task.id, owner, [ATTACHING]);
      let result;
      try {
        const access = await attachForBackup(d.access, vol, row.tempVolumeId, row.snapshotId);
        if (access.temporary) {
          row = { ...row, tempVolumeProvider: JSON.stringify(access.temporary) };
          await d.db.kysely.updateTable('backups').set({ tempVolumeProvider: row.tempVolumeProvider, updatedAt: nowIso() }).where('id', '=', row.id).execute();
        }
        const device = await openAccess(d.access, access, true);
        try {
          const dbk = await toDriverBackup(d.db, row);
          result = await d.driver.backup({ ...dbk, serviceMetadata: null }, device, throttled((p) => d.tasks.recordPercent(task.id, p)));
        } finally {
          await device.close();
        }
        await detachForBackup(d.access, vol, temporaryOf(row));
      } catch (e) {
        await undoAttempt(d, row, true).catch((e2) => d.logger.error({ backup: row!.id, err: toFlintError(e2).message }, 'cleanup after a failed backup failed'));
        await d.tasks.recordProgress(task.id, owner, []);
        throw e;
      }
      const done = row;
      let lost: ClaimLost | null = null;
      const kept = await inTransaction(d.db, async (tx) => {
        const ok = await tx.updateTable('backups').set({
          status: 'available', container: result.container, serviceMetadata: result.serviceMetadata, objectCount: result.objectCount,
          host: d.host, tempVolumeProvider: null, updatedAt: nowIso(),
        }).where('id', '=', done.id).where('status', '=', 'creating').returningAll().executeTakeFirst();
        if (ok) {
          await tx.updateTable('volumes').set({ status: payload.previousStatus, updatedAt: nowIso() }).where('id', '=', done.volumeId).where('status', '=', 'backing-up').execute();
          await d.quotas.commit(tx, payload.reservation);
        }
        await d.tasks.complete(tx, task);
        return ok !== undefined;
      }).catch(async (e: unknown) => {
        if (!(e instanceof ClaimLost)) throw e;
        // Superseded (force delete, reset-status) or claimed again after a lost lease: these
        // objects are ours to remove only if no claim is still creating this backup (a later
        // one writes the same objects).
        lost = e;
        return (await loadRow(d, done.id, 'creating')) !== null;
      });
      // Force-deleted or reset while it ran: the delete may have run before these objects were written.
      if (!kept) await d.driver.deleteBackup({ ...(await toDriverBackup(d.db, done)), serviceMetadata: result.serviceMetadata });
      if (lost) throw lost;
    },
    async giveUp(task: TaskRow, error: unknown) {
      const payload = JSON.parse(task.payload) as BackupTaskPayloads['create_backup'];
      const text = userError(error);
      d.logger.error({ task: task.id, backup: task.resourceId, error: text }, 'backup failed');
      await inTransaction(d.db, async (tx) => {
        const b = await tx.updateTable('backups').set({ status: 'error', failReason: text.slice(0, 2000), tempVolumeProvider: null, updatedAt: nowIso() })
          .where('id', '=', task.resourceId).where('status', '=', 'creating').returningAll().executeTakeFirst();
        if (b) {
          await tx.updateTable('volumes').set({ status: payload.previousStatus, updatedAt: nowIso() }).where('id', '=', b.volumeId).where('status', '=', 'backing-up').execute();
          // An error backup still counts until it is deleted, as in Cinder.
          await d.quotas.commit(tx, payload.reservation);
          await recordUserMessage(tx, { projectId: b.projectId, resourceType: 'VOLUME_BACKUP', resourceUuid: b.id, eventId: 'VOLUME_BACKUP_001_002', userMessage: `Create backup failed: ${text}` });
        }
        await d.tasks.fail(tx, task, text, error);
      });
    },
  };
}
