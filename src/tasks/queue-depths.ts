// How much work waits on each queue, for the /metrics gauges: read at every scrape, so through
// the partial index of unfinished tasks (migration 013, `tasks_unfinished`), never by reading the
// day of finished tasks kept beside them. The predicate is written as a literal, the index's own
// words: with its values bound as parameters neither engine could prove the index applies.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const UNFINISHED = sql<boolean>`status in ('pending', 'running')`;

/** Unfinished tasks per queue and status. */
export function unfinishedByQueue(k: Kysely<Database>) {
  return k.selectFrom('tasks').select(['queue', 'status', sql<number>`count(*)`.as('n')])
    .where(UNFINISHED).groupBy(['queue', 'status']);
}

/** When the oldest pending task of each queue was created. */
export function oldestPendingByQueue(k: Kysely<Database>) {
  return k.selectFrom('tasks').select(['queue', sql<string>`min(${sql.ref('createdAt')})`.as('oldest')])
    .where(UNFINISHED).where('status', '=', 'pending').groupBy('queue');
}
