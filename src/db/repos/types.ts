// Volume types, their extra specs and QoS specs. The one place the private-type rule lives:
// a private type is seen by admins, by Flint itself and by the projects given access to it.
import type { QosSpecsRow, VolumeTypeRow } from '../schema.js';
import type { Db } from '../database.js';
import type { Tx } from '../transaction.js';
import { ReusableQuery } from '../reusable-query.js';
import { NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid, newId } from '../../util/ids.js';
import { groupPairs, projectScope, type Caller } from './caller.js';

/** By id, else by name; `undefined` when there is none the caller may see. */
export async function lookupVolumeType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<VolumeTypeRow | undefined> {
  let row = isUuid(nameOrId) ? await tx.selectFrom('volumeTypes').selectAll().where('id', '=', nameOrId).executeTakeFirst() : undefined;
  row ??= await tx.selectFrom('volumeTypes').selectAll().where('name', '=', nameOrId).executeTakeFirst();
  const project = projectScope(caller);
  if (row && !row.isPublic && project !== null) {
    const access = await tx.selectFrom('volumeTypeProjects').select('projectId')
      .where('volumeTypeId', '=', row.id).where('projectId', '=', project).executeTakeFirst();
    if (!access) return undefined;
  }
  return row;
}

/** As lookupVolumeType; none is 404. */
export async function findVolumeType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<VolumeTypeRow> {
  const row = await lookupVolumeType(tx, caller, nameOrId);
  if (!row) throw new NotFound('Volume type', nameOrId);
  return row;
}

export const DEFAULT_TYPE_NAME = '__DEFAULT__';

/** The type used when a request names none: configured default, else `__DEFAULT__` (created once). */
export async function defaultVolumeType(tx: Tx, configured: string | null): Promise<VolumeTypeRow> {
  if (configured) return findVolumeType(tx, null, configured);
  const existing = await tx.selectFrom('volumeTypes').selectAll().where('name', '=', DEFAULT_TYPE_NAME).executeTakeFirst();
  if (existing) return existing;
  const row = { id: newId(), name: DEFAULT_TYPE_NAME, description: 'Default Volume Type', isPublic: 1 as const, qosSpecsId: null, createdAt: nowIso() };
  await tx.insertInto('volumeTypes').values(row).onConflict((oc) => oc.column('name').doNothing()).execute();
  return tx.selectFrom('volumeTypes').selectAll().where('name', '=', DEFAULT_TYPE_NAME).executeTakeFirstOrThrow();
}

/** The type a request names (as the caller may see it), else the default type. */
export async function requestedVolumeType(tx: Tx, caller: Caller | null, named: string | null | undefined, configuredDefault: string | null): Promise<VolumeTypeRow> {
  return named ? findVolumeType(tx, caller, named) : defaultVolumeType(tx, configuredDefault);
}

/** A type with what creating a volume of it needs: its extra specs and whether it has encryption specs. */
export interface TypeWithSpecs {
  type: VolumeTypeRow;
  extraSpecs: Record<string, string>;
  encrypted: boolean;
}

type TypeWithSpecsRow = VolumeTypeRow & { specKey: string | null; specValue: string | null; encrypted: unknown };

/** The create path's type read, compiled once per database (db/reusable-query.ts). */
const typeWithSpecsQueries = new WeakMap<Db, ReusableQuery<{ nameOrId: string }, TypeWithSpecsRow, 'id-or-name' | 'name'>>();

function typeWithSpecsQuery(db: Db): ReusableQuery<{ nameOrId: string }, TypeWithSpecsRow, 'id-or-name' | 'name'> {
  let q = typeWithSpecsQueries.get(db);
  if (!q) {
    q = new ReusableQuery(db.kysely, (k, { nameOrId }, shape) => k.selectFrom('volumeTypes')
      .leftJoin('volumeTypeExtraSpecs', 'volumeTypeExtraSpecs.volumeTypeId', 'volumeTypes.id')
      .selectAll('volumeTypes')
      .select(['volumeTypeExtraSpecs.key as specKey', 'volumeTypeExtraSpecs.value as specValue'])
      .select((eb) => eb.exists(eb.selectFrom('volumeTypeEncryption').select('volumeTypeEncryption.volumeTypeId')
        .whereRef('volumeTypeEncryption.volumeTypeId', '=', 'volumeTypes.id')).as('encrypted'))
      .where((eb) => shape === 'id-or-name' ? eb.or([eb('volumeTypes.id', '=', nameOrId), eb('volumeTypes.name', '=', nameOrId)]) : eb('volumeTypes.name', '=', nameOrId)));
    typeWithSpecsQueries.set(db, q);
  }
  return q;
}

