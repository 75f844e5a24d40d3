// Runs a unit of work in one database transaction, again (a bounded number of times, with
// jittered backoff) when the database aborted it for a deadlock or a serialization failure:
// those aborts say nothing about the request, only that a concurrent one won the race.
//
// Lock order. Every transaction that changes status takes its row locks in this order, so
// two of them can wait on each other only in a line, never in a circle:
//   1. the resource row the request names — for a snapshot, its volume first, then the
//      snapshot (a no-op `UPDATE … RETURNING` or a compare-and-set UPDATE takes the lock);
//   2. the resource's dependent rows (its snapshots, its attachments), by conditional UPDATE;
//   3. quota usage rows, in sorted resource-name order (QuotaEngine.reserve/commit sort them);
//   4. reservations and task rows (inserts, or updates of the task that belongs to the row).
// A deadlock that still happens (a path not yet in line, an index page) is retried here.
import type { Kysely, Transaction } from 'kysely';
import { Conflict } from '../errors/errors.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

/** Where a query runs: the database itself or an open transaction. */
export type Tx = Kysely<Database> | Transaction<Database>;

/** PostgreSQL SQLSTATEs and SQLite codes that mean "run the transaction again". */
const RETRYABLE_CODES = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
  'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY',
]);

export function isTransientDbError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

export interface RetryOptions {
  /** Attempts in all (first run included). */
  attempts?: number;
  /** Backoff before the second attempt; doubles each time, with ±50% jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export async function inTransaction<T>(db: Db, fn: (tx: Transaction<Database>) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 5;
  const max = opts.maxDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.kysely.transaction().execute(fn);
    } catch (e) {
      if (!isTransientDbError(e)) throw e;
      if (attempt >= attempts) {
        // Still losing after several tries: tell the caller to try again later, as a 409
        // (the request conflicted with concurrent ones), never as an internal error.
        throw new Conflict('The request conflicted with concurrent changes to the same resources; try again.', { cause: e, retryable: true });
      }
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
