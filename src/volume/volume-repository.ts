// Queries the volume service shares: project-scoped reads, status compare-and-set,
// type and spec lookups, and turning rows into what drivers see.
import type { Database, SnapshotRow, VolumeRow, VolumeTypeRow, VolumeUpdate } from '../db/schema.js';
import type { DriverSnapshot, DriverVolume } from '../drivers/interface/objects.js';
import { InvalidStatus, NotFound } from '../errors/errors.js';
import { nowIso } from '../util/clock.js';
import type { Tx } from '../db/transaction.js';
import { isUuid, newId } from '../util/ids.js';
import type { RequestContext } from './operations.js';

function scoped<T extends { projectId: string }>(row: T | undefined, ctx: RequestContext | null): T | undefined {
  if (!row) return undefined;
  if (ctx && !ctx.isAdmin && row.projectId !== ctx.projectId) return undefined;
  return row;
}

export async function getVolume(tx: Tx, ctx: RequestContext | null, id: string): Promise<VolumeRow> {
  const row = isUuid(id) ? await tx.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const v = scoped(row, ctx);
  if (!v) throw new NotFound('Volume', id);
  return v;
}

export async function getSnapshot(tx: Tx, ctx: RequestContext | null, id: string): Promise<SnapshotRow> {
  const row = isUuid(id) ? await tx.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  const s = scoped(row, ctx);
  if (!s) throw new NotFound('Snapshot', id);
  return s;
}

/**
 * Locks the volume's row for the rest of the transaction and returns it as it is now.
 * A no-op `UPDATE … RETURNING` rather than `SELECT … FOR UPDATE`: it takes the row lock on
 * PostgreSQL and makes a SQLite transaction a writer at once, so on both every check made
 * on the returned row holds until commit (a plain read under read committed may be stale
 * by the time the UPDATE that depends on it runs). Lock order: see db/transaction.ts.
 */
export async function lockVolume(tx: Tx, ctx: RequestContext | null, id: string): Promise<VolumeRow> {
  const v = scoped(await lockVolumeIfExists(tx, id), ctx);
  if (!v) throw new NotFound('Volume', id);
  return v;
}

/** lockVolume for the managers: no project scope, and a missing row is `undefined`. */
export async function lockVolumeIfExists(tx: Tx, id: string): Promise<VolumeRow | undefined> {
  if (!isUuid(id)) return undefined;
  return tx.updateTable('volumes').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst();
}

/** As lockVolume, for a snapshot; lock its volume first (lockVolume) where both are needed. */
export async function lockSnapshot(tx: Tx, ctx: RequestContext | null, id: string): Promise<SnapshotRow> {
  const row = isUuid(id)
    ? await tx.updateTable('snapshots').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', id).returningAll().executeTakeFirst()
    : undefined;
  const s = scoped(row, ctx);
  if (!s) throw new NotFound('Snapshot', id);
  return s;
}

