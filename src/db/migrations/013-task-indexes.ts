// Three reads of `tasks` grew with its history (finished tasks are kept a day):
// - The duplicate-operation check of every delete, extend, attach… (`dedupe_key = ? and status in
//   (pending, running)`) had no index and scanned the table: 14 ms a request on SQLite with
//   200,000 finished tasks. `tasks_dedupe` finds a resource's few tasks; dedupe_key never changes,
//   so the index is written only when a task is inserted or purged.
// - The claim takes pending tasks in (run_at, created_at) order, `limit` at a time; `tasks_claim`
//   held (queue, status, run_at) only, so both engines read every due pending task of the queue
//   and sorted them before the limit (SQLite: "USE TEMP B-TREE FOR LAST TERM OF ORDER BY"), a cost
//   that grew with the backlog. With created_at in the index the read stops at the limit.
// - Every /metrics scrape counted unfinished tasks per queue by reading the whole table.
//   `tasks_unfinished` is partial: it holds only pending and running tasks, so it stays as small
//   as the backlog and a task leaves it when it ends.
import type { Kysely, Migration } from 'kysely';

export const m013TaskIndexes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('tasks_dedupe').on('tasks').column('dedupe_key').execute();
    await db.schema.createIndex('tasks_claim_order').on('tasks').columns(['queue', 'status', 'run_at', 'created_at']).execute();
    await db.schema.dropIndex('tasks_claim').execute();
    await db.schema.createIndex('tasks_unfinished').on('tasks').columns(['queue', 'status', 'created_at'])
      .where('status', 'in', ['pending', 'running']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('tasks_unfinished').execute();
    await db.schema.createIndex('tasks_claim').on('tasks').columns(['queue', 'status', 'run_at']).execute();
    await db.schema.dropIndex('tasks_claim_order').execute();
    await db.schema.dropIndex('tasks_dedupe').execute();
  },
};
