// The durable work queue: a task is a row with attempts, run-at, lease owner, last error
// and a dedupe key per resource. Claims take a lease (SQLite: one writer; PostgreSQL:
// FOR UPDATE SKIP LOCKED); an expired lease makes the task claimable again.
import { EventEmitter } from 'node:events';
import type { Insertable, Kysely } from 'kysely';
import type { Database, TaskRow, TasksTable } from '../db/schema.js';
import { ReusableQuery } from '../db/reusable-query.js';
import type { Db } from '../db/database.js';
import { type Tx, inTransaction } from '../db/transaction.js';
import { BackendError, Conflict, toFlintError } from '../errors/errors.js';
import { errorFromCode } from '../errors/codes.js';
import { FlowFailed } from './flow.js';
import { newId } from '../util/ids.js';
import { clock } from '../util/clock.js';
import { judgeLeaseOwner } from './lease-owner.js';
import type { Logger } from '../util/logger.js';

export type TaskStatus = 'pending' | 'running' | 'done' | 'failed';

export interface NewTask {
  kind: string;
  queue: string;
  resourceType: string;
  resourceId: string;
  payload: unknown;
  /** One unfinished task per key; enqueue of a second one is a Conflict. */
  dedupeKey?: string | null;
  /**
   * The resource was inserted by the enqueuing transaction, so no unfinished task can hold its
   * dedupe key yet: the check is skipped (one statement fewer on the create path).
   */
  newResource?: boolean;
  maxAttempts?: number;
  runAt?: Date;
}

const iso = (d: Date) => d.toISOString();

/** What a claim sets on the rows it takes. */
interface Lease { status: string; leaseOwner: string; leaseExpiresAt: string; updatedAt: string }

/** Which unfinished tasks `supersede` ends: those holding a dedupe key, or those of a resource. */
export type TaskSelector =
  | { dedupeKey: string }
  | { resourceType: string; resourceId: string; exceptKinds?: readonly string[] };

export interface SupersededTask {
  id: string;
  kind: string;
  payload: string;
}

/** A task as its claim holds it: `attempts`, raised by every claim, tells this claim from a later one. */
export type ClaimedTask = Pick<TaskRow, 'id' | 'attempts'>;

/**
 * The claim that ran a task no longer holds it: its lease expired and another claim took the
 * task, or an admin superseded it (reset-status, force delete). Thrown by `complete` and `fail`
 * inside the finishing transaction, so whatever that transaction changed is rolled back: the
 * task's owner now is whoever holds it, and a late worker's result counts for nothing.
 */
export class ClaimLost extends Error {
  constructor(readonly taskId: string, readonly attempts: number) {
    super(`Task ${taskId} is no longer held by its claim (attempt ${attempts}): its result is dropped.`);
  }
}

/** The task `call` waited for did not end in time; the work may still happen. */
export class CallTimedOut extends BackendError {
  override readonly code = 'call_timed_out';
}

export interface CallOptions {
  timeoutMs: number;
  /** Who should have answered, for the timeout message ("Backend host@b"); the queue by default. */
  answerer?: string;
}

/** The code and user text a failed task keeps, from the error it failed with. */
function errorColumns(cause: unknown): { errorCode: string | null; errorText: string | null } {
  if (cause === undefined) return { errorCode: null, errorText: null };
  const fe = toFlintError(cause instanceof FlowFailed ? cause.original : cause);
  return { errorCode: fe.code, errorText: fe.userText?.slice(0, 2000) ?? null };
}

/**
 * Ends the selected pending and running tasks as failed (an admin override: reset-status,
 * force delete) and returns them, so the caller can settle what they held (quota).
 */
export async function supersedeTasks(tx: Tx, key: TaskSelector, reason: string): Promise<SupersededTask[]> {
  let q = tx.selectFrom('tasks').select(['id', 'kind', 'payload']).where('status', 'in', ['pending', 'running']);
  if ('dedupeKey' in key) {
    q = q.where('dedupeKey', '=', key.dedupeKey);
  } else {
    q = q.where('resourceType', '=', key.resourceType).where('resourceId', '=', key.resourceId);
    if (key.exceptKinds?.length) q = q.where('kind', 'not in', [...key.exceptKinds]);
  }
  const tasks = await q.execute();
  if (tasks.length === 0) return [];
  await tx.updateTable('tasks').set({ status: 'failed', lastError: reason, errorCode: 'superseded', errorText: reason, leaseOwner: null })
    .where('id', 'in', tasks.map((t) => t.id)).execute();
  return tasks;
}