/**
 * As lookupVolumeType, with the type's extra specs and encryption in the same statement (one
 * row per extra spec): the create path's one read of the type. A private type costs one more.
 * `tx` is a transaction on `db` (or `db.kysely`).
 */
export async function lookupTypeWithSpecs(db: Db, tx: Tx, caller: Caller | null, nameOrId: string): Promise<TypeWithSpecs | undefined> {
  const { rows } = await typeWithSpecsQuery(db).execute(tx, { nameOrId }, isUuid(nameOrId) ? 'id-or-name' : 'name');
  // An id match wins over a type whose name happens to be that id (lookupVolumeType's order).
  const match = rows.find((r) => r.id === nameOrId) ?? rows[0];
  if (!match) return undefined;
  const own = rows.filter((r) => r.id === match.id);
  const { specKey: _k, specValue: _v, encrypted, ...type } = match;
  const project = projectScope(caller);
  if (!type.isPublic && project !== null) {
    const access = await tx.selectFrom('volumeTypeProjects').select('projectId')
      .where('volumeTypeId', '=', type.id).where('projectId', '=', project).executeTakeFirst();
    if (!access) return undefined;
  }
  const extraSpecs: Record<string, string> = {};
  for (const r of own) if (r.specKey !== null) extraSpecs[r.specKey] = r.specValue!;
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return { type, extraSpecs, encrypted: Boolean(Number(encrypted)) };
}

/** As requestedVolumeType, with the extra specs and encryption of the type (lookupTypeWithSpecs). */
export async function requestedTypeWithSpecs(db: Db, tx: Tx, caller: Caller | null, named: string | null | undefined, configuredDefault: string | null): Promise<TypeWithSpecs> {
  const wanted = named ?? configuredDefault;
  if (wanted) {
    const found = await lookupTypeWithSpecs(db, tx, named ? caller : null, wanted);
    if (!found) throw new NotFound('Volume type', wanted);
    return found;
  }
  const existing = await lookupTypeWithSpecs(db, tx, null, DEFAULT_TYPE_NAME);
  if (existing) return existing;
  await defaultVolumeType(tx, null);
  return (await lookupTypeWithSpecs(db, tx, null, DEFAULT_TYPE_NAME))!;
}

/** Extra specs of each type, in one query. */
export async function extraSpecsFor(tx: Tx, typeIds: string[]): Promise<Map<string, Record<string, string>>> {
  const rows = typeIds.length === 0 ? [] : await tx.selectFrom('volumeTypeExtraSpecs').selectAll().where('volumeTypeId', 'in', typeIds).execute();
  return groupPairs(typeIds, rows, (r) => r.volumeTypeId, (r) => r.key, (r) => r.value);
}

export async function extraSpecsOf(tx: Tx, typeId: string | null): Promise<Record<string, string>> {
  if (!typeId) return {};
  return (await extraSpecsFor(tx, [typeId])).get(typeId)!;
}

export async function getQosSpecs(tx: Tx, id: string): Promise<QosSpecsRow> {
  const row = await tx.selectFrom('qosSpecs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('QoS specs', id);
  return row;
}

/** Key/values of each QoS specs, in one query. */
export async function qosValuesFor(tx: Tx, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const rows = ids.length === 0 ? [] : await tx.selectFrom('qosSpecValues').selectAll().where('qosSpecsId', 'in', ids).execute();
  return groupPairs(ids, rows, (r) => r.qosSpecsId, (r) => r.key, (r) => r.value);
}

/** The QoS key/values of a type's associated specs; none: `{}`. */
export async function qosSpecsOfType(tx: Tx, typeId: string | null): Promise<Record<string, string>> {
  if (!typeId) return {};
  const t = await tx.selectFrom('volumeTypes').select('qosSpecsId').where('id', '=', typeId).executeTakeFirst();
  if (!t?.qosSpecsId) return {};
  return (await qosValuesFor(tx, [t.qosSpecsId])).get(t.qosSpecsId)!;
}
