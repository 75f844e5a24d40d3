// The durable queue on SQLite and PostgreSQL: dedupe, leases, expiry, retry with
// backoff, and flows that resume after completed steps or revert in reverse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { formatLeaseOwner, newLeaseOwner, parseLeaseOwner } from '../../src/tasks/lease-owner.js';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { ClaimLost, PURGE_INTERVAL_MS, TaskQueue } from '../../src/tasks/task-queue.js';
import { setClock, systemClock } from '../../src/util/clock.js';
import { runFlow, FlowFailed, type FlowStep } from '../../src/tasks/flow.js';
import { Worker } from '../../src/tasks/worker.js';
import { BackendError } from '../../src/errors/errors.js';
import { DB_KINDS, PG_URL, waitUntil } from '../support/test-service.js';

for (const kind of DB_KINDS) {
  describe(`task queue (${kind})`, () => {
    let db: Db;
    let q: TaskQueue;
    const schema = `flint_tq_${process.pid}`;
    before(async () => {
      db = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
      q = new TaskQueue(db);
    });
    after(async () => {
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
    });

    test('one unfinished task per dedupe key', async () => {
      await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'dq', resourceType: 'volume', resourceId: 'r1', payload: {}, dedupeKey: 'volume:r1' }));
      await assert.rejects(
        db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k2', queue: 'dq', resourceType: 'volume', resourceId: 'r1', payload: {}, dedupeKey: 'volume:r1' })),
        /Another operation \(k\) is in progress on volume r1/,
      );
    });

    test('a claimed task is not claimed twice until its lease expires', async () => {
      const id = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'lq', resourceType: 'volume', resourceId: 'r2', payload: { a: 1 } }));
      const first = await q.claim(['lq'], 'owner-a', 60_000);
      assert.equal(first?.id, id);
      assert.equal(first?.attempts, 1);
      assert.equal(await q.claim(['lq'], 'owner-b', 60_000), null);
      // The owner dies: its lease runs out and another claimant takes the task over.
      await db.kysely.updateTable('tasks').set({ leaseExpiresAt: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      const second = await q.claim(['lq'], 'owner-b', 60_000);
      assert.equal(second?.id, id);
      assert.equal(second?.attempts, 2);
      assert.equal(await q.heartbeat(id, 'owner-a', 1000), false, 'the old owner lost its lease');
      assert.equal(await q.heartbeat(id, 'owner-b', 1000), true);
    });

    test('a worker whose lease passed to another claim cannot put the task back', async () => {
      const id = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'fq', resourceType: 'volume', resourceId: 'rf', payload: {} }));
      const first = await q.claim(['fq'], 'owner-a', 60_000);
      // owner-a stalls past its lease; owner-b takes the task over and is running it.
      await db.kysely.updateTable('tasks').set({ leaseExpiresAt: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      const second = await q.claim(['fq'], 'owner-b', 60_000);
      assert.equal(second?.attempts, 2);
      // owner-a's attempt now fails retryably: it must not hand owner-b's running task to a third claim.
      assert.equal(await q.retryLater(id, first!.attempts, 'late failure'), false);
      const row = await q.get(id);
      assert.equal(row?.status, 'running');
      assert.equal(row?.leaseOwner, 'owner-b');
      assert.equal(await q.claim(['fq'], 'owner-c', 60_000), null);
      // owner-b's own retry does put it back.
      assert.equal(await q.retryLater(id, second!.attempts, 'busy', 0), true);
      assert.equal((await q.get(id))?.status, 'pending');
      await db.kysely.deleteFrom('tasks').where('id', '=', id).execute();
    });

    test('a worker whose lease passed to another claim, or whose task was superseded, cannot finish it: its transaction rolls back', async () => {
      const id = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'xq', resourceType: 'volume', resourceId: 'rx', payload: {}, dedupeKey: 'volume:rx' }));
      const first = await q.claim(['xq'], 'owner-a', 60_000);
      await db.kysely.updateTable('tasks').set({ leaseExpiresAt: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      const second = await q.claim(['xq'], 'owner-b', 60_000);
      // owner-a finishes late, in a transaction that also changed something of its own.
      const marker = { resourceId: 'rx', key: 'late', value: 'owner-a' };
      for (const finish of [
        (tx: Parameters<TaskQueue['complete']>[0]) => q.complete(tx, first!, { from: 'a' }),
        (tx: Parameters<TaskQueue['complete']>[0]) => q.fail(tx, first!, 'late failure'),
      ]) {
        await assert.rejects(db.kysely.transaction().execute(async (tx) => {
          await tx.insertInto('volumeMetadata').values(marker).execute();
          await finish(tx);
        }), (e: unknown) => e instanceof ClaimLost && e.taskId === id && e.attempts === 1);
      }
      assert.equal((await db.kysely.selectFrom('volumeMetadata').selectAll().where('resourceId', '=', 'rx').execute()).length, 0, 'rolled back');
      let row = await q.get(id);
      assert.equal(row?.status, 'running');
      assert.equal(row?.leaseOwner, 'owner-b');
      assert.equal(row?.result, null);
      // An admin supersedes owner-b's run: owner-b's own finish now fails the same way.
      await db.kysely.transaction().execute((tx) => q.supersede(tx, { dedupeKey: 'volume:rx' }, 'superseded by reset-status'));
      await assert.rejects(db.kysely.transaction().execute((tx) => q.complete(tx, second!, { from: 'b' })), ClaimLost);
      row = await q.get(id);
      assert.equal(row?.status, 'failed');
      assert.equal(row?.errorCode, 'superseded');
      // The claim that holds the task finishes it.
      const third = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'xq', resourceType: 'volume', resourceId: 'rx', payload: {}, dedupeKey: 'volume:rx' }));
      const held = await q.claim(['xq'], 'owner-c', 60_000);
      assert.equal(held?.id, third);
      await db.kysely.transaction().execute((tx) => q.complete(tx, held!, { from: 'c' }));
      row = await q.get(third);
      assert.equal(row?.status, 'done');
      assert.equal(row?.result, JSON.stringify({ from: 'c' }));
      // Done twice by the same claim is done; failed after done is refused.
      await db.kysely.transaction().execute((tx) => q.complete(tx, held!, { from: 'c' }));
      await assert.rejects(db.kysely.transaction().execute((tx) => q.fail(tx, held!, 'after done')), ClaimLost);
      assert.equal((await q.get(third))?.status, 'done');
      await db.kysely.deleteFrom('tasks').where('id', 'in', [id, third]).execute();
    });

    test('a worker drops the result of a run whose claim was lost, and records nothing', async () => {
      const id = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'slow', queue: 'wq', resourceType: 'volume', resourceId: 'rw', payload: {} }));
      let release!: () => void;
      const running = new Promise<void>((r) => { release = r; });
      let started = false;
      let gaveUp = false;
      const w = new Worker(q, {
        queues: ['wq'], owner: 'stalled', pollMs: 60_000, leaseMs: 60_000,
        handlers: {
          slow: {
            run: async (t) => {
              started = true;
              await running;
              await db.kysely.transaction().execute((tx) => q.complete(tx, t, { from: 'stalled' }));
            },
            giveUp: async () => { gaveUp = true; },
          },
        },
      });
      w.start();
      try {
        await waitUntil(async () => (started ? true : undefined), 10_000, 10);
        // Its lease passes to another claim while it runs.
        await db.kysely.updateTable('tasks').set({ leaseExpiresAt: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
        const other = await q.claim(['wq'], 'other', 60_000);
        assert.equal(other?.attempts, 2);
      } finally {
        release();
        // Waits for the run in flight to end.
        await w.stop();
      }
      const row = await q.get(id);
      assert.equal(row?.status, 'running', 'still the other claim\'s');
      assert.equal(row?.leaseOwner, 'other');
      assert.equal(row?.result, null);
      assert.equal(gaveUp, false, 'a lost claim is not a failure to record');
      await db.kysely.deleteFrom('tasks').where('id', '=', id).execute();
    });

    test('concurrent claimers each get a different task', async () => {
      await db.kysely.transaction().execute(async (tx) => {
        for (let i = 0; i < 20; i++) await q.enqueue(tx, { kind: 'k', queue: 'cq', resourceType: 'volume', resourceId: `c${i}`, payload: {} });
      });
      const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => q.claim(['cq'], `w${i}`, 60_000)));
      const ids = claims.filter((c) => c !== null).map((c) => c!.id);
      assert.equal(ids.length, 20);
      assert.equal(new Set(ids).size, 20);
    });

    test('one claim takes up to max tasks, an expired lease before pending ones, none twice', async () => {
      const ids = await db.kysely.transaction().execute(async (tx) => {
        const out: string[] = [];
        for (let i = 0; i < 5; i++) out.push(await q.enqueue(tx, { kind: 'k', queue: 'mq', resourceType: 'volume', resourceId: `m${i}`, payload: {} }));
        return out;
      });
      // The newest task is running under a dead owner's expired lease: it goes first.
      await db.kysely.updateTable('tasks').set({ status: 'running', leaseOwner: 'dead', leaseExpiresAt: new Date(Date.now() - 1000).toISOString(), attempts: 1 })
        .where('id', '=', ids[4]!).execute();
      const first = await q.claimMany(['mq'], 'owner-m', 60_000, 2);
      assert.deepEqual(first.map((t) => t.id).sort(), [ids[4]!, ids[0]!].sort());
      assert.ok(first.every((t) => t.status === 'running' && t.leaseOwner === 'owner-m'));
      assert.equal(first.find((t) => t.id === ids[4])?.attempts, 2, 'a re-claim counts an attempt');
      const rest = await q.claimMany(['mq'], 'owner-n', 60_000, 10);
      assert.deepEqual(rest.map((t) => t.id).sort(), [ids[1]!, ids[2]!, ids[3]!].sort());
      assert.deepEqual(await q.claimMany(['mq'], 'owner-n', 60_000, 10), []);
    });

    test('a worker fills its free slots in one claim and stops looking once the queue is empty', async () => {
      // Counts the worker's claims and how many came back empty.
      let claims = 0;
      let empty = 0;
      const counting = Object.create(q) as TaskQueue;
      counting.claimMany = async (...a: Parameters<TaskQueue['claimMany']>) => {
        claims++;
        const got = await q.claimMany(...a);
        if (got.length === 0) empty++;
        return got;
      };
      await db.kysely.transaction().execute(async (tx) => {
        for (let i = 0; i < 6; i++) await q.enqueue(tx, { kind: 'quick', queue: 'fq', resourceType: 'volume', resourceId: `f${i}`, payload: {} });
      });
      const ran = new Set<string>();
      const w = new Worker(counting, {
        queues: ['fq'], owner: 'filler', concurrency: 4, pollMs: 60_000,
        handlers: { quick: { run: async (t) => { ran.add(t.id); await q.complete(db.kysely, t); }, giveUp: async () => undefined } },
      });
      w.start();
      try {
        await waitUntil(async () => (ran.size === 6 ? true : undefined), 10_000, 10);
        await new Promise((r) => setTimeout(r, 200));
        // Four at once, then the two left as slots free up, then one look that finds nothing;
        // no finishing task looks again after that (one claim per finished task before).
        assert.ok(claims <= 4, `${claims} claims for 6 tasks`);
        assert.ok(empty <= 1, `${empty} empty claims`);
      } finally {
        await w.stop();
      }
    });

    test("a dead local process's leases are released at once; a live one's, an old-format owner's and a task claimed again since are kept", async () => {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      await once(child, 'spawn');
      const me = parseLeaseOwner(newLeaseOwner('volume:2'))!;
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const childOwner = formatLeaseOwner({ ...me, pid: child.pid!, startTicks: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!, role: 'volume:1' });
      // The old `host:pid:…` shape with a pid that is free: it cannot be judged, so it waits its lease.
      const owners = [childOwner, childOwner, `${hostname()}:999991:volume:1`];
      const ids: string[] = [];
      for (const [i, owner] of owners.entries()) {
        ids.push(await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'k', queue: 'dlq', resourceType: 'volume', resourceId: `dl${i}`, payload: {} })));
        assert.equal((await q.claim(['dlq'], owner, 60_000))?.id, ids[i]);
      }
      const current = formatLeaseOwner(me);
      assert.equal(await q.releaseDeadLocalLeases('dlq', current), 0, 'the child is alive');
      child.kill('SIGKILL');
      await once(child, 'exit');
      // The second task's lease ran out and another worker claimed it: not the dead owner's any more.
      await db.kysely.updateTable('tasks').set({ leaseOwner: 'another-live-worker' }).where('id', '=', ids[1]!).execute();
      assert.equal(await q.releaseDeadLocalLeases('dlq', current), 1);
      assert.equal((await q.claim(['dlq'], 'survivor', 60_000))?.id, ids[0]);
      assert.equal(await q.claim(['dlq'], 'survivor', 60_000), null, 'the others kept their leases');
    });

    test('a retryable failure goes back with backoff; the last attempt gives up', async () => {
      const id = await db.kysely.transaction().execute((tx) => q.enqueue(tx, { kind: 'flaky', queue: 'rq', resourceType: 'volume', resourceId: 'r3', payload: {}, maxAttempts: 2 }));
      let runs = 0;
      let gaveUp = '';
      const w = new Worker(q, {
        queues: ['rq'], owner: 'w', pollMs: 20,
        handlers: {
          flaky: {
            run: async () => { runs++; throw new BackendError('array busy', { retryable: true }); },
            giveUp: async (t, e) => { gaveUp = (e as Error).message; await q.fail(db.kysely, t, 'gave up'); },
          },
        },
      });
      w.start();
      // The retry waits for its backoff (500 ms after the first attempt).
      await waitUntil(async () => (gaveUp ? true : undefined), 10_000);
      await w.stop();
      assert.equal(runs, 2);
      assert.equal(gaveUp, 'array busy');
      const row = await q.get(id);
      assert.equal(row?.status, 'failed');
      assert.match(row?.lastError ?? '', /gave up/);
    });

    test('purge removes finished tasks past the retention in batches, keeps the rest, and looks again only after its interval', async () => {
      const day = 24 * 3600_000;
      const old = new Date(Date.now() - 2 * day).toISOString();
      const recent = new Date().toISOString();
      const row = (i: number, status: string, updatedAt: string) => ({
        id: `purge-${status}-${updatedAt === old ? 'old' : 'new'}-${i}`, kind: 'k', queue: 'pq', resourceType: 'volume', resourceId: `p${i}`,
        dedupeKey: null, payload: '{}', status, progress: '[]', attempts: 1, maxAttempts: 5, runAt: old, leaseOwner: null,
        leaseExpiresAt: null, lastError: null, result: null, createdAt: old, updatedAt,
      });
      // 2,500 old finished tasks: three delete batches; old unfinished and recent finished ones stay.
      const rows = [
        ...Array.from({ length: 2000 }, (_, i) => row(i, 'done', old)), ...Array.from({ length: 500 }, (_, i) => row(i, 'failed', old)),
        row(0, 'pending', old), row(0, 'running', old), row(0, 'done', recent),
      ];
      for (let i = 0; i < rows.length; i += 250) await db.kysely.insertInto('tasks').values(rows.slice(i, i + 250)).execute();
      const left = async () => (await db.kysely.selectFrom('tasks').select('id').where('queue', '=', 'pq').orderBy('id').execute()).map((r) => r.id);

      const fresh = new TaskQueue(db);
      assert.equal(await fresh.purge(day), 2500);
      assert.deepEqual(await left(), ['purge-done-new-0', 'purge-pending-old-0', 'purge-running-old-0']);

      // Within the interval it does not read the table again, even with more to remove.
      await db.kysely.insertInto('tasks').values(row(1, 'done', old)).execute();
      assert.equal(await fresh.purge(day), 0);
      const later = Date.now() + PURGE_INTERVAL_MS + 1000;
      setClock({ now: () => new Date(later) });
      try {
        assert.equal(await fresh.purge(day), 1);
      } finally {
        setClock(systemClock);
      }
      await db.kysely.deleteFrom('tasks').where('queue', '=', 'pq').execute();
    });
  });
}

