// Share and share snapshot rows: project-scoped reads (public shares readable by every
// project), row locks and the status compare-and-set; export locations.
import type { ShareExportLocationRow, ShareRow, ShareSnapshotRow, ShareUpdate } from '../schema.js';
import type { Tx } from '../transaction.js';
import { InvalidStatus, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid, newId } from '../../util/ids.js';
import { projectScope, type Caller } from './caller.js';

/** A share the caller may read: its own project's, any for admins and Flint, or a public one. */
function visible(row: ShareRow | undefined, caller: Caller | null, allowPublic: boolean): ShareRow | undefined {
  const project = projectScope(caller);
  if (!row) return undefined;
  if (project === null || row.projectId === project) return row;
  return allowPublic && row.isPublic === 1 ? row : undefined;
}

/** A share to read (public shares of other projects included). */
export async function getShare(tx: Tx, caller: Caller | null, id: string): Promise<ShareRow> {
  const row = isUuid(id) ? await tx.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const s = visible(row, caller, true);
  if (!s) throw new NotFound('Share', id);
  return s;
}

/**
 * Locks the share's row (a no-op UPDATE … RETURNING, as lockVolume) and returns it; only a
 * share of the caller's own project (or any, for admins) may be changed.
 */
export async function lockShare(tx: Tx, caller: Caller | null, id: string): Promise<ShareRow> {
  const s = visible(await lockShareIfExists(tx, id), caller, false);
  if (!s) throw new NotFound('Share', id);
  return s;
}

export async function lockShareIfExists(tx: Tx, id: string): Promise<ShareRow | undefined> {
  if (!isUuid(id)) return undefined;
  return tx.updateTable('shares').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst();
}

/** `UPDATE … WHERE id = ? AND status IN (…)`; no row means 409 naming the current status. */
export async function casShare(tx: Tx, id: string, allowed: readonly string[], set: ShareUpdate, action: string): Promise<ShareRow> {
  const row = await tx.updateTable('shares').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('shares').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Share', id);
  throw new InvalidStatus('share', id, current.status, allowed, action);
}

export async function getShareSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<ShareSnapshotRow> {
  const row = isUuid(id) ? await tx.selectFrom('shareSnapshots').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const project = projectScope(caller);
  if (!row || (project !== null && row.projectId !== project)) throw new NotFound('Share snapshot', id);
  return row;
}

/** Lock the snapshot's share first where both are needed (lock order: db/transaction.ts). */
export async function lockShareSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<ShareSnapshotRow> {
  const row = isUuid(id)
    ? await tx.updateTable('shareSnapshots').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const project = projectScope(caller);
  if (!row || (project !== null && row.projectId !== project)) throw new NotFound('Share snapshot', id);
  return row;
}

export async function casShareSnapshot(
  tx: Tx, id: string, allowed: readonly string[], set: Partial<ShareSnapshotRow>, action: string,
): Promise<ShareSnapshotRow> {
  const row = await tx.updateTable('shareSnapshots').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('shareSnapshots').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Share snapshot', id);
  throw new InvalidStatus('share snapshot', id, current.status, allowed, action);
}

export interface NewExportLocation {
  path: string;
  isAdminOnly: boolean;
  preferred: boolean;
  metadata?: Record<string, string>;
}

/** Replaces a share's export locations by what its driver reported (ids kept for unchanged paths). */
export async function replaceExportLocations(tx: Tx, shareId: string, locations: NewExportLocation[]): Promise<void> {
  const old = await tx.selectFrom('shareExportLocations').selectAll().where('shareId', '=', shareId).execute();
  await tx.deleteFrom('shareExportLocations').where('shareId', '=', shareId).execute();
  if (locations.length === 0) return;
  const now = nowIso();
  await tx.insertInto('shareExportLocations').values(locations.map((l) => {
    const prev = old.find((o) => o.path === l.path);
    return {
      id: prev?.id ?? newId(), shareId, path: l.path, isAdminOnly: l.isAdminOnly ? 1 : 0, preferred: l.preferred ? 1 : 0,
      metadata: JSON.stringify(l.metadata ?? {}), createdAt: prev?.createdAt ?? now, updatedAt: now,
    } as const;
  })).execute();
}

/** Export locations of each share, in one query; non-admins never see admin-only ones. */
export async function exportLocationsFor(tx: Tx, shareIds: string[], includeAdminOnly: boolean): Promise<Map<string, ShareExportLocationRow[]>> {
  const out = new Map<string, ShareExportLocationRow[]>(shareIds.map((id) => [id, []]));
  if (shareIds.length === 0) return out;
  let q = tx.selectFrom('shareExportLocations').selectAll().where('shareId', 'in', shareIds);
  if (!includeAdminOnly) q = q.where('isAdminOnly', '=', 0);
  for (const r of await q.orderBy('createdAt').orderBy('id').execute()) out.get(r.shareId)!.push(r);
  return out;
}
