// Flows that take a backend share over (manage) or let it go (unmanage).
import { ManageShares } from '../../drivers/interface/share.js';
import { NotSupported } from '../../errors/errors.js';
import { casShare, lockShareIfExists } from '../../db/repos/shares.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { dropShareRows } from '../share-api.js';
import { shareQuotaDeltas, typeNameOf } from '../api-support.js';
import type { ShareFlowDefinition } from './flow-handler.js';
import { loadShare, recordShareUpdate, type ShareCtx } from './share-context.js';

interface ManageCtx extends ShareCtx {
  exportPath: string;
  driverOptions: Record<string, string>;
  size: number;
}

export const manageShareFlow: ShareFlowDefinition<'manage_share', ManageCtx> = {
  kind: 'manage_share',
  async load(deps, task, payload) {
    const s = await loadShare(deps, task.resourceId, 'managing', payload.reservation);
    return s ? { ...s, exportPath: payload.exportPath, driverOptions: payload.driverOptions, size: 0 } : null;
  },
  steps: [{
    name: 'manage_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ManageShares.is(d.driver)) throw new NotSupported(d.backendName, 'manage share');
      const u = await d.driver.manageExisting(ctx.ds, ctx.exportPath, ctx.driverOptions);
      ctx.size = u.size;
      await recordShareUpdate(d.db.kysely, ctx.row.id, u);
    },
  }],
  async finish(tx, deps, ctx) {
    const s = await casShare(tx, ctx.row.id, ['managing'], { status: 'available', size: ctx.size }, 'finish managing');
    await deps.quotas.commit(tx, ctx.reservation);
    // The size is known only now: counted as usage at once (over quota or not, the share exists).
    const deltas = shareQuotaDeltas(await typeNameOf(tx, s.shareTypeId), 0, ctx.size);
    delete deltas.shares;
    for (const [resource, add] of Object.entries(deltas).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (add === 0 || resource.startsWith('shares_')) continue;
      await tx.insertInto('shareQuotaUsages').values({ projectId: s.projectId, resource, inUse: add, reserved: 0 })
        .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet((eb) => ({ inUse: eb('shareQuotaUsages.inUse', '+', add) }))).execute();
    }
    deps.onCapacityChange(s.host, ctx.size);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    const s = await lockShareIfExists(tx, task.resourceId);
    if (s?.status !== 'managing') return;
    await tx.updateTable('shares').set({ status: 'manage_error', updatedAt: nowIso() }).where('id', '=', s.id).execute();
    await deps.quotas.commit(tx, payload.reservation);
    await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: 'SHARE_MANAGE_FAILED', userMessage: `manage: ${error}` });
  },
};

export const unmanageShareFlow: ShareFlowDefinition<'unmanage_share', ShareCtx> = {
  kind: 'unmanage_share',
  load: (deps, task, payload) => loadShare(deps, task.resourceId, 'unmanaging', payload.reservation),
  steps: [{
    name: 'unmanage_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!ManageShares.is(d.driver)) throw new NotSupported(d.backendName, 'unmanage share');
      await d.driver.unmanage(ctx.ds);
    },
  }],
  async finish(tx, deps, ctx) {
    await dropShareRows(tx, ctx.row.id);
    await deps.quotas.commit(tx, ctx.reservation);
    deps.onCapacityChange(ctx.row.host, -ctx.row.size, ctx.row.id);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    const s = await lockShareIfExists(tx, task.resourceId);
    await deps.quotas.rollback(tx, payload.reservation);
    if (s?.status !== 'unmanaging') return;
    await tx.updateTable('shares').set({ status: 'unmanage_error', updatedAt: nowIso() }).where('id', '=', s.id).execute();
    await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: 'SHARE_UNMANAGE_FAILED', userMessage: `unmanage: ${error}` });
  },
};
