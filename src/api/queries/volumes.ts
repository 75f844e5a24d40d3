// Paging over volumes: filters, sort keys and keyset markers (one volume, its metadata and
// attachments: db/repos).
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { VolumeRecord } from '../../db/repos/volumes.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { afterMarker, type SortExpr } from './keyset.js';
import type { PageParams } from './list-params.js';

export const VOLUME_SORT_KEYS = [
  'id', 'name', 'status', 'size', 'created_at', 'updated_at', 'availability_zone', 'bootable', 'volume_type_id', 'project_id',
] as const;

const SORT_COLUMNS: Record<string, ReturnType<typeof sql>> = {
  id: sql`volumes.id`,
  name: sql`coalesce(volumes.display_name, '')`,
  status: sql`volumes.status`,
  size: sql`volumes.size`,
  created_at: sql`volumes.created_at`,
  updated_at: sql`volumes.updated_at`,
  availability_zone: sql`volumes.availability_zone`,
  bootable: sql`volumes.bootable`,
  volume_type_id: sql`coalesce(volumes.volume_type_id, '')`,
  project_id: sql`volumes.project_id`,
};

export interface VolumeFilters {
  /** null: every project (admin all_tenants). */
  projectId: string | null;
  name?: string;
  nameLike?: string;
  status?: string;
  availabilityZone?: string;
  bootable?: boolean;
  multiattach?: boolean;
  size?: number;
  volumeTypeId?: string;
  userId?: string;
  groupId?: string;
  host?: string;
  migrationStatus?: string;
  metadata?: Record<string, string>;
}

function baseQuery(db: Db) {
  return db.kysely
    .selectFrom('volumes')
    .leftJoin('volumeTypes', 'volumeTypes.id', 'volumes.volumeTypeId')
    .selectAll('volumes')
    .select('volumeTypes.name as volumeTypeName');
}

function filtered(db: Db, f: VolumeFilters) {
  let qb = baseQuery(db);
  if (f.projectId !== null) qb = qb.where('volumes.projectId', '=', f.projectId);
  if (f.name !== undefined) qb = qb.where('volumes.displayName', '=', f.name);
  if (f.nameLike !== undefined) qb = qb.where('volumes.displayName', 'like', `%${f.nameLike.replace(/[%_]/g, '')}%`);
  if (f.status !== undefined) qb = qb.where('volumes.status', '=', f.status);
  if (f.availabilityZone !== undefined) qb = qb.where('volumes.availabilityZone', '=', f.availabilityZone);
  if (f.bootable !== undefined) qb = qb.where('volumes.bootable', '=', f.bootable ? 1 : 0);
  if (f.multiattach !== undefined) qb = qb.where('volumes.multiattach', '=', f.multiattach ? 1 : 0);
  if (f.size !== undefined) qb = qb.where('volumes.size', '=', f.size);
  if (f.volumeTypeId !== undefined) qb = qb.where('volumes.volumeTypeId', '=', f.volumeTypeId);
  if (f.userId !== undefined) qb = qb.where('volumes.userId', '=', f.userId);
  if (f.groupId !== undefined) qb = qb.where('volumes.groupId', '=', f.groupId);
  if (f.host !== undefined) qb = qb.where('volumes.host', 'like', `${f.host.replace(/[%_]/g, '')}%`);
  if (f.migrationStatus !== undefined) qb = qb.where('volumes.migrationStatus', '=', f.migrationStatus);
  for (const [k, v] of Object.entries(f.metadata ?? {})) {
    qb = qb.where((eb) =>
      eb.exists(
        eb.selectFrom('volumeMetadata').select('volumeMetadata.key')
          .whereRef('volumeMetadata.resourceId', '=', 'volumes.id')
          .where('volumeMetadata.key', '=', k).where('volumeMetadata.value', '=', v),
      ),
    );
  }
  return qb;
}

/** Count and total size of the matching volumes, and every metadata value in use (volume summary, 3.12/3.36). */
export async function summarizeVolumes(db: Db, f: VolumeFilters): Promise<{ count: number; size: number; metadata: Record<string, string[]> }> {
  const r = await filtered(db, f).clearSelect()
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.coalesce(eb.fn.sum('volumes.size'), eb.lit(0)).as('total')])
    .executeTakeFirstOrThrow();
  const md = await db.kysely.selectFrom('volumeMetadata').select(['key', 'value']).distinct()
    .where('resourceId', 'in', filtered(db, f).clearSelect().select('volumes.id'))
    .orderBy('key').orderBy('value').execute();
  const metadata: Record<string, string[]> = {};
  for (const m of md) (metadata[m.key] ??= []).push(m.value);
  return { count: Number(r.n), size: Number(r.total), metadata };
}

/** How many volumes match the filters (with_count, 3.45). */
export async function countVolumes(db: Db, f: VolumeFilters): Promise<number> {
  const r = await filtered(db, f).clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listVolumes(db: Db, f: VolumeFilters, page: PageParams): Promise<VolumeRecord[]> {
  return (await volumePageQuery(db, f, page)).execute();
}

/** The query for one page of volumes, not yet run (its plan is checked by test/integration/volume-list-plans). */
export async function volumePageQuery(db: Db, f: VolumeFilters, page: PageParams) {
  let qb = filtered(db, f);
  const keys: SortExpr[] = page.sort.map((s) => ({ expr: SORT_COLUMNS[s.key]!, dir: s.dir }));
  if (!page.sort.some((s) => s.key === 'id')) keys.push({ expr: SORT_COLUMNS.id!, dir: page.sort[0]?.dir ?? 'desc' });
  if (page.marker !== null) {
    let mq = db.kysely.selectFrom('volumes').where('volumes.id', '=', page.marker);
    if (f.projectId !== null) mq = mq.where('volumes.projectId', '=', f.projectId);
    const marker = await mq.select(keys.map((k, i) => sql`${k.expr}`.as(`k${i}`))).executeTakeFirst();
    // 404 as Cinder's MarkerNotFound: the marker names a resource that is not there.
    if (!marker) throw new NotFound('Marker volume', page.marker.slice(0, 64));
    const values = keys.map((_, i) => (marker as Record<string, unknown>)[`k${i}`]);
    qb = qb.where((eb) => afterMarker(eb, keys, values));
  }
  for (const k of keys) qb = qb.orderBy(k.expr as never, k.dir);
  return qb.limit(page.limit).offset(page.offset);
}
