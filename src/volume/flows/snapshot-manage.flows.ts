// Flows that take a backend snapshot over (manage) or let it go (unmanage), the snapshot
// counterparts of manage.flows.ts.
import { ManageSnapshots } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import { casSnapshot } from '../../db/repos/snapshots.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { Tx } from '../../db/transaction.js';
import { nowIso } from '../../util/clock.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadSnapshot, type SnapCtx } from './snapshot.flows.js';

interface ManageSnapCtx extends SnapCtx {
  ref: Record<string, string>;
  size: number;
}

/** Corrects the gigabytes in use by `size` (the data exists already: no limit check; the usage row made if missing). */
async function adjustGigabytes(tx: Tx, projectId: string, typeId: string | null, size: number): Promise<void> {
  const type = typeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', typeId).executeTakeFirst() : undefined;
  for (const resource of ['gigabytes', ...(type ? [`gigabytes_${type.name}`] : [])].sort()) {
    await tx.insertInto('quotaUsages').values({ projectId, resource, inUse: size, reserved: 0 })
      .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet((eb) => ({ inUse: eb('quotaUsages.inUse', '+', size) })))
      .execute();
  }
}

export const manageSnapshotFlow: FlowDefinition<'manage_snapshot', ManageSnapCtx> = {
  kind: 'manage_snapshot',
  async load(d, task, payload) {
    const s = await loadSnapshot(d, task.resourceId, 'creating', payload.reservation);
    return s ? { ...s, ref: payload.ref, size: 0 } : null;
  },
  steps: [
    {
      name: 'manage_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (!ManageSnapshots.is(driver)) throw new NotSupported(backendName, 'manage existing snapshot');
        ctx.size = await driver.manageExistingSnapshotGetSize(ctx.ds, ctx.ref);
        ctx.ds.volumeSize = ctx.size;
        const u = await driver.manageExistingSnapshot(ctx.ds, ctx.ref);
        if (u?.providerLocation !== undefined) ctx.update.providerLocation = u.providerLocation;
        if (u?.providerId !== undefined) ctx.update.providerId = u.providerId;
      },
    },
  ],
  async finish(tx, d, ctx) {
    // The snapshot row first, then quota rows (lock order: db/transaction.ts).
    await casSnapshot(tx, ctx.row.id, ['creating'], { status: 'available', progress: '100%', volumeSize: ctx.size, ...ctx.update }, 'finish managing');
    await d.quotas.commit(tx, ctx.reservation);
    // The API reserved the volume's size; the backend snapshot may be another.
    if (ctx.size !== ctx.row.volumeSize) {
      const volume = await tx.selectFrom('volumes').select('volumeTypeId').where('id', '=', ctx.row.volumeId).executeTakeFirst();
      await adjustGigabytes(tx, ctx.row.projectId, volume?.volumeTypeId ?? null, ctx.size - ctx.row.volumeSize);
    }
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    // The reserved count and size stay with the failed snapshot; deleting it releases them.
    await tx.updateTable('snapshots').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'creating').execute();
    await d.quotas.commit(tx, payload.reservation);
    const s = await tx.selectFrom('snapshots').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (s) await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SNAPSHOT', resourceUuid: task.resourceId, eventId: 'VOLUME_SNAPSHOT_001_002', userMessage: `Manage existing snapshot failed: ${error}` });
  },
};

export const unmanageSnapshotFlow: FlowDefinition<'unmanage_snapshot', SnapCtx> = {
  kind: 'unmanage_snapshot',
  load: (d, task, payload) => loadSnapshot(d, task.resourceId, 'unmanaging', payload.reservation),
  steps: [
    {
      name: 'unmanage_on_backend',
      async run(ctx) {
        const { driver, backendName } = ctx.deps;
        if (!ManageSnapshots.is(driver)) throw new NotSupported(backendName, 'unmanage snapshot');
        await driver.unmanageSnapshot(ctx.ds);
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
    await tx.updateTable('snapshots').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'unmanaging').execute();
    await d.quotas.rollback(tx, payload.reservation);
    const s = await tx.selectFrom('snapshots').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (s) await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SNAPSHOT', resourceUuid: task.resourceId, eventId: 'VOLUME_SNAPSHOT_001_003', userMessage: `Unmanage snapshot failed: ${error}` });
  },
};
