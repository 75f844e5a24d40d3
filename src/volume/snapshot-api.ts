// Snapshot operations on the API side: validate, compare-and-set, reserve quota, enqueue.
import type { Db } from '../db/database.js';
import type { SnapshotRow, VolumeRow } from '../db/schema.js';
import { Conflict, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import { checkMetadata, checkName } from './validation.js';
import type { CreateSnapshotRequest, RequestContext } from './operations.js';
import { ALLOWED_FROM, SNAPSHOT_STATUSES } from './status.js';
import type { TaskKind, TaskPayloads } from './task-kinds.js';
import { backendHostOf, casSnapshot, getSnapshot, getVolume, lockVolume, nowIso, setMetadata, volumeQueue, type Tx } from './volume-repository.js';

type Enqueue = <K extends TaskKind>(tx: Tx, kind: K, v: VolumeRow, payload: TaskPayloads[K], resourceType: string, resourceId: string) => Promise<string>;

export class SnapshotApi {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly enqueue: Enqueue,
  ) {}

  async create(ctx: RequestContext, req: CreateSnapshotRequest): Promise<SnapshotRow> {
    checkName('name', req.name);
    checkName('description', req.description);
    checkMetadata(req.metadata);
    const id = newId();
    const now = nowIso();
    const { snap, host } = await this.db.kysely.transaction().execute(async (tx) => {
      await getVolume(tx, ctx, req.volumeId);
      // Read again under the lock: a cascade delete that committed meanwhile shows as 'deleting'.
      await lockVolume(tx, this.db.dialect, req.volumeId);
      const v = await getVolume(tx, ctx, req.volumeId);
      const allowed: readonly string[] = req.force ? ALLOWED_FROM.snapshotForce : ALLOWED_FROM.snapshot;
      if (!allowed.includes(v.status)) {
        throw new Conflict(`Volume ${v.id} must be ${allowed.join(' or ')} to snapshot it${req.force ? '' : ' (use force for in-use)'}; its status is ${v.status}.`);
      }
      const reservation = await this.quotas.reserve(tx, ctx.projectId, { snapshots: 1 });
      const s = await tx.insertInto('snapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, volumeId: v.id, displayName: req.name ?? null,
        displayDescription: req.description ?? null, status: 'creating', progress: '0%', volumeSize: v.size,
        providerLocation: null, providerId: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await setMetadata(tx, 'snapshotMetadata', id, req.metadata ?? {});
      await this.enqueue(tx, 'create_snapshot', v, { reservation }, 'snapshot', id);
      return { snap: s, host: v.host! };
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
    return snap;
  }

  async delete(ctx: RequestContext, id: string, opts: { force?: boolean } = {}): Promise<void> {
    const host = await this.db.kysely.transaction().execute(async (tx) => {
      const s = await getSnapshot(tx, ctx, id);
      await lockVolume(tx, this.db.dialect, s.volumeId);
      const allowed = opts.force ? [...SNAPSHOT_STATUSES].filter((x) => x !== 'deleting') : ALLOWED_FROM.snapshotDelete;
      const dependents = await tx.selectFrom('volumes').select('id').where('snapshotId', '=', id).where('status', '=', 'creating').executeTakeFirst();
      if (dependents) throw new Conflict(`Snapshot ${id} is the source of volume ${dependents.id}, which is still being created.`);
      await casSnapshot(tx, id, allowed, { status: 'deleting' }, 'delete');
      const reservation = await this.quotas.reserve(tx, s.projectId, { snapshots: -1 });
      const v = await getVolume(tx, null, s.volumeId);
      await this.enqueue(tx, 'delete_snapshot', v, { reservation }, 'snapshot', id);
      return v.host!;
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  async resetStatus(ctx: RequestContext, id: string, status: string): Promise<void> {
    if (!(SNAPSHOT_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInput(`status '${status}' is not a snapshot status (allowed: ${SNAPSHOT_STATUSES.join(', ')}).`);
    }
    await getSnapshot(this.db.kysely, ctx, id);
    await this.db.kysely.transaction().execute(async (tx) => {
      await tx.updateTable('tasks').set({ status: 'failed', lastError: 'superseded by reset-status', leaseOwner: null })
        .where('dedupeKey', '=', `snapshot:${id}`).where('status', 'in', ['pending', 'running']).execute();
      await tx.updateTable('snapshots').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
    });
  }

}
