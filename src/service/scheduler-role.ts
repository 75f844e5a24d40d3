// The scheduler role: keeps the scheduler's view of backends fresh and turns each
// schedule_volume task into a placement plus a create task on the chosen backend.
import type { Db } from '../db/database.js';
import type { TaskRow } from '../db/schema.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { NoValidBackend, toFlintError } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { PendingPlacements } from './pending-placements.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { Worker } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import { describeError } from '../volume/flows/flow-handler.js';
import type { TaskPayloads } from '../volume/task-kinds.js';
import { lockVolumeIfExists, extraSpecsOf, metadataOf, qosSpecsOfType } from '../volume/volume-repository.js';
import { SCHEDULER_QUEUE, volumeQueue } from '../tasks/queues.js';
import { nowIso } from '../util/clock.js';
import { recordUserMessage } from '../db/messages.js';

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
      handlers: { schedule_volume: { run: (t) => this.schedule(t), giveUp: (t, e) => this.giveUp(t, e) } },
    });
    this.worker.start();
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.worker?.stop();
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

  private async schedule(task: TaskRow): Promise<void> {
    const { db, tasks, scheduler } = this.o;
    const payload = JSON.parse(task.payload) as TaskPayloads['schedule_volume'];
    const v = await db.kysely.selectFrom('volumes').selectAll().where('id', '=', task.resourceId).executeTakeFirst();
    if (!v || v.status !== 'creating' || v.host) {
      await db.kysely.transaction().execute((tx) => tasks.complete(tx, task.id));
      return;
    }
    const hintIds = [...(payload.hints.sameHost ?? []), ...(payload.hints.differentHost ?? [])];
    const hintRows = hintIds.length > 0 ? await db.kysely.selectFrom('volumes').select(['id', 'host']).where('id', 'in', hintIds).execute() : [];
    const placement = scheduler.place({
      volume: {
        id: v.id, size: v.size, volumeTypeId: v.volumeTypeId, availabilityZone: v.availabilityZone,
        multiattach: v.multiattach === 1, metadata: await metadataOf(db.kysely, 'volumeMetadata', v.id),
      },
      extraSpecs: await extraSpecsOf(db.kysely, v.volumeTypeId),
      qosSpecs: await qosSpecsOfType(db.kysely, v.volumeTypeId),
      hints: payload.hints,
      hintHosts: Object.fromEntries(hintRows.filter((r) => r.host).map((r) => [r.id, r.host!])),
      excludeHosts: payload.excludeHosts,
    });
    this.pending.add(v.id, placement.backendHost, placement.poolHost, v.size);
    const undo = () => {
      this.pending.remove(v.id);
      scheduler.release(placement.poolHost, v.size);
    };
    try {
      await db.kysely.transaction().execute(async (tx) => {
        const placed = await tx.updateTable('volumes').set({ host: placement.poolHost, updatedAt: nowIso() })
          .where('id', '=', v.id).where('status', '=', 'creating').where('host', 'is', null).executeTakeFirst();
        if (Number(placed.numUpdatedRows) === 0) {
          undo();
        } else {
          await tasks.enqueue(tx, {
            kind: 'create_volume', queue: volumeQueue(placement.backendHost), resourceType: 'volume', resourceId: v.id,
            payload: { reservation: payload.reservation, excludeHosts: payload.excludeHosts, imagePath: payload.imagePath } satisfies TaskPayloads['create_volume'],
          });
        }
        await tasks.complete(tx, task.id, { poolHost: placement.poolHost });
      });
    } catch (e) {
      undo();
      throw e;
    }
    tasks.notify(volumeQueue(placement.backendHost));
  }

  private async giveUp(task: TaskRow, error: unknown): Promise<void> {
    const payload = JSON.parse(task.payload) as TaskPayloads['schedule_volume'];
    const reason = error instanceof NoValidBackend ? error.message : describeError(error);
    const text = payload.lastError ? `${reason} The last backend tried failed with ${payload.lastError}` : reason;
    await this.o.db.kysely.transaction().execute(async (tx) => {
      // Locked first: a delete or reset-status committed meanwhile is seen, not overwritten.
      const v = await lockVolumeIfExists(tx, task.resourceId);
      if (v?.status === 'creating') {
        await tx.updateTable('volumes').set({ status: 'error', updatedAt: nowIso() }).where('id', '=', task.resourceId).execute();
        await this.o.quotas.commit(tx, payload.reservation);
        await recordUserMessage(tx, {
          projectId: v.projectId, resourceType: 'VOLUME', resourceUuid: task.resourceId, eventId: 'VOLUME_VOLUME_001_003',
          userMessage: `Schedule allocate volume failed: ${text}`,
        });
      }
      await this.o.tasks.fail(tx, task.id, text);
    });
  }
}
