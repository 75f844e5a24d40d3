// Group types and their group specs. A private group type is seen by admins and Flint only
// (Cinder has no project access list for group types); `default_cgsnapshot_type` is reserved.
import type { GroupTypeRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { Conflict, InvalidInput, NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid, newId } from '../../util/ids.js';
import { groupPairs, projectScope, type Caller } from './caller.js';
import { DEFAULT_CGSNAPSHOT_TYPE } from '../migrations/005-groups.js';

export { DEFAULT_CGSNAPSHOT_TYPE };

/** By id, else by name; `undefined` when there is none the caller may see. */
export async function lookupGroupType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<GroupTypeRow | undefined> {
  let row = isUuid(nameOrId) ? await tx.selectFrom('groupTypes').selectAll().where('id', '=', nameOrId).executeTakeFirst() : undefined;
  row ??= await tx.selectFrom('groupTypes').selectAll().where('name', '=', nameOrId).executeTakeFirst();
  if (row && !row.isPublic && projectScope(caller) !== null) return undefined;
  return row;
}

export async function findGroupType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<GroupTypeRow> {
  const row = await lookupGroupType(tx, caller, nameOrId);
  if (!row) throw new NotFound('Group type', nameOrId);
  return row;
}

/** Cinder refuses to change the type its consistency-group API depends on. */
export function checkNotReserved(t: GroupTypeRow, action: string): void {
  if (t.name === DEFAULT_CGSNAPSHOT_TYPE) {
    throw new InvalidInput(`Group type ${t.id} is reserved for migrating CGs to groups; it cannot be ${action}.`);
  }
}

export interface GroupTypeListOptions {
  isPublic: boolean | null;
  sortDir: 'asc' | 'desc';
  sortKey: 'name' | 'id' | 'created_at';
}

export async function listGroupTypes(tx: Tx, caller: Caller | null, o: GroupTypeListOptions): Promise<GroupTypeRow[]> {
  let qb = tx.selectFrom('groupTypes').selectAll();
  if (projectScope(caller) !== null) qb = qb.where('isPublic', '=', 1);
  else if (o.isPublic !== null) qb = qb.where('isPublic', '=', o.isPublic ? 1 : 0);
  const col = o.sortKey === 'created_at' ? 'createdAt' : o.sortKey;
  return qb.orderBy(col, o.sortDir).orderBy('id', o.sortDir).execute();
}

export async function groupSpecsFor(tx: Tx, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const rows = ids.length === 0 ? [] : await tx.selectFrom('groupTypeSpecs').selectAll().where('groupTypeId', 'in', ids).execute();
  return groupPairs(ids, rows, (r) => r.groupTypeId, (r) => r.key, (r) => r.value);
}

export async function groupSpecsOf(tx: Tx, id: string): Promise<Record<string, string>> {
  return (await groupSpecsFor(tx, [id])).get(id)!;
}

async function nameTaken(tx: Tx, name: string, exceptId?: string): Promise<boolean> {
  const t = await tx.selectFrom('groupTypes').select('id').where('name', '=', name).executeTakeFirst();
  return !!t && t.id !== exceptId;
}

export async function createGroupType(tx: Tx, o: { name: string; description: string | null; isPublic: boolean; specs: Record<string, string> }): Promise<GroupTypeRow> {
  if (await nameTaken(tx, o.name)) throw new Conflict(`Group Type ${o.name} already exists.`);
  const row: GroupTypeRow = { id: newId(), name: o.name, description: o.description, isPublic: o.isPublic ? 1 : 0, createdAt: nowIso() };
  await tx.insertInto('groupTypes').values(row).execute();
  await upsertGroupSpecs(tx, row.id, o.specs);
  return row;
}

export async function updateGroupType(tx: Tx, t: GroupTypeRow, o: { name?: string; description?: string | null; isPublic?: boolean }): Promise<void> {
  if (o.name !== undefined && await nameTaken(tx, o.name, t.id)) throw new Conflict(`Group Type ${o.name} already exists.`);
  const set: Partial<GroupTypeRow> = {};
  if (o.name !== undefined) set.name = o.name;
  if (o.description !== undefined) set.description = o.description;
  if (o.isPublic !== undefined) set.isPublic = o.isPublic ? 1 : 0;
  if (Object.keys(set).length > 0) await tx.updateTable('groupTypes').set(set).where('id', '=', t.id).execute();
}

/** Refused (400, as Cinder's GroupTypeInUse) while a group of the type exists. */
export async function deleteGroupType(tx: Tx, t: GroupTypeRow): Promise<void> {
  const inUse = await tx.selectFrom('groups').select('id').where('groupTypeId', '=', t.id).executeTakeFirst();
  if (inUse) throw new InvalidInput(`Group Type ${t.id} deletion is not allowed with groups present with the type.`);
  await tx.deleteFrom('groupTypeSpecs').where('groupTypeId', '=', t.id).execute();
  await tx.deleteFrom('groupTypes').where('id', '=', t.id).execute();
}

export async function upsertGroupSpecs(tx: Tx, typeId: string, specs: Record<string, string>): Promise<void> {
  const entries = Object.entries(specs);
  if (entries.length === 0) return;
  await tx.deleteFrom('groupTypeSpecs').where('groupTypeId', '=', typeId).where('key', 'in', entries.map(([k]) => k)).execute();
  await tx.insertInto('groupTypeSpecs').values(entries.map(([key, value]) => ({ groupTypeId: typeId, key, value }))).execute();
}

export async function deleteGroupSpec(tx: Tx, typeId: string, key: string): Promise<void> {
  const r = await tx.deleteFrom('groupTypeSpecs').where('groupTypeId', '=', typeId).where('key', '=', key).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new NotFound('Group type spec', `${key} of ${typeId}`);
}
