// Group snapshots on the API side: one snapshot row per volume of the group, all made by one
// task on the group's backend (its Groups capability, else one snapshot per volume), and a
// new group made from a group snapshot or from another group (Cinder's create_from_src).
import type { Db } from '../db/database.js';
import type { GroupRow, GroupSnapshotRow, SnapshotRow, VolumeRow } from '../db/schema.js';
import { inTransaction, type Tx } from '../db/transaction.js';
import { InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { supersedeTasks } from '../tasks/task-queue.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { casGroupSnapshot, getGroup, getGroupSnapshot, lockGroup, lockGroupSnapshot, volumeTypeIdsFor } from '../db/repos/groups.js';
import { lockVolume } from '../db/repos/volumes.js';
import { typeQuotaDeltas } from './api-support.js';
import type { GroupApi } from './group-api.js';
import type { CreateGroupFromSourceRequest, CreateGroupSnapshotRequest } from './group-operations.js';
import { GROUP_ALLOWED_FROM, GROUP_SNAPSHOT_STATUSES } from './group-status.js';
import type { RequestContext } from './operations.js';
import { checkName } from './validation.js';

export class GroupSnapshotApi {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskQueue,
    private readonly quotas: QuotaEngine,
    private readonly groups: GroupApi,
  ) {}

  async create(ctx: RequestContext, req: CreateGroupSnapshotRequest): Promise<GroupSnapshotRow> {
    checkName('name', req.name);
    checkName('description', req.description);
    const id = newId();
    const now = nowIso();
    const { row, host } = await inTransaction(this.db, async (tx) => {
      const g = await lockGroup(tx, ctx, req.groupId);
      if (!(GROUP_ALLOWED_FROM.snapshot as readonly string[]).includes(g.status)) {
        throw new InvalidInput(`Invalid group: group ${g.id} must be available to snapshot it; its status is ${g.status}.`);
      }
      const volumes = await tx.selectFrom('volumes').selectAll().where('groupId', '=', g.id).orderBy('id').execute();
      for (const v of volumes) {
        await lockVolume(tx, null, v.id);
        if (!(GROUP_ALLOWED_FROM.snapshotVolume as readonly string[]).includes(v.status)) {
          throw new InvalidInput(`Invalid volume: volume ${v.id} of group ${g.id} must be available or in-use to snapshot it; its status is ${v.status}.`);
        }
      }
      const reservation = await this.quotas.reserve(tx, ctx.projectId, { snapshots: volumes.length });
      const gs = await tx.insertInto('groupSnapshots').values({
        id, projectId: ctx.projectId, userId: ctx.userId, groupId: g.id, groupTypeId: g.groupTypeId, name: req.name ?? null,
        description: req.description ?? null, status: 'creating', createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      if (volumes.length > 0) {
        await tx.insertInto('snapshots').values(volumes.map((v) => ({
          id: newId(), projectId: ctx.projectId, userId: ctx.userId, volumeId: v.id, displayName: req.name ?? null,
          displayDescription: req.description ?? null, status: 'creating', progress: '0%', volumeSize: v.size,
          providerLocation: null, providerId: null, groupSnapshotId: id, createdAt: now, updatedAt: now,
        }))).execute();
      }
      await this.groups.enqueue(tx, 'create_group_snapshot', g, { reservation }, 'group_snapshot', id);
      return { row: gs, host: g.host! };
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
    return row;
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const host = await inTransaction(this.db, async (tx) => {
      const { groupId } = await getGroupSnapshot(tx, ctx, id);
      const g = await lockGroup(tx, null, groupId);
      await lockGroupSnapshot(tx, ctx, id);
      const dependent = await tx.selectFrom('volumes').innerJoin('snapshots', 'snapshots.id', 'volumes.snapshotId')
        .select('volumes.id').where('snapshots.groupSnapshotId', '=', id).where('volumes.status', '=', 'creating').executeTakeFirst();
      if (dependent) throw new InvalidInput(`Invalid group snapshot: volume ${dependent.id} is still being created from group snapshot ${id}.`);
      const gs = await casGroupSnapshot(tx, id, GROUP_ALLOWED_FROM.groupSnapshotDelete, { status: 'deleting' }, 'delete');
      const swept = await tx.updateTable('snapshots').set({ status: 'deleting', updatedAt: nowIso() })
        .where('groupSnapshotId', '=', id).returning('id').execute();
      const reservation = await this.quotas.reserve(tx, gs.projectId, { snapshots: -swept.length });
      await this.groups.enqueue(tx, 'delete_group_snapshot', g, { reservation }, 'group_snapshot', id);
      return g.host!;
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
  }

  async resetStatus(ctx: RequestContext, id: string, status: string): Promise<void> {
    if (!(GROUP_SNAPSHOT_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInput(`Invalid group snapshot status '${status.slice(0, 40)}' (allowed: ${GROUP_SNAPSHOT_STATUSES.join(', ')}).`);
    }
    await inTransaction(this.db, async (tx) => {
      const { groupId } = await getGroupSnapshot(tx, ctx, id);
      await lockGroup(tx, null, groupId);
      await lockGroupSnapshot(tx, ctx, id);
      await tx.updateTable('groupSnapshots').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
      await supersedeTasks(tx, { dedupeKey: `group_snapshot:${id}` }, 'superseded by reset-status');
    });
  }

  /**
   * A new group with the source's group type, volume types and backend, and one new volume per
   * source volume (cloned) or per snapshot of the group snapshot; one create_group task makes
   * the group and its volumes, so the group is available only once they all are (as Cinder's).
   */
  async createFromSource(ctx: RequestContext, req: CreateGroupFromSourceRequest): Promise<GroupRow> {
    checkName('name', req.name);
    checkName('description', req.description);
    if (req.groupSnapshotId && req.sourceGroupId) {
      throw new InvalidInput('Invalid input: cannot specify both group_snapshot_id and source_group_id.');
    }
    if (!req.groupSnapshotId && !req.sourceGroupId) {
      throw new InvalidInput('Invalid input: either group_snapshot_id or source_group_id must be provided to create a group from a source.');
    }
    const id = newId();
    const now = nowIso();
    const { group, host } = await inTransaction(this.db, async (tx) => {
      const { source, members } = req.groupSnapshotId
        ? await this.fromGroupSnapshot(tx, ctx, req.groupSnapshotId)
        : await this.fromGroup(tx, ctx, req.sourceGroupId!);
      // One reservation for the group and all its volumes: the create_group task makes them together.
      const deltas: Record<string, number> = { groups: 1 };
      for (const m of members) {
        const typeName = m.volume.volumeTypeId ? (await tx.selectFrom('volumeTypes').select('name').where('id', '=', m.volume.volumeTypeId).executeTakeFirst())?.name ?? null : null;
        for (const [k, d] of Object.entries(typeQuotaDeltas(typeName, 1, m.snapshot ? m.snapshot.volumeSize : m.volume.size))) deltas[k] = (deltas[k] ?? 0) + d;
      }
      const groupReservation = await this.quotas.reserve(tx, ctx.projectId, deltas);
      const g = await tx.insertInto('groups').values({
        id, projectId: ctx.projectId, userId: ctx.userId, name: req.name ?? null, description: req.description ?? null,
        status: 'creating', availabilityZone: source.availabilityZone, groupTypeId: source.groupTypeId, host: source.host,
        replicationStatus: 'disabled', groupSnapshotId: req.groupSnapshotId ?? null, sourceGroupId: req.sourceGroupId ?? null,
        createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      const typeIds = (await volumeTypeIdsFor(tx, [source.id])).get(source.id)!;
      if (typeIds.length > 0) await tx.insertInto('groupVolumeTypes').values(typeIds.map((volumeTypeId) => ({ groupId: id, volumeTypeId }))).execute();
      for (const m of members) {
        const v = m.volume;
        await tx.insertInto('volumes').values({
          id: newId(), projectId: ctx.projectId, userId: ctx.userId, displayName: v.displayName, displayDescription: v.displayDescription,
          size: m.snapshot ? m.snapshot.volumeSize : v.size, status: 'creating', attachStatus: 'detached', availabilityZone: v.availabilityZone,
          volumeTypeId: v.volumeTypeId, host: v.host, providerLocation: null, providerAuth: null, providerId: null, snapshotId: m.snapshot?.id ?? null,
          sourceVolid: m.snapshot ? null : v.id, bootable: v.bootable, multiattach: v.multiattach, migrationStatus: null,
          replicationStatus: null, groupId: id, exported: 0, createdAt: now, updatedAt: now,
        }).execute();
      }
      await this.groups.enqueue(tx, 'create_group', g, { reservation: groupReservation });
      return { group: g, host: source.host! };
    });
    this.tasks.notify(volumeQueue(backendHostOf(host)));
    return group;
  }

  private async fromGroupSnapshot(tx: Tx, ctx: RequestContext, gsId: string): Promise<{ source: GroupRow; members: Array<{ volume: VolumeRow; snapshot: SnapshotRow }> }> {
    const { groupId } = await getGroupSnapshot(tx, ctx, gsId);
    const source = await lockGroup(tx, null, groupId);
    const gs = await lockGroupSnapshot(tx, ctx, gsId);
    if (gs.status !== 'available') throw new InvalidInput(`Invalid group snapshot: group snapshot ${gsId} must be available to create a group from it; its status is ${gs.status}.`);
    if (!source.host) throw new InvalidInput(`Invalid group: the group of group snapshot ${gsId} has no backend.`);
    const snaps = await tx.selectFrom('snapshots').selectAll().where('groupSnapshotId', '=', gsId).orderBy('id').execute();
    const members: Array<{ volume: VolumeRow; snapshot: SnapshotRow }> = [];
    for (const s of snaps) {
      if (s.status !== 'available') throw new InvalidInput(`Invalid snapshot: snapshot ${s.id} of group snapshot ${gsId} is ${s.status}, not available.`);
      members.push({ volume: await lockVolume(tx, null, s.volumeId), snapshot: s });
    }
    return { source, members };
  }

  private async fromGroup(tx: Tx, ctx: RequestContext, groupId: string): Promise<{ source: GroupRow; members: Array<{ volume: VolumeRow; snapshot: null }> }> {
    await getGroup(tx, ctx, groupId);
    const source = await lockGroup(tx, ctx, groupId);
    if (!(GROUP_ALLOWED_FROM.source as readonly string[]).includes(source.status)) {
      throw new InvalidInput(`Invalid group: source group ${groupId} must be available to create a group from it; its status is ${source.status}.`);
    }
    const vols = await tx.selectFrom('volumes').select('id').where('groupId', '=', groupId).orderBy('id').execute();
    const members: Array<{ volume: VolumeRow; snapshot: null }> = [];
    for (const { id } of vols) {
      const v = await lockVolume(tx, null, id);
      if (!['available', 'in-use'].includes(v.status)) throw new InvalidInput(`Invalid volume: volume ${v.id} of source group ${groupId} is ${v.status}; it must be available or in-use.`);
      members.push({ volume: v, snapshot: null });
    }
    return { source, members };
  }
}
