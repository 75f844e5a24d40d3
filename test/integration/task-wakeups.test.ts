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
          await remote.complete(remote.kysely, task, { echoed: JSON.parse(task.payload) });
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

test("a process hears its own wake-up once and at once: PostgreSQL's echo of its NOTIFY is dropped", async () => {
  const heard: string[] = [];
  const queue = new TaskQueue(workerDb);
  queue.events.on('queue:wq3', () => heard.push('queue:wq3'));
  try {
    await queue.listening();
    queue.notify('wq3');
    assert.equal(heard.length, 1, 'woken at once, before any notification could come back');
    // The echo would arrive within milliseconds; each extra wake-up costs a worker an empty claim.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(heard.length, 1, 'the echo of its own NOTIFY woke it again');
  } finally {
    queue.close();
  }
});

test('queues sharing one database handle hear each other once, though the echo is dropped', async () => {
  const sender = new TaskQueue(workerDb);
  const neighbour = new TaskQueue(workerDb);
  const elsewhere = new TaskQueue(callerDb);
  const heard = { sender: 0, neighbour: 0, elsewhere: 0 };
  sender.events.on('queue:wq4', () => heard.sender++);
  neighbour.events.on('queue:wq4', () => heard.neighbour++);
  elsewhere.events.on('queue:wq4', () => heard.elsewhere++);
  try {
    await Promise.all([sender.listening(), neighbour.listening(), elsewhere.listening()]);
    sender.notify('wq4');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(heard, { sender: 1, neighbour: 1, elsewhere: 1 });
  } finally {
    for (const q of [sender, neighbour, elsewhere]) q.close();
  }
});
