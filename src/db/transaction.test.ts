// inTransaction against a real PostgreSQL deadlock: two transactions lock two rows in
// opposite orders; the one the server aborts runs again and both end committed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropSchema, openDatabase, type Db } from './database.js';
import { inTransaction, isTransientDbError } from './transaction.js';
import { Conflict } from '../errors/errors.js';
import { PG_URL } from '../../test/support/test-service.js';

describe('inTransaction (postgres)', () => {
  let db: Db;
  const schema = `flint_tx_${process.pid}_${Date.now().toString(36)}`;
  before(async () => {
    db = await openDatabase({ url: PG_URL, schema });
    await db.kysely.insertInto('quotaUsages').values([
      { projectId: 'p', resource: 'a', inUse: 0, reserved: 0 },
      { projectId: 'p', resource: 'b', inUse: 0, reserved: 0 },
    ]).execute();
  });
  after(async () => {
    await db?.close();
    await dropSchema(PG_URL, schema);
  });

  /** Both transactions hold their first row before either asks for its second. */
  function crossed(attempts: number) {
    let arrived = 0;
    let release!: () => void;
    const bothHoldFirst = new Promise<void>((r) => { release = r; });
    const runs = { first: 0, second: 0 };
    const bump = (first: string, second: string, who: 'first' | 'second') => inTransaction(db, async (tx) => {
      runs[who]++;
      const add = (resource: string) => tx.updateTable('quotaUsages').set((eb) => ({ inUse: eb('inUse', '+', 1) }))
        .where('projectId', '=', 'p').where('resource', '=', resource).execute();
      await add(first);
      if (runs[who] === 1) {
        if (++arrived === 2) release();
        await bothHoldFirst;
      }
      await add(second);
    }, { attempts, baseDelayMs: 1 });
    return { runs, all: Promise.allSettled([bump('a', 'b', 'first'), bump('b', 'a', 'second')]) };
  }

  test('a deadlock victim runs again and both transactions commit', async () => {
    const { runs, all } = crossed(4);
    const results = await all;
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled']);
    assert.equal(runs.first + runs.second, 3, 'exactly one transaction ran twice');
    const rows = await db.kysely.selectFrom('quotaUsages').select(['resource', 'inUse']).where('projectId', '=', 'p').orderBy('resource').execute();
    assert.deepEqual(rows.map((r) => r.inUse), [2, 2]);
  });

  test('out of attempts, the caller gets a retryable 409, not the database error', async () => {
    const { all } = crossed(1);
    const results = await all;
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(rejected.length, 1);
    const e = rejected[0]!.reason as Conflict;
    assert.ok(e instanceof Conflict);
    assert.equal(e.httpStatus, 409);
    assert.equal(e.retryable, true);
    assert.ok(isTransientDbError(e.cause));
  });
});
