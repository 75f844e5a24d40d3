// TaskQueue.call and supersede on SQLite and PostgreSQL: a result comes back, an error comes
// back as its own class rebuilt from the stable code (never parsed from text), a caller that
// waits too long gives up, and supersede ends exactly the tasks it selects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, dropSchema, type Db } from '../../src/db/database.js';
import { inTransaction } from '../../src/db/transaction.js';
import { CallTimedOut, TaskQueue } from '../../src/tasks/task-queue.js';
import { Worker, type TaskHandler } from '../../src/tasks/worker.js';
import { BackendError, CommandError, InvalidInput, NotFound, NotSupported } from '../../src/errors/errors.js';
import { TaskSuperseded } from '../../src/errors/codes.js';
import { DB_KINDS, PG_URL } from '../support/test-service.js';

for (const kind of DB_KINDS) {
  describe(`TaskQueue.call and supersede (${kind})`, () => {
    let db: Db;
    let q: TaskQueue;
    let worker: Worker;
    const schema = `flint_tc_${process.pid}`;
    const throwing = (make: () => Error): TaskHandler => ({
      run: async () => { throw make(); },
      giveUp: async (task, e) => inTransaction(db, (tx) => q.fail(tx, task, 'logged text', e)),
    });
    before(async () => {
      db = kind === 'postgres' ? await openDatabase({ url: PG_URL, schema }) : await openDatabase({ url: ':memory:' });
      q = new TaskQueue(db);
      worker = new Worker(q, {
        queues: ['rpc'], owner: 'test-worker', pollMs: 50,
        handlers: {
          echo: { run: async (t) => inTransaction(db, (tx) => q.complete(tx, t, { echoed: JSON.parse(t.payload) })), giveUp: async () => undefined },
          invalid: throwing(() => new InvalidInput('size must be a whole number')),
          unsupported: throwing(() => new NotSupported('h@b', 'revert to snapshot')),
          missing: throwing(() => new NotFound('Volume', 'abc')),
          secret: throwing(() => new CommandError(['/sbin/tgtadm', '--password', 'hunter2'], 22, '', 'password hunter2 refused')),
        },
      });
      worker.start();
    });
    after(async () => {
      await worker.stop();
      await db.close();
      if (kind === 'postgres') await dropSchema(PG_URL, schema);
    });

    const call = (k: string, payload: unknown = {}, timeoutMs = 10_000) =>
      q.call({ kind: k, queue: 'rpc', resourceType: 'volume', resourceId: 'r1', payload, maxAttempts: 1 }, { timeoutMs, answerer: 'Backend h@b' });

    test('the result comes back and is not kept', async () => {
      assert.deepEqual(await call('echo', { a: 1 }), { echoed: { a: 1 } });
      const rows = await db.kysely.selectFrom('tasks').select(['result', 'status']).where('kind', '=', 'echo').execute();
      assert.deepEqual(rows, [{ result: null, status: 'done' }]);
    });

    test('an error comes back as its own class, code, status and safe text', async () => {
      await assert.rejects(call('invalid'), (e: unknown) => e instanceof InvalidInput && e.httpStatus === 400 && e.message === 'size must be a whole number');
      await assert.rejects(call('unsupported'), (e: unknown) => e instanceof NotSupported && e.httpStatus === 400 && e.code === 'not_supported'
        && e.message === 'Operation revert to snapshot is not supported by backend h@b.');
      await assert.rejects(call('missing'), (e: unknown) => e instanceof NotFound && e.httpStatus === 404 && e.message === 'Volume abc could not be found.');
      const row = await db.kysely.selectFrom('tasks').select(['errorCode', 'errorText', 'lastError']).where('kind', '=', 'invalid').executeTakeFirstOrThrow();
      assert.deepEqual(row, { errorCode: 'invalid_input', errorText: 'size must be a whole number', lastError: 'logged text' });
    });

    test('an unsafe error keeps its code but none of its text', async () => {
      await assert.rejects(call('secret'), (e: unknown) => e instanceof BackendError && e.code === 'command_failed' && e.httpStatus === 500
        && !e.message.includes('hunter2') && e.safe);
      const row = await db.kysely.selectFrom('tasks').select(['errorCode', 'errorText']).where('kind', '=', 'secret').executeTakeFirstOrThrow();
      assert.equal(row.errorCode, 'command_failed');
      assert.doesNotMatch(row.errorText ?? '', /hunter2/);
    });

    test('a call nobody answers times out, retryable, and its task is ended', async () => {
      const t = q.call({ kind: 'echo', queue: 'nobody-listens', resourceType: 'volume', resourceId: 'r2', payload: {} }, { timeoutMs: 300, answerer: 'Backend x@y' });
      await assert.rejects(t, (e: unknown) => e instanceof CallTimedOut && e.retryable && /Backend x@y did not answer echo within 300 ms/.test(e.message));
      const row = await db.kysely.selectFrom('tasks').select(['status', 'errorCode']).where('queue', '=', 'nobody-listens').executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'failed', errorCode: 'superseded' });
    });

    test('supersede ends the selected unfinished tasks only, and returns them', async () => {
      const add = (k: string, resourceId: string, dedupeKey: string | null) =>
        inTransaction(db, (tx) => q.enqueue(tx, { kind: k, queue: 'parked', resourceType: 'volume', resourceId, payload: { reservation: k }, dedupeKey }));
      const a = await add('create', 'v1', 'volume:v1');
      const conn = await add('initialize_connection', 'v1', null);
      const other = await add('create', 'v2', 'volume:v2');
      const snap = await add('snap', 's1', 'snapshot:s1');
      const ended = await inTransaction(db, (tx) => q.supersede(tx, { resourceType: 'volume', resourceId: 'v1', exceptKinds: ['initialize_connection'] }, 'superseded by reset-status'));
      assert.deepEqual(ended.map((t) => [t.id, t.kind, JSON.parse(t.payload).reservation]), [[a, 'create', 'create']]);
      const bySnap = await inTransaction(db, (tx) => q.supersede(tx, { dedupeKey: 'snapshot:s1' }, 'superseded by reset-status'));
      assert.deepEqual(bySnap.map((t) => t.id), [snap]);
      assert.deepEqual(await inTransaction(db, (tx) => q.supersede(tx, { dedupeKey: 'snapshot:s1' }, 'again')), []);
      const status = async (id: string) => (await q.get(id))!;
      assert.equal((await status(a)).status, 'failed');
      assert.equal((await status(a)).errorCode, 'superseded');
      assert.equal((await status(a)).lastError, 'superseded by reset-status');
      assert.equal((await status(conn)).status, 'pending');
      assert.equal((await status(other)).status, 'pending');
      // A caller waiting on a superseded task gets a 409 naming why.
      const { errorFromCode } = await import('../../src/errors/codes.js');
      const rebuilt = errorFromCode((await status(a)).errorCode, (await status(a)).errorText);
      assert.ok(rebuilt instanceof TaskSuperseded && rebuilt.httpStatus === 409 && rebuilt.message === 'superseded by reset-status');
    });
  });
}
