// The scheduler role: keeps the scheduler's view of backends fresh and runs the schedule
// tasks (schedule_volume, schedule_share) with the handler each service registers for its
// kind. Volumes and shares are placed by the same engine, each kind over its own backends:
// a lane per service kind holds its scheduler, its quotas and the placements not yet landed.
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

export type ServiceKind = 'volume' | 'share';

/** One service kind's scheduling: its engine, quotas and handlers. */
export interface SchedulerLane {
  scheduler: Scheduler;
  quotas: QuotaEngine;
  handlers: ScheduleHandlers;
}

export interface SchedulerRoleOptions {
  db: Db;
  tasks: TaskQueue;
  /** The volume lane (the role's first kind). */
  quotas: QuotaEngine;
  scheduler: Scheduler;
  owner: string;
  logger: Logger;
  /** How often to read stats other processes reported (cluster mode). */
  statsPollMs: number;
  leaseMs: number;
  /** Schedule task kind → its service's handler (volume/flows/schedule-volume.ts, …). */
  handlers: ScheduleHandlers;
  /** The share lane, when shares are scheduled here. */
  share?: SchedulerLane;
}

/** The table whose rows the placements of a kind create. */
const RESOURCE_TABLE = { volume: 'volumes', share: 'shares' } as const;

interface Lane extends SchedulerLane {
  pending: PendingPlacements;
}

export class SchedulerRole {
  private worker: Worker | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly seen = new Map<string, string>();
  private readonly lanes: Partial<Record<ServiceKind, Lane>>;

  constructor(private readonly o: SchedulerRoleOptions) {
    this.lanes = {
      volume: { scheduler: o.scheduler, quotas: o.quotas, handlers: o.handlers, pending: new PendingPlacements() },
      ...(o.share ? { share: { ...o.share, pending: new PendingPlacements() } } : {}),
    };
  }

  /**
   * A stats report from a manager in this process. `landed` names the creates it already
   * counts; placements not yet landed are applied on top, so the report cannot hand out
   * their room a second time.
   */
  onStats(backendHost: string, backendName: string, az: string, stats: BackendStats, sampledAt: string, landed: string[], kind: ServiceKind = 'volume'): void {
    const lane = this.lanes[kind];
    if (!lane) return;
    const view = lane.pending.applyTo(backendHost, stats, landed);
    lane.scheduler.updateBackend(backendHost, backendName, az, view, new Date(sampledAt));
    this.seen.set(backendHost, sampledAt);
  }

  /**
   * A manager in this process changed a pool's use outside a placement: a delete or a
   * failed create frees room (negative delta; the resource's placement, if pending, ends),
   * an extend or a managed resource takes more. The next stats report confirms either.
   */
  onCapacityChange(poolHost: string | null, deltaGiB: number, resourceId?: string, kind: ServiceKind = 'volume'): void {
    const lane = this.lanes[kind];
    if (!lane) return;
    if (deltaGiB < 0 && resourceId) lane.pending.remove(resourceId);
    if (!poolHost) return;
    if (deltaGiB < 0) lane.scheduler.release(poolHost, -deltaGiB);
    else if (deltaGiB > 0) lane.scheduler.grow(poolHost, deltaGiB);
  }

  async start(): Promise<void> {
    await this.o.tasks.releaseDeadLocalLeases(SCHEDULER_QUEUE, this.o.owner, this.o.logger);
    await this.loadStats();
    this.poll = setInterval(() => void this.loadStats().catch(() => undefined), this.o.statsPollMs);
    const handlers: Record<string, ReturnType<ScheduleHandlers[string]>> = {};
    for (const lane of Object.values(this.lanes)) {
      for (const [kind, make] of Object.entries(lane.handlers)) handlers[kind] = make(this.context(lane));
    }
    this.worker = new Worker(this.o.tasks, {
      queues: [SCHEDULER_QUEUE], owner: this.o.owner, concurrency: 16, leaseMs: this.o.leaseMs, logger: this.o.logger, handlers,
    });
    this.worker.start();
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.worker?.stop();
  }

  private context(lane: Lane): ScheduleContext {
    const { db, tasks, logger } = this.o;
    const { scheduler, quotas, pending } = lane;
    return {
      db, tasks, quotas, scheduler, logger,
      hold: (resourceId, placement, sizeGiB) => {
        pending.add(resourceId, placement.backendHost, placement.poolHost, sizeGiB);
        return () => {
          pending.remove(resourceId);
          scheduler.release(placement.poolHost, sizeGiB);
        };
      },
    };
  }

  /** Reads the stats rows reported since the last look (a manager in this process calls it after writing its row). */
  async loadStats(): Promise<void> {
    const rows = await this.o.db.kysely.selectFrom('backendStats').selectAll().execute();
    for (const r of rows) {
      if (this.seen.get(r.backendHost) === r.updatedAt) continue;
      const kind = (r.serviceKind === 'share' ? 'share' : 'volume') as ServiceKind;
      const lane = this.lanes[kind];
      if (!lane) continue;
      this.seen.set(r.backendHost, r.updatedAt);
      try {
        // A manager in another process: a pending resource that finished creating before
        // the sample began is counted by it (conservative: never double-frees room).
        const ids = lane.pending.idsOn(r.backendHost);
        const landed = ids.length === 0 ? [] : (await this.o.db.kysely.selectFrom(RESOURCE_TABLE[kind]).select('id')
          .where('id', 'in', ids).where('status', '!=', 'creating').where('updatedAt', '<=', r.updatedAt).execute()).map((x) => x.id);
        const view = lane.pending.applyTo(r.backendHost, JSON.parse(r.stats) as BackendStats, landed);
        lane.scheduler.updateBackend(r.backendHost, r.backendName, r.availabilityZone, view, new Date(r.updatedAt));
      } catch (e) {
        this.o.logger.warn({ backend: r.backendHost, err: toFlintError(e).message }, 'backend stats rejected');
      }
    }
  }
}
