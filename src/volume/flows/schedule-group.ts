// The scheduler's handler for a new group: pick a pool that accepts every volume type of the
// group (Cinder places a group where all its types fit), record it as the group's host and
// hand the group to that backend's manager; no pool means the group ends in `error`.
import type { TaskRow } from '../../db/schema.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { NoValidBackend } from '../../errors/errors.js';
import type { ScheduleContext, ScheduleHandlerFactory } from '../../scheduler/schedule-handler.js';
import { backendHostOf, volumeQueue } from '../../tasks/queues.js';
import { nowIso } from '../../util/clock.js';
import type { TaskPayloads } from '../task-kinds.js';
import { extraSpecsOf, qosSpecsOfType } from '../../db/repos/types.js';
import { volumeTypeIdsFor } from '../../db/repos/groups.js';
import { describeError } from './flow-handler.js';

export const scheduleGroupHandler: ScheduleHandlerFactory = (c) => ({
  run: (task) => schedule(c, task),
  giveUp: (task, error) => giveUp(c, task, error),
});

async function schedule(c: ScheduleContext, task: TaskRow): Promise<void> {
  const { db, tasks, scheduler } = c;
  const payload = JSON.parse(task.payload) as TaskPayloads['schedule_group'];
  const g = await db.kysely.selectFrom('groups').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
  if (!g || g.status !== 'creating' || g.host) {
    await db.kysely.transaction().execute((tx) => tasks.complete(tx, task));
    return;
  }
  const typeIds = (await volumeTypeIdsFor(db.kysely, [g.id])).get(g.id)!;
  // Pools that pass every filter for every type of the group; the first type's choice wins when it is one.
  let accepted: Set<string> | null = null;
  let preferred: string | null = null;
  const reasons: string[] = [];
  for (const typeId of typeIds) {
    const explanation = scheduler.explain({
      volume: { id: g.id, size: 1, volumeTypeId: typeId, availabilityZone: g.availabilityZone, multiattach: false, metadata: {} },
      extraSpecs: await extraSpecsOf(db.kysely, typeId), qosSpecs: await qosSpecsOfType(db.kysely, typeId), hints: {}, excludeHosts: [],
    });
    const passing = new Set(explanation.pools.filter((p) => p.verdicts.every((v) => v.passed)).map((p) => p.poolHost));
    preferred ??= explanation.chosen;
    if (passing.size === 0) reasons.push(`volume type ${typeId}: ${explanation.summary}`);
    const prev: Set<string> | null = accepted;
    accepted = prev === null ? passing : new Set([...prev].filter((p: string) => passing.has(p)));
  }
  const pools = [...((accepted as Set<string> | null) ?? [])].sort();
  const poolHost = preferred && (accepted as Set<string> | null)?.has(preferred) ? preferred : pools[0];
  if (!poolHost) throw new NoValidBackend(`No valid backend was found for group ${g.id}. ${reasons.join(' ') || 'No pool accepts all of its volume types.'}`);
  await db.kysely.transaction().execute(async (tx) => {
    const placed = await tx.updateTable('groups').set({ host: poolHost, updatedAt: nowIso() })
      .where('id', '=', g.id).where('status', '=', 'creating').where('host', 'is', null).executeTakeFirst();
    if (Number(placed.numUpdatedRows) > 0) {
      // No dedupe key: this schedule task holds the group's key until this transaction ends.
      await tasks.enqueue(tx, {
        kind: 'create_group', queue: volumeQueue(backendHostOf(poolHost)), resourceType: 'group', resourceId: g.id,
        payload: { reservation: payload.reservation } satisfies TaskPayloads['create_group'],
      });
    }
    await tasks.complete(tx, task, { poolHost });
  });
  tasks.notify(volumeQueue(backendHostOf(poolHost)));
}

async function giveUp(c: ScheduleContext, task: TaskRow, error: unknown): Promise<void> {
  const payload = JSON.parse(task.payload) as TaskPayloads['schedule_group'];
  const text = error instanceof NoValidBackend ? error.message : describeError(error);
  await c.db.kysely.transaction().execute(async (tx) => {
    const g = await tx.updateTable('groups').set({ status: 'error', updatedAt: nowIso() })
      .where('id', '=', task.resourceId).where('status', '=', 'creating').returningAll().executeTakeFirst();
    if (g) {
      // The group exists (in error) and counts against quota until deleted, as Cinder's.
      await c.quotas.commit(tx, payload.reservation);
      await recordUserMessage(tx, { projectId: g.projectId, resourceType: 'GROUP', resourceUuid: g.id, eventId: 'VOLUME_GROUP_002_003', userMessage: `Schedule allocate group failed: ${text}` });
    }
    await c.tasks.fail(tx, task, text, error);
  });
}
