// The API side of the share service: validates a request, changes the status by
// compare-and-set, reserves quota and records the durable task, all in one transaction
// (lock order as in db/transaction.ts: the share first, then its snapshots, then quota rows).
import type { Db } from '../db/database.js';
import type { ShareAccessRuleRow, ShareRow, ShareSnapshotRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { Conflict, Forbidden, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import { supersedeTasks, type TaskQueue } from '../tasks/task-queue.js';
import { SCHEDULER_QUEUE, backendHostOf } from '../tasks/queues.js';
import type { Tx } from '../db/transaction.js';
import { nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { mergeMetadata } from '../db/repos/metadata.js';
import { casShare, getShare, getShareSnapshot, lockShare, lockShareSnapshot, casShareSnapshot } from '../db/repos/shares.js';
import { defaultShareType, findShareType, shareExtraSpecsOf, specIsTrue } from '../db/repos/share-types.js';
import type { AllowAccessRequest, CreateShareRequest, ManageShareRequest, ShareOperations, ShareRequestContext } from './operations.js';
import { SHARE_ALLOWED_FROM, SHARE_RESETTABLE } from './status.js';
import {
  checkShareMetadata, checkShareSize, checkText, enqueueShareTask, requireShareOperation, shareKey, shareQuotaDeltas, typeNameOf,
} from './api-support.js';
import { ShareSnapshotApi } from './snapshot-api.js';
import { AccessApi } from './access-api.js';
import type { ShareTaskPayloads } from './task-kinds.js';

export interface ShareApiConfig {
  defaultAvailabilityZone: string;
  defaultShareType: string | null;
  enabledProtocols: string[];
  maxShareSizeGiB: number;
}

export class ShareApi implements ShareOperations {
  private readonly snapshots: ShareSnapshotApi;
  private readonly access: AccessApi;

  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly cfg: ShareApiConfig,
  ) {
    this.snapshots = new ShareSnapshotApi(db, tasks, quotas);
    this.access = new AccessApi(db, tasks);
  }

  /** Manila's check of share_proto against the enabled protocols. */
  private checkProto(proto: unknown): string {
    const p = typeof proto === 'string' ? proto.toUpperCase() : '';
    if (!this.cfg.enabledProtocols.includes(p)) {
      throw new InvalidInput(`Invalid share protocol provided: ${String(proto).slice(0, 40)}. It is either disabled or unsupported. Available protocols: ${this.cfg.enabledProtocols.join(', ')}.`);
    }
    return p;
  }

  async createShare(ctx: ShareRequestContext, req: CreateShareRequest): Promise<ShareRow> {
    const proto = this.checkProto(req.shareProto);
    checkText('name', req.name);
    checkText('description', req.description, 4096);
    checkShareMetadata(req.metadata);
    const id = newId();
    const now = nowIso();
    const row = await inTransaction(this.db, async (tx) => {
      let sourceHost: string | null = null;
      let typeId: string | null = null;
      let size: number | undefined = req.size;
      if (req.snapshotId) {
        const { shareId } = await getShareSnapshot(tx, ctx, req.snapshotId);
        const parent = await lockShare(tx, null, shareId);
        const snap = await lockShareSnapshot(tx, ctx, req.snapshotId);
        if (snap.status !== 'available') throw new InvalidInput(`Snapshot ${snap.id} must be available to create a share from it; its status is ${snap.status}.`);
        size ??= snap.size;
        if (snap.shareProto !== proto) throw new InvalidInput(`Share protocol ${proto} differs from the snapshot's, ${snap.shareProto}.`);
        await requireShareOperation(tx, parent.host, 'create_share_from_snapshot', 'create share from snapshot');
        sourceHost = parent.host;
        typeId = parent.shareTypeId;
        size = checkShareSize('size', size, this.cfg.maxShareSizeGiB);
        if (size < snap.size) throw new InvalidInput(`Share size ${size} must be at least the snapshot's size, ${snap.size} GiB.`);
      }
      size = checkShareSize('size', size, this.cfg.maxShareSizeGiB);
      const type = req.shareType ? await findShareType(tx, ctx, req.shareType)
        : typeId ? await findShareType(tx, null, typeId) : await defaultShareType(tx, this.cfg.defaultShareType);
      if (!type) throw new InvalidInput('No share type was given and no default share type is configured (default_share_type); name one with share_type.');
      const specs = await shareExtraSpecsOf(tx, type.id);
      const dhss = specIsTrue(specs.driver_handles_share_servers);
      if (dhss && !req.shareNetworkId) {
        throw new InvalidInput(`Share network must be set when the share type ${type.name} has driver_handles_share_servers = True.`);
      }
      if (!dhss && req.shareNetworkId) {
        throw new InvalidInput(`Share type ${type.name} has driver_handles_share_servers = False; it takes no share network.`);
      }
      if (req.shareNetworkId) {
        const net = await tx.selectFrom('shareNetworks').select(['id', 'projectId']).where('id', '=', req.shareNetworkId).executeTakeFirst();
        if (!net || (!ctx.isAdmin && net.projectId !== ctx.projectId)) throw new InvalidInput(`Share network ${req.shareNetworkId} could not be found.`);
      }
      if (req.snapshotId && type.id !== typeId && req.shareType) {
        // Manila keeps a share from a snapshot on its parent's backend; another type could not be honoured there.
        throw new InvalidInput('A share created from a snapshot keeps the share type of the snapshot\'s share.');
      }
      const reservation = await this.quotas.reserve(tx, ctx.projectId, shareQuotaDeltas(type.name, 1, size));
      const s = await tx.insertInto('shares').values({
        id, projectId: ctx.projectId, userId: ctx.userId, displayName: req.name ?? null, displayDescription: req.description ?? null,
        size, shareProto: proto, status: 'creating', accessRulesStatus: 'active', taskState: null,
        availabilityZone: req.availabilityZone ?? this.cfg.defaultAvailabilityZone, shareTypeId: type.id, host: sourceHost,
        providerLocation: null, snapshotId: req.snapshotId ?? null, shareNetworkId: req.shareNetworkId ?? null, shareServerId: null,
        instanceId: newId(), isPublic: req.isPublic ? 1 : 0, isSoftDeleted: 0, scheduledToBeDeletedAt: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'shareMetadata', id, req.metadata ?? {});
      if (sourceHost) {
        // A share from a snapshot lives where its snapshot lives.
        return { s, queue: await enqueueShareTask(this.tasks, tx, 'create_share', s, { reservation, excludeHosts: [] }) };
      }
      await this.tasks.enqueue(tx, {
        kind: 'schedule_share', queue: SCHEDULER_QUEUE, resourceType: 'share', resourceId: id, dedupeKey: shareKey(id),
        payload: { reservation, excludeHosts: [] } satisfies ShareTaskPayloads['schedule_share'],
      });
      return { s, queue: SCHEDULER_QUEUE };
    });
    this.tasks.notify(row.queue);
    return row.s;
  }

  async deleteShare(ctx: ShareRequestContext, id: string, opts: { force?: boolean } = {}): Promise<void> {
    await getShare(this.db.kysely, ctx, id);
    if (opts.force && !ctx.isAdmin) throw new Forbidden('Force delete of a share is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      const snaps = await tx.selectFrom('shareSnapshots').select('id').where('shareId', '=', id).execute();
      if (snaps.length > 0) throw new InvalidInput(`Share ${id} has ${snaps.length} snapshot(s); delete them before the share.`);
      if (!opts.force && cur.isSoftDeleted) throw new Conflict(`Share ${id} is in the recycle bin; restore it or wait for its deletion.`);
      const allowed = opts.force ? SHARE_ALLOWED_FROM.forceDelete : SHARE_ALLOWED_FROM.delete;
      const s = await casShare(tx, id, allowed, { status: 'deleting' }, 'delete');
      if (opts.force) {
        // Settle what the superseded tasks reserved, so nothing stays reserved forever.
        for (const t of await supersedeTasks(tx, { resourceType: 'share', resourceId: id }, 'superseded by force delete')) {
          const r = (JSON.parse(t.payload) as { reservation?: unknown }).reservation;
          if (typeof r !== 'string') continue;
          if (['schedule_share', 'create_share', 'manage_share'].includes(t.kind)) await this.quotas.commit(tx, r);
          else await this.quotas.rollback(tx, r);
        }
      }
      const reservation = await this.quotas.reserve(tx, s.projectId, shareQuotaDeltas(await typeNameOf(tx, s.shareTypeId), -1, -s.size));
      if (!s.host) {
        // Never placed: nothing exists on any backend.
        await dropShareRows(tx, id);
        await tx.deleteFrom('tasks').where('resourceId', '=', id).where('status', '=', 'pending').execute();
        await this.quotas.commit(tx, reservation);
        return null;
      }
      return enqueueShareTask(this.tasks, tx, 'delete_share', s, { reservation }, opts.force ? { dedupeKey: null } : {});
    });
    if (queue) this.tasks.notify(queue);
  }

  async extendShare(ctx: ShareRequestContext, id: string, newSize: number, force = false): Promise<void> {
    if (force && !ctx.isAdmin) throw new Forbidden('Extend with force is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      checkShareSize('new_size', newSize, this.cfg.maxShareSizeGiB);
      if (newSize <= cur.size) throw new InvalidInput(`New size for extend must be greater than current size. (current: ${cur.size}, extended: ${newSize}).`);
      await requireShareOperation(tx, cur.host, 'extend', 'extend share');
      const s = await casShare(tx, id, SHARE_ALLOWED_FROM.extend, { status: 'extending' }, 'extend');
      const reservation = await this.quotas.reserve(tx, s.projectId, shareQuotaDeltas(await typeNameOf(tx, s.shareTypeId), 0, newSize - s.size));
      return enqueueShareTask(this.tasks, tx, 'extend_share', s, { newSize, oldSize: s.size, reservation });
    });
    this.tasks.notify(queue);
  }

  async shrinkShare(ctx: ShareRequestContext, id: string, newSize: number): Promise<void> {
    const queue = await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      checkShareSize('new_size', newSize, this.cfg.maxShareSizeGiB);
      if (newSize >= cur.size) throw new InvalidInput(`New size for shrink must be less than current size. (current: ${cur.size}, new: ${newSize}).`);
      await requireShareOperation(tx, cur.host, 'shrink', 'shrink share');
      const s = await casShare(tx, id, SHARE_ALLOWED_FROM.shrink, { status: 'shrinking' }, 'shrink');
      // The room is given back when the shrink succeeds (the reservation commits a negative delta).
      const reservation = await this.quotas.reserve(tx, s.projectId, shareQuotaDeltas(await typeNameOf(tx, s.shareTypeId), 0, newSize - s.size));
      return enqueueShareTask(this.tasks, tx, 'shrink_share', s, { newSize, oldSize: s.size, reservation });
    });
    this.tasks.notify(queue);
  }

  async revertShare(ctx: ShareRequestContext, id: string, snapshotId: string): Promise<void> {
    const queue = await inTransaction(this.db, async (tx) => {
      const snapRead = await getShareSnapshot(tx, ctx, snapshotId);
      if (snapRead.shareId !== id) throw new InvalidInput(`Snapshot ${snapshotId} is not of share ${id}.`);
      const cur = await lockShare(tx, ctx, id);
      const snap = await lockShareSnapshot(tx, ctx, snapshotId);
      const latest = await tx.selectFrom('shareSnapshots').select('id').where('shareId', '=', id)
        .orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (latest?.id !== snapshotId) throw new Conflict(`Share ${id} can only be reverted to its latest snapshot.`);
      if (snap.status !== 'available') throw new Conflict(`Snapshot ${snapshotId} must be available to revert to it; its status is ${snap.status}.`);
      if (snap.shareSize !== cur.size) throw new Conflict(`Snapshot ${snapshotId} was taken of a ${snap.shareSize} GiB share but the share is now ${cur.size} GiB; revert is not possible.`);
      await requireShareOperation(tx, cur.host, 'revert_to_snapshot', 'revert share to snapshot');
      const s = await casShare(tx, id, SHARE_ALLOWED_FROM.revert, { status: 'reverting' }, 'revert');
      await casShareSnapshot(tx, snapshotId, ['available'], { status: 'restoring' }, 'revert to');
      return enqueueShareTask(this.tasks, tx, 'revert_share', s, { snapshotId });
    });
    this.tasks.notify(queue);
  }

  async resetShareStatus(ctx: ShareRequestContext, id: string, status: string): Promise<void> {
    if (!ctx.isAdmin) throw new Forbidden('reset_status is an admin action.');
    if (!SHARE_RESETTABLE.includes(status)) throw new InvalidInput(`Invalid status '${String(status).slice(0, 40)}'; allowed: ${SHARE_RESETTABLE.join(', ')}.`);
    await inTransaction(this.db, async (tx) => {
      await lockShare(tx, ctx, id);
      await tx.updateTable('shares').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
    });
  }

  async manageShare(ctx: ShareRequestContext, req: ManageShareRequest): Promise<ShareRow> {
    if (!ctx.isAdmin) throw new Forbidden('Managing a share is an admin action.');
    const proto = this.checkProto(req.shareProto);
    checkText('name', req.name);
    checkText('description', req.description, 4096);
    if (!/^[^@#\s]+@[^@#\s]+#[^@#\s]+$/.test(req.serviceHost)) throw new InvalidInput(`service_host '${req.serviceHost.slice(0, 80)}' must be host@backend#pool.`);
    if (typeof req.exportPath !== 'string' || req.exportPath.trim() === '') throw new InvalidInput('export_path is required.');
    const id = newId();
    const now = nowIso();
    const out = await inTransaction(this.db, async (tx) => {
      const service = await tx.selectFrom('services').select('id').where('binary', '=', 'flint-share').where('host', '=', backendHostOf(req.serviceHost)).executeTakeFirst();
      if (!service) throw new InvalidInput(`service_host ${req.serviceHost} names no share backend Flint runs.`);
      await requireShareOperation(tx, req.serviceHost, 'manage', 'manage share');
      const type = req.shareType ? await findShareType(tx, ctx, req.shareType) : await defaultShareType(tx, this.cfg.defaultShareType);
      if (!type) throw new InvalidInput('No share type was given and no default share type is configured (default_share_type).');
      const reservation = await this.quotas.reserve(tx, ctx.projectId, shareQuotaDeltas(type.name, 1, 0));
      const s = await tx.insertInto('shares').values({
        id, projectId: ctx.projectId, userId: ctx.userId, displayName: req.name ?? null, displayDescription: req.description ?? null,
        size: 0, shareProto: proto, status: 'managing', accessRulesStatus: 'active', taskState: null,
        availabilityZone: this.cfg.defaultAvailabilityZone, shareTypeId: type.id, host: req.serviceHost, providerLocation: null,
        snapshotId: null, shareNetworkId: null, shareServerId: null, instanceId: newId(), isPublic: req.isPublic ? 1 : 0,
        isSoftDeleted: 0, scheduledToBeDeletedAt: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      const queue = await enqueueShareTask(this.tasks, tx, 'manage_share', s, { exportPath: req.exportPath, driverOptions: req.driverOptions ?? {}, reservation });
      return { s, queue };
    });
    this.tasks.notify(out.queue);
    return out.s;
  }

  async unmanageShare(ctx: ShareRequestContext, id: string): Promise<void> {
    if (!ctx.isAdmin) throw new Forbidden('Unmanaging a share is an admin action.');
    const queue = await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      const snaps = await tx.selectFrom('shareSnapshots').select('id').where('shareId', '=', id).executeTakeFirst();
      if (snaps) throw new InvalidInput(`Share ${id} has snapshots; unmanage or delete them first.`);
      await requireShareOperation(tx, cur.host, 'manage', 'unmanage share');
      const s = await casShare(tx, id, SHARE_ALLOWED_FROM.unmanage, { status: 'unmanaging' }, 'unmanage');
      const reservation = await this.quotas.reserve(tx, s.projectId, shareQuotaDeltas(await typeNameOf(tx, s.shareTypeId), -1, -s.size));
      return enqueueShareTask(this.tasks, tx, 'unmanage_share', s, { reservation });
    });
    this.tasks.notify(queue);
  }

  /** Manila 2.69's recycle bin: the share stays, marked, until restored or deleted. */
  async softDeleteShare(ctx: ShareRequestContext, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      if (cur.isSoftDeleted) throw new Conflict(`Share ${id} is already in the recycle bin.`);
      const snaps = await tx.selectFrom('shareSnapshots').select('id').where('shareId', '=', id).executeTakeFirst();
      if (snaps) throw new InvalidInput(`Share ${id} has snapshots; it cannot be moved to the recycle bin.`);
      const deleteAt = new Date(Date.parse(nowIso()) + 7 * 86400_000).toISOString();
      await casShare(tx, id, SHARE_ALLOWED_FROM.softDelete, { isSoftDeleted: 1, scheduledToBeDeletedAt: deleteAt }, 'soft delete');
    });
  }

  async restoreShare(ctx: ShareRequestContext, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const cur = await lockShare(tx, ctx, id);
      if (!cur.isSoftDeleted) throw new InvalidInput(`Share ${id} is not in the recycle bin.`);
      await tx.updateTable('shares').set({ isSoftDeleted: 0, scheduledToBeDeletedAt: null, updatedAt: nowIso() }).where('id', '=', id).execute();
    });
  }

  // --- access rules: see access-api.ts ---
  allowAccess(ctx: ShareRequestContext, shareId: string, req: AllowAccessRequest): Promise<ShareAccessRuleRow> { return this.access.allow(ctx, shareId, req); }
  denyAccess(ctx: ShareRequestContext, shareId: string, ruleId: string): Promise<void> { return this.access.deny(ctx, shareId, ruleId); }

  // --- snapshots: see snapshot-api.ts ---
  createSnapshot(ctx: ShareRequestContext, req: { shareId: string; name?: string | null; description?: string | null; force?: boolean }): Promise<ShareSnapshotRow> {
    return this.snapshots.create(ctx, req);
  }
  deleteSnapshot(ctx: ShareRequestContext, id: string, opts?: { force?: boolean }) { return this.snapshots.delete(ctx, id, opts); }
  resetSnapshotStatus(ctx: ShareRequestContext, id: string, status: string) { return this.snapshots.resetStatus(ctx, id, status); }
  manageSnapshot(ctx: ShareRequestContext, req: { shareId: string; providerLocation: string; name?: string | null; description?: string | null }) {
    return this.snapshots.manage(ctx, req);
  }
  unmanageSnapshot(ctx: ShareRequestContext, id: string) { return this.snapshots.unmanage(ctx, id); }
}

/** Removes a share's own rows (metadata, rules, export locations, the share). */
export async function dropShareRows(tx: Tx, id: string): Promise<void> {
  const rules = (await tx.selectFrom('shareAccessRules').select('id').where('shareId', '=', id).execute()).map((r) => r.id);
  if (rules.length > 0) await tx.deleteFrom('shareAccessRuleMetadata').where('resourceId', 'in', rules).execute();
  await tx.deleteFrom('shareAccessRules').where('shareId', '=', id).execute();
  await tx.deleteFrom('shareExportLocations').where('shareId', '=', id).execute();
  await tx.deleteFrom('shareMetadata').where('resourceId', '=', id).execute();
  await tx.deleteFrom('shares').where('id', '=', id).execute();
}

