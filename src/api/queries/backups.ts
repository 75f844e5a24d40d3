// Paging over backups: filters, sort keys and keyset markers (one backup: db/repos).
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { BackupRow } from '../../db/schema.js';
import { InvalidInput } from '../../errors/errors.js';
import { afterMarker, type SortExpr } from './keyset.js';
import type { PageParams } from './list-params.js';

export const BACKUP_SORT_KEYS = ['id', 'name', 'status', 'size', 'created_at', 'updated_at', 'volume_id', 'container', 'availability_zone', 'data_timestamp'] as const;

const SORT_COLUMNS: Record<string, ReturnType<typeof sql>> = {
  id: sql`backups.id`,
  name: sql`coalesce(backups.display_name, '')`,
  status: sql`backups.status`,
  size: sql`backups.size`,
  created_at: sql`backups.created_at`,
  updated_at: sql`backups.updated_at`,
  volume_id: sql`backups.volume_id`,
  container: sql`coalesce(backups.container, '')`,
  availability_zone: sql`coalesce(backups.availability_zone, '')`,
  data_timestamp: sql`backups.data_timestamp`,
};

export interface BackupFilters {
  projectId: string | null;
  name?: string;
  status?: string;
  volumeId?: string;
  metadata?: Record<string, string>;
}

function filtered(db: Db, f: BackupFilters) {
  let qb = db.kysely.selectFrom('backups').selectAll();
  if (f.projectId !== null) qb = qb.where('backups.projectId', '=', f.projectId);
  if (f.name !== undefined) qb = qb.where('backups.displayName', '=', f.name);
  if (f.status !== undefined) qb = qb.where('backups.status', '=', f.status);
  if (f.volumeId !== undefined) qb = qb.where('backups.volumeId', '=', f.volumeId);
  for (const [k, v] of Object.entries(f.metadata ?? {})) {
    qb = qb.where((eb) => eb.exists(eb.selectFrom('backupMetadata').select('backupMetadata.key')
      .whereRef('backupMetadata.resourceId', '=', 'backups.id')
      .where('backupMetadata.key', '=', k).where('backupMetadata.value', '=', v)));
  }
  return qb;
}

/** How many backups match the filters (with_count, 3.45). */
export async function countBackups(db: Db, f: BackupFilters): Promise<number> {
  const r = await filtered(db, f).clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listBackups(db: Db, f: BackupFilters, page: PageParams): Promise<BackupRow[]> {
  let qb = filtered(db, f);
  const keys: SortExpr[] = page.sort.map((s) => ({ expr: SORT_COLUMNS[s.key]!, dir: s.dir }));
  if (!page.sort.some((s) => s.key === 'id')) keys.push({ expr: SORT_COLUMNS.id!, dir: page.sort[0]?.dir ?? 'desc' });
  if (page.marker !== null) {
    let mq = db.kysely.selectFrom('backups').where('backups.id', '=', page.marker);
    if (f.projectId !== null) mq = mq.where('backups.projectId', '=', f.projectId);
    const marker = await mq.select(keys.map((k, i) => sql`${k.expr}`.as(`k${i}`))).executeTakeFirst();
    if (!marker) throw new InvalidInput(`Marker backup ${page.marker.slice(0, 64)} could not be found.`);
    const values = keys.map((_, i) => (marker as Record<string, unknown>)[`k${i}`]);
    qb = qb.where((eb) => afterMarker(eb, keys, values));
  }
  for (const k of keys) qb = qb.orderBy(k.expr as never, k.dir);
  return qb.limit(page.limit).offset(page.offset).execute();
}