/** How often finished tasks are looked for, and how many one delete removes. */
export const PURGE_INTERVAL_MS = 10 * 60_000;
const PURGE_BATCH = 1_000;

export class TaskQueue {
  /** When this queue last looked for finished tasks to remove (epoch ms), null before the first time. */
  private lastPurgeAt: number | null = null;
  /** Wakes workers and waiters in this process, and (PostgreSQL) in every other process. */
  readonly events = new EventEmitter();
  private readonly unsubscribe: (() => void) | null;

  // Statements every task pays (enqueue, claim, take, progress, complete), compiled once per shape (db/reusable-query.ts).
  private readonly insertTask: ReusableQuery<Insertable<TasksTable>, unknown>;
  private readonly dueIds: ReusableQuery<{ queues: string[]; nowIso: string; max: number }, { id: string }>;
  private readonly lockClaimable: ReusableQuery<{ queues: string[]; nowIso: string; max: number }, { id: string }, 'running' | 'pending'>;
  private readonly takeTasks: ReusableQuery<{ ids: string[]; lease: Lease }, TaskRow>;
  private readonly progressOf: ReusableQuery<{ id: string; owner: string; progress: string; updatedAt: string }, unknown>;
  private readonly completeTask: ReusableQuery<{ id: string; attempts: number; updatedAt: string; result: string | null }, unknown>;

