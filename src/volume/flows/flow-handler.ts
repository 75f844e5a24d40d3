// Turns a flow definition into a task handler: load the task's context, run the steps
// (resuming after those already done), finish in one transaction, or give up cleanly.
import { recordCapacityChange } from '../../db/repos/capacity-reservations.js';
import { nowIso } from '../../util/clock.js';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, TaskRow } from '../../db/schema.js';
import type { VolumeDriverCore } from '../../drivers/interface/core.js';
import { toFlintError } from '../../errors/errors.js';
import type { QuotaEngine } from '../../quota/quota-engine.js';
import type { TaskQueue } from '../../tasks/task-queue.js';
import { runFlow, FlowFailed, type FlowStep } from '../../tasks/flow.js';
import { inTransaction } from '../../db/transaction.js';
import type { TaskHandler } from '../../tasks/worker.js';
import type { Logger } from '../../util/logger.js';
import type { NameTemplates } from '../driver-objects.js';
import type { TaskKind, TaskPayloads } from '../task-kinds.js';

/** What every flow of one backend's manager shares. */
export interface ManagerDeps {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: VolumeDriverCore;
  backendHost: string;
  backendName: string;
  templates: NameTemplates;
  logger: Logger;
  /** Backends tried for one volume before its create fails ([DEFAULT] scheduler_max_attempts). */
  schedulerMaxAttempts: number;
  /** Tell the scheduler (when in this process) that capacity changed; `volumeId` ends its placement. */
  onCapacityChange(poolHost: string | null, deltaGiB: number, volumeId?: string): void;
  /** Run a backend create so that stats reports know whether they count it (see StatsGate). */
  trackCreate<T>(volumeId: string, fn: () => Promise<T>): Promise<T>;
  /** Ask the scheduler to place a volume again, excluding a failed backend. */
  reschedule(tx: Transaction<Database>, volumeId: string, payload: TaskPayloads['schedule_volume']): Promise<void>;
}

export interface FlowDefinition<K extends TaskKind, C> {
  kind: K;
  /** Build the flow context; return null when the task no longer applies (finish it as done). */
  load(deps: ManagerDeps, task: TaskRow, payload: TaskPayloads[K]): Promise<C | null>;
  steps: readonly FlowStep<C>[];
  /**
   * Final status change, in the same transaction that marks the task done. Returns the task
   * result. Runs again if the database aborts it for a deadlock, so it only touches the
   * database; locks the resource row first, then quota rows (db/transaction.ts).
   */
  finish(tx: Transaction<Database>, deps: ManagerDeps, ctx: C): Promise<unknown>;
  /** Record the failure on the resource, in the transaction that marks the task failed. */
  giveUp(tx: Transaction<Database>, deps: ManagerDeps, task: TaskRow, payload: TaskPayloads[K], error: string): Promise<void>;
}

/** `code: message`, never an unsafe internal message. */
export function describeError(e: unknown): string {
  const original = e instanceof FlowFailed ? e.original : e;
  const fe = toFlintError(original);
  return `${fe.code}: ${fe.userText ?? 'internal error in the backend (see the service log)'}`;
}

/**
 * Runs `fn` in a transaction that may be retried (db/transaction.ts). The in-memory news
 * it gives the scheduler (onCapacityChange) is held back until the commit, so a retried or
 * failed transaction never counts capacity twice or for nothing.
 */
async function finalTransaction(deps: ManagerDeps, fn: (tx: Transaction<Database>, deps: ManagerDeps) => Promise<void>): Promise<void> {
  let news: Array<Parameters<ManagerDeps['onCapacityChange']>> = [];
  const held: ManagerDeps = { ...deps, onCapacityChange: (...args) => void news.push(args) };
  // The flow's backend work is over: whatever it changed on the backend is complete by now.
  const changedAt = nowIso();
  await inTransaction(deps.db, async (tx) => {
    news = [];
    await fn(tx, held);
    // The same news for every scheduler process, committed with the operation.
    for (const [poolHost, deltaGiB, resourceId] of news) {
      if (poolHost) await recordCapacityChange(tx, { kind: 'volume', poolHost, deltaGiB, resourceId, changedAt });
    }
  });
  for (const args of news) deps.onCapacityChange(...args);
}

export function flowHandler<K extends TaskKind, C>(deps: ManagerDeps, def: FlowDefinition<K, C>): TaskHandler {
  return {
    async run(task: TaskRow, owner: string) {
      const payload = JSON.parse(task.payload) as TaskPayloads[K];
      const ctx = await def.load(deps, task, payload);
      if (ctx === null) {
        await inTransaction(deps.db, (tx) => deps.tasks.complete(tx, task));
        return;
      }
      const done = JSON.parse(task.progress) as string[];
      try {
        await runFlow(def.steps, ctx, done, { onProgress: (steps) => deps.tasks.recordProgress(task.id, owner, steps) });
      } catch (e) {
        // Retryable failures keep their reverted state and run again from the start.
        if (e instanceof FlowFailed) {
          const fe = toFlintError(e.original);
          if (fe.retryable) await deps.tasks.recordProgress(task.id, owner, []);
          throw fe;
        }
        throw e;
      }
      await finalTransaction(deps, async (tx, d) => {
        const result = await def.finish(tx, d, ctx);
        await deps.tasks.complete(tx, task, result);
      });
    },
    async giveUp(task: TaskRow, error: unknown) {
      const payload = JSON.parse(task.payload) as TaskPayloads[K];
      const text = describeError(error);
      deps.logger.error({ task: task.id, kind: task.kind, resource: task.resourceId, error: text }, 'operation failed');
      await finalTransaction(deps, async (tx, d) => {
        await def.giveUp(tx, d, task, payload, text);
        await deps.tasks.fail(tx, task, text, error);
      });
    },
  };
}
