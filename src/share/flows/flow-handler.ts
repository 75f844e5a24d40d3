// Turns a share flow definition into a task handler: load the task's context, run the steps
// (resuming after those already done), finish in one transaction, or give up cleanly.
// The same shape as the volume service's (volume/flows/flow-handler.ts), over share deps.
import { recordCapacityChange } from '../../db/repos/capacity-reservations.js';
import { nowIso } from '../../util/clock.js';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database, TaskRow } from '../../db/schema.js';
import type { ShareDriverCore } from '../../drivers/interface/share.js';
import { toFlintError } from '../../errors/errors.js';
import type { QuotaEngine } from '../../quota/quota-engine.js';
import type { TaskQueue } from '../../tasks/task-queue.js';
import { runFlow, FlowFailed, type FlowStep } from '../../tasks/flow.js';
import { inTransaction } from '../../db/transaction.js';
import type { TaskHandler } from '../../tasks/worker.js';
import type { Logger } from '../../util/logger.js';
import type { ShareNameTemplates } from '../driver-objects.js';
import type { ShareTaskKind, ShareTaskPayloads } from '../task-kinds.js';

/** What every flow of one share backend's manager shares. */
export interface ShareManagerDeps {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: ShareDriverCore;
  backendHost: string;
  backendName: string;
  templates: ShareNameTemplates;
  logger: Logger;
  schedulerMaxAttempts: number;
  /** Tell the in-process scheduler that a pool's use changed; `shareId` ends its placement. */
  onCapacityChange(poolHost: string | null, deltaGiB: number, shareId?: string): void;
  /** Ask the scheduler to place a share again, excluding a failed backend. */
  reschedule(tx: Transaction<Database>, shareId: string, payload: ShareTaskPayloads['schedule_share']): Promise<void>;
}

export interface ShareFlowDefinition<K extends ShareTaskKind, C> {
  kind: K;
  /** Build the flow context; null when the task no longer applies (finished as done). */
  load(deps: ShareManagerDeps, task: TaskRow, payload: ShareTaskPayloads[K]): Promise<C | null>;
  steps: readonly FlowStep<C>[];
  /** Final status change, in the transaction that marks the task done (may run again on a deadlock). */
  finish(tx: Transaction<Database>, deps: ShareManagerDeps, ctx: C, task: TaskRow): Promise<unknown>;
  /** Record the failure on the resource, in the transaction that marks the task failed. */
  giveUp(tx: Transaction<Database>, deps: ShareManagerDeps, task: TaskRow, payload: ShareTaskPayloads[K], error: string): Promise<void>;
}

/** `code: message`, never an unsafe internal message. */
export function describeShareError(e: unknown): string {
  const original = e instanceof FlowFailed ? e.original : e;
  const fe = toFlintError(original);
  return `${fe.code}: ${fe.userText ?? 'internal error in the backend (see the service log)'}`;
}

/** Runs `fn` in a retried transaction; capacity news reach the scheduler only after the commit. */
async function finalTransaction(deps: ShareManagerDeps, fn: (tx: Transaction<Database>, deps: ShareManagerDeps) => Promise<void>): Promise<void> {
  let news: Array<Parameters<ShareManagerDeps['onCapacityChange']>> = [];
  const held: ShareManagerDeps = { ...deps, onCapacityChange: (...args) => void news.push(args) };
  // The flow's backend work is over: whatever it changed on the backend is complete by now.
  const changedAt = nowIso();
  await inTransaction(deps.db, async (tx) => {
    news = [];
    await fn(tx, held);
    // The same news for every scheduler process, committed with the operation.
    for (const [poolHost, deltaGiB, resourceId] of news) {
      if (poolHost) await recordCapacityChange(tx, { kind: 'share', poolHost, deltaGiB, resourceId, changedAt });
    }
  });
  for (const args of news) deps.onCapacityChange(...args);
}

export function shareFlowHandler<K extends ShareTaskKind, C>(deps: ShareManagerDeps, def: ShareFlowDefinition<K, C>): TaskHandler {
  return {
    async run(task: TaskRow, owner: string) {
      const payload = JSON.parse(task.payload) as ShareTaskPayloads[K];
      const ctx = await def.load(deps, task, payload);
      if (ctx === null) {
        await inTransaction(deps.db, (tx) => deps.tasks.complete(tx, task));
        return;
      }
      const done = JSON.parse(task.progress) as string[];
      try {
        await runFlow(def.steps, ctx, done, { onProgress: (steps) => deps.tasks.recordProgress(task.id, owner, steps) });
      } catch (e) {
        if (e instanceof FlowFailed) {
          const fe = toFlintError(e.original);
          if (fe.retryable) await deps.tasks.recordProgress(task.id, owner, []);
          throw fe;
        }
        throw e;
      }
      await finalTransaction(deps, async (tx, d) => {
        const result = await def.finish(tx, d, ctx, task);
        await deps.tasks.complete(tx, task, result);
      });
    },
    async giveUp(task: TaskRow, error: unknown) {
      const payload = JSON.parse(task.payload) as ShareTaskPayloads[K];
      const text = describeShareError(error);
      deps.logger.error({ task: task.id, kind: task.kind, resource: task.resourceId, error: text }, 'share operation failed');
      await finalTransaction(deps, async (tx, d) => {
        await def.giveUp(tx, d, task, payload, text);
        await deps.tasks.fail(tx, task, text, error);
      });
    },
  };
}