/** `UPDATE … WHERE id = ? AND status IN (…)`; no row means 409 naming the current status. */
export async function casVolume(
  tx: Tx, id: string, allowed: readonly string[], set: VolumeUpdate, action: string,
): Promise<VolumeRow> {
  const row = await tx.updateTable('volumes').set({ ...set, updatedAt: nowIso() })
    .where('id', '=', id).where('status', 'in', [...allowed]).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom('volumes').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFound('Volume', id);
  throw new InvalidStatus('volume', id, current.status, allowed, action);
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

export async function findVolumeType(tx: Tx, ctx: RequestContext | null, nameOrId: string): Promise<VolumeTypeRow> {
  let row = isUuid(nameOrId) ? await tx.selectFrom('volumeTypes').selectAll().where('id', '=', nameOrId).executeTakeFirst() : undefined;
  row ??= await tx.selectFrom('volumeTypes').selectAll().where('name', '=', nameOrId).executeTakeFirst();
  if (row && !row.isPublic && ctx && !ctx.isAdmin) {
    const access = await tx.selectFrom('volumeTypeProjects').select('projectId')
      .where('volumeTypeId', '=', row.id).where('projectId', '=', ctx.projectId).executeTakeFirst();
    if (!access) row = undefined;
  }
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

export async function extraSpecsOf(tx: Tx, typeId: string | null): Promise<Record<string, string>> {
  if (!typeId) return {};
  const rows = await tx.selectFrom('volumeTypeExtraSpecs').select(['key', 'value']).where('volumeTypeId', '=', typeId).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function qosSpecsOfType(tx: Tx, typeId: string | null): Promise<Record<string, string>> {
  if (!typeId) return {};
  const t = await tx.selectFrom('volumeTypes').select('qosSpecsId').where('id', '=', typeId).executeTakeFirst();
  if (!t?.qosSpecsId) return {};
  const rows = await tx.selectFrom('qosSpecValues').select(['key', 'value']).where('qosSpecsId', '=', t.qosSpecsId).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function metadataOf(tx: Tx, table: 'volumeMetadata' | 'snapshotMetadata', id: string): Promise<Record<string, string>> {
  const rows = await tx.selectFrom(table).select(['key', 'value']).where('resourceId', '=', id).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function setMetadata(tx: Tx, table: 'volumeMetadata' | 'snapshotMetadata', id: string, md: Record<string, string>): Promise<void> {
  const rows = Object.entries(md).map(([key, value]) => ({ resourceId: id, key, value }));
  if (rows.length > 0) await tx.insertInto(table).values(rows).execute();
}

export interface NameTemplates {
  volume: string;
  snapshot: string;
}
export const DEFAULT_TEMPLATES: NameTemplates = { volume: 'volume-%s', snapshot: 'snapshot-%s' };

export async function toDriverVolume(tx: Tx, v: VolumeRow, templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverVolume> {
  return {
    id: v.id,
    name: templates.volume.replace('%s', v.id),
    size: v.size,
    host: v.host,
    providerLocation: v.providerLocation,
    providerAuth: v.providerAuth,
    providerId: v.providerId,
    volumeTypeId: v.volumeTypeId,
    extraSpecs: await extraSpecsOf(tx, v.volumeTypeId),
    metadata: await metadataOf(tx, 'volumeMetadata', v.id),
    multiattach: v.multiattach === 1,
  };
}

export async function toDriverSnapshot(tx: Tx, s: SnapshotRow, templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverSnapshot> {
  const v = await getVolume(tx, null, s.volumeId);
  return {
    id: s.id,
    name: templates.snapshot.replace('%s', s.id),
    volumeSize: s.volumeSize,
    volume: await toDriverVolume(tx, v, templates),
    providerLocation: s.providerLocation,
    providerId: s.providerId,
  };
}

/**
 * Removes an attachment row and sets its volume's status from the attachments left, inside
 * `tx`. Nothing happens when the row is already gone.
 */
export async function dropAttachmentRow(tx: Tx, attachmentId: string, volumeId: string): Promise<void> {
  // The volume row first (lock order); a volume deleted meanwhile took its attachment rows with it.
  if (!(await lockVolumeIfExists(tx, volumeId))) return;
  await tx.deleteFrom('attachments').where('id', '=', attachmentId).execute();
  const live = await tx.selectFrom('attachments').select('attachStatus').where('volumeId', '=', volumeId).where('attachStatus', '!=', 'detached').execute();
  const attached = live.some((x) => x.attachStatus === 'attached');
  const now = nowIso();
  await tx.updateTable('volumes').set(live.length === 0
    ? { status: 'available', attachStatus: 'detached', updatedAt: now }
    : { status: attached ? 'in-use' : 'reserved', updatedAt: now })
    .where('id', '=', volumeId).where('status', 'in', ['reserved', 'attaching', 'in-use', 'detaching']).execute();
}
