// Generic volume groups on the API side (Cinder's group/api.py): validate, compare-and-set the
// group's status, reserve quota and record the durable task, in one transaction. A group is
// locked before its volumes (lock order: db/transaction.ts). Cinder answers a group or volume
// in the wrong state with 400 (InvalidGroup, InvalidVolume), and so do these.
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, GroupRow, VolumeRow } from '../db/schema.js';
import { type Tx, inTransaction } from '../db/transaction.js';
import { InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { supersedeTasks } from '../tasks/task-queue.js';
import { SCHEDULER_QUEUE, backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { casGroup, getGroup, lockGroup, volumeTypeIdsFor } from '../db/repos/groups.js';
import { findGroupType, groupSpecsOf } from '../db/repos/group-types.js';
import { extraSpecsOf, findVolumeType } from '../db/repos/types.js';
import { lockVolume } from '../db/repos/volumes.js';
import { typeQuotaDeltas } from './api-support.js';
import type { CreateGroupRequest, UpdateGroupRequest } from './group-operations.js';
import { GROUP_ALLOWED_FROM, GROUP_REPLICATION, GROUP_STATUSES, IS_TRUE, REPLICATION_SPEC, type GroupReplicationAction } from './group-status.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import type { RequestContext } from './operations.js';
import type { TaskKind, TaskPayloads } from './task-kinds.js';
import { checkName } from './validation.js';
import { requireBackendOperation } from './backend-operations.js';

/** Tasks whose group row exists whatever happens next: what they reserved is in use. */
const BRINGS_A_GROUP = new Set(['schedule_group', 'create_group']);

export class GroupApi {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly defaultAvailabilityZone: string,
  ) {}

  /** Enqueue a task for the group's backend, one at a time per group. */
  async enqueue<K extends TaskKind>(tx: Tx, kind: K, g: GroupRow, payload: TaskPayloads[K], resourceType = 'group', resourceId = g.id): Promise<string> {
    if (!g.host) throw new InvalidInput(`Invalid group: group ${g.id} has no backend yet.`);
    return this.tasks.enqueue(tx, { kind, queue: volumeQueue(backendHostOf(g.host)), resourceType, resourceId, payload, dedupeKey: `${resourceType}:${resourceId}` });
  }

  async create(ctx: RequestContext, req: CreateGroupRequest): Promise<GroupRow> {
    checkName('name', req.name);
    checkName('description', req.description);
    if (req.volumeTypes.length === 0) throw new InvalidInput('volume_types must be provided to create group.');
    const id = newId();
    const now = nowIso();
    const row = await inTransaction(this.db, async (tx) => {
      const type = await findGroupType(tx, ctx, req.groupType);
      const typeIds = new Set<string>();
      for (const vt of req.volumeTypes) typeIds.add((await findVolumeType(tx, ctx, vt)).id);
      const reservation = await this.quotas.reserve(tx, ctx.projectId, { groups: 1 });
      const g = await tx.insertInto('groups').values({
        id, projectId: ctx.projectId, userId: ctx.userId, name: req.name ?? null, description: req.description ?? null,
        status: 'creating', availabilityZone: req.availabilityZone ?? this.defaultAvailabilityZone, groupTypeId: type.id,
        host: null, replicationStatus: 'disabled', groupSnapshotId: null, sourceGroupId: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await tx.insertInto('groupVolumeTypes').values([...typeIds].map((volumeTypeId) => ({ groupId: id, volumeTypeId }))).execute();
      await this.tasks.enqueue(tx, {
        kind: 'schedule_group', queue: SCHEDULER_QUEUE, resourceType: 'group', resourceId: id, dedupeKey: `group:${id}`,
        payload: { reservation } satisfies TaskPayloads['schedule_group'],
      });
      return g;
    });
    this.tasks.notify(SCHEDULER_QUEUE);
    return row;
  }

  async update(ctx: RequestContext, id: string, req: UpdateGroupRequest): Promise<void> {
    checkName('name', req.name);
    checkName('description', req.description);
    const both = req.addVolumes.filter((v) => req.removeVolumes.includes(v));
    if (both.length > 0) throw new InvalidInput(`Invalid volume: UUIDs ${both.join(', ')} are in both add and remove volume list.`);
    const host = await inTransaction(this.db, async (tx) => {
      const g = await lockGroup(tx, ctx, id);
      const types = (await volumeTypeIdsFor(tx, [id])).get(id)!;
      const add: string[] = [];
      for (const vid of new Set(req.addVolumes)) {
        const v = await tx.selectFrom('volumes').selectAll().where('id', '=', vid).executeTakeFirst();
        if (!v || (!ctx.isAdmin && v.projectId !== ctx.projectId)) {
          throw new InvalidInput(`Invalid volume: cannot add volume ${vid} to group ${id} because volume cannot be found.`);
        }
        if (v.groupId === id) continue;
        await lockVolume(tx, null, vid);
        checkAddable(v, g, types);
        add.push(vid);
      }
      const remove: string[] = [];
      for (const vid of new Set(req.removeVolumes)) {
        const v = await tx.selectFrom('volumes').selectAll().where('id', '=', vid).executeTakeFirst();
        if (!v || v.groupId !== id) throw new InvalidInput(`Invalid volume: cannot remove volume ${vid} from group ${id} because it is not in the group.`);
        if (!(GROUP_ALLOWED_FROM.removeVolume as readonly string[]).includes(v.status)) {
          throw new InvalidInput(`Invalid volume: cannot remove volume ${vid} from group ${id} because volume is in an invalid state: ${v.status}. Valid states are: ${GROUP_ALLOWED_FROM.removeVolume.join(', ')}.`);
        }
        remove.push(vid);
      }
      const set: Partial<GroupRow> = {};
      if (req.name !== undefined && req.name !== g.name) set.name = req.name;
      if (req.description !== undefined && req.description !== g.description) set.description = req.description;
      if (Object.keys(set).length === 0 && add.length === 0 && remove.length === 0) {
        throw new InvalidInput(`Invalid group: cannot update group ${id} because no valid name, description, add_volumes, or remove_volumes were provided.`);
      }
      if (add.length === 0 && remove.length === 0) {
        // Only a name or description: nothing for the backend, no status needed (as Cinder).
        await tx.updateTable('groups').set({ ...set, updatedAt: nowIso() }).where('id', '=', id).execute();
        return null;
      }
      const row = await casGroup(tx, id, GROUP_ALLOWED_FROM.update, { ...set, status: 'updating' }, 'update');
      await this.enqueue(tx, 'update_group', row, { add, remove });
      return row.host!;
    });
    if (host) this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  async delete(ctx: RequestContext, id: string, deleteVolumes: boolean): Promise<void> {
    const host = await inTransaction(this.db, async (tx) => {
      const g = await lockGroup(tx, ctx, id);
      if (!deleteVolumes && !(GROUP_ALLOWED_FROM.delete as readonly string[]).includes(g.status)) {
        throw new InvalidInput(`Invalid group: group status must be available or error, but current status is: ${g.status}.`);
      }
      if (g.status === 'deleting') throw new InvalidInput(`Invalid group: group ${id} is already being deleted.`);
      const snaps = await tx.selectFrom('groupSnapshots').select('id').where('groupId', '=', id).executeTakeFirst();
      if (snaps) throw new InvalidInput(`Invalid group: group ${id} has existing group snapshots; delete them first.`);
      const creatingFrom = await tx.selectFrom('groups').select('id').where('sourceGroupId', '=', id)
        .where('status', '=', 'creating').executeTakeFirst();
      if (creatingFrom) throw new InvalidInput(`Invalid group: group ${creatingFrom.id} is being created from group ${id}.`);
      const volumes = await tx.selectFrom('volumes').selectAll().where('groupId', '=', id).orderBy('id').execute();
      if (volumes.length > 0 && !deleteVolumes) {
        throw new InvalidInput(`Invalid group: group ${id} still contains volumes. The delete-volumes flag is required to delete it.`);
      }
      const deltas: Record<string, number> = { groups: -1 };
      for (const v of volumes) {
        await lockVolume(tx, null, v.id);
        if (v.attachStatus === 'attached' || v.status === 'in-use') throw new InvalidInput(`Invalid group: volume ${v.id} in group ${id} is attached. Need to detach first.`);
        const snap = await tx.selectFrom('snapshots').select('id').where('volumeId', '=', v.id).executeTakeFirst();
        if (snap) throw new InvalidInput(`Invalid group: volume ${v.id} in group ${id} still has dependent snapshots.`);
        if (!(GROUP_ALLOWED_FROM.deleteVolume as readonly string[]).includes(v.status)) {
          throw new InvalidInput(`Invalid volume: volume ${v.id} in group ${id} must be ${GROUP_ALLOWED_FROM.deleteVolume.join(' or ')} to delete it; its status is ${v.status}.`);
        }
        const typeName = v.volumeTypeId ? (await tx.selectFrom('volumeTypes').select('name').where('id', '=', v.volumeTypeId).executeTakeFirst())?.name ?? null : null;
        for (const [k, d] of Object.entries(typeQuotaDeltas(typeName, -1, -v.size))) deltas[k] = (deltas[k] ?? 0) + d;
      }
      if (volumes.length > 0) {
        await tx.updateTable('volumes').set({ status: 'deleting', updatedAt: nowIso() }).where('id', 'in', volumes.map((v) => v.id)).execute();
      }
      const row = await casGroup(tx, id, GROUP_STATUSES.filter((s) => s !== 'deleting'), { status: 'deleting' }, 'delete');
      const reservation = await this.quotas.reserve(tx, g.projectId, deltas);
      if (!row.host) {
        // Never placed: nothing exists on any backend. The scheduling task's reservation
        // becomes usage first, so the delete's -1 leaves nothing reserved.
        await this.supersedeGroupTasks(tx, id, 'superseded by group delete');
        await tx.deleteFrom('groupVolumeTypes').where('groupId', '=', id).execute();
        await tx.deleteFrom('groups').where('id', '=', id).execute();
        await this.quotas.commit(tx, reservation);
        return null;
      }
      // A create still queued for the group (delete-volumes deletes from any status) ends here,
      // its reservation made usage, so the delete's -1 balances it.
      await this.supersedeGroupTasks(tx, id, 'superseded by group delete');
      await this.enqueue(tx, 'delete_group', row, { reservation, volumeIds: volumes.map((v) => v.id) });
      return row.host;
    });
    if (host) this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  async resetStatus(ctx: RequestContext, id: string, status: string): Promise<void> {
    if (!(GROUP_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInput(`Invalid group status '${status.slice(0, 40)}' (allowed: ${GROUP_STATUSES.join(', ')}).`);
    }
    await inTransaction(this.db, async (tx) => {
      await lockGroup(tx, ctx, id);
      await tx.updateTable('groups').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
      await this.supersedeGroupTasks(tx, id, 'superseded by reset-status');
    });
  }

  /** Ends the group's unfinished tasks, settling each one's quota reservation. */
  private async supersedeGroupTasks(tx: Transaction<Database>, id: string, reason: string): Promise<void> {
    const ended = await supersedeTasks(tx, { resourceType: 'group', resourceId: id }, reason);
    for (const t of ended) {
      const reservation = (JSON.parse(t.payload) as { reservation?: unknown }).reservation;
      if (typeof reservation !== 'string') continue;
      if (BRINGS_A_GROUP.has(t.kind)) await this.quotas.commit(tx, reservation);
      else await this.quotas.rollback(tx, reservation);
    }
  }

  /**
   * The replication checks Cinder makes before any replication action: a group type and
   * volume types marked for replication, an available group, and a backend that replicates.
   */
  async checkReplication(ctx: RequestContext, id: string, action: string): Promise<GroupRow> {
    const g = await getGroup(this.db.kysely, ctx, id);
    const specs = await groupSpecsOf(this.db.kysely, g.groupTypeId);
    if (specs[REPLICATION_SPEC] !== IS_TRUE) {
      throw new InvalidInput(`Invalid group type: group ${id} is not a replication group type (its group type needs ${REPLICATION_SPEC}='${IS_TRUE}').`);
    }
    for (const typeId of (await volumeTypeIdsFor(this.db.kysely, [id])).get(id)!) {
      const extra = await extraSpecsOf(this.db.kysely, typeId);
      if (extra.replication_enabled !== IS_TRUE) {
        throw new InvalidInput(`Invalid volume type: volume type ${typeId} of group ${id} is not replication-enabled (replication_enabled='${IS_TRUE}').`);
      }
    }
    if (!(GROUP_ALLOWED_FROM.replicate as readonly string[]).includes(g.status)) {
      throw new InvalidInput(`Invalid group: group ${id} must be available to ${action}; its status is ${g.status}.`);
    }
    await requireBackendOperation(this.db.kysely, g.host, 'replication', action);
    return g;
  }

  /**
   * Enable, disable or fail over the replication of the group's volumes: the replication
   * status moves by compare-and-set and the backend's manager does the work (per volume with
   * the Replication capability; failover through the backend's failover_host).
   */
  async replicate(ctx: RequestContext, id: string, action: GroupReplicationAction, opts: { allowAttachedVolume?: boolean; secondaryBackendId?: string | null } = {}): Promise<void> {
    await this.checkReplication(ctx, id, `${action} replication`);
    const step = GROUP_REPLICATION[action];
    const host = await inTransaction(this.db, async (tx) => {
      const g = await lockGroup(tx, ctx, id);
      if (!(GROUP_ALLOWED_FROM.replicate as readonly string[]).includes(g.status)) {
        throw new InvalidInput(`Invalid group: group ${id} must be available to ${action} replication; its status is ${g.status}.`);
      }
      if (!(step.from as readonly string[]).includes(g.replicationStatus ?? 'disabled')) {
        throw new InvalidInput(`Invalid group: the replication status of group ${id} must be ${step.from.join(' or ')} to ${action} replication; it is ${g.replicationStatus ?? 'disabled'}.`);
      }
      if (action === 'failover' && !opts.allowAttachedVolume) {
        const attached = await tx.selectFrom('volumes').select('id').where('groupId', '=', id).where('status', '=', 'in-use').executeTakeFirst();
        if (attached) throw new InvalidInput(`Invalid input received: volume ${attached.id} is attached but allow_attached_volume is false.`);
      }
      const row = await tx.updateTable('groups').set({ replicationStatus: step.during, updatedAt: nowIso() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await tx.updateTable('volumes').set({ replicationStatus: step.during, updatedAt: nowIso() }).where('groupId', '=', id).execute();
      await this.enqueue(tx, 'group_replication', row, { action, secondaryBackendId: opts.secondaryBackendId ?? null });
      return row.host!;
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  /** The backend ids the group's pool reports it replicates to (capability `replication_targets`). */
  async replicationTargets(ctx: RequestContext, id: string): Promise<Array<Record<string, string>>> {
    const g = await this.checkReplication(ctx, id, 'list replication targets');
    const row = g.host ? await this.db.kysely.selectFrom('backendStats').select('stats').where('backendHost', '=', backendHostOf(g.host)).executeTakeFirst() : undefined;
    if (!row) return [];
    const stats = JSON.parse(row.stats) as BackendStats;
    const poolName = g.host!.includes('#') ? g.host!.slice(g.host!.indexOf('#') + 1) : null;
    const pool = stats.pools.find((p) => p.poolName === poolName) ?? stats.pools[0];
    const targets = String(pool?.capabilities.replication_targets ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    return targets.map((backend_id) => ({ backend_id }));
  }
}

function checkAddable(v: VolumeRow, g: GroupRow, types: string[]): void {
  const why = (reason: string) => new InvalidInput(`Invalid volume: cannot add volume ${v.id} to group ${g.id} because ${reason}.`);
  if (v.groupId) throw why(`it is already in group ${v.groupId}`);
  if (!v.volumeTypeId || !types.includes(v.volumeTypeId)) throw why('volume type is not supported by the group');
  if (!(GROUP_ALLOWED_FROM.addVolume as readonly string[]).includes(v.status)) {
    throw why(`volume is in an invalid state: ${v.status}. Valid states are: ${GROUP_ALLOWED_FROM.addVolume.join(', ')}`);
  }
  if (!g.host || !v.host || backendHostOf(v.host) !== backendHostOf(g.host)) throw why('volume is on a different backend than the group');
}

