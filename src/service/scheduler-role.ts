// The scheduler role: keeps the scheduler's view of backends fresh and runs the schedule
// tasks (schedule_volume, schedule_share) with the handler each service registers for its
// kind. Volumes and shares are placed by the same engine, each kind over its own backends:
// a lane per service kind holds its scheduler and its quotas. The placements not yet in a
// backend's report are capacity reservations in the database (scheduler/capacity-reservation.ts),
// shared by every scheduler process; each view is a report with those laid over it.
import type { Db } from '../db/database.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { toFlintError } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ScheduleContext, ScheduleHandlers } from '../scheduler/schedule-handler.js';
import type { CapacityReservationRow } from '../db/schema.js';
import { reportHeads, reservationsByBackend } from '../db/repos/capacity-reservations.js';
import { reservePlacement, withReservations } from '../scheduler/capacity-reservation.js';
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

interface Lane extends SchedulerLane {
  kind: ServiceKind;
}

export class SchedulerRole {
  private worker: Worker | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly seen = new Map<string, string>();
  private readonly lanes: Partial<Record<ServiceKind, Lane>>;

  constructor(private readonly o: SchedulerRoleOptions) {
    this.lanes = {
      volume: { scheduler: o.scheduler, quotas: o.quotas, handlers: o.handlers, kind: 'volume' },
      ...(o.share ? { share: { ...o.share, kind: 'share' } } : {}),
    };
  }

  /** A manager in this process wrote its stats row (and settled the reservations it counts). */
  onStats(backendHost: string): void {
    void this.loadStats(backendHost).catch((e) => this.o.logger.warn({ backend: backendHost, err: toFlintError(e).message }, 'stats refresh failed'));
  }

  /**
   * A manager in this process changed a pool's use outside a placement: a delete or a
   * failed create frees room (negative delta), an extend or a managed resource takes more.
   * Only this process's view changes at once; the next stats report tells every scheduler.
   */
  onCapacityChange(poolHost: string | null, deltaGiB: number, kind: ServiceKind = 'volume'): void {
    const lane = this.lanes[kind];
    if (!lane || !poolHost) return;
    if (deltaGiB < 0) lane.scheduler.release(poolHost, -deltaGiB);
    else if (deltaGiB > 0) lane.scheduler.grow(poolHost, deltaGiB);
  }

  async start(): Promise<void> {
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
    const { scheduler, quotas, kind } = lane;
    return {
      db, tasks, quotas, scheduler, logger,
      reserve: (tx, resourceId, placement, sizeGiB, thick) => reservePlacement(tx, { kind, resourceId, placement, sizeGiB, thick }),
      refresh: (backendHost) => this.loadStats(backendHost, backendHost !== undefined),
    };
  }

  /**
   * Lays the reservations over the stats rows and hands each backend whose row or
   * reservations changed since the last look to its lane's scheduler. `backendHost` limits
   * it to one backend; `force` rebuilds it even when nothing seems to have changed.
   *
   * Which backends changed is read first, as one number per backend (its report's sample
   * time and its reservations' version, migration 015); only those backends' reports and
   * reservations are read then. That second read is never older than the first, so a
   * backend is at worst rebuilt once more, never left behind a change it was marked as having seen.
   */
  async loadStats(backendHost?: string, force = false): Promise<void> {
    const k = this.o.db.kysely;
    const heads = await reportHeads(k, backendHost);
    const moved = new Map<string, string>();
    const kinds = new Set<ServiceKind>();
    for (const h of heads) {
      const kind = laneKind(h.serviceKind);
      if (!this.lanes[kind]) continue;
      const version = `${h.updatedAt}|${h.reservedVersion ?? '-'}`;
      if (!force && this.seen.get(h.backendHost) === version) continue;
      moved.set(h.backendHost, version);
      kinds.add(kind);
    }
    if (moved.size === 0) return;
    // All of them (the first look): no list to send.
    const only = moved.size === heads.length && !backendHost ? undefined : [...moved.keys()];
    let q = k.selectFrom('backendStats').selectAll();
    if (only) q = q.where('backendHost', 'in', only);
    const rows = await q.execute();
    const reserved: Record<ServiceKind, Map<string, CapacityReservationRow[]>> = { volume: new Map(), share: new Map() };
    for (const kind of kinds) reserved[kind] = await reservationsByBackend(k, kind, only);
    for (const r of rows) {
      const kind = laneKind(r.serviceKind);
      const lane = this.lanes[kind];
      const version = moved.get(r.backendHost);
      if (!lane || version === undefined) continue;
      this.seen.set(r.backendHost, version);
      try {
        const view = withReservations(r.backendHost, JSON.parse(r.stats) as BackendStats, reserved[kind].get(r.backendHost) ?? []);
        lane.scheduler.updateBackend(r.backendHost, r.backendName, r.availabilityZone, view, new Date(r.updatedAt));
      } catch (e) {
        this.o.logger.warn({ backend: r.backendHost, err: toFlintError(e).message }, 'backend stats rejected');
      }
    }
  }
}

const laneKind = (serviceKind: string): ServiceKind => (serviceKind === 'share' ? 'share' : 'volume');
