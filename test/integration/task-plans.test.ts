// The task queue's frequent reads do not grow with the table's history: SQLite's EXPLAIN QUERY
// PLAN of the statements the queue itself sends (traced while it runs) names the index of
// migration 013 that serves them. The duplicate-operation check finds a resource's tasks by
// dedupe key instead of scanning every task kept; the claim reads pending tasks in claim order
// and stops at its limit instead of sorting the whole backlog. The /metrics gauges read only the
// partial index of unfinished tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { openDatabase, type Db } from '../../src/db/database.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import { oldestPendingByQueue, unfinishedByQueue } from '../../src/tasks/queue-depths.js';

/** The texts of the statements `fn` sends. */
async function traced(db: Db, fn: () => Promise<unknown>): Promise<string[]> {
  db.statements.trace = [];
  try {
    await fn();
    return db.statements.trace;
  } finally {
    db.statements.trace = null;
  }
}

async function planOf(db: Db, sqlText: string): Promise<string> {
  const params = Array.from(sqlText.matchAll(/\?/g), () => null);
  const rows = await db.kysely.executeQuery(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${sqlText}`, params));
  return (rows.rows as { detail: string }[]).map((r) => r.detail).join('\n');
}

test('the dedupe check and the claim are index reads, not scans or sorts of the backlog (sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-task-plans-'));
  const db = await openDatabase({ url: join(dir, 'flint.sqlite') });
  const q = new TaskQueue(db);
  try {
    const enqueue = (resourceId: string, dedupeKey?: string) => db.kysely.transaction()
      .execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'plans', resourceType: 'volume', resourceId, payload: {}, dedupeKey }));
    await enqueue('v0');

    const dedupe = (await traced(db, () => enqueue('v1', 'volume:v1'))).filter((s) => /"dedupe_key" =/.test(s) && s.startsWith('select'));
    assert.equal(dedupe.length, 1, 'one duplicate-operation check');
    const dedupePlan = await planOf(db, dedupe[0]!);
    assert.match(dedupePlan, /USING INDEX tasks_dedupe\b/, dedupePlan);
    assert.doesNotMatch(dedupePlan, /SCAN tasks/, dedupePlan);

    const claims = (await traced(db, () => q.claimMany(['plans'], 'owner', 60_000, 5))).filter((s) => s.startsWith('select'));
    assert.equal(claims.length, 1, 'one select finds the due tasks');
    const claimPlan = await planOf(db, claims[0]!);
    assert.match(claimPlan, /SEARCH tasks USING INDEX tasks_claim_order \(queue=\? AND status=\? AND run_at<\?\)/, claimPlan);
    // Only the running side (expired leases, at most the workers' slots) is sorted.
    assert.doesNotMatch(claimPlan, /TEMP B-TREE FOR LAST TERM OF ORDER BY/, claimPlan);
    assert.equal((claimPlan.match(/TEMP B-TREE/g) ?? []).length, 1, claimPlan);

    for (const gauge of [unfinishedByQueue(db.kysely), oldestPendingByQueue(db.kysely)]) {
      const c = gauge.compile();
      const p = await planOf(db, c.sql);
      assert.match(p, /USING (COVERING )?INDEX tasks_unfinished\b/, p);
      assert.doesNotMatch(p, /SCAN tasks\b(?! USING)/, p);
    }
    // They count what they should: the finished task is left out.
    await db.kysely.updateTable('tasks').set({ status: 'done' }).where('resourceId', '=', 'v0').execute();
    const counts = (await unfinishedByQueue(db.kysely).execute()).map((r) => `${r.queue}/${r.status}/${Number(r.n)}`).sort();
    assert.deepEqual(counts, ['plans/running/1']); // v1, claimed above
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
