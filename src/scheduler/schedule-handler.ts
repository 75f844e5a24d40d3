// What the scheduler role gives each service's schedule handler: a handler registry keyed by
// task kind (schedule_volume today, schedule_share next), each handler beside its service's flows.
import type { Db } from '../db/database.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { TaskHandler } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import type { Placement, Scheduler } from './scheduler.js';

export interface ScheduleContext {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  scheduler: Scheduler;
  logger: Logger;
  /**
   * Counts a placement against its pool until the backend's stats include it; the function
   * returned forgets it and gives its room back (for a placement that did not happen).
   */
  hold(resourceId: string, placement: Placement, sizeGiB: number): () => void;
}

/** Builds the handler of one schedule task kind from the role's context. */
export type ScheduleHandlerFactory = (ctx: ScheduleContext) => TaskHandler;

/** Task kind → handler factory; the scheduler role claims exactly these kinds. */
export type ScheduleHandlers = Readonly<Record<string, ScheduleHandlerFactory>>;
