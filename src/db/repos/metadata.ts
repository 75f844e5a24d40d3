// Key/value metadata of volumes, snapshots, shares, share snapshots and access rules: read one or many, replace, merge, delete a key.
import type { Tx } from '../transaction.js';
import { groupPairs } from './caller.js';

/** volumeImageMetadata: the image properties a volume carries (Cinder's volume_glance_metadata). */
export type MetadataTableName = 'volumeMetadata' | 'snapshotMetadata' | 'volumeImageMetadata' | 'backupMetadata'
  | 'shareMetadata' | 'shareSnapshotMetadata' | 'shareAccessRuleMetadata';

export async function readMetadata(tx: Tx, table: MetadataTableName, id: string): Promise<Record<string, string>> {
  return (await metadataFor(tx, table, [id])).get(id)!;
}

/** Metadata of each id, in one query (never one per row). */
export async function metadataFor(tx: Tx, table: MetadataTableName, ids: string[]): Promise<Map<string, Record<string, string>>> {
  const rows = ids.length === 0 ? [] : await tx.selectFrom(table).selectAll().where('resourceId', 'in', ids).execute();
  return groupPairs(ids, rows, (r) => r.resourceId, (r) => r.key, (r) => r.value);
}

export async function replaceMetadata(tx: Tx, table: MetadataTableName, id: string, md: Record<string, string>): Promise<void> {
  await tx.deleteFrom(table).where('resourceId', '=', id).execute();
  await mergeMetadata(tx, table, id, md);
}

/** Sets the given keys, keeping the others (on a new row: its first metadata). */
export async function mergeMetadata(tx: Tx, table: MetadataTableName, id: string, md: Record<string, string>): Promise<void> {
  const entries = Object.entries(md);
  if (entries.length === 0) return;
  await tx.deleteFrom(table).where('resourceId', '=', id).where('key', 'in', entries.map(([k]) => k)).execute();
  await tx.insertInto(table).values(entries.map(([key, value]) => ({ resourceId: id, key, value }))).execute();
}

/** The first metadata of a row inserted in the same transaction (nothing to replace: no delete). */
export async function insertMetadata(tx: Tx, table: MetadataTableName, id: string, md: Record<string, string>): Promise<void> {
  const entries = Object.entries(md);
  if (entries.length === 0) return;
  await tx.insertInto(table).values(entries.map(([key, value]) => ({ resourceId: id, key, value }))).execute();
}

export async function deleteMetadataKey(tx: Tx, table: MetadataTableName, id: string, key: string): Promise<boolean> {
  const r = await tx.deleteFrom(table).where('resourceId', '=', id).where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
