// Flows of volume lifecycle operations on one backend: create, delete, extend, revert,
// manage, unmanage and upload.
import type { SnapshotRow, VolumeRow } from '../../db/schema.js';
import {
  Clone, CreateFromSnapshot, Extend, ImageTransfer, RevertToSnapshot, Snapshots,
} from '../../drivers/interface/capabilities.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../../drivers/interface/objects.js';
import { NotSupported } from '../../errors/errors.js';
import { casSnapshot, getSnapshot } from '../../db/repos/snapshots.js';
import { casVolume, lockVolumeIfExists } from '../../db/repos/volumes.js';
import { toDriverSnapshot, toDriverVolume } from '../driver-objects.js';
import { nowIso } from '../../util/clock.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { FlowDefinition } from './flow-handler.js';
import { detectImageFormat, throttledProgress } from '../image-format.js';
import { loadVolume, providerFields, type BaseCtx } from './volume-context.js';
import { copyImageOverConnection } from './copy-over-connection.js';

interface CreateCtx extends BaseCtx {
  snapshot: DriverSnapshot | null;
  source: DriverVolume | null;
  imagePath: string | null;
  update: Partial<VolumeRow>;
  onProgress: (percent: number) => void;
}

export const createVolumeFlow: FlowDefinition<'create_volume', CreateCtx> = {
  kind: 'create_volume',
  async load(deps, task, payload) {
    const v = await loadVolume(deps, task.resourceId, 'creating', payload.reservation);
    if (!v) return null;
    const db = deps.db.kysely;
    const snapshot = v.row.snapshotId ? await toDriverSnapshot(db, await getSnapshot(db, null, v.row.snapshotId), deps.templates) : null;
    const srcRow = v.row.sourceVolid ? await db.selectFrom('volumes').selectAll().where('id', '=', v.row.sourceVolid).executeTakeFirst() : undefined;
    const source = srcRow ? await toDriverVolume(db, srcRow, deps.templates) : null;
    return { ...v, snapshot, source, imagePath: payload.imagePath, update: {}, onProgress: throttledProgress((p) => deps.tasks.recordPercent(task.id, p)) };
  },
  steps: [
    {
      name: 'create_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        const driver = d.driver;
        let create: () => Promise<ModelUpdate | void>;
        if (ctx.snapshot) {
          if (!CreateFromSnapshot.is(driver)) throw new NotSupported(d.backendName, 'create volume from snapshot');
          const snapshot = ctx.snapshot;
          create = () => driver.createVolumeFromSnapshot(ctx.dv, snapshot);
        } else if (ctx.source) {
          if (!Clone.is(driver)) throw new NotSupported(d.backendName, 'clone volume');
          const source = ctx.source;
          create = () => driver.createClonedVolume(ctx.dv, source);
        } else {
          create = () => driver.createVolume(ctx.dv);
        }
        const u = await d.trackCreate(ctx.row.id, create);
        ctx.update = providerFields(u);
        Object.assign(ctx.dv, ctx.update);
        // Recorded at once so a crash before `finish` still knows what the backend made.
        if (Object.keys(ctx.update).length > 0) {
          await d.db.kysely.updateTable('volumes').set({ ...ctx.update, updatedAt: nowIso() }).where('id', '=', ctx.row.id).execute();
        }
      },
      async revert(ctx) {
        await ctx.deps.driver.deleteVolume(ctx.dv);
      },
    },
    {
      name: 'copy_image',
      async run(ctx) {
        if (!ctx.imagePath) return;
        const d = ctx.deps;
        const format = await detectImageFormat(ctx.imagePath);
        if (ImageTransfer.is(d.driver)) await d.driver.copyImageToVolume(ctx.dv, ctx.imagePath, format, ctx.onProgress);
        // Without image transfer: the generic copy over the driver's own connection.
        else await copyImageOverConnection(d.driver, ctx.dv, ctx.imagePath, format, { backendName: d.backendName, logger: d.logger, onProgress: ctx.onProgress });
      },
    },
  ],
  async finish(tx, deps, ctx) {
    await casVolume(tx, ctx.row.id, ['creating'], { status: 'available', ...ctx.update, bootable: ctx.imagePath ? 1 : ctx.row.bootable }, 'finish creating');
    await deps.quotas.commit(tx, ctx.reservation);
    return null;
  },
  async giveUp(tx, deps, task, payload, error) {
    // Locked, so a force delete or reset-status committed meanwhile is seen, not overwritten.
    const v = await lockVolumeIfExists(tx, task.resourceId);
    if (!v || v.status !== 'creating') return;
    const fromNothing = !v.snapshotId && !v.sourceVolid;
    const tried = [...payload.excludeHosts, deps.backendHost];
    if (fromNothing && tried.length < deps.schedulerMaxAttempts) {
      // Cinder's retry: another backend may take it.
      await tx.updateTable('volumes').set({ host: null, updatedAt: nowIso() }).where('id', '=', v.id).execute();
      deps.onCapacityChange(v.host, -v.size, v.id);
      await deps.reschedule(tx, v.id, { reservation: payload.reservation, excludeHosts: tried, hints: {}, imagePath: payload.imagePath, lastError: `${deps.backendHost}: ${error}` });
      return;
    }
    await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', v.id).execute();
    // Nothing was left on the backend: its room is free again.
    deps.onCapacityChange(v.host, -v.size, v.id);
    // The volume exists (in error) and counts against quota until deleted.
    await deps.quotas.commit(tx, payload.reservation);
    await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: v.id, eventId: 'VOLUME_VOLUME_001_003', userMessage: `Create volume failed: ${error}` });
  },
};

