// Backup rows: project-scoped reads (another project's backup is not there: 404), row locks
// and the status compare-and-set.
import type { BackupRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { InvalidStatus, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import type { Caller } from './caller.js';
import { scoped } from './volumes.js';

export async function getBackup(tx: Tx, caller: Caller | null, id: string): Promise<BackupRow> {
  const row = isUuid(id) ? await tx.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const b = scoped(row, caller);
  if (!b) throw new NotFound('Backup', id);
  return b;
}

/** As lockVolume (volumes.ts), for a backup; lock its volume first where both are needed. */
export async function lockBackup(tx: Tx, caller: Caller | null, id: string): Promise<BackupRow> {
  const row = isUuid(id)
    ? await tx.updateTable('backups').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const b = scoped(row, caller);
  if (!b) throw new NotFound('Backup', id);
  return b;
}

export async function casBackup(tx: Tx, id: string, allowed: readonly string[], set: Partial<BackupRow>, action: string): Promise<BackupRow> {
  const row = await tx.updateTable('backups').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('backups').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Backup', id);
  throw new InvalidStatus('backup', id, current.status, allowed, action);
}

/** The newest available backup of a volume: the parent of the next incremental one. */
export async function latestAvailableBackup(tx: Tx, volumeId: string): Promise<BackupRow | undefined> {
  return tx.selectFrom('backups').selectAll().where('volumeId', '=', volumeId).where('status', '=', 'available')
    .orderBy('dataTimestamp', 'desc').orderBy('createdAt', 'desc').limit(1).executeTakeFirst();
}

/** The chain from `b` up to its full backup (b first). */
export async function backupChain(tx: Tx, b: BackupRow): Promise<BackupRow[]> {
  const chain = [b];
  let cur = b;
  while (cur.parentId) {
    const p = await tx.selectFrom('backups').selectAll().where('id', '=', cur.parentId).executeTakeFirst();
    if (!p) break;
    chain.push(p);
    cur = p;
  }
  return chain;
}
