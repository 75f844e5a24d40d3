// Volume types, their extra specs, access lists and QoS specs: reads and the plain writes
// (types change no resource status, so they need no task).
import type { Db } from '../../db/database.js';
import type { QosSpecsRow, VolumeTypeRow } from '../../db/schema.js';
import { NotFound } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';

/** By id, else by name. */
export async function findVolumeType(db: Db, nameOrId: string): Promise<VolumeTypeRow | undefined> {
  if (isUuid(nameOrId)) {
    const byId = await db.kysely.selectFrom('volumeTypes').selectAll().where('id', '=', nameOrId).executeTakeFirst();
    if (byId) return byId;
  }
  return db.kysely.selectFrom('volumeTypes').selectAll().where('name', '=', nameOrId).executeTakeFirst();
}

/** A type the caller may see: public, or private with access for the project, or any for admins. */
export async function getVisibleType(db: Db, id: string, projectId: string, isAdmin: boolean): Promise<VolumeTypeRow> {
  const t = await findVolumeType(db, id);
  if (!t) throw new NotFound('Volume type', id);
  if (!isAdmin && !t.isPublic) {
    const access = await db.kysely.selectFrom('volumeTypeProjects').select('projectId')
      .where('volumeTypeId', '=', t.id).where('projectId', '=', projectId).executeTakeFirst();
    if (!access) throw new NotFound('Volume type', id);
  }
  return t;
}

export async function extraSpecsFor(db: Db, typeIds: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const id of typeIds) out.set(id, {});
  if (typeIds.length === 0) return out;
  const rows = await db.kysely.selectFrom('volumeTypeExtraSpecs').selectAll().where('volumeTypeId', 'in', typeIds).execute();
  for (const r of rows) out.get(r.volumeTypeId)![r.key] = r.value;
  return out;
}

export async function getQosSpecs(db: Db, id: string): Promise<QosSpecsRow> {
  const row = await db.kysely.selectFrom('qosSpecs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('QoS specs', id);
  return row;
}

export async function qosValuesFor(db: Db, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const id of ids) out.set(id, {});
  if (ids.length === 0) return out;
  const rows = await db.kysely.selectFrom('qosSpecValues').selectAll().where('qosSpecsId', 'in', ids).execute();
  for (const r of rows) out.get(r.qosSpecsId)![r.key] = r.value;
  return out;
}
