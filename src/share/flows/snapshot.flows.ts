// Flows of share snapshots on one backend: create, delete, manage and unmanage.
import type { TaskRow } from '../../db/schema.js';
import { ManageShareSnapshots, ShareSnapshots, type DriverShareSnapshot } from '../../drivers/interface/share.js';
import { NotSupported } from '../../errors/errors.js';
import { casShareSnapshot } from '../../db/repos/shares.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { toDriverShareSnapshot } from '../driver-objects.js';
import type { ShareFlowDefinition, ShareManagerDeps } from './flow-handler.js';

interface SnapCtx {
  deps: ShareManagerDeps;
  reservation: string;
  snap: DriverShareSnapshot;
  projectId: string;
  update: { providerLocation?: string | null; size?: number };
}

async function loadSnap(deps: ShareManagerDeps, task: TaskRow, status: string, reservation: string): Promise<SnapCtx | null> {
  const row = await deps.db.kysely.selectFrom('shareSnapshots').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
  if (!row || row.status !== status) return null;
  return { deps, reservation, projectId: row.projectId, snap: await toDriverShareSnapshot(deps.db.kysely, row, deps.templates), update: {} };
}

async function failSnapshot(tx: Parameters<ShareFlowDefinition<'create_share_snapshot', SnapCtx>['giveUp']>[0], id: string, from: string, to: string, event: string, error: string): Promise<void> {
  const row = await tx.updateTable('shareSnapshots').set({ status: to, updatedAt: nowIso() }).where('id', '=', id).where('status', '=', from).returningAll().executeTakeFirst();
  if (row) await recordUserMessage(tx, { projectId: row.projectId, resourceType: 'SHARE_SNAPSHOT', resourceUuid: id, eventId: event, userMessage: error });
}

export const createShareSnapshotFlow: ShareFlowDefinition<'create_share_snapshot', SnapCtx> = {
  kind: 'create_share_snapshot',
  load: (deps, task, payload) => loadSnap(deps, task, 'creating', payload.reservation),
  steps: [{
    name: 'snapshot_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ShareSnapshots.is(d.driver)) throw new NotSupported(d.backendName, 'share snapshots');
      const u = await d.driver.createSnapshot(ctx.snap);
      if (u) ctx.update = { ...(u.providerLocation !== undefined ? { providerLocation: u.providerLocation } : {}), ...(u.size !== undefined ? { size: u.size } : {}) };
    },
    async revert(ctx) {
      const d = ctx.deps;
      if (ShareSnapshots.is(d.driver)) await d.driver.deleteSnapshot(ctx.snap);
    },
  }],
  async finish(tx, deps, ctx) {
    await casShareSnapshot(tx, ctx.snap.id, ['creating'], { status: 'available', progress: '100%', ...ctx.update }, 'finish creating');
    await deps.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    await failSnapshot(tx, task.resourceId, 'creating', 'error', 'SNAPSHOT_CREATE_FAILED', `create: ${error}`);
    // The snapshot exists (in error) and counts until deleted.
    await deps.quotas.commit(tx, payload.reservation);
  },
};

export const deleteShareSnapshotFlow: ShareFlowDefinition<'delete_share_snapshot', SnapCtx> = {
  kind: 'delete_share_snapshot',
  load: (deps, task, payload) => loadSnap(deps, task, 'deleting', payload.reservation),
  steps: [{
    name: 'delete_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ShareSnapshots.is(d.driver)) throw new NotSupported(d.backendName, 'share snapshots');
      await d.driver.deleteSnapshot(ctx.snap);
    },
  }],
  async finish(tx, deps, ctx) {
    await tx.deleteFrom('shareSnapshotMetadata').where('resourceId', '=', ctx.snap.id).execute();
    await tx.deleteFrom('shareSnapshots').where('id', '=', ctx.snap.id).execute();
    await deps.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    await failSnapshot(tx, task.resourceId, 'deleting', 'error_deleting', 'SNAPSHOT_DELETE_FAILED', `delete: ${error}`);
    await deps.quotas.rollback(tx, payload.reservation);
  },
};

export const manageShareSnapshotFlow: ShareFlowDefinition<'manage_share_snapshot', SnapCtx> = {
  kind: 'manage_share_snapshot',
  load: (deps, task, payload) => loadSnap(deps, task, 'manage_starting', payload.reservation),
  steps: [{
    name: 'manage_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ManageShareSnapshots.is(d.driver)) throw new NotSupported(d.backendName, 'manage share snapshot');
      const { size } = await d.driver.manageExistingSnapshot(ctx.snap, ctx.snap.providerLocation ?? '');
      ctx.update = { size };
    },
  }],
  async finish(tx, deps, ctx) {
    const snap = await casShareSnapshot(tx, ctx.snap.id, ['manage_starting'], { status: 'available', progress: '100%', ...ctx.update }, 'finish managing');
    await deps.quotas.commit(tx, ctx.reservation);
    // The gigabytes are known only now: counted as usage at once.
    const g = await deps.quotas.reserve(tx, snap.projectId, { snapshot_gigabytes: snap.size });
    await deps.quotas.commit(tx, g);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    await failSnapshot(tx, task.resourceId, 'manage_starting', 'manage_error', 'SNAPSHOT_MANAGE_FAILED', `manage: ${error}`);
    await deps.quotas.commit(tx, payload.reservation);
  },
};

export const unmanageShareSnapshotFlow: ShareFlowDefinition<'unmanage_share_snapshot', SnapCtx> = {
  kind: 'unmanage_share_snapshot',
  load: (deps, task, payload) => loadSnap(deps, task, 'unmanage_starting', payload.reservation),
  steps: [{
    name: 'unmanage_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ManageShareSnapshots.is(d.driver)) throw new NotSupported(d.backendName, 'unmanage share snapshot');
      await d.driver.unmanageSnapshot(ctx.snap);
    },
  }],
  async finish(tx, deps, ctx) {
    await tx.deleteFrom('shareSnapshots').where('id', '=', ctx.snap.id).execute();
    await deps.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    await failSnapshot(tx, task.resourceId, 'unmanage_starting', 'unmanage_error', 'SNAPSHOT_UNMANAGE_FAILED', `unmanage: ${error}`);
    await deps.quotas.rollback(tx, payload.reservation);
  },
};
