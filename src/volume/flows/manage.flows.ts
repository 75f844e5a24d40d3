// Flows that take backend objects over (manage) or let them go (unmanage).
import type { VolumeRow } from '../../db/schema.js';
import { Manage } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import { casVolume } from '../../db/repos/volumes.js';
import { nowIso } from '../../util/clock.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadVolume, providerFields, type BaseCtx } from './volume-context.js';

interface ManageCtx extends BaseCtx {
  ref: Record<string, string>;
  size: number;
  update: Partial<VolumeRow>;
}

export const manageVolumeFlow: FlowDefinition<'manage_volume', ManageCtx> = {
  kind: 'manage_volume',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'managing', payload.reservation);
    if (!v) return null;
    return { ...v, ref: payload.ref, size: 0, update: {} };
  },
  steps: [
    {
      name: 'manage_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        if (!Manage.is(d.driver)) throw new NotSupported(d.backendName, 'manage existing volume');
        ctx.size = await d.driver.manageExistingGetSize(ctx.dv, ctx.ref);
        ctx.dv.size = ctx.size;
        ctx.update = providerFields(await d.driver.manageExisting(ctx.dv, ctx.ref));
      },
    },
  ],
  async finish(tx, d, ctx) {
    // The volume row first, then quota rows (lock order: db/transaction.ts).
    await casVolume(tx, ctx.row.id, ['managing'], { status: 'available', size: ctx.size, ...ctx.update }, 'finish managing');
    const type = ctx.row.volumeTypeId ? await tx.selectFrom('volumeTypes').select('name').where('id', '=', ctx.row.volumeTypeId).executeTakeFirst() : undefined;
    // Gigabytes are known only now; they are counted without a limit check (the data exists
    // already), creating the usage row when the project has none yet.
    for (const resource of ['gigabytes', ...(type ? [`gigabytes_${type.name}`] : [])].sort()) {
      await tx.insertInto('quotaUsages').values({ projectId: ctx.row.projectId, resource, inUse: ctx.size, reserved: 0 })
        .onConflict((oc) => oc.columns(['projectId', 'resource']).doUpdateSet((eb) => ({ inUse: eb('quotaUsages.inUse', '+', ctx.size) })))
        .execute();
    }
    await d.quotas.commit(tx, ctx.reservation);
    d.onCapacityChange(ctx.row.host, ctx.size);
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    await tx.updateTable('volumes').set({ status: 'error_managing', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'managing').execute();
    await d.quotas.commit(tx, payload.reservation);
    const v = await tx.selectFrom('volumes').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_011', userMessage: `Manage existing volume failed: ${error}` });
  },
};

export const unmanageVolumeFlow: FlowDefinition<'unmanage_volume', BaseCtx> = {
  kind: 'unmanage_volume',
  load: (d, task, payload) => loadVolume(d, task.resourceId, 'deleting', payload.reservation),
  steps: [
    {
      name: 'unmanage_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        if (!Manage.is(d.driver)) throw new NotSupported(d.backendName, 'unmanage volume');
        await d.driver.removeExport(ctx.dv);
        await d.driver.unmanage(ctx.dv);
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
  async giveUp(tx, d, task, payload) {
    await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'deleting').execute();
    await d.quotas.rollback(tx, payload.reservation);
  },
};