interface DeleteCtx extends BaseCtx {
  snapshots: SnapshotRow[];
}

export const deleteVolumeFlow: FlowDefinition<'delete_volume', DeleteCtx> = {
  kind: 'delete_volume',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'deleting', payload.reservation);
    if (!v) return null;
    const snapshots = await d.db.kysely.selectFrom('snapshots').selectAll().where('volumeId', '=', v.row.id).execute();
    return { ...v, snapshots };
  },
  steps: [
    {
      name: 'delete_snapshots',
      // A re-run finds only the snapshots whose rows are still there (each row goes once the backend deleted it).
      rerunnable: true,
      async run(ctx) {
        const d = ctx.deps;
        if (ctx.snapshots.length === 0) return;
        if (!Snapshots.is(d.driver)) throw new NotSupported(d.backendName, 'delete snapshot');
        for (const s of ctx.snapshots) {
          await d.driver.deleteSnapshot(await toDriverSnapshot(d.db.kysely, s, d.templates));
          await d.db.kysely.deleteFrom('snapshotMetadata').where('resourceId', '=', s.id).execute();
          await d.db.kysely.deleteFrom('snapshots').where('id', '=', s.id).execute();
        }
      },
    },
    {
      name: 'remove_export',
      // Drivers' terminate_connection and remove_export accept what is already gone.
      rerunnable: true,
      async run(ctx) {
        const d = ctx.deps;
        await d.driver.terminateConnection(ctx.dv, null);
        await d.driver.removeExport(ctx.dv);
      },
    },
    {
      name: 'delete_on_backend',
      async run(ctx) {
        await ctx.deps.driver.deleteVolume(ctx.dv);
      },
    },
  ],
  async finish(tx, d, ctx) {
    await tx.deleteFrom('volumeMetadata').where('resourceId', '=', ctx.row.id).execute();
    await tx.deleteFrom('volumeImageMetadata').where('resourceId', '=', ctx.row.id).execute();
    await tx.deleteFrom('transfers').where('volumeId', '=', ctx.row.id).execute();
    await tx.deleteFrom('attachments').where('volumeId', '=', ctx.row.id).execute();
    await tx.deleteFrom('volumes').where('id', '=', ctx.row.id).execute();
    await d.quotas.commit(tx, ctx.reservation);
    d.onCapacityChange(ctx.row.host, -ctx.row.size, ctx.row.id);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('volumes').set({ status: 'error_deleting', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await tx.updateTable('snapshots').set({ status: 'error_deleting', updatedAt: nowIso() }).where('volumeId', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await d.quotas.rollback(tx, payload.reservation);
    const v = await tx.selectFrom('volumes').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_009', userMessage: `Delete volume failed: ${error}` });
  },
};

interface ExtendCtx extends BaseCtx {
  newSize: number;
  previousStatus: string;
  update: Partial<VolumeRow>;
}

export const extendVolumeFlow: FlowDefinition<'extend_volume', ExtendCtx> = {
  kind: 'extend_volume',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'extending', payload.reservation);
    if (!v) return null;
    return { ...v, newSize: payload.newSize, previousStatus: payload.previousStatus, update: {} };
  },
  steps: [
    {
      name: 'extend_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        if (!Extend.is(d.driver)) throw new NotSupported(d.backendName, 'extend volume');
        if (ctx.previousStatus === 'in-use') {
          const stats = await d.driver.getVolumeStats(false);
          const pool = stats.pools.find((p) => ctx.row.host?.endsWith(`#${p.poolName}`)) ?? stats.pools[0];
          if (!pool?.onlineExtendSupport) throw new NotSupported(d.backendName, 'online extend of an attached volume');
        }
        ctx.update = providerFields(await d.driver.extendVolume(ctx.dv, ctx.newSize));
      },
    },
  ],
  async finish(tx, d, ctx) {
    await casVolume(tx, ctx.row.id, ['extending'], { status: ctx.previousStatus, size: ctx.newSize, ...ctx.update }, 'finish extending');
    await d.quotas.commit(tx, ctx.reservation);
    d.onCapacityChange(ctx.row.host, ctx.newSize - ctx.row.size);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    const v = await tx.selectFrom('volumes').select(['projectId']).where('id', '=', task.resourceId).executeTakeFirst();
    // Cinder's error_extending: the size did not change; quota goes back.
    await tx.updateTable('volumes').set({ status: 'error_extending', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'extending').execute();
    await d.quotas.rollback(tx, payload.reservation);
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_007', userMessage: `Extend volume failed: ${error}` });
  },
};