describe('flows', () => {
  const log: string[] = [];
  const step = (name: string, fail = false): FlowStep<object> => ({
    name,
    run: async () => { log.push(`run ${name}`); if (fail) throw new BackendError(`${name} broke`); },
    revert: async () => { log.push(`revert ${name}`); },
  });

  test('a failure reverts the failed step and the completed ones in reverse', async () => {
    log.length = 0;
    const progress: string[][] = [];
    await assert.rejects(runFlow([step('a'), step('b'), step('c', true), step('d')], {}, [], { onProgress: async (p) => { progress.push(p); } }),
      (e: unknown) => e instanceof FlowFailed && e.step === 'c' && /c broke/.test(e.message));
    assert.deepEqual(log, ['run a', 'run b', 'run c', 'revert c', 'revert b', 'revert a']);
    assert.deepEqual(progress, [['a'], ['a', 'b']]);
  });

  test('progress is recorded after every step but the last', async () => {
    log.length = 0;
    const progress: string[][] = [];
    await runFlow([step('a'), step('b')], {}, [], { onProgress: async (p) => { progress.push(p); } });
    assert.deepEqual(progress, [['a']]);
  });

  test('a rerunnable step without a revert is not recorded; the next recorded step carries it', async () => {
    log.length = 0;
    const progress: string[][] = [];
    const plain = (name: string): FlowStep<object> => ({ name, rerunnable: true, run: async () => { log.push(`run ${name}`); } });
    await runFlow([plain('a'), step('b'), plain('c'), step('d')], {}, [], { onProgress: async (p) => { progress.push(p); } });
    assert.deepEqual(log, ['run a', 'run b', 'run c', 'run d']);
    assert.deepEqual(progress, [['a', 'b']]);
  });

  test('a resumed flow skips the steps already done', async () => {
    log.length = 0;
    await runFlow([step('a'), step('b'), step('c')], {}, ['a', 'b'], { onProgress: async () => undefined });
    assert.deepEqual(log, ['run c']);
  });
});
