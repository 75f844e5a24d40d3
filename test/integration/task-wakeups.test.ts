// Cross-process wake-ups on PostgreSQL: a worker attached to another connection (as another
// process would be) starts a task at once through LISTEN/NOTIFY, and the caller waiting for
// the answer hears it end at once, though both poll only every minute here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import { Worker } from '../../src/tasks/worker.js';
import { PG_URL } from '../support/test-service.js';

const schema = `flint_wake_${process.pid}`;
let callerDb: Db;
let workerDb: Db;
let otherDb: Db;

before(async () => {
  callerDb = await openDatabase({ url: PG_URL, schema });
  workerDb = await openDatabase({ url: PG_URL, schema });
  otherDb = await openDatabase({ url: PG_URL, schema: `${schema}_other` });
});
after(async () => {
  for (const d of [callerDb, workerDb, otherDb]) await d?.close();
  await dropSchema(PG_URL, schema);
  await dropSchema(PG_URL, `${schema}_other`);
});

const MINUTE = 60_000;

test('a task enqueued by one process is run by another at once, and its caller hears the answer', async () => {
  const caller = new TaskQueue(callerDb);
  const remote = new TaskQueue(workerDb);
  const ran: string[] = [];
  const worker = new Worker(remote, {
    queues: ['wq'], owner: 'remote', pollMs: MINUTE,
    handlers: {
      echo: {
        run: async (task) => {
          ran.push(task.id);
          await remote.complete(remote.kysely, task.id, { echoed: JSON.parse(task.payload) });
        },
        giveUp: async () => undefined,
      },
    },
  });
  worker.start();
  try {
    await Promise.all([caller.listening(), remote.listening()]);
    for (let i = 0; i < 3; i++) {
      // Without a wake-up this would wait for the minute-long poll and time out after 10 s.
      const answer = await caller.call<{ echoed: { n: number } }>(
        { kind: 'echo', queue: 'wq', resourceType: 'test', resourceId: `r${i}`, payload: { n: i } },
        { timeoutMs: 10_000 },
      );
      assert.deepEqual(answer, { echoed: { n: i } });
    }
    assert.equal(ran.length, 3);
  } finally {
    await worker.stop();
    caller.close();
    remote.close();
  }
});

test('wake-ups stay within their schema: another deployment on the same database hears nothing', async () => {
  const heard: string[] = [];
  const other = new TaskQueue(otherDb);
  other.events.on('queue:wq2', () => heard.push('queue:wq2'));
  const own: string[] = [];
  const mine = new TaskQueue(workerDb);
  mine.events.on('queue:wq2', () => own.push('x'));
  try {
    await Promise.all([other.listening(), mine.listening()]);
    new TaskQueue(callerDb).notify('wq2');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(own.length, 1, 'the same schema heard the wake-up once');
    assert.deepEqual(heard, []);
  } finally {
    other.close();
    mine.close();
  }
});
