// The scheduler role: keeps the scheduler's view of backends fresh and runs the schedule
// tasks (schedule_volume, …) with the handler each service registers for its kind.
import type { Db } from '../db/database.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { toFlintError } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ScheduleContext, ScheduleHandlers } from '../scheduler/schedule-handler.js';
import { PendingPlacements } from './pending-placements.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { Worker } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import { SCHEDULER_QUEUE } from '../tasks/queues.js';

export interface SchedulerRoleOptions {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  scheduler: Scheduler;
  owner: string;
  logger: Logger;
  /** How often to read stats other processes reported (cluster mode). */
  statsPollMs: number;
  leaseMs: number;
  /** Schedule task kind → its service's handler (volume/flows/schedule-volume.ts, …). */
  handlers: ScheduleHandlers;
}

export class SchedulerRole {
  private worker: Worker | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly seen = new Map<string, string>();
  private readonly pending = new PendingPlacements();

  constructor(private readonly o: SchedulerRoleOptions) {}

  /**
   * A stats report from a manager in this process. `landed` names the creates it already
   * counts; placements not yet landed are applied on top, so the report cannot hand out
   * their room a second time.
   */
  onStats(backendHost: string, backendName: string, az: string, stats: BackendStats, sampledAt: string, landed: string[]): void {
    const view = this.pending.applyTo(backendHost, stats, landed);
    this.o.scheduler.updateBackend(backendHost, backendName, az, view, new Date(sampledAt));
    this.seen.set(backendHost, sampledAt);
  }

  /**
   * A manager in this process changed a pool's use outside a placement: a delete or a
   * failed create frees room (negative delta; the volume's placement, if pending, ends),
   * an extend or a managed volume takes more. The next stats report confirms either.
   */
  onCapacityChange(poolHost: string | null, deltaGiB: number, volumeId?: string): void {
    if (deltaGiB < 0 && volumeId) this.pending.remove(volumeId);
    if (!poolHost) return;
    if (deltaGiB < 0) this.o.scheduler.release(poolHost, -deltaGiB);
    else if (deltaGiB > 0) this.o.scheduler.grow(poolHost, deltaGiB);
  }

  async start(): Promise<void> {
    await this.o.tasks.releaseDeadLocalLeases(SCHEDULER_QUEUE, this.o.owner, this.o.logger);
    await this.loadStats();
    this.poll = setInterval(() => void this.loadStats().catch(() => undefined), this.o.statsPollMs);
    this.worker = new Worker(this.o.tasks, {
      queues: [SCHEDULER_QUEUE], owner: this.o.owner, concurrency: 16, leaseMs: this.o.leaseMs, logger: this.o.logger,
      handlers: Object.fromEntries(Object.entries(this.o.handlers).map(([kind, make]) => [kind, make(this.context())])),
    });
    this.worker.start();
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.worker?.stop();
  }

  private context(): ScheduleContext {
    const { db, tasks, quotas, scheduler, logger } = this.o;
    return {
      db, tasks, quotas, scheduler, logger,
      hold: (resourceId, placement, sizeGiB) => {
        this.pending.add(resourceId, placement.backendHost, placement.poolHost, sizeGiB);
        return () => {
          this.pending.remove(resourceId);
          scheduler.release(placement.poolHost, sizeGiB);
        };
      },
    };
  }

  private async loadStats(): Promise<void> {
    const rows = await this.o.db.kysely.selectFrom('backendStats').selectAll().execute();
    for (const r of rows) {
      if (this.seen.get(r.backendHost) === r.updatedAt) continue;
      this.seen.set(r.backendHost, r.updatedAt);
      try {
        // A manager in another process: a pending volume that finished creating before
        // the sample began is counted by it (conservative: never double-frees room).
        const ids = this.pending.idsOn(r.backendHost);
        const landed = ids.length === 0 ? [] : (await this.o.db.kysely.selectFrom('volumes').select('id')
          .where('id', 'in', ids).where('status', '!=', 'creating').where('updatedAt', '<=', r.updatedAt).execute()).map((x) => x.id);
        const view = this.pending.applyTo(r.backendHost, JSON.parse(r.stats) as BackendStats, landed);
        this.o.scheduler.updateBackend(r.backendHost, r.backendName, r.availabilityZone, view, new Date(r.updatedAt));
      } catch (e) {
        this.o.logger.warn({ backend: r.backendHost, err: toFlintError(e).message }, 'backend stats rejected');
      }
    }
  }
}