interface RevertCtx extends BaseCtx {
  snapshot: DriverSnapshot;
}

export const revertToSnapshotFlow: FlowDefinition<'revert_to_snapshot', RevertCtx> = {
  kind: 'revert_to_snapshot',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'reverting');
    if (!v) return null;
    const s = await getSnapshot(d.db.kysely, null, payload.snapshotId);
    return { ...v, snapshot: await toDriverSnapshot(d.db.kysely, s, d.templates) };
  },
  steps: [
    {
      name: 'revert_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        if (!RevertToSnapshot.is(d.driver)) throw new NotSupported(d.backendName, 'revert to snapshot');
        await d.driver.revertToSnapshot(ctx.dv, ctx.snapshot);
      },
    },
  ],
  async finish(tx, _d, ctx) {
    await casVolume(tx, ctx.row.id, ['reverting'], { status: 'available' }, 'finish reverting');
    await casSnapshot(tx, ctx.snapshot.id, ['restoring'], { status: 'available' }, 'finish reverting');
    return null;
  },
  async giveUp(tx, _d, task, payload, error) {
    await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'reverting').execute();
    await tx.updateTable('snapshots').set({ status: 'available', updatedAt: nowIso() }).where('id', '=', payload.snapshotId).where('status', '=', 'restoring').execute();
    const v = await tx.selectFrom('volumes').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_010', userMessage: `Revert to snapshot failed: ${error}` });
  },
};
