// Copying a volume out to an image file. The API reserved the image's name (a 'saving' row)
// in the transaction that set the volume uploading; the file is named by the image id, so no
// other upload writes it, and the name is given back when the upload fails.
import { ImageTransfer } from '../../drivers/interface/capabilities.js';
import { existsSync } from 'node:fs';
import { link, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Conflict, NotSupported } from '../../errors/errors.js';
import { activateImage, isActiveImage, releaseImage } from '../image-catalog.js';
import { casVolume } from '../../db/repos/volumes.js';
import { nowIso } from '../../util/clock.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import type { FlowDefinition } from './flow-handler.js';
import { loadVolume, type BaseCtx } from './volume-context.js';
import { throttledProgress } from '../image-format.js';
import type { ManagerDeps } from './flow-handler.js';
import type { TaskPayloads } from '../task-kinds.js';

/** Unique per upload: the image path ends in the image id. */
const partialPath = (imagePath: string) => join(dirname(imagePath), `.${basename(imagePath)}.partial`);

type Payload = TaskPayloads['upload_image'];

/** Gives the name back and removes what this upload wrote, unless the image was published. */
async function abandon(d: ManagerDeps, p: Payload): Promise<void> {
  await rm(partialPath(p.imagePath), { force: true });
  if (!p.imageId) return;
  await releaseImage(d.db.kysely, p.imageId);
  if (!(await isActiveImage(d.db.kysely, p.imageId))) await rm(p.imagePath, { force: true });
}

export const uploadImageFlow: FlowDefinition<'upload_image', BaseCtx & Payload & { size: number; onProgress: (percent: number) => void }> = {
  kind: 'upload_image',
  async load(d, task, payload) {
    const v = await loadVolume(d, task.resourceId, 'uploading');
    if (!v) {
      // The volume left 'uploading' (reset by an admin): this upload will not happen.
      await abandon(d, payload);
      return null;
    }
    return { ...v, ...payload, size: 0, onProgress: throttledProgress((p) => d.tasks.recordPercent(task.id, p)) };
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
          const code = (e as NodeJS.ErrnoException).code;
          // The file is this upload's own (named by its image id): a resumed flow finds it published.
          if (code === 'EEXIST' && !ctx.imageId) throw new Conflict(`Image ${basename(ctx.imagePath)} appeared while the volume was being copied; it was not replaced.`);
          if (code !== 'EEXIST' && !(code === 'ENOENT' && existsSync(ctx.imagePath))) throw e;
        }
        await rm(partialPath(ctx.imagePath), { force: true });
        ctx.size = (await stat(ctx.imagePath)).size;
      },
      async revert(ctx) {
        await rm(partialPath(ctx.imagePath), { force: true });
      },
    },
  ],
  async finish(tx, _d, ctx) {
    if (ctx.imageId) {
      const size = ctx.size || (await stat(ctx.imagePath)).size;
      // Deleted by its owner while it was copied: what was written goes too.
      if (!(await activateImage(tx, ctx.imageId, size))) await rm(ctx.imagePath, { force: true });
    }
    await casVolume(tx, ctx.row.id, ['uploading'], { status: ctx.previousStatus }, 'finish uploading');
    return null;
  },
  async giveUp(tx, _d, task, payload, error) {
    await tx.updateTable('volumes').set({ status: payload.previousStatus, updatedAt: nowIso() }).where('id', '=', task.resourceId).where('status', '=', 'uploading').execute();
    if (payload.imageId) await releaseImage(tx, payload.imageId);
    await rm(partialPath(payload.imagePath), { force: true });
    if (payload.imageId && !(await isActiveImage(tx, payload.imageId))) await rm(payload.imagePath, { force: true });
    const v = await tx.selectFrom('volumes').select('projectId').where('id', '=', task.resourceId).executeTakeFirst();
    if (v) await recordUserMessage(tx, { projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_002_004', userMessage: `Upload to image failed: ${error}` });
  },
};
