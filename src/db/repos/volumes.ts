// Volume rows: project-scoped reads, row locks and the status compare-and-set.
import type { VolumeRow, VolumeUpdate } from '../schema.js';
import type { Tx } from '../transaction.js';
import { SharedReusableQuery } from '../reusable-query.js';
import { InvalidStatus, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import { projectScope, type Caller } from './caller.js';

/** A volume row with its type's name, as the API shows it. */
export type VolumeRecord = VolumeRow & { volumeTypeName: string | null };

/** Rows scoped to what the caller may see: a row of another project is not there at all. */
export function scoped<T extends { projectId: string }>(row: T | undefined, caller: Caller | null): T | undefined {
  const project = projectScope(caller);
  return row && (project === null || row.projectId === project) ? row : undefined;
}

// The statements every volume operation's task sends, compiled once per shape (db/reusable-query.ts).
const volumeById = new SharedReusableQuery((k, { id }: { id: string }) => k.selectFrom('volumes').selectAll().where('id', '=', id));
const lockById = new SharedReusableQuery((k, { id }: { id: string }) => k.updateTable('volumes')
  .set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll());
const casById = new SharedReusableQuery((k, { id, allowed, set }: { id: string; allowed: string[]; set: VolumeUpdate }) => k.updateTable('volumes')
  .set(set).where('id', '=', id).where('status', 'in', allowed).returningAll());

/** The volume's row, whoever owns it, or `undefined`. */
export async function findVolumeRow(tx: Tx, id: string): Promise<VolumeRow | undefined> {
  return (await volumeById.execute(tx, { id })).rows[0];
}

export async function getVolume(tx: Tx, caller: Caller | null, id: string): Promise<VolumeRow> {
  const v = scoped(isUuid(id) ? await findVolumeRow(tx, id) : undefined, caller);
  if (!v) throw new NotFound('Volume', id);
  return v;
}

/** As getVolume, with the type's name. */
export async function getVolumeRecord(tx: Tx, caller: Caller | null, id: string): Promise<VolumeRecord> {
  const row = isUuid(id)
    ? await tx.selectFrom('volumes').leftJoin('volumeTypes', 'volumeTypes.id', 'volumes.volumeTypeId')
      .selectAll('volumes').select('volumeTypes.name as volumeTypeName').where('volumes.id', '=', id).executeTakeFirst()
    : undefined;
  const v = scoped(row, caller);
  if (!v) throw new NotFound('Volume', id);
  return v;
}

/**
 * Locks the volume's row for the rest of the transaction and returns it as it is now.
 * A no-op `UPDATE … RETURNING` rather than `SELECT … FOR UPDATE`: it takes the row lock on
 * PostgreSQL and makes a SQLite transaction a writer at once, so on both every check made
 * on the returned row holds until commit (a plain read under read committed may be stale
 * by the time the UPDATE that depends on it runs). Lock order: see db/transaction.ts.
 */
export async function lockVolume(tx: Tx, caller: Caller | null, id: string): Promise<VolumeRow> {
  const v = scoped(await lockVolumeIfExists(tx, id), caller);
  if (!v) throw new NotFound('Volume', id);
  return v;
}

/** lockVolume for the managers: no project scope, and a missing row is `undefined`. */
export async function lockVolumeIfExists(tx: Tx, id: string): Promise<VolumeRow | undefined> {
  if (!isUuid(id)) return undefined;
  return (await lockById.execute(tx, { id })).rows[0];
}

/** `UPDATE … WHERE id = ? AND status IN (…)`; no row means 409 naming the current status. */
export async function casVolume(
  tx: Tx, id: string, allowed: readonly string[], set: VolumeUpdate, action: string,
): Promise<VolumeRow> {
  const row = (await casById.execute(tx, { id, allowed: [...allowed], set: { ...set, updatedAt: nowIso() } })).rows[0];
  if (row) return row;
  const current = await tx.selectFrom('volumes').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Volume', id);
  throw new InvalidStatus('volume', id, current.status, allowed, action);
}
