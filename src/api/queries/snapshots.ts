// Paging over snapshots: filters, sort keys and keyset markers (one snapshot: db/repos).
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { SnapshotRow } from '../../db/schema.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { afterMarker, type SortExpr } from './keyset.js';
import type { PageParams } from './list-params.js';

// display_name: Cinder's own name for the column, which clients (and Tempest) sort by.
export const SNAPSHOT_SORT_KEYS = ['id', 'name', 'display_name', 'status', 'size', 'created_at', 'updated_at', 'volume_id'] as const;

const SORT_COLUMNS: Record<string, ReturnType<typeof sql>> = {
  id: sql`snapshots.id`,
  name: sql`coalesce(snapshots.display_name, '')`,
  display_name: sql`coalesce(snapshots.display_name, '')`,
  status: sql`snapshots.status`,
  size: sql`snapshots.volume_size`,
  created_at: sql`snapshots.created_at`,
  updated_at: sql`snapshots.updated_at`,
  volume_id: sql`snapshots.volume_id`,
};

export interface SnapshotFilters {
  projectId: string | null;
  name?: string;
  status?: string;
  volumeId?: string;
  metadata?: Record<string, string>;
}

function filtered(db: Db, f: SnapshotFilters) {
  let qb = db.kysely.selectFrom('snapshots').selectAll();
  if (f.projectId !== null) qb = qb.where('snapshots.projectId', '=', f.projectId);
  if (f.name !== undefined) qb = qb.where('snapshots.displayName', '=', f.name);
  if (f.status !== undefined) qb = qb.where('snapshots.status', '=', f.status);
  if (f.volumeId !== undefined) qb = qb.where('snapshots.volumeId', '=', f.volumeId);
  for (const [k, v] of Object.entries(f.metadata ?? {})) {
    qb = qb.where((eb) => eb.exists(eb.selectFrom('snapshotMetadata').select('snapshotMetadata.key')
      .whereRef('snapshotMetadata.resourceId', '=', 'snapshots.id')
      .where('snapshotMetadata.key', '=', k).where('snapshotMetadata.value', '=', v)));
  }
  return qb;
}

/** How many snapshots match the filters (with_count, 3.45). */
export async function countSnapshots(db: Db, f: SnapshotFilters): Promise<number> {
  const r = await filtered(db, f).clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listSnapshots(db: Db, f: SnapshotFilters, page: PageParams): Promise<SnapshotRow[]> {
  let qb = filtered(db, f);
  const keys: SortExpr[] = page.sort.map((s) => ({ expr: SORT_COLUMNS[s.key]!, dir: s.dir }));
  if (!page.sort.some((s) => s.key === 'id')) keys.push({ expr: SORT_COLUMNS.id!, dir: page.sort[0]?.dir ?? 'desc' });
  if (page.marker !== null) {
    let mq = db.kysely.selectFrom('snapshots').where('snapshots.id', '=', page.marker);
    if (f.projectId !== null) mq = mq.where('snapshots.projectId', '=', f.projectId);
    const marker = await mq.select(keys.map((k, i) => sql`${k.expr}`.as(`k${i}`))).executeTakeFirst();
    // 404 as Cinder's MarkerNotFound: the marker names a resource that is not there.
    if (!marker) throw new NotFound('Marker snapshot', page.marker.slice(0, 64));
    const values = keys.map((_, i) => (marker as Record<string, unknown>)[`k${i}`]);
    qb = qb.where((eb) => afterMarker(eb, keys, values));
  }
  for (const k of keys) qb = qb.orderBy(k.expr as never, k.dir);
  return qb.limit(page.limit).offset(page.offset).execute();
}
