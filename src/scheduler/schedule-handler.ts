// What the scheduler role gives each service's schedule handler: a handler registry keyed by
// task kind (schedule_volume today, schedule_share next), each handler beside its service's flows.
import type { Db } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { TaskHandler } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import { PoolTaken } from './capacity-reservation.js';
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
  /** Re-reads one backend's report and reservations into the scheduler's view. */
  refresh(backendHost: string): Promise<void>;
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
 */
export async function placeWithRoom<T>(c: ScheduleContext, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof PoolTaken) || tries >= PLACE_TRIES) throw e;
      await c.refresh(e.backendHost);
    }
  }
}
