// The volume service's schedule handler: turns a schedule_volume task into a placement
// plus a create_volume task on the chosen backend, or the volume's error state.
import type { TaskRow } from '../../db/schema.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { reservedOverReports } from '../../db/repos/capacity-reservations.js';
import { NoValidBackend } from '../../errors/errors.js';
import { placeWithRoom, type ScheduleContext, type ScheduleHandlerFactory } from '../../scheduler/schedule-handler.js';
import { requestsThick } from '../../scheduler/capacity-reservation.js';
import { volumeQueue } from '../../tasks/queues.js';
import { nowIso } from '../../util/clock.js';
import type { TaskPayloads } from '../task-kinds.js';
import { findVolumeRow, lockVolumeIfExists } from '../../db/repos/volumes.js';
import { volumeProperties } from '../../db/repos/volume-properties.js';
import { SharedReusableQuery } from '../../db/reusable-query.js';
import { describeError } from './flow-handler.js';

export const scheduleVolumeHandler: ScheduleHandlerFactory = (c) => ({
  run: (task) => schedule(c, task),
  giveUp: (task, error) => giveUp(c, task, error),
});

/** Records the placement unless the volume was placed, or left `creating`, meanwhile (compiled once: db/reusable-query.ts). */
const placeIfUnplaced = new SharedReusableQuery((k, { id, host, updatedAt }: { id: string; host: string; updatedAt: string }) => k.updateTable('volumes')
  .set({ host, updatedAt }).where('id', '=', id).where('status', '=', 'creating').where('host', 'is', null));

async function schedule(c: ScheduleContext, task: TaskRow): Promise<void> {
  const { db, tasks, scheduler } = c;
  const payload = JSON.parse(task.payload) as TaskPayloads['schedule_volume'];
  const v = await findVolumeRow(db.kysely, task.resourceId);
  if (!v || v.status !== 'creating' || v.host) {
    await db.kysely.transaction().execute((tx) => tasks.complete(tx, task));
    return;
  }
  const hintIds = [...(payload.hints.sameHost ?? []), ...(payload.hints.differentHost ?? [])];
  const hintRows = hintIds.length > 0 ? await db.kysely.selectFrom('volumes').select(['id', 'host']).where('id', 'in', hintIds).execute() : [];
  const { metadata, extraSpecs, qosSpecs } = await volumeProperties(db.kysely, v.id, v.volumeTypeId, { qos: true });
  const request = {
    volume: {
      id: v.id, size: v.size, volumeTypeId: v.volumeTypeId, availabilityZone: v.availabilityZone,
      multiattach: v.multiattach === 1, metadata,
    },
    extraSpecs,
    qosSpecs,
    hints: payload.hints,
    hintHosts: Object.fromEntries(hintRows.filter((r) => r.host).map((r) => [r.id, r.host!])),
    excludeHosts: payload.excludeHosts,
  };
  const thick = requestsThick(request);
  const placement = await placeWithRoom(c, async () => {
    const placement = scheduler.place(request);
    try {
      await db.kysely.transaction().execute(async (tx) => {
        const placed = await placeIfUnplaced.execute(tx, { id: v.id, host: placement.poolHost, updatedAt: nowIso() });
        if (Number(placed.numAffectedRows) === 0) {
          scheduler.release(placement.poolHost, v.size);
        } else {
          await c.reserve(tx, v.id, placement, v.size, thick);
          await tasks.enqueue(tx, {
            kind: 'create_volume', queue: volumeQueue(placement.backendHost), resourceType: 'volume', resourceId: v.id,
            payload: { reservation: payload.reservation, excludeHosts: payload.excludeHosts, imagePath: payload.imagePath } satisfies TaskPayloads['create_volume'],
          });
        }
        await tasks.complete(tx, task, { poolHost: placement.poolHost });
      });
    } catch (e) {
      scheduler.release(placement.poolHost, v.size);
      throw e;
    }
    return placement;
  });
  tasks.notify(volumeQueue(placement.backendHost));
}

async function giveUp(c: ScheduleContext, task: TaskRow, error: unknown): Promise<void> {
  const payload = JSON.parse(task.payload) as TaskPayloads['schedule_volume'];
  const reason = error instanceof NoValidBackend ? error.message : describeError(error);
  const text = payload.lastError ? `${reason} The last backend tried failed with ${payload.lastError}` : reason;
  // For the operator (task error, log), not the user: a refusal counts reports plus reservations,
  // so it says what was reserved on top of the reports when it was made.
  const ledger = error instanceof NoValidBackend ? await reservedOverReports(c.db.kysely, 'volume').catch(() => '') : '';
  if (ledger) c.logger.warn({ volume: task.resourceId, reason, reserved: ledger }, 'no valid backend');
  await c.db.kysely.transaction().execute(async (tx) => {
    // Locked first: a delete or reset-status committed meanwhile is seen, not overwritten.
    const v = await lockVolumeIfExists(tx, task.resourceId);
    if (v?.status === 'creating') {
      await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).execute();
      await c.quotas.commit(tx, payload.reservation);
      await recordUserMessage(tx, {
        projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_003',
        userMessage: `Schedule allocate volume failed: ${text}`,
      });
    }
    await c.tasks.fail(tx, task, ledger ? `${text} ${ledger}` : text, error);
  });
}
