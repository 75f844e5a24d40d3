// Flows of the share lifecycle on one backend: create (from nothing or a snapshot, with a
// share server when the backend handles them), delete, extend, shrink and revert.
import { CreateShareFromSnapshot, ExtendShare, RevertShareToSnapshot, ShareServers, ShrinkShare } from '../../drivers/interface/share.js';
import type { DriverShareSnapshot, ShareModelUpdate } from '../../drivers/interface/share.js';
import { NotSupported } from '../../errors/errors.js';
import { casShare, casShareSnapshot, lockShareIfExists } from '../../db/repos/shares.js';
import { accessRulesOf } from '../../db/repos/share-access.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import { newId } from '../../util/ids.js';
import { toDriverRule, toDriverShareSnapshot, toDriverShareServer } from '../driver-objects.js';
import { dropShareRows } from '../share-api.js';
import type { ShareFlowDefinition } from './flow-handler.js';
import { loadShare, recordShareUpdate, type ShareCtx } from './share-context.js';

interface CreateCtx extends ShareCtx {
  snapshot: DriverShareSnapshot | null;
}

export const createShareFlow: ShareFlowDefinition<'create_share', CreateCtx> = {
  kind: 'create_share',
  async load(deps, task, payload) {
    const s = await loadShare(deps, task.resourceId, 'creating', payload.reservation);
    if (!s) return null;
    const db = deps.db.kysely;
    const snapRow = s.row.snapshotId ? await db.selectFrom('shareSnapshots').selectAll().where('id', '=', s.row.snapshotId).executeTakeFirst() : undefined;
    return { ...s, snapshot: snapRow ? await toDriverShareSnapshot(db, snapRow, deps.templates) : null };
  },
  steps: [
    {
      // DHSS=true: the share lands on its network's server on this backend, set up once.
      name: 'share_server',
      async run(ctx) {
        const d = ctx.deps;
        if (!d.driver.driverHandlesShareServers || !ctx.row.shareNetworkId) return;
        if (!ShareServers.is(d.driver)) throw new NotSupported(d.backendName, 'share servers');
        const db = d.db.kysely;
        let server = await db.selectFrom('shareServers').selectAll().where('shareNetworkId', '=', ctx.row.shareNetworkId)
          .where('host', '=', d.backendHost).where('status', 'in', ['active', 'creating']).executeTakeFirst();
        if (!server) {
          const now = nowIso();
          server = await db.insertInto('shareServers').values({
            id: newId(), projectId: ctx.row.projectId, shareNetworkId: ctx.row.shareNetworkId, host: d.backendHost, status: 'creating',
            backendDetails: '{}', createdAt: now, updatedAt: now,
          }).returningAll().executeTakeFirstOrThrow();
        }
        if (server.status !== 'active') {
          const details = await d.driver.setupServer({ id: server.id, shareNetworkId: server.shareNetworkId, backendDetails: {} });
          await db.updateTable('shareServers').set({ status: 'active', backendDetails: JSON.stringify(details), updatedAt: nowIso() }).where('id', '=', server.id).execute();
        }
        await db.updateTable('shares').set({ shareServerId: server.id, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
        ctx.ds.shareServer = await toDriverShareServer(db, server.id);
      },
    },
    {
      name: 'create_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        let u: ShareModelUpdate;
        if (ctx.snapshot) {
          if (!CreateShareFromSnapshot.is(d.driver)) throw new NotSupported(d.backendName, 'create share from snapshot');
          u = await d.driver.createShareFromSnapshot(ctx.ds, ctx.snapshot);
        } else {
          u = await d.driver.createShare(ctx.ds);
        }
        await recordShareUpdate(d.db.kysely, ctx.row.id, u);
      },
      async revert(ctx) {
        await ctx.deps.driver.deleteShare(ctx.ds);
      },
    },
  ],
  async finish(tx, deps, ctx) {
    await casShare(tx, ctx.row.id, ['creating'], { status: 'available' }, 'finish creating');
    await deps.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    const s = await lockShareIfExists(tx, task.resourceId);
    if (!s || s.status !== 'creating') return;
    const tried = [...payload.excludeHosts, deps.backendHost];
    if (!s.snapshotId && tried.length < deps.schedulerMaxAttempts) {
      await tx.updateTable('shares').set({ host: null, updatedAt: nowIso() }).where('id', '=', s.id).execute();
      deps.onCapacityChange(s.host, -s.size, s.id);
      await deps.reschedule(tx, s.id, { reservation: payload.reservation, excludeHosts: tried, lastError: `${deps.backendHost}: ${error}` });
      return;
    }
    await tx.updateTable('shares').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', s.id).execute();
    deps.onCapacityChange(s.host, -s.size, s.id);
    // The share exists (in error) and counts against quota until deleted.
    await deps.quotas.commit(tx, payload.reservation);
    await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: 'SHARE_CREATE_FAILED', userMessage: `create: Share creation failed: ${error}` });
  },
};

