// One share backend's manager: sets the driver up, re-exports every share with its rules at
// start (ensure_shares), reports stats and heartbeats, and runs the backend's task queue.
import { newLeaseOwner } from '../tasks/lease-owner.js';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { supportedShareOperations, type ShareDriverCore } from '../drivers/interface/share.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { toFlintError } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { Worker, type TaskHandler } from '../tasks/worker.js';
import { clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SCHEDULER_QUEUE, shareQueue } from '../tasks/queues.js';
import { heartbeat } from '../db/repos/services.js';
import { inTransaction } from '../db/transaction.js';
import { accessRulesOf } from '../db/repos/share-access.js';
import { compileExpression } from '../scheduler/expression/index.js';
import { shareFlowHandler, type ShareManagerDeps } from './flows/flow-handler.js';
import { createShareFlow, deleteShareFlow, extendShareFlow, revertShareFlow, shrinkShareFlow } from './flows/share.flows.js';
import { createShareSnapshotFlow, deleteShareSnapshotFlow, manageShareSnapshotFlow, unmanageShareSnapshotFlow } from './flows/snapshot.flows.js';
import { manageShareFlow, unmanageShareFlow } from './flows/manage.flows.js';
import { updateAccessFlow } from './flows/access.flow.js';
import { recordShareUpdate } from './flows/share-context.js';
import { type ShareNameTemplates, toDriverRule, toDriverShare } from './driver-objects.js';
import { toSchedulerStats } from './share-stats.js';
import { settleReservations } from '../db/repos/capacity-reservations.js';
import { OneAtATime } from '../util/one-at-a-time.js';
import type { ShareTaskPayloads } from './task-kinds.js';

export interface ShareManagerOptions {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: ShareDriverCore;
  /** `host@backend` */
  backendHost: string;
  backendName: string;
  availabilityZone: string;
  templates: ShareNameTemplates;
  logger: Logger;
  statsIntervalMs: number;
  filterFunction: string | null;
  goodnessFunction: string | null;
  concurrency: number;
  leaseMs: number;
  schedulerMaxAttempts: number;
  /** In-process scheduler hooks (absent when the scheduler runs elsewhere). */
  onStats?(stats: BackendStats, sampledAt: string): void;
  onCapacityChange?(poolHost: string | null, deltaGiB: number, shareId?: string): void;
}

const FINISHED_TASK_RETENTION_MS = 24 * 3600_000;

export class ShareManager {
  readonly queue: string;
  readonly owner: string;
  private worker: Worker | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly deps: ShareManagerDeps;
  /** Reports are sampled and written one at a time: an older sample written last would undo the newer one's settling. */
  private readonly reporting = new OneAtATime();

  constructor(private readonly o: ShareManagerOptions) {
    this.queue = shareQueue(o.backendHost);
    this.owner = newLeaseOwner(`share:${o.backendHost}`);
    this.deps = {
      db: o.db, tasks: o.tasks, quotas: o.quotas, driver: o.driver, backendHost: o.backendHost, backendName: o.backendName,
      templates: o.templates, logger: o.logger, schedulerMaxAttempts: o.schedulerMaxAttempts,
      onCapacityChange: (pool, delta, id) => o.onCapacityChange?.(pool, delta, id),
      reschedule: (tx, id, payload) => this.reschedule(tx, id, payload),
    };
  }

  get driver(): ShareDriverCore {
    return this.o.driver;
  }

  private handlers(): Record<string, TaskHandler> {
    const d = this.deps;
    return {
      create_share: shareFlowHandler(d, createShareFlow),
      delete_share: shareFlowHandler(d, deleteShareFlow),
      extend_share: shareFlowHandler(d, extendShareFlow),
      shrink_share: shareFlowHandler(d, shrinkShareFlow),
      revert_share: shareFlowHandler(d, revertShareFlow),
      manage_share: shareFlowHandler(d, manageShareFlow),
      unmanage_share: shareFlowHandler(d, unmanageShareFlow),
      create_share_snapshot: shareFlowHandler(d, createShareSnapshotFlow),
      delete_share_snapshot: shareFlowHandler(d, deleteShareSnapshotFlow),
      manage_share_snapshot: shareFlowHandler(d, manageShareSnapshotFlow),
      unmanage_share_snapshot: shareFlowHandler(d, unmanageShareSnapshotFlow),
      update_share_access: shareFlowHandler(d, updateAccessFlow),
    };
  }

  private async reschedule(tx: Transaction<Database>, shareId: string, payload: ShareTaskPayloads['schedule_share']): Promise<void> {
    // The failing create task still holds the share's key until this transaction ends.
    await this.o.tasks.enqueue(tx, { kind: 'schedule_share', queue: SCHEDULER_QUEUE, resourceType: 'share', resourceId: shareId, payload, dedupeKey: null });
    setImmediate(() => this.o.tasks.notify(SCHEDULER_QUEUE));
  }

