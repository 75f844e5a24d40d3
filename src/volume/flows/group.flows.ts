// Flows of group operations on one backend: create (with the volumes of a group made from a
// source), update (add/remove volumes) and delete (with its volumes). A backend with the Groups capability does each as one call; without it,
// Cinder's generic group: the group is bookkeeping only and its volumes are deleted one by one.
import type { GroupRow, VolumeRow } from '../../db/schema.js';
import { Clone, CreateFromSnapshot, Groups } from '../../drivers/interface/capabilities.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../../drivers/interface/objects.js';
import { NotSupported } from '../../errors/errors.js';
import { casGroup } from '../../db/repos/groups.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { toDriverSnapshot, toDriverVolume } from '../driver-objects.js';
import { providerFields } from './volume-context.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';

interface GroupCtx {
  deps: ManagerDeps;
  row: GroupRow;
}

async function loadGroup(deps: ManagerDeps, id: string, status: string): Promise<GroupRow | null> {
  const row = await deps.db.kysely.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  return row && row.status === status ? row : null;
}

async function driverVolumes(deps: ManagerDeps, rows: VolumeRow[]): Promise<DriverVolume[]> {
  const out: DriverVolume[] = [];
  for (const r of rows) out.push(await toDriverVolume(deps.db.kysely, r, deps.templates));
  return out;
}

async function groupFailed(tx: Parameters<FlowDefinition<'create_group', unknown>['giveUp']>[0], groupId: string, eventId: string, text: string): Promise<void> {
  const g = await tx.selectFrom('groups').select('projectId').where('id', '=', groupId).executeTakeFirst();
  if (g) await recordUserMessage(tx, { projectId: g.projectId, resourceType: 'GROUP', resourceUuid: groupId, eventId, userMessage: text });
}

interface CreateCtx extends GroupCtx {
  reservation: string;
  /** Volumes of a group made from a source (create-from-src), each with what it is made from. */
  members: Array<{ row: VolumeRow; dv: DriverVolume; snapshot: DriverSnapshot | null; source: DriverVolume | null }>;
}

export const createGroupFlow: FlowDefinition<'create_group', CreateCtx> = {
  kind: 'create_group',
  async load(deps, task, payload) {
    const row = await loadGroup(deps, task.resourceId, 'creating');
    if (!row) return null;
    const db = deps.db.kysely;
    const rows = await db.selectFrom('volumes').selectAll().where('groupId', '=', row.id).where('status', '=', 'creating').orderBy('id').execute();
    const members: CreateCtx['members'] = [];
    for (const v of rows) {
      const snap = v.snapshotId ? await db.selectFrom('snapshots').selectAll().where('id', '=', v.snapshotId).executeTakeFirst() : undefined;
      const src = v.sourceVolid ? await db.selectFrom('volumes').selectAll().where('id', '=', v.sourceVolid).executeTakeFirst() : undefined;
      members.push({
        row: v, dv: await toDriverVolume(db, v, deps.templates),
        snapshot: snap ? await toDriverSnapshot(db, snap, deps.templates) : null,
        source: src ? await toDriverVolume(db, src, deps.templates) : null,
      });
    }
    return { deps, row, reservation: payload.reservation, members };
  },
  steps: [
    {
      name: 'create_on_backend',
      async run(ctx) {
        const { driver } = ctx.deps;
        if (Groups.is(driver)) await driver.createGroup(ctx.row.id);
      },
      async revert(ctx) {
        const { driver } = ctx.deps;
        if (Groups.is(driver)) await driver.deleteGroup(ctx.row.id, []);
      },
    },
    {
      name: 'create_volumes',
      async run(ctx) {
        const d = ctx.deps;
        const driver = d.driver;
        for (const m of ctx.members) {
          let create: () => Promise<ModelUpdate | void>;
          if (m.snapshot) {
            if (!CreateFromSnapshot.is(driver)) throw new NotSupported(d.backendName, 'create volume from snapshot');
            const snapshot = m.snapshot;
            create = () => driver.createVolumeFromSnapshot(m.dv, snapshot);
          } else if (m.source) {
            if (!Clone.is(driver)) throw new NotSupported(d.backendName, 'clone volume');
            const source = m.source;
            create = () => driver.createClonedVolume(m.dv, source);
          } else {
            create = () => driver.createVolume(m.dv);
          }
          const update = providerFields(await d.trackCreate(m.row.id, create));
          Object.assign(m.dv, update);
          // Recorded at once so a crash before `finish` still knows what the backend made.
          if (Object.keys(update).length > 0) await d.db.kysely.updateTable('volumes').set({ ...update, updatedAt: nowIso() }).where('id', '=', m.row.id).execute();
        }
        if (ctx.members.length > 0 && Groups.is(driver)) await driver.updateGroup(ctx.row.id, ctx.members.map((m) => m.dv), []);
      },
      async revert(ctx) {
        for (const m of ctx.members) await ctx.deps.driver.deleteVolume(m.dv);
      },
    },
  ],
  async finish(tx, d, ctx) {
    await casGroup(tx, ctx.row.id, ['creating'], { status: 'available' }, 'finish creating');
    if (ctx.members.length > 0) {
      await tx.updateTable('volumes').set({ status: 'available', updatedAt: nowIso() })
        .where('id', 'in', ctx.members.map((m) => m.row.id)).where('status', '=', 'creating').execute();
    }
    await d.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    const now = nowIso();
    const g = await tx.updateTable('groups').set({ status: 'error', updatedAt: now }).where('id', '=', task.resourceId).where('status', '=', 'creating').returning('id').executeTakeFirst();
    if (g) await tx.updateTable('volumes').set({ status: 'error', updatedAt: now }).where('groupId', '=', task.resourceId).where('status', '=', 'creating').execute();
    // The group and its volumes exist (in error) and count against quota until deleted.
    await d.quotas.commit(tx, payload.reservation);
    await groupFailed(tx, task.resourceId, 'VOLUME_GROUP_001_003', `Create group failed: ${error}`);
  },
};

