// Copying a volume out to an image file.
import { ImageTransfer } from '../../drivers/interface/capabilities.js';
import { NotSupported } from '../../errors/errors.js';
import { casVolume, nowIso, recordUserMessage } from '../volume-repository.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadVolume, type BaseCtx } from './volume-context.js';
import { throttledProgress } from '../image-format.js';

export const uploadImageFlow: FlowDefinition<'upload_image', BaseCtx & { imagePath: string; diskFormat: string; previousStatus: string; onProgress: (percent: number) => void }> = {
  kind: 'upload_image',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'uploading');
    return v ? { ...v, imagePath: payload.imagePath, diskFormat: payload.diskFormat, previousStatus: payload.previousStatus, onProgress: throttledProgress((p) => d.tasks.recordPercent(task.id, p)) } : null;
  },
  steps: [
    {
      name: 'copy_volume_to_image',
      async run(ctx) {
        const d = ctx.deps;
        if (!ImageTransfer.is(d.driver)) throw new NotSupported(d.backendName, 'upload volume to image');
        await d.driver.copyVolumeToImage(ctx.dv, ctx.imagePath, ctx.diskFormat);
      },
    },
  ],
  async finish(tx, _d, ctx) {
    await casVolume(tx, ctx.row.id, ['uploading'], { status: ctx.previousStatus }, 'finish uploading');
    return null;
  },
  async giveUp(tx, _d, task, payload, error) {
    await tx.updateTable('volumes').set({ status: payload.previousStatus, updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'uploading').execute();
    const v = await tx.selectFrom('volumes').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_002_004', userMessage: `Upload to image failed: ${error}` });
  },
};
