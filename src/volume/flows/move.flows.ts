// Moving a volume: retype in place (the driver's Retype says whether it could), migration to
// another backend or pool (the driver's Migrate), and reimage (an image written over the
// volume). A move the backend cannot make fails cleanly: the volume returns to its status,
// migration_status says error, the quota reservation is given back and a user message says why.
import { ImageTransfer, Migrate, Retype } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import { casVolume, lockVolumeIfExists } from '../../db/repos/volumes.js';
import { extraSpecsOf } from '../../db/repos/types.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { nowIso } from '../../util/clock.js';
import type { VolumeRow } from '../../db/schema.js';
import type { TaskPayloads } from '../task-kinds.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadVolume, providerFields, type BaseCtx } from './volume-context.js';
import { detectImageFormat, throttledProgress } from '../image-format.js';
import { copyImageOverConnection } from './copy-over-connection.js';

/** The status a moving volume holds: retyping for a retype, maintenance for a plain migration. */
export function movingStatus(p: { newTypeId: string | null }): string {
  return p.newTypeId ? 'retyping' : 'maintenance';
}

interface MoveCtx extends BaseCtx {
  payload: TaskPayloads['move_volume'];
  update: Partial<VolumeRow>;
}

export const moveVolumeFlow: FlowDefinition<'move_volume', MoveCtx> = {
  kind: 'move_volume',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, movingStatus(payload), payload.reservation);
    if (!v) return null;
    return { ...v, payload, update: {} };
  },
  steps: [
    {
      name: 'move_on_backend',
      async run(ctx) {
        const d = ctx.deps;
        const { newTypeId, destHost } = ctx.payload;
        if (destHost === null) {
          const specs = await extraSpecsOf(d.db.kysely, newTypeId);
          // A driver without Retype, or one that says the new type needs another pool, cannot
          // retype in place; the API only asks for an in-place retype when no migration is allowed or needed.
          if (!Retype.is(d.driver) || !(await d.driver.retype(ctx.dv, specs))) throw new NotSupported(d.backendName, 'retype of this volume in place');
          return;
        }
        if (!Migrate.is(d.driver)) throw new NotSupported(d.backendName, `migration to ${destHost}`);
        const [moved, update] = await d.driver.migrateVolume(ctx.dv, destHost);
        if (!moved) throw new NotSupported(d.backendName, `migration to ${destHost} (no generic host-copy migration yet)`);
        ctx.update = { ...providerFields(update ?? undefined), host: destHost };
      },
    },
  ],
  async finish(tx, d, ctx) {
    const { newTypeId, destHost, previousStatus } = ctx.payload;
    await casVolume(tx, ctx.row.id, [movingStatus(ctx.payload)], {
      status: previousStatus, ...ctx.update,
      ...(newTypeId ? { volumeTypeId: newTypeId } : {}),
      ...(destHost ? { migrationStatus: 'success' } : {}),
    }, 'finish moving');
    if (ctx.reservation) await d.quotas.commit(tx, ctx.reservation);
    if (destHost) {
      d.onCapacityChange(ctx.row.host, -ctx.row.size);
      d.onCapacityChange(destHost, ctx.row.size);
    }
    return null;
  },
  async giveUp(tx, d, task, payload, error) {
    const v = await lockVolumeIfExists(tx, task.resourceId);
    if (v && v.status === movingStatus(payload)) {
      await tx.updateTable('volumes').set({
        status: payload.previousStatus, ...(payload.destHost ? { migrationStatus: 'error' } : {}), updatedAt: nowIso(),
      }).where('id', '=', v.id).execute();
    }
    if (payload.reservation) await d.quotas.rollback(tx, payload.reservation);
    if (v) {
      await recordUserMessage(tx, {
        projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: v.id, eventId: payload.newTypeId ? 'VOLUME_VOLUME_006_001' : 'VOLUME_VOLUME_007_001',
        userMessage: `${payload.newTypeId ? 'Retype' : 'Migrate'} volume failed: ${error}`,
      });
    }
  },
};

interface ReimageCtx extends BaseCtx {
  payload: TaskPayloads['reimage_volume'];
  onProgress: (percent: number) => void;
}

export const reimageVolumeFlow: FlowDefinition<'reimage_volume', ReimageCtx> = {
  kind: 'reimage_volume',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'downloading');
    if (!v) return null;
    return { ...v, payload, onProgress: throttledProgress((p) => d.tasks.recordPercent(task.id, p)) };
  },
  steps: [
    {
      name: 'copy_image',
      async run(ctx) {
        const d = ctx.deps;
        const format = await detectImageFormat(ctx.payload.imagePath);
        if (ImageTransfer.is(d.driver)) await d.driver.copyImageToVolume(ctx.dv, ctx.payload.imagePath, format, ctx.onProgress);
        else await copyImageOverConnection(d.driver, ctx.dv, ctx.payload.imagePath, format, { backendName: d.backendName, logger: d.logger, onProgress: ctx.onProgress });
      },
    },
  ],
  async finish(tx, _d, ctx) {
    await casVolume(tx, ctx.row.id, ['downloading'], { status: ctx.payload.previousStatus === 'error' ? 'available' : ctx.payload.previousStatus }, 'finish reimaging');
    return null;
  },
  async giveUp(tx, _d, task, _payload, error) {
    const v = await lockVolumeIfExists(tx, task.resourceId);
    if (!v || v.status !== 'downloading') return;
    // Part of the image may have been written: the data is no longer what it was.
    await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', v.id).execute();
    await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: v.id, eventId: 'VOLUME_VOLUME_005_001', userMessage: `Reimage volume failed: ${error}` });
  },
};
