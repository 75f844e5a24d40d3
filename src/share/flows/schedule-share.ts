// The share service's schedule handler: turns a schedule_share task into a placement on a
// share pool plus a create_share task on its backend, or the share's error state.
import type { TaskRow } from '../../db/schema.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { readMetadata } from '../../db/repos/metadata.js';
import { lockShareIfExists } from '../../db/repos/shares.js';
import { shareExtraSpecsOf } from '../../db/repos/share-types.js';
import { NoValidBackend } from '../../errors/errors.js';
import { placeWithRoom, type ScheduleContext, type ScheduleHandlerFactory } from '../../scheduler/schedule-handler.js';
import { requestsThick } from '../../scheduler/capacity-reservation.js';
import { shareQueue } from '../../tasks/queues.js';
import { nowIso } from '../../util/clock.js';
import type { ShareTaskPayloads } from '../task-kinds.js';
import { sharePlacementRequest } from '../share-stats.js';
import { describeShareError } from './flow-handler.js';

export const scheduleShareHandler: ScheduleHandlerFactory = (c) => ({
  run: (task) => schedule(c, task),
  giveUp: (task, error) => giveUp(c, task, error),
});

async function schedule(c: ScheduleContext, task: TaskRow): Promise<void> {
  const { db, tasks, scheduler } = c;
  const payload = JSON.parse(task.payload) as ShareTaskPayloads['schedule_share'];
  const s = await db.kysely.selectFrom('shares').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
  if (!s || s.status !== 'creating' || s.host) {
    await db.kysely.transaction().execute((tx) => tasks.complete(tx, task));
    return;
  }
  const req = sharePlacementRequest(s, await shareExtraSpecsOf(db.kysely, s.shareTypeId), await readMetadata(db.kysely, 'shareMetadata', s.id), payload.excludeHosts);
  const thick = requestsThick(req);
  const placement = await placeWithRoom(c, async () => {
    const placement = scheduler.place(req);
    try {
      await db.kysely.transaction().execute(async (tx) => {
        const placed = await tx.updateTable('shares').set({ host: placement.poolHost, updatedAt: nowIso() })
          .where('id', '=', s.id).where('status', '=', 'creating').where('host', 'is', null).executeTakeFirst();
        if (Number(placed.numUpdatedRows) === 0) {
          scheduler.release(placement.poolHost, s.size);
        } else {
          await c.reserve(tx, s.id, placement, s.size, thick);
          await tasks.enqueue(tx, {
            kind: 'create_share', queue: shareQueue(placement.backendHost), resourceType: 'share', resourceId: s.id,
            payload: { reservation: payload.reservation, excludeHosts: payload.excludeHosts } satisfies ShareTaskPayloads['create_share'],
          });
        }
        await tasks.complete(tx, task, { poolHost: placement.poolHost });
      });
    } catch (e) {
      scheduler.release(placement.poolHost, s.size);
      throw e;
    }
    return placement;
  });
  tasks.notify(shareQueue(placement.backendHost));
}

/** The engine explains in volume terms (it places volumes too); a share's owner reads share terms. */
function inShareTerms(text: string): string {
  return text.replace(/volume_backend_name/g, 'share_backend_name').replace(/\bvolume\b/g, 'share');
}

async function giveUp(c: ScheduleContext, task: TaskRow, error: unknown): Promise<void> {
  const payload = JSON.parse(task.payload) as ShareTaskPayloads['schedule_share'];
  const reason = error instanceof NoValidBackend ? inShareTerms(error.message) : describeShareError(error);
  const text = payload.lastError ? `${reason} The last backend tried failed with ${payload.lastError}` : reason;
  await c.db.kysely.transaction().execute(async (tx) => {
    const s = await lockShareIfExists(tx, task.resourceId);
    if (s?.status === 'creating') {
      await tx.updateTable('shares').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).execute();
      await c.quotas.commit(tx, payload.reservation);
      await recordUserMessage(tx, {
        projectId: s.projectId, resourceType: 'SHARE', resourceUuid: task.resourceId, eventId: 'SHARE_ALLOCATE_HOST_FAILED',
        userMessage: `allocate host: No storage could be allocated for this share request. ${text}`,
      });
    }
    await c.tasks.fail(tx, task, text, error);
  });
}
