// What a volume manager checks at start against its backend: every exported volume is
// re-exported (ensure_export), backend objects with no database row are found, and so are
// the creates a dead predecessor left half done (object made, volume still `creating`). The
// re-export walks the inventory a page at a time, so its memory does not grow with the number of
// volumes; the orphan checks hold what the driver lists (it answers whole) and the ids found.
import { sql, type Db } from '../db/database.js';
import type { VolumeRow } from '../db/schema.js';
import { ListBackendVolumes } from '../drivers/interface/capabilities.js';
import type { VolumeDriverCore } from '../drivers/interface/core.js';
import type { BackendVolumeObject } from '../drivers/interface/objects.js';
import { toFlintError } from '../errors/errors.js';
import { nowIso } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { type NameTemplates, toDriverVolumes } from './driver-objects.js';

/** Rows per page: one metadata and one extra-specs query per page, updates committed per page. */
const PAGE = 1000;

export interface ReconcileTarget {
  db: Db;
  driver: VolumeDriverCore;
  /** `host@backend` */
  backendHost: string;
  templates: NameTemplates;
  logger: Logger;
  /** Rows per page (default 1000). */
  pageSize?: number;
}

/** Objects found on the backend with no database row: reported, never deleted. */
export interface Orphan {
  reference: Record<string, string>;
  sizeGiB: number;
  flintId: string | null;
}

const onBackend = (backendHost: string) => `${backendHost}#%`;

/** The backend's exported volumes after `afterId`, in id order (keyset paging over the primary key). */
function exportedPage(t: ReconcileTarget, afterId: string): Promise<VolumeRow[]> {
  return t.db.kysely.selectFrom('volumes').selectAll()
    .where('host', 'like', onBackend(t.backendHost)).where('exported', '=', 1).where('id', '>', afterId)
    .orderBy('id').limit(t.pageSize ?? PAGE).execute();
}

/**
 * ensure_export for every volume that should be exported. A location the driver answers is
 * written back only when it differs from the row's, so a restart with nothing changed writes nothing.
 */
export async function reexportAll(t: ReconcileTarget): Promise<{ checked: number; updated: number }> {
  let checked = 0;
  let updated = 0;
  for (let after = ''; ;) {
    const rows = await exportedPage(t, after);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    const volumes = await toDriverVolumes(t.db.kysely, rows, t.templates);
    const changes: LocationChange[] = [];
    for (const [i, dv] of volumes.entries()) {
      const row = rows[i]!;
      try {
        const u = await t.driver.ensureExport(dv);
        if (!u) continue;
        const change: (typeof changes)[number] = { id: row.id };
        if (u.providerLocation !== undefined && u.providerLocation !== row.providerLocation) change.providerLocation = u.providerLocation;
        if (u.providerAuth !== undefined && u.providerAuth !== row.providerAuth) change.providerAuth = u.providerAuth;
        if (Object.keys(change).length > 1) changes.push(change);
      } catch (e) {
        t.logger.error({ volume: row.id, err: toFlintError(e).message }, 'ensure_export failed');
      }
    }
    checked += rows.length;
    if (changes.length > 0) {
      await writeLocations(t.db, changes);
      updated += changes.length;
    }
  }
  return { checked, updated };
}

/** The backend's objects, or null when the driver cannot list them. */
export async function listObjects(t: ReconcileTarget): Promise<BackendVolumeObject[] | null> {
  return ListBackendVolumes.is(t.driver) ? t.driver.listBackendVolumes() : null;
}

interface LocationChange {
  id: string;
  providerLocation?: string | null;
  providerAuth?: string | null;
}

/**
 * Writes a page's changed locations in one UPDATE joined to a VALUES list (SQLite 3.33+ and
 * PostgreSQL both name its columns column1…column5), not one statement per volume: a first
 * start over 100,000 volumes sent 100,000 UPDATEs. A field the driver left as it was keeps
 * the row's value (flag '0'), so only what changed is written, as before.
 */
async function writeLocations(db: Db, changes: LocationChange[]): Promise<void> {
  const flag = (set: boolean) => (set ? '1' : '0');
  const values = sql.join(changes.map((c) => sql`(${c.id}, ${c.providerLocation ?? null}, ${flag(c.providerLocation !== undefined)}, ${c.providerAuth ?? null}, ${flag(c.providerAuth !== undefined)})`));
  await sql`update volumes set
      provider_location = case when v.column3 = '1' then v.column2 else volumes.provider_location end,
      provider_auth = case when v.column5 = '1' then v.column4 else volumes.provider_auth end,
      updated_at = ${nowIso()}
    from (values ${values}) as v
    where volumes.id = v.column1`.execute(db.kysely);
}

/**
 * Backend objects whose Flint id names no volume of this backend. The ids are looked up a page
 * at a time in id order (neighbouring ids share index pages; the backend lists its objects in
 * its own order), and the orphans are answered in the backend's order. `objects`: the
 * backend's listing when the caller already has it.
 */
export async function findOrphans(t: ReconcileTarget, objects?: readonly BackendVolumeObject[] | null): Promise<Orphan[]> {
  const listed = objects === undefined ? await listObjects(t) : objects;
  if (!listed) return [];
  const claimed = [...new Set(listed.map((o) => o.flintId).filter((id): id is string => !!id))].sort();
  const page = t.pageSize ?? PAGE;
  const known = new Set<string>();
  for (let i = 0; i < claimed.length; i += page) {
    const rows = await t.db.kysely.selectFrom('volumes').select('id')
      .where('id', 'in', claimed.slice(i, i + page)).where('host', 'like', onBackend(t.backendHost)).execute();
    for (const r of rows) known.add(r.id);
  }
  return listed.filter((o) => !o.flintId || !known.has(o.flintId)).map((o) => ({ reference: o.reference, sizeGiB: o.sizeGiB, flintId: o.flintId }));
}

/**
 * Volumes of this backend still `creating` whose object the backend already holds: creates a
 * dead predecessor made but never finished. The backend's stats count them, so the start-up
 * report settles their placements as landed (their create tasks run again and find the object).
 */
export async function createsAlreadyMade(t: ReconcileTarget, objects: readonly BackendVolumeObject[]): Promise<string[]> {
  const made: string[] = [];
  const page = t.pageSize ?? PAGE;
  const ids = objects.map((o) => o.flintId).filter((id): id is string => !!id);
  for (let i = 0; i < ids.length; i += page) {
    const rows = await t.db.kysely.selectFrom('volumes').select('id')
      .where('id', 'in', ids.slice(i, i + page)).where('host', 'like', onBackend(t.backendHost)).where('status', '=', 'creating').execute();
    for (const r of rows) made.push(r.id);
  }
  return made;
}
