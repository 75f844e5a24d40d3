// Snapshot rows: project-scoped reads, row locks and the status compare-and-set.
import type { SnapshotRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { InvalidStatus, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import type { Caller } from './caller.js';
import { scoped } from './volumes.js';

export async function getSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<SnapshotRow> {
  const row = isUuid(id) ? await tx.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const s = scoped(row, caller);
  if (!s) throw new NotFound('Snapshot', id);
  return s;
}

/** As lockVolume (volumes.ts), for a snapshot; lock its volume first where both are needed. */
export async function lockSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<SnapshotRow> {
  const row = isUuid(id)
    ? await tx.updateTable('snapshots').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const s = scoped(row, caller);
  if (!s) throw new NotFound('Snapshot', id);
  return s;
}

export async function casSnapshot(
  tx: Tx, id: string, allowed: readonly string[], set: Partial<SnapshotRow>, action: string,
): Promise<SnapshotRow> {
  const row = await tx.updateTable('snapshots').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('snapshots').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Snapshot', id);
  throw new InvalidStatus('snapshot', id, current.status, allowed, action);
}
