// One backend's manager: sets the driver up, reconciles after a restart (stale leases,
// exports, orphans), reports stats and heartbeats, and runs the backend's task queue.
import { newLeaseOwner } from '../tasks/lease-owner.js';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { supportedOperations } from '../drivers/interface/capabilities.js';
import type { VolumeDriverCore } from '../drivers/interface/core.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { toFlintError } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { Worker, type TaskHandler } from '../tasks/worker.js';
import { clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { flowHandler, type ManagerDeps } from './flows/flow-handler.js';
import { initializeConnectionFlow, terminateConnectionFlow } from './flows/connection.flows.js';
import { createSnapshotFlow, deleteSnapshotFlow } from './flows/snapshot.flows.js';
import { manageSnapshotFlow, unmanageSnapshotFlow } from './flows/snapshot-manage.flows.js';
import { moveVolumeFlow, reimageVolumeFlow } from './flows/move.flows.js';
import { createVolumeFlow, deleteVolumeFlow, extendVolumeFlow, revertToSnapshotFlow } from './flows/volume.flows.js';
import { manageVolumeFlow, unmanageVolumeFlow } from './flows/manage.flows.js';
import { uploadImageFlow } from './flows/image.flows.js';
import { createGroupFlow, deleteGroupFlow, updateGroupFlow } from './flows/group.flows.js';
import { createGroupSnapshotFlow, deleteGroupSnapshotFlow } from './flows/group-snapshot.flows.js';
import { groupReplicationFlow } from './flows/group-replication.flows.js';
import { attachForBackupFlow, detachForBackupFlow } from './flows/backup-access.flows.js';
import { listManageableHandler, listManageableSnapshotsHandler } from './flows/list-manageable.js';
import type { TaskPayloads } from './task-kinds.js';
import type { NameTemplates } from './driver-objects.js';
import { createsAlreadyMade, findOrphans, listObjects, reexportAll, type Orphan, type ReconcileTarget } from './start-reconcile.js';
import { SCHEDULER_QUEUE, volumeQueue } from '../tasks/queues.js';
import { heartbeat } from '../db/repos/services.js';
import { settleReservations } from '../db/repos/capacity-reservations.js';
import { OneAtATime } from '../util/one-at-a-time.js';
import { StatsGate } from './stats-gate.js';
import { compileExpression } from '../scheduler/expression/index.js';

/** Filter/goodness functions that do not parse: the scheduler skips such pools, and says why. */
function* expressionProblems(stats: BackendStats): Generator<string> {
  for (const p of stats.pools) {
    for (const [name, source] of [['filter_function', p.filterFunction], ['goodness_function', p.goodnessFunction]] as const) {
      if (!source?.trim()) continue;
      try {
        compileExpression(source);
      } catch (e) {
        yield `Pool ${p.poolName}: ${name} '${source}' is invalid: ${toFlintError(e).message}`;
      }
    }
  }
}

const FINISHED_TASK_RETENTION_MS = 24 * 3600_000;

export interface VolumeManagerOptions {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: VolumeDriverCore;
  /** `host@backend` */
  backendHost: string;
  backendName: string;
  availabilityZone: string;
  templates: NameTemplates;
  logger: Logger;
  statsIntervalMs: number;
  /** The backend's configured filter/goodness functions, used where the driver reports none. */
  filterFunction: string | null;
  goodnessFunction: string | null;
  concurrency: number;
  leaseMs: number;
  /** Backends tried for one volume ([DEFAULT] scheduler_max_attempts). */
  schedulerMaxAttempts: number;
  /** In-process scheduler hooks (absent when the scheduler runs elsewhere). */
  /** `landed`: creates this report already counts; `sampledAt`: when the sample began. */
  onStats?(stats: BackendStats, problems: string[], landed: string[], sampledAt: string): void;
  onCapacityChange?(poolHost: string | null, deltaGiB: number, volumeId?: string): void;
}

export class VolumeManager {
  readonly queue: string;
  readonly owner: string;
  private worker: Worker | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  orphans: Orphan[] = [];
  private readonly deps: ManagerDeps;
  private readonly gate = new StatsGate();
  /** Reports are sampled and written one at a time (see reportStats). */
  private readonly reporting = new OneAtATime();
  private lastProblems = '';

  constructor(private readonly o: VolumeManagerOptions) {
    this.queue = volumeQueue(o.backendHost);
    this.owner = newLeaseOwner(o.backendHost);
    this.deps = {
      db: o.db, tasks: o.tasks, quotas: o.quotas, driver: o.driver, backendHost: o.backendHost, backendName: o.backendName,
      templates: o.templates, logger: o.logger, schedulerMaxAttempts: o.schedulerMaxAttempts,
      onCapacityChange: (pool, delta, volumeId) => o.onCapacityChange?.(pool, delta, volumeId),
      trackCreate: (volumeId, fn) => this.gate.create(volumeId, fn),
      reschedule: (tx, volumeId, payload) => this.reschedule(tx, volumeId, payload),
    };
  }

  get driver(): VolumeDriverCore {
    return this.o.driver;
  }

  private handlers(): Record<string, TaskHandler> {
    const d = this.deps;
    return {
      create_volume: flowHandler(d, createVolumeFlow),
      delete_volume: flowHandler(d, deleteVolumeFlow),
      extend_volume: flowHandler(d, extendVolumeFlow),
      revert_to_snapshot: flowHandler(d, revertToSnapshotFlow),
      manage_volume: flowHandler(d, manageVolumeFlow),
      unmanage_volume: flowHandler(d, unmanageVolumeFlow),
      upload_image: flowHandler(d, uploadImageFlow),
      move_volume: flowHandler(d, moveVolumeFlow),
      reimage_volume: flowHandler(d, reimageVolumeFlow),
      list_manageable_volumes: listManageableHandler(d),
      list_manageable_snapshots: listManageableSnapshotsHandler(d),
      create_snapshot: flowHandler(d, createSnapshotFlow),
      delete_snapshot: flowHandler(d, deleteSnapshotFlow),
      manage_snapshot: flowHandler(d, manageSnapshotFlow),
      unmanage_snapshot: flowHandler(d, unmanageSnapshotFlow),
      initialize_connection: flowHandler(d, initializeConnectionFlow),
      terminate_connection: flowHandler(d, terminateConnectionFlow),
      create_group: flowHandler(d, createGroupFlow),
      update_group: flowHandler(d, updateGroupFlow),
      delete_group: flowHandler(d, deleteGroupFlow),
      create_group_snapshot: flowHandler(d, createGroupSnapshotFlow),
      delete_group_snapshot: flowHandler(d, deleteGroupSnapshotFlow),
      group_replication: flowHandler(d, groupReplicationFlow),
      attach_for_backup: flowHandler(d, attachForBackupFlow),
      detach_for_backup: flowHandler(d, detachForBackupFlow),
    };
  }

  private async reschedule(tx: Transaction<Database>, volumeId: string, payload: TaskPayloads['schedule_volume']): Promise<void> {
    await this.o.tasks.enqueue(tx, {
      kind: 'schedule_volume', queue: SCHEDULER_QUEUE, resourceType: 'volume', resourceId: volumeId, payload,
      // The failing create task still holds the volume's key until this transaction ends.
      dedupeKey: null,
    });
    setImmediate(() => this.o.tasks.notify(SCHEDULER_QUEUE));
  }

  async start(): Promise<void> {
    const { driver, logger } = this.o;
    await driver.doSetup();
    await driver.checkForSetupError();
    await this.reexport();
    // No create runs here before the worker starts: what the listing shows, the first report counts.
    const made = await this.inventory();
    await this.reportStats(made);
    await heartbeat(this.o.db, 'flint-volume', this.o.backendHost, this.o.availabilityZone);
    this.worker = new Worker(this.o.tasks, {
      queues: [this.queue], owner: this.owner, handlers: this.handlers(), concurrency: this.o.concurrency, leaseMs: this.o.leaseMs, logger,
    });
    this.worker.start();
    this.statsTimer = setInterval(() => {
      // A report slower than the interval is not queued behind: the next tick samples afresh.
      if (!this.reporting.busy) void this.reportStats().catch((e) => logger.warn({ backend: this.o.backendHost, err: toFlintError(e).message }, 'stats report failed'));
      void heartbeat(this.o.db, 'flint-volume', this.o.backendHost, this.o.availabilityZone).catch(() => undefined);
      // Finished tasks are history; a day of them is enough to debug with.
      void this.o.tasks.purge(FINISHED_TASK_RETENTION_MS).catch(() => undefined);
    }, this.o.statsIntervalMs);
    logger.info({ backend: this.o.backendHost }, 'volume manager started');
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.worker?.stop();
    await this.o.driver.shutdown?.();
  }

  /** ensure_export for every volume that should be exported. */
  async reexport(): Promise<void> {
    const { checked, updated } = await reexportAll(this.reconcileTarget());
    this.o.logger.info({ backend: this.o.backendHost, checked, updated }, 'exports ensured');
  }

  /**
   * Finds the backend's orphans, and returns the creates a dead predecessor left with their
   * object made: the first report counts those objects, so it must also settle their
   * placements, or every scheduler counts them twice until their tasks run again.
   */
  private async inventory(): Promise<string[]> {
    const target = this.reconcileTarget();
    const objects = await listObjects(target);
    this.orphans = await findOrphans(target, objects);
    for (const o of this.orphans) {
      this.o.logger.warn({ backend: this.o.backendHost, reference: o.reference, flintId: o.flintId }, 'backend object has no database row (not deleted)');
    }
    const made = objects ? await createsAlreadyMade(target, objects) : [];
    if (made.length > 0) this.o.logger.info({ backend: this.o.backendHost, volumes: made.length }, 'creates left in flight by a previous process already have their object');
    return made;
  }

  private reconcileTarget(): ReconcileTarget {
    const { db, driver, backendHost, templates, logger } = this.o;
    return { db, driver, backendHost, templates, logger };
  }

  /**
   * Samples the backend and writes the report, one report at a time: a report written after a
   * newer one would put its older sample back over the placements the newer one settled, and
   * every scheduler would count that room free twice until the next report. `madeBefore`:
   * volumes whose objects exist although no create of this process landed them (see inventory).
   */
  async reportStats(madeBefore: readonly string[] = []): Promise<BackendStats> {
    return this.reporting.run(() => this.sampleAndWrite(madeBefore));
  }

  private async sampleAndWrite(madeBefore: readonly string[]): Promise<BackendStats> {
    // Dated when the driver is asked, after the gate let in-flight creates finish: a change
    // (a delete) complete before that is in the sample, and its row, dated earlier, is dropped.
    let sampledAt = '';
    const sample = await this.gate.sample(() => {
      sampledAt = clock().now().toISOString();
      return this.o.driver.getVolumeStats(true);
    });
    const stats = sample.result;
    const landed = [...sample.landed, ...madeBefore];
    stats.operations = supportedOperations(this.o.driver);
    for (const p of stats.pools) {
      p.filterFunction ??= this.o.filterFunction ?? undefined;
      p.goodnessFunction ??= this.o.goodnessFunction ?? undefined;
    }
    const problems = [...(stats.problems ?? []), ...expressionProblems(stats)];
    delete stats.problems;
    if (this.orphans.length > 0) problems.push(`${this.orphans.length} backend object(s) without a database row`);
    if (problems.join() !== this.lastProblems) {
      this.lastProblems = problems.join();
      for (const text of problems) this.o.logger.error({ backend: this.o.backendHost }, text);
    }
    const row = {
      backendHost: this.o.backendHost, backendName: this.o.backendName, availabilityZone: this.o.availabilityZone,
      stats: JSON.stringify(stats), problems: JSON.stringify(problems), updatedAt: sampledAt,
    };
    // One transaction: a placement locking this row sees the report and the reservations it
    // no longer needs (the creates it counts) change together.
    await this.o.db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto('backendStats').values(row)
        .onConflict((oc) => oc.column('backendHost').doUpdateSet({ stats: row.stats, problems: row.problems, updatedAt: row.updatedAt, availabilityZone: row.availabilityZone }))
        .execute();
      await settleReservations(tx, this.o.backendHost, 'volume', landed, sampledAt);
    });
    this.o.onStats?.(stats, problems, landed, sampledAt);
    return stats;
  }
}
