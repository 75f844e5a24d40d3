// Share snapshots on the API side: create, delete, reset-status, manage and unmanage, each
// locking the share first, then the snapshot, then quota rows.
import type { Db } from '../db/database.js';
import type { ShareSnapshotRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { Forbidden, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { casShareSnapshot, getShareSnapshot, lockShare, lockShareSnapshot } from '../db/repos/shares.js';
import type { ShareRequestContext } from './operations.js';
import { SHARE_ALLOWED_FROM, SNAPSHOT_RESETTABLE } from './status.js';
import { checkText, enqueueShareTask, requireShareOperation, snapshotQuotaDeltas, typeNameOf } from './api-support.js';

export class ShareSnapshotApi {
  constructor(private readonly db: Db, private readonly tasks: TaskQueue, private readonly quotas: QuotaEngine) {}

  async create(ctx: ShareRequestContext, req: { shareId: string; name?: string | null; description?: string | null; force?: boolean }): Promise<ShareSnapshotRow> {
    checkText('name', req.name);
    checkText('description', req.description, 4096);
    const out = await inTransaction(this.db, async (tx) => {
      const share = await lockShare(tx, ctx, req.shareId);
      if (!SHARE_ALLOWED_FROM.snapshot.includes(share.status as 'available')) {
        throw new InvalidInput(`Share ${share.id} must be available to take a snapshot; its status is ${share.status}.`);
      }
      await requireShareOperation(tx, share.host, 'snapshot', 'create share snapshot');
      const reservation = await this.quotas.reserve(tx, share.projectId, snapshotQuotaDeltas(await typeNameOf(tx, share.shareTypeId), 1, share.size));
      const now = nowIso();
      const id = newId();
      const snap = await tx.insertInto('shareSnapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, shareId: share.id, displayName: req.name ?? null,
        displayDescription: req.description ?? null, status: 'creating', progress: '0%', shareSize: share.size, size: share.size,
        shareProto: share.shareProto, providerLocation: null, instanceId: newId(), createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      // Keyed by the share: a snapshot never races an extend, shrink or revert of its share.
      const queue = await enqueueShareTask(this.tasks, tx, 'create_share_snapshot', share, { reservation }, { resourceType: 'share_snapshot', resourceId: id });
      return { snap, queue };
    });
    this.tasks.notify(out.queue);
    return out.snap;
  }

  async delete(ctx: ShareRequestContext, id: string, opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force && !ctx.isAdmin) throw new Forbidden('Force delete of a share snapshot is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const { shareId } = await getShareSnapshot(tx, ctx, id);
      const share = await lockShare(tx, null, shareId);
      await lockShareSnapshot(tx, ctx, id);
      const allowed = opts.force ? ['creating', 'available', 'deleting', 'error', 'error_deleting', 'restoring', 'manage_error', 'unmanage_error'] : SHARE_ALLOWED_FROM.snapshotDelete;
      const snap = await casShareSnapshot(tx, id, allowed, { status: 'deleting' }, 'delete');
      const reservation = await this.quotas.reserve(tx, snap.projectId, snapshotQuotaDeltas(await typeNameOf(tx, share.shareTypeId), -1, -snap.size));
      return enqueueShareTask(this.tasks, tx, 'delete_share_snapshot', share, { reservation },
        { resourceType: 'share_snapshot', resourceId: id, dedupeKey: opts.force ? null : `share-snapshot:${id}` });
    });
    this.tasks.notify(queue);
  }

  async resetStatus(ctx: ShareRequestContext, id: string, status: string): Promise<void> {
    if (!ctx.isAdmin) throw new Forbidden('reset_status is an admin action.');
    if (!SNAPSHOT_RESETTABLE.includes(status)) throw new InvalidInput(`Invalid status '${String(status).slice(0, 40)}'; allowed: ${SNAPSHOT_RESETTABLE.join(', ')}.`);
    await inTransaction(this.db, async (tx) => {
      await lockShareSnapshot(tx, ctx, id);
      await tx.updateTable('shareSnapshots').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
    });
  }

  async manage(ctx: ShareRequestContext, req: { shareId: string; providerLocation: string; name?: string | null; description?: string | null }): Promise<ShareSnapshotRow> {
    if (!ctx.isAdmin) throw new Forbidden('Managing a share snapshot is an admin action.');
    checkText('name', req.name);
    if (typeof req.providerLocation !== 'string' || req.providerLocation.trim() === '') throw new InvalidInput('provider_location is required.');
    const out = await inTransaction(this.db, async (tx) => {
      const share = await lockShare(tx, ctx, req.shareId);
      if (share.status !== 'available') throw new InvalidInput(`Share ${share.id} must be available; its status is ${share.status}.`);
      await requireShareOperation(tx, share.host, 'manage_snapshot', 'manage share snapshot');
      const reservation = await this.quotas.reserve(tx, share.projectId, snapshotQuotaDeltas(await typeNameOf(tx, share.shareTypeId), 1, 0));
      const now = nowIso();
      const id = newId();
      const snap = await tx.insertInto('shareSnapshots').values({
        id, projectId: share.projectId, userId: ctx.userId, shareId: share.id, displayName: req.name ?? null,
        displayDescription: req.description ?? null, status: 'manage_starting', progress: '0%', shareSize: share.size, size: 0,
        shareProto: share.shareProto, providerLocation: req.providerLocation, instanceId: newId(), createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      const queue = await enqueueShareTask(this.tasks, tx, 'manage_share_snapshot', share, { providerLocation: req.providerLocation, reservation },
        { resourceType: 'share_snapshot', resourceId: id });
      return { snap, queue };
    });
    this.tasks.notify(out.queue);
    return out.snap;
  }

  async unmanage(ctx: ShareRequestContext, id: string): Promise<void> {
    if (!ctx.isAdmin) throw new Forbidden('Unmanaging a share snapshot is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const { shareId } = await getShareSnapshot(tx, ctx, id);
      const share = await lockShare(tx, null, shareId);
      await requireShareOperation(tx, share.host, 'manage_snapshot', 'unmanage share snapshot');
      const snap = await casShareSnapshot(tx, id, SHARE_ALLOWED_FROM.snapshotUnmanage, { status: 'unmanage_starting' }, 'unmanage');
      const reservation = await this.quotas.reserve(tx, snap.projectId, snapshotQuotaDeltas(await typeNameOf(tx, share.shareTypeId), -1, -snap.size));
      return enqueueShareTask(this.tasks, tx, 'unmanage_share_snapshot', share, { reservation }, { resourceType: 'share_snapshot', resourceId: id });
    });
    this.tasks.notify(queue);
  }
}
