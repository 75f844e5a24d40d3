// Key/value metadata of volumes and snapshots: replace, merge, read, delete one key.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Tx = Kysely<Database> | Transaction<Database>;
export type MetadataTableName = 'volumeMetadata' | 'snapshotMetadata';

export async function readMetadata(tx: Tx, table: MetadataTableName, id: string): Promise<Record<string, string>> {
  const rows = await tx.selectFrom(table).select(['key', 'value']).where('resourceId', '=', id).execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function replaceMetadata(tx: Tx, table: MetadataTableName, id: string, md: Record<string, string>): Promise<void> {
  await tx.deleteFrom(table).where('resourceId', '=', id).execute();
  await mergeMetadata(tx, table, id, md);
}

export async function mergeMetadata(tx: Tx, table: MetadataTableName, id: string, md: Record<string, string>): Promise<void> {
  const entries = Object.entries(md);
  if (entries.length === 0) return;
  await tx.deleteFrom(table).where('resourceId', '=', id).where('key', 'in', entries.map(([k]) => k)).execute();
  await tx.insertInto(table).values(entries.map(([key, value]) => ({ resourceId: id, key, value }))).execute();
}

export async function deleteMetadataKey(tx: Tx, table: MetadataTableName, id: string, key: string): Promise<boolean> {
  const r = await tx.deleteFrom(table).where('resourceId', '=', id).where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
