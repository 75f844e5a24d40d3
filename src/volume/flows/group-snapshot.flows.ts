// Flows of group snapshots on the group's backend: the Groups capability snapshots every
// volume in one call; without it, Cinder's generic fallback takes one snapshot per volume.
import type { GroupSnapshotRow, SnapshotRow } from '../../db/schema.js';
import { Groups, Snapshots } from '../../drivers/interface/capabilities.js';
import type { DriverSnapshot } from '../../drivers/interface/objects.js';
import { NotSupported } from '../../errors/errors.js';
import { casGroupSnapshot } from '../../db/repos/groups.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { toDriverSnapshot } from '../driver-objects.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';

interface GroupSnapCtx {
  deps: ManagerDeps;
  reservation: string;
  row: GroupSnapshotRow;
  snapshots: SnapshotRow[];
  dss: DriverSnapshot[];
}

async function loadGroupSnapshot(deps: ManagerDeps, id: string, status: string, reservation: string): Promise<GroupSnapCtx | null> {
  const db = deps.db.kysely;
  const row = await db.selectFrom('groupSnapshots').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.status !== status) return null;
  const snapshots = await db.selectFrom('snapshots').selectAll().where('groupSnapshotId', '=', id).orderBy('id').execute();
  const dss: DriverSnapshot[] = [];
  for (const s of snapshots) dss.push(await toDriverSnapshot(db, s, deps.templates));
  return { deps, reservation, row, snapshots, dss };
}

async function failed(tx: Parameters<FlowDefinition<'create_group_snapshot', unknown>['giveUp']>[0], id: string, eventId: string, text: string): Promise<void> {
  const gs = await tx.selectFrom('groupSnapshots').select('projectId').where('id', '=', id).executeTakeFirst();
  if (gs) await recordUserMessage(tx, { projectId: gs.projectId, resourceType: 'GROUP_SNAPSHOT', resourceUuid: id, eventId, userMessage: text });
}

export const createGroupSnapshotFlow: FlowDefinition<'create_group_snapshot', GroupSnapCtx> = {
  kind: 'create_group_snapshot',
  load: (d, task, payload) => loadGroupSnapshot(d, task.resourceId, 'creating', payload.reservation),
  steps: [
    {
      name: 'create_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (Groups.is(driver)) {
          await driver.createGroupSnapshot(ctx.row.id, ctx.dss);
          return;
        }
        if (!Snapshots.is(driver)) throw new NotSupported(backendName, 'create group snapshot');
        for (const ds of ctx.dss) await driver.createSnapshot(ds);
      },
      async revert(ctx) {
        const { driver } = ctx.deps;
        if (Groups.is(driver)) await driver.deleteGroupSnapshot(ctx.row.id, ctx.dss);
        else if (Snapshots.is(driver)) for (const ds of ctx.dss) await driver.deleteSnapshot(ds);
      },
    },
  ],
  async finish(tx, d, ctx) {
    await casGroupSnapshot(tx, ctx.row.id, ['creating'], { status: 'available' }, 'finish creating');
    await tx.updateTable('snapshots').set({ status: 'available', progress: '100%', updatedAt: nowIso() })
      .where('groupSnapshotId', '=', ctx.row.id).where('status', '=', 'creating').execute();
    await d.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('groupSnapshots').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'creating').execute();
    await tx.updateTable('snapshots').set({ status: 'error', updatedAt: nowIso() }).where('groupSnapshotId', '=', task.resourceId).where('status', '=', 'creating').execute();
    // The snapshot rows exist (in error) and count against quota until deleted.
    await d.quotas.commit(tx, payload.reservation);
    await failed(tx, task.resourceId, 'VOLUME_GROUP_SNAPSHOT_001_002', `Create group snapshot failed: ${error}`);
  },
};

export const deleteGroupSnapshotFlow: FlowDefinition<'delete_group_snapshot', GroupSnapCtx> = {
  kind: 'delete_group_snapshot',
  load: (d, task, payload) => loadGroupSnapshot(d, task.resourceId, 'deleting', payload.reservation),
  steps: [
    {
      name: 'delete_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (Groups.is(driver)) {
          await driver.deleteGroupSnapshot(ctx.row.id, ctx.dss);
          return;
        }
        if (!Snapshots.is(driver)) throw new NotSupported(backendName, 'delete group snapshot');
        for (const ds of ctx.dss) await driver.deleteSnapshot(ds);
      },
    },
  ],
  async finish(tx, d, ctx) {
    const ids = ctx.snapshots.map((s) => s.id);
    if (ids.length > 0) {
      await tx.deleteFrom('snapshotMetadata').where('resourceId', 'in', ids).execute();
      await tx.deleteFrom('snapshots').where('id', 'in', ids).execute();
    }
    await tx.deleteFrom('groupSnapshots').where('id', '=', ctx.row.id).execute();
    await d.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('groupSnapshots').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await tx.updateTable('snapshots').set({ status: 'error_deleting', updatedAt: nowIso() }).where('groupSnapshotId', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await d.quotas.rollback(tx, payload.reservation);
    await failed(tx, task.resourceId, 'VOLUME_GROUP_SNAPSHOT_001_003', `Delete group snapshot failed: ${error}`);
  },
};