interface UpdateCtx extends GroupCtx {
  add: VolumeRow[];
  remove: VolumeRow[];
}

export const updateGroupFlow: FlowDefinition<'update_group', UpdateCtx> = {
  kind: 'update_group',
  async load(deps, task, payload) {
    const row = await loadGroup(deps, task.resourceId, 'updating');
    if (!row) return null;
    const rows = (ids: string[]) => ids.length === 0 ? Promise.resolve([]) : deps.db.kysely.selectFrom('volumes').selectAll().where('id', 'in', ids).execute();
    return { deps, row, add: await rows(payload.add), remove: await rows(payload.remove) };
  },
  steps: [
    {
      name: 'update_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        if (Groups.is(d.driver)) await d.driver.updateGroup(ctx.row.id, await driverVolumes(d, ctx.add), await driverVolumes(d, ctx.remove));
      },
    },
  ],
  async finish(tx, _d, ctx) {
    const now = nowIso();
    if (ctx.add.length > 0) {
      await tx.updateTable('volumes').set({ groupId: ctx.row.id, updatedAt: now }).where('id', 'in', ctx.add.map((v) => v.id)).where('groupId', 'is', null).execute();
    }
    if (ctx.remove.length > 0) {
      await tx.updateTable('volumes').set({ groupId: null, updatedAt: now }).where('id', 'in', ctx.remove.map((v) => v.id)).where('groupId', '=', ctx.row.id).execute();
    }
    await casGroup(tx, ctx.row.id, ['updating'], { status: 'available' }, 'finish updating');
    return null;
  },
  async giveUp(tx, _d, task, _payload, error) {
    await tx.updateTable('groups').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'updating').execute();
    await groupFailed(tx, task.resourceId, 'VOLUME_GROUP_001_004', `Update group failed: ${error}`);
  },
};

interface DeleteCtx extends GroupCtx {
  reservation: string;
  volumes: VolumeRow[];
  dvs: DriverVolume[];
}

export const deleteGroupFlow: FlowDefinition<'delete_group', DeleteCtx> = {
  kind: 'delete_group',
  async load(deps, task, payload) {
    const row = await loadGroup(deps, task.resourceId, 'deleting');
    if (!row) return null;
    const volumes = payload.volumeIds.length === 0 ? []
      : await deps.db.kysely.selectFrom('volumes').selectAll().where('id', 'in', payload.volumeIds).where('status', '=', 'deleting').execute();
    return { deps, row, reservation: payload.reservation, volumes, dvs: await driverVolumes(deps, volumes) };
  },
  steps: [
    {
      name: 'remove_exports',
      async run(ctx) {
        for (const dv of ctx.dvs) {
          await ctx.deps.driver.terminateConnection(dv, null);
          await ctx.deps.driver.removeExport(dv);
        }
      },
    },
    {
      name: 'delete_on_backend',
      async run(ctx) {
        const { driver } = ctx.deps;
        if (Groups.is(driver)) {
          await driver.deleteGroup(ctx.row.id, ctx.dvs);
          return;
        }
        for (const dv of ctx.dvs) await driver.deleteVolume(dv);
      },
    },
  ],
  async finish(tx, d, ctx) {
    const ids = ctx.volumes.map((v) => v.id);
    if (ids.length > 0) {
      await tx.deleteFrom('volumeMetadata').where('resourceId', 'in', ids).execute();
      await tx.deleteFrom('attachments').where('volumeId', 'in', ids).execute();
      await tx.deleteFrom('volumes').where('id', 'in', ids).execute();
    }
    await tx.deleteFrom('groupVolumeTypes').where('groupId', '=', ctx.row.id).execute();
    await tx.deleteFrom('groups').where('id', '=', ctx.row.id).execute();
    await d.quotas.commit(tx, ctx.reservation);
    for (const v of ctx.volumes) d.onCapacityChange(v.host, -v.size, v.id);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('groups').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'deleting').execute();
    if (payload.volumeIds.length > 0) {
      await tx.updateTable('volumes').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', 'in', payload.volumeIds).where('status', '=', 'deleting').execute();
    }
    await d.quotas.rollback(tx, payload.reservation);
    await groupFailed(tx, task.resourceId, 'VOLUME_GROUP_001_005', `Delete group failed: ${error}`);
  },
};