  async start(): Promise<void> {
    const { driver, logger } = this.o;
    await driver.doSetup();
    await driver.checkForSetupError();
    await this.ensureShares();
    await this.reportStats();
    await heartbeat(this.o.db, 'flint-share', this.o.backendHost, this.o.availabilityZone);
    this.worker = new Worker(this.o.tasks, {
      queues: [this.queue], owner: this.owner, handlers: this.handlers(), concurrency: this.o.concurrency, leaseMs: this.o.leaseMs, logger,
    });
    this.worker.start();
    this.statsTimer = setInterval(() => {
      // A report slower than the interval is not queued behind: the next tick samples afresh.
      if (!this.reporting.busy) void this.reportStats().catch((e) => logger.warn({ backend: this.o.backendHost, err: toFlintError(e).message }, 'share stats report failed'));
      void heartbeat(this.o.db, 'flint-share', this.o.backendHost, this.o.availabilityZone).catch(() => undefined);
      void this.o.tasks.purge(FINISHED_TASK_RETENTION_MS).catch(() => undefined);
    }, this.o.statsIntervalMs);
    logger.info({ backend: this.o.backendHost }, 'share manager started');
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.worker?.stop();
    await this.o.driver.shutdown?.();
  }

  /**
   * ensure_shares: every share placed here that should be exported, with the rules that are
   * active or on their way (queued or applying ones are the access task's to finish).
   */
  async ensureShares(): Promise<void> {
    const db = this.o.db.kysely;
    const rows = await db.selectFrom('shares').selectAll().where('host', 'like', `${this.o.backendHost}#%`)
      .where('status', 'in', ['available', 'extending', 'shrinking', 'reverting']).execute();
    if (rows.length === 0) return;
    const input = [];
    for (const row of rows) {
      const rules = (await accessRulesOf(db, row.id)).filter((r) => r.state === 'active' || r.state === 'denying' || r.state === 'queued_to_deny');
      input.push({ share: await toDriverShare(db, row, this.o.templates), rules: rules.map(toDriverRule) });
    }
    try {
      const updates = await this.o.driver.ensureShares(input);
      for (const [id, u] of Object.entries(updates)) await inTransaction(this.o.db, (tx) => recordShareUpdate(tx, id, u));
    } catch (e) {
      this.o.logger.error({ backend: this.o.backendHost, err: toFlintError(e).message }, 'ensure_shares failed');
    }
  }

  /** Samples the backend and writes the report, one report at a time (as the volume manager's). */
  async reportStats(): Promise<BackendStats> {
    return this.reporting.run(() => this.sampleAndWrite());
  }

  private async sampleAndWrite(): Promise<BackendStats> {
    const sampledAt = clock().now().toISOString();
    const raw = await this.o.driver.getShareStats(true);
    raw.operations = supportedShareOperations(this.o.driver);
    // share_backend_name is configuration (else the section): what the share_backend_name extra spec matches.
    raw.shareBackendName = this.o.backendName;
    for (const p of raw.pools) {
      p.filterFunction ??= this.o.filterFunction ?? undefined;
      p.goodnessFunction ??= this.o.goodnessFunction ?? undefined;
    }
    const stats = toSchedulerStats(raw);
    const problems = [...(stats.problems ?? [])];
    delete stats.problems;
    for (const p of stats.pools) {
      for (const [name, source] of [['filter_function', p.filterFunction], ['goodness_function', p.goodnessFunction]] as const) {
        if (!source?.trim()) continue;
        try {
          compileExpression(source);
        } catch (e) {
          problems.push(`Pool ${p.poolName}: ${name} '${source}' is invalid: ${toFlintError(e).message}`);
        }
      }
    }
    const row = {
      backendHost: this.o.backendHost, backendName: this.o.backendName, availabilityZone: this.o.availabilityZone,
      stats: JSON.stringify(stats), problems: JSON.stringify(problems), updatedAt: sampledAt, serviceKind: 'share',
    };
    // With the report, the reservations it makes needless (shares done before the sample began).
    await this.o.db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto('backendStats').values(row)
        .onConflict((oc) => oc.column('backendHost').doUpdateSet({ stats: row.stats, problems: row.problems, updatedAt: row.updatedAt, availabilityZone: row.availabilityZone, serviceKind: 'share' }))
        .execute();
      await settleReservations(tx, this.o.backendHost, 'share', [], sampledAt);
    });
    this.o.onStats?.(stats, sampledAt);
    return stats;
  }
}
