// Copying a volume out to an image file.
import { ImageTransfer } from '../../drivers/interface/capabilities.js';
import { existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Conflict, NotSupported } from '../../errors/errors.js';
import { casVolume, nowIso, recordUserMessage } from '../volume-repository.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadVolume, type BaseCtx } from './volume-context.js';
import { throttledProgress } from '../image-format.js';

const partialPath = (imagePath: string) => join(dirname(imagePath), `.${basename(imagePath)}.partial`);

export const uploadImageFlow: FlowDefinition<'upload_image', BaseCtx & { imagePath: string; diskFormat: string; previousStatus: string; onProgress: (percent: number) => void }> = {
  kind: 'upload_image',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'uploading');
    return v ? { ...v, imagePath: payload.imagePath, diskFormat: payload.diskFormat, previousStatus: payload.previousStatus, onProgress: throttledProgress((p) => d.tasks.recordPercent(task.id, p)) } : null;
  },
  steps: [
    {
      // Written under a hidden name first, so nobody reads a half-copied image.
      name: 'copy_volume_to_image',
      async run(ctx) {
        const d = ctx.deps;
        if (!ImageTransfer.is(d.driver)) throw new NotSupported(d.backendName, 'upload volume to image');
        await rm(partialPath(ctx.imagePath), { force: true });
        await d.driver.copyVolumeToImage(ctx.dv, partialPath(ctx.imagePath), ctx.diskFormat, ctx.onProgress);
      },
      async revert(ctx) {
        await rm(partialPath(ctx.imagePath), { force: true });
      },
    },
    {
      name: 'publish_image',
      async run(ctx) {
        // link() refuses to replace a file that appeared meanwhile; rename() would not.
        try {
          await link(partialPath(ctx.imagePath), ctx.imagePath);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Conflict(`Image ${basename(ctx.imagePath)} appeared while the volume was being copied; it was not replaced.`);
          // A resumed flow may find the image already published.
          if (!((e as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(ctx.imagePath))) throw e;
        }
        await rm(partialPath(ctx.imagePath), { force: true });
      },
      async revert(ctx) {
        await rm(partialPath(ctx.imagePath), { force: true });
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
