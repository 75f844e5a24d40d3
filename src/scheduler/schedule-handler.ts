// What the scheduler role gives each service's schedule handler: a handler registry keyed by
// task kind (schedule_volume today, schedule_share next), each handler beside its service's flows.
import type { Db } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { TaskHandler } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import { PoolTaken } from './capacity-reservation.js';
import { NoValidBackend } from '../errors/errors.js';
import type { Placement, Scheduler } from './scheduler.js';

export interface ScheduleContext {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  scheduler: Scheduler;
  logger: Logger;
  /**
   * Inside the transaction that records the placement: reserves its room in the database,
   * where every scheduler process sees it, until the backend's stats report counts it.
   * Throws PoolTaken when the room is gone (another scheduler took it first).
   */
  reserve(tx: Tx, resourceId: string, placement: Placement, sizeGiB: number, thick: boolean): Promise<void>;
  /**
   * Re-reads one backend's report and reservations into the scheduler's view (rebuilt even if
   * they look unchanged), or, without a backend, every backend whose report or reservations
   * changed since the view last saw them.
   */
  refresh(backendHost?: string): Promise<void>;
}

/** Builds the handler of one schedule task kind from the role's context. */
export type ScheduleHandlerFactory = (ctx: ScheduleContext) => TaskHandler;

/** Task kind → handler factory; the scheduler role claims exactly these kinds. */
export type ScheduleHandlers = Readonly<Record<string, ScheduleHandlerFactory>>;

/** Tries of one task before it goes back on the queue (each loss means another placement won). */
const PLACE_TRIES = 20;

/**
 * Runs `attempt` (place, then record the placement with its reservation in one transaction)
 * until it is not refused for room another scheduler took: each refusal refreshes the view of
 * that backend, so the next placement sees what the database holds.
 *
 * The other way round too: the view is only as new as the last report this process read (a
 * poll, every few seconds, in a scheduler of its own), so a view that finds no pool may be
 * missing room freed since (deletes, reports). Before a request is refused, the view takes in
 * whatever changed in the database and the placement runs once more; without this, a burst
 * right after deletes was refused as "no valid backend" while the pools had room.
 */
export async function placeWithRoom<T>(c: ScheduleContext, attempt: () => Promise<T>): Promise<T> {
  let refreshedAfterRefusal = false;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      if (e instanceof NoValidBackend && !refreshedAfterRefusal) {
        refreshedAfterRefusal = true;
        await c.refresh();
        continue;
      }
      if (!(e instanceof PoolTaken) || tries >= PLACE_TRIES) throw e;
      await c.refresh(e.backendHost);
    }
  }
}
