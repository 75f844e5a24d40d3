// Retype, migrate and reimage on the API side (Cinder's rules and error codes): checks made
// on the locked row, the status set and the task recorded in one transaction. A retype whose
// new type names another backend (volume_backend_name) needs a migration: allowed only with
// migration_policy on-demand. Migration moves a detached volume without snapshots.
import type { Db } from '../db/database.js';
import type { VolumeRow } from '../db/schema.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { InvalidInput, NoValidBackend, NotFound } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { Tx } from '../db/transaction.js';
import { inTransaction } from '../db/transaction.js';
import { casVolume, getVolume, lockVolume } from '../db/repos/volumes.js';
import { extraSpecsOf, findVolumeType } from '../db/repos/types.js';
import { encryptionOf } from '../db/repos/type-encryption.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { type Enqueue, typeQuotaDeltas } from './api-support.js';
import { movingStatus } from './flows/move.flows.js';
import type { RequestContext } from './operations.js';

export type MigrationPolicy = 'never' | 'on-demand';

const MIGRATING = ['starting', 'migrating', 'completing'];

interface BackendInfo { backendHost: string; volumeBackendName: string; pools: string[] }

async function backends(tx: Tx): Promise<BackendInfo[]> {
  const rows = await tx.selectFrom('backendStats').select(['backendHost', 'stats']).execute();
  return rows.map((r) => {
    const s = JSON.parse(r.stats) as BackendStats;
    return { backendHost: r.backendHost, volumeBackendName: s.volumeBackendName, pools: s.pools.map((p) => p.poolName) };
  });
}

/** A detached volume without snapshots, not already migrating: what a migration can move. */
async function checkMovable(tx: Tx, v: VolumeRow, action: string): Promise<void> {
  if (v.status !== 'available') throw new InvalidInput(`Invalid volume: ${action} needs an available volume (an attached one needs a compute service to swap it); volume ${v.id} is ${v.status}.`);
  const snap = await tx.selectFrom('snapshots').select('id').where('volumeId', '=', v.id).executeTakeFirst();
  if (snap) throw new InvalidInput(`Invalid volume: volume ${v.id} must not have snapshots to be migrated (it has ${snap.id}).`);
}

export class VolumeMoveApi {
  constructor(private readonly db: Db, private readonly tasks: TaskQueue, private readonly quotas: QuotaEngine, private readonly enqueue: Enqueue) {}

