// Claims tasks from some queues and runs their handlers, keeping the lease alive while
// they run; a retryable failure goes back on the queue with backoff, any other failure
// (or the last attempt) goes to the handler's giveUp, which records the error state. A
// worker whose claim was lost meanwhile (lease expired, task superseded) changes nothing.
import type { TaskRow } from '../db/schema.js';
import { toFlintError } from '../errors/errors.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { taskDuration, tasksFinished } from '../util/metrics.js';
import { ClaimLost, type TaskQueue } from './task-queue.js';

export interface TaskHandler {
  /** Does the work and marks the task done (queue.complete) in its final transaction. */
  run(task: TaskRow, owner: string): Promise<void>;
  /** Records the failure on the resource and marks the task failed. */
  giveUp(task: TaskRow, error: unknown): Promise<void>;
}

export interface WorkerOptions {
  queues: string[];
  owner: string;
  handlers: Record<string, TaskHandler>;
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  /**
   * How often to free the tasks that dead processes of this machine left running (a sixth of
   * the lease by default), so a surviving worker takes them well before their lease ends.
   */
  deadOwnerCheckMs?: number;
  logger?: Logger;
}

/** How often a worker looks for work nobody woke it for. */
export const DEFAULT_POLL_MS = 1000;

export class Worker {
  private running = 0;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private deadOwnerTimer: NodeJS.Timeout | null = null;
  /** The running look for dead owners' tasks, if any (one at a time; stop waits for it). */
  private releasing: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** New work may be due (an enqueue here or elsewhere, or the poll). */
  private readonly wake = () => {
    this.drained = false;
    // A claim in progress may already have looked: look once more after it.
    if (this.pumping) this.wokenWhilePumping = true;
    void this.pump();
  };
  private pumping = false;
  /**
   * The last claim found fewer tasks than it had room for and no wake-up came since: the
   * queues are empty as far as this worker knows, so a finishing task does not look again
   * (an empty look is a query). Wake-ups and the poll clear it.
   */
  private drained = false;
  private wokenWhilePumping = false;
  private readonly log: Logger;

  constructor(private readonly queue: TaskQueue, private readonly opts: WorkerOptions) {
    this.log = opts.logger ?? rootLogger;
  }

  get leaseMs(): number {
    return this.opts.leaseMs ?? 30_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const q of this.opts.queues) this.queue.events.on(`queue:${q}`, this.wake);
    // The safety net: wake-ups (in-process events, PostgreSQL NOTIFY) start work at once; the
    // poll finds what a lost wake-up or a retry's later run_at left waiting.
    this.timer = setInterval(this.wake, this.opts.pollMs ?? DEFAULT_POLL_MS);
    // Not only at start: a sibling process killed while this one runs would otherwise hold
    // its tasks for a whole lease. One read of each queue's running tasks.
    this.deadOwnerTimer = setInterval(this.releaseDeadOwners, this.opts.deadOwnerCheckMs ?? Math.max(1000, this.leaseMs / 6));
    this.releaseDeadOwners();
    void this.pump();
  }

  private readonly releaseDeadOwners = () => {
    if (this.stopped || this.releasing) return;
    this.releasing = (async () => {
      try {
        let freed = 0;
        for (const q of this.opts.queues) freed += await this.queue.releaseDeadLocalLeases(q, this.opts.owner, this.log);
        if (freed > 0) this.wake();
      } catch (e) {
        this.log.warn({ err: toFlintError(e).message }, 'looking for tasks of dead processes failed');
      } finally {
        this.releasing = null;
      }
    })();
  };

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deadOwnerTimer) clearInterval(this.deadOwnerTimer);
    for (const q of this.opts.queues) this.queue.events.off(`queue:${q}`, this.wake);
    await Promise.allSettled([...this.inFlight, ...(this.releasing ? [this.releasing] : [])]);
  }

  private async pump(): Promise<void> {
    if (this.stopped) return;
    // The running loop fills slots freed meanwhile; wake-ups during it are noted by wake().
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.running < (this.opts.concurrency ?? 8)) {
        this.wokenWhilePumping = false;
        // One claim fills every free slot: a burst's tasks are taken together, not one by one.
        const free = (this.opts.concurrency ?? 8) - this.running;
        const tasks = await this.queue.claimMany(this.opts.queues, this.opts.owner, this.leaseMs, free);
        for (const task of tasks) {
          this.running++;
          const p = this.execute(task).finally(() => {
            this.running--;
            this.inFlight.delete(p);
            if (!this.drained) void this.pump();
          });
          this.inFlight.add(p);
        }
        if (tasks.length < free && !this.wokenWhilePumping) {
          this.drained = true;
          break;
        }
      }
    } catch (e) {
      this.drained = false;
      this.log.error({ err: toFlintError(e).message }, 'task claim failed');
    } finally {
      this.pumping = false;
    }
  }

  private async execute(task: TaskRow): Promise<void> {
    const handler = this.opts.handlers[task.kind];
    const beat = setInterval(() => {
      void this.queue.heartbeat(task.id, this.opts.owner, this.leaseMs).catch(() => undefined);
    }, Math.max(1000, this.leaseMs / 3));
    const started = process.hrtime.bigint();
    let outcome: 'done' | 'failed' | 'retried' | 'lost' = 'done';
    try {
      if (!handler) throw new Error(`no handler for task kind ${task.kind}`);
      await handler.run(task, this.opts.owner);
    } catch (err) {
      if (err instanceof ClaimLost) {
        // Its finishing transaction was rolled back: whoever holds the task now decides.
        outcome = 'lost';
        this.log.warn({ task: task.id, kind: task.kind, attempt: task.attempts }, 'task result dropped: its claim passed to another, or it was superseded');
        return;
      }
      const fe = toFlintError(err);
      outcome = fe.retryable && task.attempts < task.maxAttempts ? 'retried' : 'failed';
      this.log.warn({ task: task.id, kind: task.kind, attempt: task.attempts, err: fe.message }, 'task failed');
      try {
        if (fe.retryable && task.attempts < task.maxAttempts) {
          if (!(await this.queue.retryLater(task.id, task.attempts, fe.message))) {
            outcome = 'lost';
            this.log.warn({ task: task.id, kind: task.kind, attempt: task.attempts }, 'task not put back: its claim passed to another, or it was superseded');
          }
        } else if (handler) {
          await handler.giveUp(task, err);
        } else {
          await this.queue.fail(this.queue.kysely, task, fe.message, fe);
        }
      } catch (e2) {
        if (e2 instanceof ClaimLost) {
          outcome = 'lost';
          this.log.warn({ task: task.id, kind: task.kind, attempt: task.attempts }, 'task failure not recorded: its claim passed to another, or it was superseded');
        } else {
          // The lease will expire and another claim will retry; nothing is lost.
          this.log.error({ task: task.id, err: toFlintError(e2).message }, 'recording task failure failed');
        }
      }
    } finally {
      tasksFinished.inc({ kind: task.kind, outcome });
      taskDuration.observe({ kind: task.kind, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      clearInterval(beat);
      this.queue.notifyDone(task.id);
    }
  }
}