interface DeleteCtx extends ShareCtx {
  /** The share server torn down with its last share (DHSS=true). */
  serverGone: string | null;
}

export const deleteShareFlow: ShareFlowDefinition<'delete_share', DeleteCtx> = {
  kind: 'delete_share',
  async load(deps, task, payload) {
    const s = await loadShare(deps, task.resourceId, 'deleting', payload.reservation);
    return s ? { ...s, serverGone: null } : null;
  },
  steps: [{
    name: 'delete_on_backend',
    async run(ctx) {
      await ctx.deps.driver.deleteShare(ctx.ds);
    },
  }, {
    // Manila tears a share server down with its last share (automatic_share_server_cleanup).
    name: 'teardown_server',
    async run(ctx) {
      const d = ctx.deps;
      const server = ctx.ds.shareServer;
      if (!server || !ShareServers.is(d.driver)) return;
      const others = await d.db.kysely.selectFrom('shares').select('id').where('shareServerId', '=', server.id).where('id', '!=', ctx.row.id).executeTakeFirst();
      if (others) return;
      await d.db.kysely.updateTable('shareServers').set({ status: 'deleting', updatedAt: nowIso() }).where('id', '=', server.id).execute();
      await d.driver.teardownServer(server);
      ctx.serverGone = server.id;
    },
  }],
  async finish(tx, deps, ctx) {
    const s = await lockShareIfExists(tx, ctx.row.id);
    if (!s) return null;
    await dropShareRows(tx, s.id);
    if (ctx.serverGone) await tx.deleteFrom('shareServers').where('id', '=', ctx.serverGone).execute();
    await deps.quotas.commit(tx, ctx.reservation);
    deps.onCapacityChange(s.host, -s.size, s.id);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    const s = await lockShareIfExists(tx, task.resourceId);
    if (s?.status === 'deleting') {
      await tx.updateTable('shares').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', s.id).execute();
      await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: 'SHARE_DELETE_FAILED', userMessage: `delete: Share deletion failed: ${error}` });
    }
    await deps.quotas.rollback(tx, payload.reservation);
  },
};

interface ResizeCtx extends ShareCtx {
  newSize: number;
}

