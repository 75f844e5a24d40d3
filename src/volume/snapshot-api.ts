// Snapshot operations on the API side: validate, compare-and-set, reserve quota, enqueue.
// Each locks the snapshot's volume before anything else, so a snapshot cannot appear or
// go away under a volume delete that is listing them (lock order: db/transaction.ts).
import type { Db } from '../db/database.js';
import type { SnapshotRow } from '../db/schema.js';
import { Conflict, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import { checkMetadata, checkName } from './validation.js';
import { requireBackendOperation } from './backend-operations.js';
import type { RequestContext } from './operations.js';
import type { CreateSnapshotRequest, ManageSnapshotRequest } from './snapshot-operations.js';
import { ALLOWED_FROM, SNAPSHOT_STATUSES } from './status.js';
import { snapshotQuotaDeltas, type Enqueue } from './api-support.js';
import { casSnapshot, getSnapshot, lockSnapshot } from '../db/repos/snapshots.js';
import { lockVolume } from '../db/repos/volumes.js';
import { mergeMetadata } from '../db/repos/metadata.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { inTransaction, type Tx } from '../db/transaction.js';

async function typeNameOf(tx: Tx, typeId: string | null): Promise<string | null> {
  if (!typeId) return null;
  return (await tx.selectFrom('volumeTypes').select('name').where('id', '=', typeId).executeTakeFirst())?.name ?? null;
}

const UPDATE_STATUS_TRANSITIONS: Record<string, readonly string[]> = {
  creating: ['creating', 'available', 'error'],
  deleting: ['deleting', 'error_deleting'],
};

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
    const { snap, host } = await inTransaction(this.db, async (tx) => {
      // Locked, so the status checked here holds until this snapshot row is committed.
      const v = await lockVolume(tx, ctx, req.volumeId);
      const allowed: readonly string[] = req.force ? ALLOWED_FROM.snapshotForce : ALLOWED_FROM.snapshot;
      if (!allowed.includes(v.status)) {
        throw new Conflict(`Volume ${v.id} must be ${allowed.join(' or ')} to snapshot it${req.force ? '' : ' (use force for in-use)'}; its status is ${v.status}.`);
      }
      await requireBackendOperation(tx, v.host, 'snapshot', 'create snapshot');
      const reservation = await this.quotas.reserve(tx, ctx.projectId, snapshotQuotaDeltas(await typeNameOf(tx, v.volumeTypeId), 1, v.size));
      const s = await tx.insertInto('snapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, volumeId: v.id, displayName: req.name ?? null,
        displayDescription: req.description ?? null, status: 'creating', progress: '0%', volumeSize: v.size,
        providerLocation: null, providerId: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'snapshotMetadata', id, req.metadata ?? {});
      await this.enqueue(tx, 'create_snapshot', v, { reservation }, 'snapshot', id);
      return { snap: s, host: v.host! };
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
    return snap;
  }

  async delete(ctx: RequestContext, id: string, opts: { force?: boolean } = {}): Promise<void> {
    const host = await inTransaction(this.db, async (tx) => {
      const { volumeId } = await getSnapshot(tx, ctx, id);
      const v = await lockVolume(tx, null, volumeId);
      const locked = await lockSnapshot(tx, ctx, id);
      // Cinder: a member of a group snapshot goes only with its group snapshot.
      if (locked.groupSnapshotId) throw new InvalidInput(`Invalid snapshot: snapshot ${id} is part of group snapshot ${locked.groupSnapshotId}; delete the group snapshot instead.`);
      // Force takes any status, as Cinder's: a snapshot an admin reset to deleting has no
      // delete under way (reset-status supersedes tasks); one that has is refused below by the
      // task queue's per-resource dedupe, so its quota is never released twice.
      const allowed = opts.force ? SNAPSHOT_STATUSES : ALLOWED_FROM.snapshotDelete;
      const dependents = await tx.selectFrom('volumes').select('id').where('snapshotId', '=', id).where('status', '=', 'creating').executeTakeFirst();
      if (dependents) throw new Conflict(`Snapshot ${id} is the source of volume ${dependents.id}, which is still being created.`);
      const s = await casSnapshot(tx, id, allowed, { status: 'deleting' }, 'delete');
      const reservation = await this.quotas.reserve(tx, s.projectId, snapshotQuotaDeltas(await typeNameOf(tx, v.volumeTypeId), -1, -s.volumeSize));
      await this.enqueue(tx, 'delete_snapshot', v, { reservation }, 'snapshot', id);
      return v.host!;
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  /**
   * os-update_snapshot_status: how Nova reports the progress of a snapshot it takes itself
   * (assisted snapshots). Only Cinder's transitions: from creating to creating, available or
   * error; from deleting to deleting or error_deleting.
   */
  async updateStatus(ctx: RequestContext, id: string, status: string, progress: string | null): Promise<void> {
    const { volumeId } = await getSnapshot(this.db.kysely, ctx, id);
    await inTransaction(this.db, async (tx) => {
      await lockVolume(tx, null, volumeId);
      const cur = await lockSnapshot(tx, ctx, id);
      const next = UPDATE_STATUS_TRANSITIONS[cur.status];
      if (!next) throw new InvalidInput(`Snapshot status ${cur.status} not allowed for update_snapshot_status (only creating or deleting).`);
      if (!next.includes(status)) {
        throw new InvalidInput(`Provided snapshot status ${status} not allowed for snapshot with status ${cur.status} (allowed: ${next.join(', ')}).`);
      }
      await tx.updateTable('snapshots').set({ status, ...(progress !== null ? { progress } : {}), updatedAt: nowIso() })
        .where('id', '=', id).execute();
    });
  }

  /**
   * Cinder's manage_existing_snapshot: the row is made now in 'creating' for the caller's
   * project, reserving one snapshot and the volume's size against the quota (limits checked);
   * the manager measures the backend snapshot and corrects the gigabytes to its real size.
   */
  async manage(ctx: RequestContext, req: ManageSnapshotRequest): Promise<SnapshotRow> {
    checkName('name', req.name);
    checkName('description', req.description);
    checkMetadata(req.metadata);
    if (Object.keys(req.ref).length === 0) throw new InvalidInput('ref must name the backend snapshot (e.g. source-name).');
    const id = newId();
    const now = nowIso();
    const { snap, host } = await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, ctx, req.volumeId);
      if (!(ALLOWED_FROM.snapshotManage as readonly string[]).includes(v.status)) {
        throw new InvalidInput(`Volume ${v.id} must be ${ALLOWED_FROM.snapshotManage.join(' or ')} to manage a snapshot of it; its status is ${v.status}.`);
      }
      await requireBackendOperation(tx, v.host, 'manage_snapshot', 'manage existing snapshot');
      const reservation = await this.quotas.reserve(tx, ctx.projectId, snapshotQuotaDeltas(await typeNameOf(tx, v.volumeTypeId), 1, v.size));
      const s = await tx.insertInto('snapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, volumeId: v.id, displayName: req.name ?? null,
        displayDescription: req.description ?? null, status: 'creating', progress: '0%', volumeSize: v.size,
        providerLocation: null, providerId: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'snapshotMetadata', id, req.metadata ?? {});
      await this.enqueue(tx, 'manage_snapshot', v, { ref: req.ref, reservation }, 'snapshot', id);
      return { snap: s, host: v.host! };
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
    return snap;
  }

  /** Cinder's delete_snapshot with unmanage_only: the row and its quota go, the backend snapshot stays. */
  async unmanage(ctx: RequestContext, id: string): Promise<void> {
    const host = await inTransaction(this.db, async (tx) => {
      const { volumeId } = await getSnapshot(tx, ctx, id);
      const v = await lockVolume(tx, null, volumeId);
      const locked = await lockSnapshot(tx, ctx, id);
      if (locked.groupSnapshotId) throw new InvalidInput(`Invalid snapshot: snapshot ${id} is part of group snapshot ${locked.groupSnapshotId}; it cannot be unmanaged.`);
      await requireBackendOperation(tx, v.host, 'manage_snapshot', 'unmanage snapshot');
      const dependents = await tx.selectFrom('volumes').select('id').where('snapshotId', '=', id).where('status', '=', 'creating').executeTakeFirst();
      if (dependents) throw new Conflict(`Snapshot ${id} is the source of volume ${dependents.id}, which is still being created.`);
      const s = await casSnapshot(tx, id, ALLOWED_FROM.snapshotUnmanage, { status: 'unmanaging' }, 'unmanage');
      const reservation = await this.quotas.reserve(tx, s.projectId, snapshotQuotaDeltas(await typeNameOf(tx, v.volumeTypeId), -1, -s.volumeSize));
      await this.enqueue(tx, 'unmanage_snapshot', v, { reservation }, 'snapshot', id);
      return v.host!;
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  async resetStatus(ctx: RequestContext, id: string, status: string): Promise<void> {
    if (!(SNAPSHOT_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInput(`status '${status}' is not a snapshot status (allowed: ${SNAPSHOT_STATUSES.join(', ')}).`);
    }
    const { volumeId } = await getSnapshot(this.db.kysely, ctx, id);
    await inTransaction(this.db, async (tx) => {
      // Volume, snapshot, then task rows: the lock order every other path takes.
      await lockVolume(tx, null, volumeId);
      await tx.updateTable('snapshots').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
      const superseded = await this.tasks.supersede(tx, { dedupeKey: `snapshot:${id}` }, 'superseded by reset-status');
      // Settle what each ended task reserved, or it stays reserved for ever: a create or manage
      // leaves a row that counts from now on; a delete or unmanage did not happen.
      for (const t of superseded) {
        const reservation = (JSON.parse(t.payload) as { reservation?: unknown }).reservation;
        if (typeof reservation !== 'string') continue;
        if (t.kind === 'create_snapshot' || t.kind === 'manage_snapshot') await this.quotas.commit(tx, reservation);
        else await this.quotas.rollback(tx, reservation);
      }
    });
  }

}
