// A large inventory written straight through SQL in batches (the API would take hours for
// 100,000 creates): volumes over many projects, their metadata, live attachments, quota usage
// and the finished tasks that created them.
import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import type { Db } from '../src/db/database.js';
import type { VolumesTable } from '../src/db/schema.js';

export interface ScaleShape {
  volumes: number;
  projects: number;
  /** The one project that holds many more volumes than the rest (paged to its end). */
  bigProjectVolumes: number;
  /** `host@backend#pool` every volume lives on (exported, so the manager re-exports them all). */
  poolHost: string;
}

export const projectName = (p: number): string => `scale-p${String(p).padStart(4, '0')}`;
export const BIG_PROJECT = projectName(0);

/** Every 50th volume is in error, every 10th in use with one attachment; the rest available. */
export const statusOf = (i: number): string => (i % 50 === 0 ? 'error' : i % 10 === 0 ? 'in-use' : 'available');

const BATCH = 500;

/** The project of volume `i`: the big project first, the rest spread evenly over the others. */
function projectOf(i: number, s: ScaleShape): string {
  if (i < s.bigProjectVolumes) return BIG_PROJECT;
  return projectName(1 + ((i - s.bigProjectVolumes) % (s.projects - 1)));
}

/** Seeds the inventory; returns the ids of the volumes in seeding order. */
export async function seedInventory(db: Db, s: ScaleShape): Promise<string[]> {
  const k = db.kysely;
  const typeId = randomUUID();
  await k.insertInto('volumeTypes').values({ id: typeId, name: 'scale-type', description: null, isPublic: 1, qosSpecsId: null, createdAt: new Date().toISOString() }).execute();
  const ids: string[] = [];
  const usage = new Map<string, { volumes: number; gigabytes: number }>();
  const t0 = Date.UTC(2026, 0, 1);
  for (let start = 0; start < s.volumes; start += BATCH) {
    const rows: Insertable<VolumesTable>[] = [];
    for (let i = start; i < Math.min(s.volumes, start + BATCH); i++) {
      const id = randomUUID();
      ids.push(id);
      const projectId = projectOf(i, s);
      const status = statusOf(i);
      const size = 1 + (i % 100);
      const u = usage.get(projectId) ?? { volumes: 0, gigabytes: 0 };
      u.volumes++;
      u.gigabytes += size;
      usage.set(projectId, u);
      const at = new Date(t0 + i * 1000).toISOString();
      rows.push({
        id, projectId, userId: 'scale-user', displayName: `vol-${i}`, displayDescription: null, size, status,
        attachStatus: status === 'in-use' ? 'attached' : 'detached', availabilityZone: 'nova', volumeTypeId: i % 2 === 0 ? typeId : null,
        host: s.poolHost, providerLocation: null, providerAuth: null, providerId: null, snapshotId: null, sourceVolid: null,
        bootable: 0 as const, multiattach: 0 as const, migrationStatus: null, replicationStatus: null, groupId: null,
        exported: 1 as const, createdAt: at, updatedAt: at,
      });
    }
    await k.transaction().execute(async (tx) => {
      await tx.insertInto('volumes').values(rows).execute();
      await tx.insertInto('volumeMetadata').values(rows.flatMap((v) => [
        { resourceId: v.id, key: 'owner', value: v.projectId }, { resourceId: v.id, key: 'tier', value: v.size % 3 === 0 ? 'gold' : 'silver' },
      ])).execute();
      // A day of history: each volume's schedule and create tasks, finished (kept a day before purge).
      const done = new Date().toISOString();
      await tx.insertInto('tasks').values(rows.flatMap((v) => (['schedule_volume', 'create_volume'] as const).map((kind) => ({
        id: randomUUID(), kind, queue: kind === 'schedule_volume' ? 'scheduler' : `volume@${s.poolHost.split('#')[0]}`, resourceType: 'volume',
        resourceId: v.id, dedupeKey: `volume:${v.id}`, payload: '{}', status: 'done', progress: '[]', attempts: 1, maxAttempts: 5,
        runAt: v.createdAt!, leaseOwner: null, leaseExpiresAt: null, lastError: null, result: null, createdAt: v.createdAt!, updatedAt: done,
      })))).execute();
      const attached = rows.filter((v) => v.status === 'in-use');
      if (attached.length > 0) {
        await tx.insertInto('attachments').values(attached.map((v) => ({
          id: randomUUID(), volumeId: v.id, projectId: v.projectId, instanceUuid: randomUUID(), attachedHost: 'compute-1', mountpoint: '/dev/vdb',
          attachStatus: 'attached', attachMode: 'rw', connector: null, connectionInfo: null, attachTime: v.createdAt, detachTime: null,
          createdAt: v.createdAt, updatedAt: v.createdAt,
        }))).execute();
      }
    });
  }
  const usageRows = [...usage].flatMap(([projectId, u]) => [
    { projectId, resource: 'volumes', inUse: u.volumes, reserved: 0 },
    { projectId, resource: 'gigabytes', inUse: u.gigabytes, reserved: 0 },
  ]);
  for (let i = 0; i < usageRows.length; i += BATCH) await k.insertInto('quotaUsages').values(usageRows.slice(i, i + BATCH)).execute();
  // PostgreSQL's autovacuum would have gathered planner statistics by now; SQLite gathers none
  // unless told, so its plans are measured as a fresh all-in-one install has them.
  if (db.dialect === 'postgres') await sql`ANALYZE`.execute(k);
  return ids;
}
