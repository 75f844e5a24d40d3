// Flows of snapshot operations on one backend.
import type { SnapshotRow } from '../../db/schema.js';
import { Snapshots } from '../../drivers/interface/capabilities.js';
import type { DriverSnapshot } from '../../drivers/interface/objects.js';
import { NotSupported } from '../../errors/errors.js';
import { casSnapshot } from '../../db/repos/snapshots.js';
import { toDriverSnapshot } from '../driver-objects.js';
import { nowIso } from '../../util/clock.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { FlowDefinition, ManagerDeps } from './flow-handler.js';

export interface SnapCtx {
  deps: ManagerDeps;
  reservation: string;
  row: SnapshotRow;
  ds: DriverSnapshot;
  update: Partial<SnapshotRow>;
}

export async function loadSnapshot(deps: ManagerDeps, id: string, status: string, reservation: string): Promise<SnapCtx | null> {
  const row = await deps.db.kysely.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.status !== status) return null;
  return { deps, reservation, row, ds: await toDriverSnapshot(deps.db.kysely, row, deps.templates), update: {} };
}

export const createSnapshotFlow: FlowDefinition<'create_snapshot', SnapCtx> = {
  kind: 'create_snapshot',
  load: (d, task, payload) => loadSnapshot(d, task.resourceId, 'creating', payload.reservation),
  steps: [
    {
      name: 'create_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (!Snapshots.is(driver)) throw new NotSupported(backendName, 'create snapshot');
        const u = await driver.createSnapshot(ctx.ds);
        if (u?.providerLocation !== undefined) ctx.update.providerLocation = u.providerLocation;
        if (u?.providerId !== undefined) ctx.update.providerId = u.providerId;
      },
      async revert(ctx) {
        const { driver } = ctx.deps;
        if (Snapshots.is(driver)) await driver.deleteSnapshot(ctx.ds);
      },
    },
  ],
  async finish(tx, d, ctx) {
    await casSnapshot(tx, ctx.row.id, ['creating'], { status: 'available', progress: '100%', ...ctx.update }, 'finish creating');
    await d.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('snapshots').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'creating').execute();
    await d.quotas.commit(tx, payload.reservation);
    const s = await tx.selectFrom('snapshots').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (s) await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SNAPSHOT', resourceUuid: task.resourceId, eventId: 'VOLUME_SNAPSHOT_001_002', userMessage: `Create snapshot failed: ${error}` });
  },
};

export const deleteSnapshotFlow: FlowDefinition<'delete_snapshot', SnapCtx> = {
  kind: 'delete_snapshot',
  load: (d, task, payload) => loadSnapshot(d, task.resourceId, 'deleting', payload.reservation),
  steps: [
    {
      name: 'delete_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (!Snapshots.is(driver)) throw new NotSupported(backendName, 'delete snapshot');
        await driver.deleteSnapshot(ctx.ds);
      },
    },
  ],
  async finish(tx, d, ctx) {
    await tx.deleteFrom('snapshotMetadata').where('resourceId', '=', ctx.row.id).execute();
    await tx.deleteFrom('snapshots').where('id', '=', ctx.row.id).execute();
    await d.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('snapshots').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await d.quotas.rollback(tx, payload.reservation);
    const s = await tx.selectFrom('snapshots').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (s) await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SNAPSHOT', resourceUuid: task.resourceId, eventId: 'VOLUME_SNAPSHOT_001_003', userMessage: `Delete snapshot failed: ${error}` });
  },
};
