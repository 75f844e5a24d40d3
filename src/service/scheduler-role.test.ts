import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { QuotaEngine, type QuotaDefaults } from '../quota/quota-engine.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { SCHEDULER_QUEUE } from '../tasks/queues.js';
import { TaskQueue } from '../tasks/task-queue.js';
import { logger } from '../util/logger.js';
import { SchedulerRole } from './scheduler-role.js';

test('the scheduler role runs each schedule kind with the handler registered for it, and only those kinds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sched-role-'));
  const db = await openDatabase({ url: join(dir, 'db.sqlite') });
  const scheduler = { release: () => undefined, updateBackend: () => undefined } as unknown as Scheduler;
  const tasks = new TaskQueue(db);
  const seen: string[] = [];
  const role = new SchedulerRole({
    db, tasks, quotas: new QuotaEngine(db, {} as QuotaDefaults), scheduler, owner: 'test-owner', logger, statsPollMs: 60_000, leaseMs: 5000,
    handlers: {
      schedule_thing: (c) => {
        return {
          async run(task) {
            seen.push(task.resourceId);
            await inTransaction(db, (tx) => c.tasks.complete(tx, task, { ok: true }));
          },
          async giveUp(task) {
            await inTransaction(db, (tx) => c.tasks.fail(tx, task, 'gave up'));
          },
        };
      },
    },
  });
  try {
    await role.start();
    const enqueue = (kind: string, resourceId: string) => inTransaction(db, (tx) => tasks.enqueue(tx, { kind, queue: SCHEDULER_QUEUE, resourceType: 'thing', resourceId, payload: {} }));
    const known = await enqueue('schedule_thing', 'r1');
    const unknown = await enqueue('schedule_other', 'r2');
    tasks.notify(SCHEDULER_QUEUE);
    assert.equal((await tasks.waitFor(known, 10_000)).status, 'done');
    assert.deepEqual(seen, ['r1']);
    const other = await tasks.waitFor(unknown, 10_000);
    assert.equal(other.status, 'failed');
    assert.match(other.lastError ?? '', /no handler for task kind schedule_other/);
  } finally {
    await role.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
