// Group and group snapshot rows: project-scoped reads, row locks, the status compare-and-set,
// and the volume types and volumes each group holds.
import type { GroupRow, GroupSnapshotRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import { projectScope, type Caller } from './caller.js';
import { scoped } from './volumes.js';

export async function getGroup(tx: Tx, caller: Caller | null, id: string): Promise<GroupRow> {
  const row = isUuid(id) ? await tx.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const g = scoped(row, caller);
  if (!g) throw new NotFound('Group', id);
  return g;
}

/** Locks the group's row for the transaction (as lockVolume does); lock a group before its volumes. */
export async function lockGroup(tx: Tx, caller: Caller | null, id: string): Promise<GroupRow> {
  const row = isUuid(id)
    ? await tx.updateTable('groups').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const g = scoped(row, caller);
  if (!g) throw new NotFound('Group', id);
  return g;
}

/**
 * `UPDATE … WHERE status IN (…)`. Cinder answers a group in the wrong status with 400
 * (InvalidGroup), not 409, and so does this.
 */
export async function casGroup(tx: Tx, id: string, allowed: readonly string[], set: Partial<GroupRow>, action: string): Promise<GroupRow> {
  const row = await tx.updateTable('groups').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('groups').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Group', id);
  throw new InvalidInput(`Invalid group: group ${id} must be ${allowed.join(' or ')} to ${action} it, but its current status is ${current.status}.`);
}

export async function volumeTypeIdsFor(tx: Tx, groupIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await tx.selectFrom('groupVolumeTypes').selectAll().where('groupId', 'in', groupIds).orderBy('volumeTypeId').execute();
  for (const r of rows) out.get(r.groupId)!.push(r.volumeTypeId);
  return out;
}

export async function volumeIdsFor(tx: Tx, groupIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await tx.selectFrom('volumes').select(['id', 'groupId']).where('groupId', 'in', groupIds).orderBy('createdAt').orderBy('id').execute();
  for (const r of rows) out.get(r.groupId!)!.push(r.id);
  return out;
}

export interface GroupListFilters {
  /** null: every project (admin with all_tenants). */
  projectId: string | null;
  name?: string;
  status?: string;
  limit?: number;
}

export async function listGroups(tx: Tx, f: GroupListFilters): Promise<GroupRow[]> {
  let qb = tx.selectFrom('groups').selectAll();
  if (f.projectId !== null) qb = qb.where('projectId', '=', f.projectId);
  if (f.name !== undefined) qb = qb.where('name', '=', f.name);
  if (f.status !== undefined) qb = qb.where('status', '=', f.status);
  qb = qb.orderBy('createdAt', 'desc').orderBy('id', 'desc');
  if (f.limit !== undefined) qb = qb.limit(f.limit);
  return qb.execute();
}

export async function getGroupSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<GroupSnapshotRow> {
  const row = isUuid(id) ? await tx.selectFrom('groupSnapshots').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const g = scoped(row, caller);
  if (!g) throw new NotFound('GroupSnapshot', id);
  return g;
}

export async function lockGroupSnapshot(tx: Tx, caller: Caller | null, id: string): Promise<GroupSnapshotRow> {
  const row = isUuid(id)
    ? await tx.updateTable('groupSnapshots').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const g = scoped(row, caller);
  if (!g) throw new NotFound('GroupSnapshot', id);
  return g;
}

export async function casGroupSnapshot(tx: Tx, id: string, allowed: readonly string[], set: Partial<GroupSnapshotRow>, action: string): Promise<GroupSnapshotRow> {
  const row = await tx.updateTable('groupSnapshots').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('groupSnapshots').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('GroupSnapshot', id);
  throw new InvalidInput(`Invalid group snapshot: group snapshot ${id} must be ${allowed.join(' or ')} to ${action} it, but its current status is ${current.status}.`);
}

export async function listGroupSnapshots(tx: Tx, caller: Caller | null, f: { allTenants: boolean; projectId?: string; groupId?: string; status?: string; name?: string }): Promise<GroupSnapshotRow[]> {
  let qb = tx.selectFrom('groupSnapshots').selectAll();
  const own = projectScope(caller);
  if (own !== null || !f.allTenants) qb = qb.where('projectId', '=', own ?? f.projectId ?? caller!.projectId);
  else if (f.projectId !== undefined) qb = qb.where('projectId', '=', f.projectId);
  if (f.groupId !== undefined) qb = qb.where('groupId', '=', f.groupId);
  if (f.status !== undefined) qb = qb.where('status', '=', f.status);
  if (f.name !== undefined) qb = qb.where('name', '=', f.name);
  return qb.orderBy('createdAt', 'desc').orderBy('id', 'desc').execute();
}