  async retype(ctx: RequestContext, id: string, newType: string, policy: MigrationPolicy): Promise<void> {
    const v = await inTransaction(this.db, async (tx) => {
      const cur = await lockVolume(tx, ctx, id);
      if (!['available', 'in-use'].includes(cur.status)) throw new InvalidInput(`Invalid volume: retype needs an available or in-use volume; volume ${id} is ${cur.status}.`);
      if (cur.migrationStatus && MIGRATING.includes(cur.migrationStatus)) throw new InvalidInput(`Invalid volume: volume ${id} is already being migrated.`);
      const type = await findVolumeType(tx, ctx, newType);
      if (type.id === cur.volumeTypeId) throw new InvalidInput(`Invalid input: new volume type ${newType} is the volume's type already.`);
      const oldEncrypted = cur.volumeTypeId ? !!(await encryptionOf(tx, cur.volumeTypeId)) : false;
      if (oldEncrypted !== !!(await encryptionOf(tx, type.id))) throw new InvalidInput('Invalid input: retype cannot change encryption requirements.');
      const wanted = (await extraSpecsOf(tx, type.id)).volume_backend_name;
      const here = (await backends(tx)).find((b) => cur.host !== null && b.backendHost === backendHostOf(cur.host));
      let destHost: string | null = null;
      if (wanted !== undefined && here && here.volumeBackendName !== wanted) {
        if (policy !== 'on-demand') throw new InvalidInput(`Invalid input: retype of volume ${id} to ${type.name} needs a migration to backend ${wanted}, and migration_policy is never.`);
        await checkMovable(tx, cur, 'retype with migration');
        const dest = (await backends(tx)).find((b) => b.volumeBackendName === wanted && b.pools.length > 0);
        if (!dest) throw new NoValidBackend(`No valid backend was found for volume type ${type.name}: no backend reports volume_backend_name ${wanted}.`);
        destHost = `${dest.backendHost}#${dest.pools[0]}`;
      }
      // The per-type counters move; the totals do not change.
      const oldName = cur.volumeTypeId ? (await findVolumeType(tx, null, cur.volumeTypeId)).name : null;
      const deltas: Record<string, number> = {};
      const perType = (name: string | null, n: number, gib: number) => Object.entries(typeQuotaDeltas(name, n, gib)).filter(([k]) => k !== 'volumes' && k !== 'gigabytes');
      for (const [k, d] of [...perType(type.name, 1, cur.size), ...perType(oldName, -1, -cur.size)]) deltas[k] = (deltas[k] ?? 0) + d;
      const reservation = await this.quotas.reserve(tx, cur.projectId, deltas);
      const payload = { newTypeId: type.id, destHost, reservation, previousStatus: cur.status };
      const row = await casVolume(tx, id, [cur.status], { status: movingStatus(payload), ...(destHost ? { migrationStatus: 'migrating' } : {}) }, 'retype');
      await this.enqueue(tx, 'move_volume', row, payload);
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }

  /** os-migrate_volume (admin): to `host` (`host@backend` or `host@backend#pool`). */
  async migrate(ctx: RequestContext, id: string, host: string): Promise<void> {
    const v = await inTransaction(this.db, async (tx) => {
      const cur = await lockVolume(tx, ctx, id);
      if (cur.migrationStatus && MIGRATING.includes(cur.migrationStatus)) throw new InvalidInput(`Invalid volume: volume ${id} is already being migrated.`);
      await checkMovable(tx, cur, 'migration');
      const [backendHost, pool] = host.split('#', 2) as [string, string | undefined];
      const dest = (await backends(tx)).find((b) => b.backendHost === backendHost);
      const up = await tx.selectFrom('services').select('disabled').where('binary', '=', 'flint-volume').where('host', '=', backendHost).executeTakeFirst();
      if (!dest || !up || up.disabled) throw new InvalidInput(`Invalid host: no enabled volume service runs on ${host}.`);
      if (pool !== undefined && !dest.pools.includes(pool)) throw new InvalidInput(`Invalid host: backend ${backendHost} has no pool ${pool}.`);
      const destHost = `${backendHost}#${pool ?? dest.pools[0]}`;
      if (cur.host === destHost || (pool === undefined && cur.host !== null && backendHostOf(cur.host) === backendHost)) {
        throw new InvalidInput(`Invalid host: the destination host must be different from the current host ${cur.host}.`);
      }
      const payload = { newTypeId: null, destHost, reservation: '', previousStatus: cur.status };
      const row = await casVolume(tx, id, ['available'], { status: movingStatus(payload), migrationStatus: 'migrating' }, 'migrate');
      await this.enqueue(tx, 'move_volume', row, payload);
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }

  /**
   * os-migrate_volume_completion (admin): a compute service calls it after swapping an attached
   * volume onto the migration's new volume. Flint makes no such target volumes (it migrates
   * detached volumes in the driver), so a new volume that is not this migration's target is
   * refused as Cinder refuses it.
   */
  async migrateCompletion(ctx: RequestContext, id: string, newVolumeId: string): Promise<never> {
    const v = await getVolume(this.db.kysely, ctx, id);
    const target = await getVolume(this.db.kysely, ctx, newVolumeId).catch(() => { throw new NotFound('Volume', newVolumeId); });
    if (!v.migrationStatus) throw new InvalidInput(`Invalid volume: source volume ${id} is not being migrated.`);
    throw new InvalidInput(`Invalid volume: destination volume ${newVolumeId} has migration_status ${target.migrationStatus ?? 'None'}, expected target:${id}.`);
  }

  /** 3.68 os-reimage: the image (a path in Flint's image store the caller may read) over the volume. */
  async reimage(ctx: RequestContext, id: string, image: { path: string; sizeBytes: number | null }, reimageReserved: boolean): Promise<void> {
    const v = await inTransaction(this.db, async (tx) => {
      const cur = await lockVolume(tx, ctx, id);
      const allowed = reimageReserved ? ['available', 'error', 'reserved'] : ['available', 'error'];
      if (!allowed.includes(cur.status)) {
        throw new InvalidInput(`Invalid volume: reimage needs a volume in ${allowed.join(', ')}${reimageReserved ? '' : ' (reserved only with reimage_reserved)'}; volume ${id} is ${cur.status}.`);
      }
      if (image.sizeBytes !== null && image.sizeBytes > cur.size * 1024 ** 3) {
        throw new InvalidInput(`Invalid input: the image is ${image.sizeBytes} bytes, larger than volume ${id} (${cur.size} GiB).`);
      }
      const row = await casVolume(tx, id, allowed, { status: 'downloading' }, 'reimage');
      await this.enqueue(tx, 'reimage_volume', row, { imagePath: image.path, previousStatus: cur.status });
      return row;
    });
    this.tasks.notify(volumeQueue(backendHostOf(v.host!)));
  }
}