  constructor(private readonly db: Db) {
    this.insertTask = new ReusableQuery(db.kysely, (k, row: Insertable<TasksTable>) => k.insertInto('tasks').values(row));
    // Each side is wrapped: SQLite takes ORDER BY and LIMIT only on a whole compound select.
    this.dueIds = new ReusableQuery(db.kysely, (k, { queues, nowIso, max }) => {
      const pick = (status: 'running' | 'pending') => k.selectFrom(this.claimableQuery(k, queues, status, nowIso, max).select('id').as(status)).select('id');
      return k.selectFrom(pick('running').unionAll(pick('pending')).as('due')).select('due.id').limit(max);
    });
    // PostgreSQL: FOR UPDATE is not allowed with UNION, so one locking select per status.
    this.lockClaimable = new ReusableQuery(db.kysely, (k, { queues, nowIso, max }, status) => this.claimableQuery(k, queues, status, nowIso, max)
      .select('id').forUpdate().skipLocked());
    this.takeTasks = new ReusableQuery(db.kysely, (k, { ids, lease }) => k.updateTable('tasks')
      .set((eb) => ({ ...lease, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('leaseExpiresAt', '<', lease.updatedAt)])]))
      .returningAll());
    this.progressOf = new ReusableQuery(db.kysely, (k, { id, owner, progress, updatedAt }) => k.updateTable('tasks')
      .set({ progress, updatedAt }).where('id', '=', id).where('leaseOwner', '=', owner));
    this.completeTask = new ReusableQuery(db.kysely, (k, { id, attempts, updatedAt, result }) => k.updateTable('tasks')
      .set({ status: 'done', leaseOwner: null, leaseExpiresAt: null, updatedAt, result })
      // Done already by this same claim (a finish that ended its task early, to queue the
      // next one under the same dedupe key) counts as held: `attempts` says no other claim came.
      .where('id', '=', id).where('status', 'in', ['running', 'done']).where('attempts', '=', attempts));
    this.events.setMaxListeners(0);
    // Payloads are the event names themselves: `queue:<name>` and `done:<task id>`.
    this.unsubscribe = db.signals?.subscribe((payload) => this.events.emit(payload)) ?? null;
  }

  /** Resolves once other processes' wake-ups reach this one (at once on SQLite). */
  async listening(): Promise<void> {
    await this.db.signals?.ready();
  }

  /** Stop receiving other processes' wake-ups (the database's close ends the listener). */
  close(): void {
    this.unsubscribe?.();
  }

  /**
   * Emit here at once and, through the database, in the other processes. With signals (PostgreSQL)
   * the publish does both: it wakes every queue on this handle, this one included, once.
   */
  private signal(event: string): void {
    if (this.db.signals) this.db.signals.publish(event);
    else this.events.emit(event);
  }

  get kysely(): Kysely<Database> {
    return this.db.kysely;
  }

  /** Record a task inside the caller's transaction (with the status change it belongs to). */
  async enqueue(tx: Tx, t: NewTask): Promise<string> {
    if (t.dedupeKey && !t.newResource) {
      const busy = await tx.selectFrom('tasks').select(['id', 'kind'])
        .where('dedupeKey', '=', t.dedupeKey).where('status', 'in', ['pending', 'running']).executeTakeFirst();
      if (busy) throw new Conflict(`Another operation (${busy.kind}) is in progress on ${t.resourceType} ${t.resourceId}.`);
    }
    const id = newId();
    const now = iso(clock().now());
    await this.insertTask.execute(tx, {
      id, kind: t.kind, queue: t.queue, resourceType: t.resourceType, resourceId: t.resourceId,
      dedupeKey: t.dedupeKey ?? null, payload: JSON.stringify(t.payload ?? {}), status: 'pending', progress: '[]',
      attempts: 0, maxAttempts: t.maxAttempts ?? 5, runAt: iso(t.runAt ?? clock().now()), leaseOwner: null,
      leaseExpiresAt: null, lastError: null, result: null, createdAt: now, updatedAt: now,
    });
    return id;
  }

  /** Tell local workers that `queue` has work (call after the enqueuing transaction commits). */
  notify(queue: string): void {
    this.signal(`queue:${queue}`);
  }

  /** Claim one runnable task from `queues` with a lease, or null. */
  async claim(queues: string[], owner: string, leaseMs: number): Promise<TaskRow | null> {
    return (await this.claimMany(queues, owner, leaseMs, 1))[0] ?? null;
  }

  /**
   * Claim up to `max` runnable tasks from `queues` with a lease: those whose lease expired
   * (their worker died) first, then the oldest pending ones due now. A worker with several free
   * slots takes a burst's tasks in one claim rather than one by one, and starts them together.
   */
  async claimMany(queues: string[], owner: string, leaseMs: number, max: number): Promise<TaskRow[]> {
    if (max < 1 || queues.length === 0) return [];
    const now = clock().now();
    const nowIso = iso(now);
    const lease = { status: 'running', leaseOwner: owner, leaseExpiresAt: iso(new Date(now.getTime() + leaseMs)), updatedAt: nowIso };
    let rows: TaskRow[] = [];
    if (this.db.dialect === 'postgres') {
      // Row locks keep other processes off the chosen rows until the update commits.
      rows = await this.db.kysely.transaction().execute(async (tx) => {
        const ids = await this.claimableIds(tx, queues, nowIso, max);
        if (ids.length === 0) return [];
        return this.take(tx, ids, lease);
      });
    } else {
      // SQLite has one writer and this process is its only user, so no lock is needed: one
      // select finds the due tasks (an empty poll costs just that), one update takes them;
      // its guard keeps the take a compare-and-set all the same.
      const k = this.db.kysely;
      for (;;) {
        const ids = (await this.dueIds.execute(k, { queues, nowIso, max })).rows.map((r) => r.id);
        rows = ids.length === 0 ? [] : await this.take(k, ids, lease);
        // Every one taken by another claimer of this process between the two statements: look again.
        if (rows.length > 0 || ids.length === 0) break;
      }
    }
    return rows;
  }

  /** The ids to claim, up to `max`, locked: expired leases first, then pending tasks due now. */
  private async claimableIds(tx: Tx, queues: string[], nowIso: string, max: number): Promise<string[]> {
    const ids: string[] = [];
    for (const status of ['running', 'pending'] as const) {
      if (ids.length >= max) break;
      for (const r of (await this.lockClaimable.execute(tx, { queues, nowIso, max: max - ids.length }, status)).rows) ids.push(r.id);
    }
    return ids;
  }

  /**
   * Runnable tasks of one kind, in claim order, at most `limit`: `running` ones whose lease
   * expired, or `pending` ones due now. Each is one index range read; finished tasks are never scanned.
   */
  private claimableQuery(tx: Tx, queues: string[], status: 'running' | 'pending', nowIso: string, limit: number) {
    const q = tx.selectFrom('tasks').where('queue', 'in', queues).where('status', '=', status);
    return status === 'running'
      ? q.where('leaseExpiresAt', '<', nowIso).orderBy('leaseExpiresAt').limit(limit)
      : q.where('runAt', '<=', nowIso).orderBy('runAt').orderBy('createdAt').limit(limit);
  }

  /** Leases the chosen rows that are still claimable; `attempts` counts every claim. */
  private async take(tx: Tx, ids: string[], lease: Lease): Promise<TaskRow[]> {
    return (await this.takeTasks.execute(tx, { ids, lease })).rows;
  }

  /** Extend the lease; false when the lease was lost (another owner took the task). */
  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = clock().now();
    const r = await this.db.kysely.updateTable('tasks')
      .set({ leaseExpiresAt: iso(new Date(now.getTime() + leaseMs)) })
      .where('id', '=', id).where('leaseOwner', '=', owner).where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async recordProgress(id: string, owner: string, completedSteps: string[]): Promise<void> {
    await this.progressOf.execute(this.db.kysely, { id, owner, progress: JSON.stringify(completedSteps), updatedAt: iso(clock().now()) });
  }

  /** How far a long copy got (0..100); callers throttle. */
  async recordPercent(id: string, percent: number): Promise<void> {
    await this.db.kysely.updateTable('tasks').set({ percent: Math.max(0, Math.min(100, Math.round(percent))) }).where('id', '=', id).execute();
  }

  /**
   * Mark done inside `tx` (with the final status change of the resource), if the claim that
   * ran the task still holds it; otherwise throw ClaimLost, rolling `tx` back. Idempotent
   * within one claim.
   */
  async complete(tx: Tx, task: ClaimedTask, result?: unknown): Promise<void> {
    const r = await this.completeTask.execute(tx, {
      id: task.id, attempts: task.attempts, updatedAt: iso(clock().now()), result: result === undefined ? null : JSON.stringify(result),
    });
    if (Number(r.numAffectedRows ?? 0) === 0) throw new ClaimLost(task.id, task.attempts);
  }

  /**
   * Mark failed inside `tx`, fenced like `complete`. `error` is the log's text; `cause`, the
   * error itself, gives the stable code and the user's text that `call` rebuilds the error from.
   */
  async fail(tx: Tx, task: ClaimedTask, error: string, cause?: unknown): Promise<void> {
    const r = await tx.updateTable('tasks').set({
      status: 'failed', leaseOwner: null, leaseExpiresAt: null, lastError: error.slice(0, 2000), updatedAt: iso(clock().now()),
      ...errorColumns(cause),
    }).where('id', '=', task.id).where('status', '=', 'running').where('attempts', '=', task.attempts).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new ClaimLost(task.id, task.attempts);
  }

  /** End the selected unfinished tasks inside `tx`; see supersedeTasks. */
  supersede(tx: Tx, key: TaskSelector, reason: string): Promise<SupersededTask[]> {
    return supersedeTasks(tx, key, reason);
  }

  /**
   * Run a task on another role and wait for it: enqueue (own transaction), wake local
   * workers, wait; return its result, or throw the error it failed with, rebuilt from its
   * code. The result is not kept once delivered (it may carry CHAP secrets). Give up after
   * `timeoutMs` with CallTimedOut (retryable), ending the task if it has not started.
   */
  async call<T>(t: NewTask, opts: CallOptions): Promise<T> {
    const id = await inTransaction(this.db, (tx) => this.enqueue(tx, t));
    this.notify(t.queue);
    const row = await this.waitFor(id, opts.timeoutMs);
    if (row.status === 'done') {
      await this.db.kysely.updateTable('tasks').set({ result: null }).where('id', '=', id).execute();
      return (row.result ? JSON.parse(row.result) : null) as T;
    }
    if (row.status === 'failed') throw errorFromCode(row.errorCode, row.errorText);
    await this.db.kysely.updateTable('tasks')
      .set({ status: 'failed', lastError: 'caller timed out', errorCode: 'superseded', errorText: 'caller timed out' })
      .where('id', '=', id).where('status', '=', 'pending').execute();
    throw new CallTimedOut(`${opts.answerer ?? `Queue ${t.queue}`} did not answer ${t.kind} within ${opts.timeoutMs} ms.`, { safe: true, retryable: true });
  }

  /**
   * Put the task back for a later attempt with exponential backoff. `attempts` is the claim's
   * own count, which every claim raises: only that claim, still running, puts it back. A worker
   * whose lease expired while it ran (another has claimed the task since) changes nothing; before,
   * it set the task pending under its new owner, and a third claim ran it beside the second.
   * Returns whether the task went back.
   */
  async retryLater(id: string, attempts: number, error: string, baseMs = 500): Promise<boolean> {
    const delay = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 60_000);
    const r = await this.db.kysely.updateTable('tasks').set({
      status: 'pending', leaseOwner: null, leaseExpiresAt: null, lastError: error.slice(0, 2000),
      runAt: iso(new Date(clock().now().getTime() + delay)), updatedAt: iso(clock().now()),
    }).where('id', '=', id).where('status', '=', 'running').where('attempts', '=', attempts).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<TaskRow | undefined> {
    return this.db.kysely.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Wait until the task ends; returns the row. Local completions wake it at once. */
  async waitFor(id: string, timeoutMs: number, pollMs = 100): Promise<TaskRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.get(id);
      if (!row) throw new Conflict(`Task ${id} disappeared.`);
      if (row.status === 'done' || row.status === 'failed') return row;
      if (Date.now() > deadline) return row;
      await new Promise<void>((resolve) => {
        const onDone = () => { clearTimeout(timer); resolve(); };
        const timer = setTimeout(() => { this.events.off(`done:${id}`, onDone); resolve(); }, pollMs);
        this.events.once(`done:${id}`, onDone);
      });
    }
  }

  /** Tell local waiters that a task ended. */
  notifyDone(id: string): void {
    this.signal(`done:${id}`);
  }

  /**
   * Tasks left running on `queue` by a dead process of this machine and PID namespace are
   * claimable at once instead of after their lease (lease-owner.ts judges the owner ids; any
   * owner it cannot judge keeps its lease). Reads the queue's running tasks only. Returns how
   * many were freed.
   */
  async releaseDeadLocalLeases(queue: string, currentOwner: string, log?: Logger): Promise<number> {
    const rows = await this.db.kysely.selectFrom('tasks').select(['id', 'leaseOwner'])
      .where('queue', '=', queue).where('status', '=', 'running').execute();
    const owners = new Map<string, boolean>();
    const dead = rows.filter((r) => {
      if (!r.leaseOwner || r.leaseOwner === currentOwner) return false;
      let isDead = owners.get(r.leaseOwner);
      if (isDead === undefined) owners.set(r.leaseOwner, isDead = judgeLeaseOwner(r.leaseOwner) === 'dead');
      return isDead;
    });
    if (dead.length === 0) return 0;
    // Still held by the dead owner: a task claimed again since (its lease ran out meanwhile) is
    // a live worker's and keeps its lease.
    const r = await this.db.kysely.updateTable('tasks').set({ leaseExpiresAt: new Date(0).toISOString() })
      .where('id', 'in', dead.map((t) => t.id)).where('status', '=', 'running')
      .where('leaseOwner', 'in', [...owners].filter(([, d]) => d).map(([o]) => o)).executeTakeFirst();
    const freed = Number(r.numUpdatedRows);
    if (freed > 0) log?.info({ queue, tasks: freed }, 'resuming tasks of a dead process');
    return freed;
  }

  /**
   * Remove finished tasks older than `olderThanMs`, at most once per PURGE_INTERVAL_MS for this
   * queue (every manager asks at each stats report). Finding them reads the whole table, about
   * 15 ms on SQLite with 200,000 tasks kept, so not every few seconds; they are deleted
   * PURGE_BATCH at a time, the event loop free between batches, so a day's backlog expiring at
   * once does not hold the one SQLite writer for seconds. Returns the number removed.
   */
  async purge(olderThanMs: number): Promise<number> {
    const now = clock().now().getTime();
    if (this.lastPurgeAt !== null && now - this.lastPurgeAt < PURGE_INTERVAL_MS) return 0;
    this.lastPurgeAt = now;
    const cutoff = iso(new Date(now - olderThanMs));
    let removed = 0;
    for (;;) {
      const ids = (await this.db.kysely.selectFrom('tasks').select('id')
        .where('status', 'in', ['done', 'failed']).where('updatedAt', '<', cutoff).limit(PURGE_BATCH).execute()).map((r) => r.id);
      if (ids.length === 0) return removed;
      // Re-checked in the delete: a task retried by an admin since the select is kept.
      const r = await this.db.kysely.deleteFrom('tasks').where('id', 'in', ids)
        .where('status', 'in', ['done', 'failed']).where('updatedAt', '<', cutoff).executeTakeFirst();
      removed += Number(r.numDeletedRows);
      if (ids.length < PURGE_BATCH) return removed;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