function resizeFlow<K extends 'extend_share' | 'shrink_share'>(kind: K, status: 'extending' | 'shrinking'): ShareFlowDefinition<K, ResizeCtx> {
  const errorStatus = status === 'extending' ? 'extending_error' : 'shrinking_error';
  return {
    kind,
    async load(deps, task, payload) {
      const s = await loadShare(deps, task.resourceId, status, payload.reservation);
      return s ? { ...s, newSize: payload.newSize } : null;
    },
    steps: [{
      name: `${status}_on_backend`,
      async run(ctx) {
        const d = ctx.deps;
        if (status === 'extending') {
          if (!ExtendShare.is(d.driver)) throw new NotSupported(d.backendName, 'extend share');
          await d.driver.extendShare(ctx.ds, ctx.newSize);
        } else {
          if (!ShrinkShare.is(d.driver)) throw new NotSupported(d.backendName, 'shrink share');
          await d.driver.shrinkShare(ctx.ds, ctx.newSize);
        }
      },
    }],
    async finish(tx, deps, ctx) {
      const s = await casShare(tx, ctx.row.id, [status], { status: 'available', size: ctx.newSize }, `finish ${status}`);
      await deps.quotas.commit(tx, ctx.reservation);
      deps.onCapacityChange(s.host, ctx.newSize - ctx.row.size);
      return null;
    },
    async giveUp(tx, deps, task, payload, error) {
      const s = await lockShareIfExists(tx, task.resourceId);
      await deps.quotas.rollback(tx, payload.reservation);
      if (s?.status !== status) return;
      // A shrink the driver refused as unsafe leaves the share untouched and available (Manila's answer).
      const refused = status === 'shrinking' && /^(invalid_input|share_shrink_unsafe)/.test(error);
      await tx.updateTable('shares').set({ status: refused ? 'available' : errorStatus, updatedAt: nowIso() }).where('id', '=', s.id).execute();
      await recordUserMessage(tx, {
        projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: status === 'extending' ? 'SHARE_EXTEND_FAILED' : 'SHARE_SHRINK_FAILED',
        userMessage: `${status === 'extending' ? 'extend' : 'shrink'}: ${error}`,
      });
    },
  };
}

export const extendShareFlow = resizeFlow('extend_share', 'extending');
export const shrinkShareFlow = resizeFlow('shrink_share', 'shrinking');

interface RevertCtx extends ShareCtx {
  snapshot: DriverShareSnapshot;
}

export const revertShareFlow: ShareFlowDefinition<'revert_share', RevertCtx> = {
  kind: 'revert_share',
  async load(deps, task, payload) {
    const s = await loadShare(deps, task.resourceId, 'reverting');
    if (!s) return null;
    const snap = await deps.db.kysely.selectFrom('shareSnapshots').selectAll().where('id', '=', payload.snapshotId).executeTakeFirst();
    if (!snap) return null;
    return { ...s, snapshot: await toDriverShareSnapshot(deps.db.kysely, snap, deps.templates) };
  },
  steps: [{
    name: 'revert_on_backend',
    async run(ctx) {
      const d = ctx.deps;
      if (!RevertShareToSnapshot.is(d.driver)) throw new NotSupported(d.backendName, 'revert share to snapshot');
      const rules = (await accessRulesOf(d.db.kysely, ctx.row.id)).filter((r) => r.state === 'active').map(toDriverRule);
      await d.driver.revertToSnapshot(ctx.snapshot, rules);
    },
  }],
  async finish(tx, _deps, ctx) {
    await casShare(tx, ctx.row.id, ['reverting'], { status: 'available' }, 'finish reverting');
    await casShareSnapshot(tx, ctx.snapshot.id, ['restoring'], { status: 'available' }, 'finish restoring');
    return null;
  },
  async giveUp(tx, _deps, task, payload, error) {
    const s = await lockShareIfExists(tx, task.resourceId);
    if (s?.status === 'reverting') {
      await tx.updateTable('shares').set({ status: 'reverting_error', updatedAt: nowIso() }).where('id', '=', s.id).execute();
      await recordUserMessage(tx, { projectId: s.projectId, resourceType: 'SHARE', resourceUuid: s.id, eventId: 'SHARE_REVERT_FAILED', userMessage: `revert_to_snapshot: ${error}` });
    }
    await tx.updateTable('shareSnapshots').set({ status: 'available', updatedAt: nowIso() }).where('id', '=', payload.snapshotId).where('status', '=', 'restoring').execute();
  },
};
