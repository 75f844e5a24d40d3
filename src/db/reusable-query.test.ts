// A reusable query answers what the same query built anew answers, builds once per shape, and
// refuses a builder that looks at its values instead of binding them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from './database.js';
import { ReusableQuery, SharedReusableQuery } from './reusable-query.js';

async function memoryDb() {
  return openDatabase({ url: ':memory:' });
}

test('rows inserted and read through a reusable query are those of the plain query, built once per shape', async () => {
  const db = await memoryDb();
  try {
    let builds = 0;
    const insert = new ReusableQuery(db.kysely, (k, rows: { resourceId: string; key: string; value: string }[]) => {
      builds++;
      return k.insertInto('volumeMetadata').values(rows).returningAll();
    });
    const read = new ReusableQuery(db.kysely, (k, v: { ids: string[]; key: string }) => {
      builds++;
      return k.selectFrom('volumeMetadata').select(['resourceId', 'value']).where('resourceId', 'in', v.ids).where('key', '=', v.key).orderBy('resourceId');
    });
    const first = await insert.execute(db.kysely, [{ resourceId: 'v1', key: 'a', value: '1' }, { resourceId: 'v2', key: 'a', value: '2' }]);
    assert.deepEqual(first.rows, [{ resourceId: 'v1', key: 'a', value: '1' }, { resourceId: 'v2', key: 'a', value: '2' }]);
    await db.kysely.transaction().execute(async (tx) => {
      const second = await insert.execute(tx, [{ resourceId: 'v3', key: 'a', value: "it's" }, { resourceId: 'v3', key: 'b', value: '4' }]);
      assert.deepEqual(second.rows, [{ resourceId: 'v3', key: 'a', value: "it's" }, { resourceId: 'v3', key: 'b', value: '4' }]);
    });
    assert.equal(builds, 1, 'two rows both times: one shape');
    await insert.execute(db.kysely, [{ resourceId: 'v4', key: 'a', value: '5' }]);
    assert.equal(builds, 2, 'one row is another shape');

    for (const [ids, key] of [[['v1', 'v3'], 'a'], [['v2', 'v3'], 'b'], [['v1', 'v2', 'v4'], 'a']] as const) {
      const plain = await db.kysely.selectFrom('volumeMetadata').select(['resourceId', 'value']).where('resourceId', 'in', [...ids]).where('key', '=', key).orderBy('resourceId').execute();
      assert.deepEqual((await read.execute(db.kysely, { ids: [...ids], key })).rows, plain);
    }
    assert.equal(builds, 4, 'lists of two and of three names');
  } finally {
    await db.close();
  }
});

test('an absent value leaves its column out, as Kysely does, and is a shape of its own', async () => {
  const db = await memoryDb();
  try {
    const insert = new ReusableQuery(db.kysely, (k, row: { className: string; resource: string; hardLimit?: number }) => k.insertInto('quotaClasses').values(row as never));
    db.statements.trace = [];
    await insert.execute(db.kysely, { className: 'c', resource: 'volumes', hardLimit: 3 });
    // hard_limit is NOT NULL with no default: left out, the insert fails as the plain one does (binding undefined would fail otherwise).
    const plain = await db.kysely.insertInto('quotaClasses').values({ className: 'c', resource: 'gigabytes' } as never).execute().then(() => 'ok', (e: Error) => e.message);
    const reused = await insert.execute(db.kysely, { className: 'c', resource: 'snapshots' }).then(() => 'ok', (e: Error) => e.message);
    assert.match(plain, /NOT NULL/);
    assert.deepEqual(db.statements.trace, [
      'insert into "quota_classes" ("class_name", "resource", "hard_limit") values (?, ?, ?)',
      'insert into "quota_classes" ("class_name", "resource") values (?, ?)',
      'insert into "quota_classes" ("class_name", "resource") values (?, ?)',
    ]);
    assert.equal(reused, plain);
  } finally {
    await db.close();
  }
});

test('a builder that looks at a value, rather than binding it, is refused', async () => {
  const db = await memoryDb();
  try {
    const inlined = new ReusableQuery(db.kysely, (k, v: { key: string }) => k.selectFrom('volumeMetadata').selectAll().where('key', '=', sql.lit(v.key)));
    await assert.rejects(inlined.execute(db.kysely, { key: 'a' }), /written into the SQL text/);
    const changed = new ReusableQuery(db.kysely, (k, v: { key: string }) => k.selectFrom('volumeMetadata').selectAll().where('key', '=', `${v.key}-x`));
    await assert.rejects(changed.execute(db.kysely, { key: 'a' }), /bound a value it had changed/);
    const dropped = new ReusableQuery(db.kysely, (k, v: { key: string; unused: string }) => k.selectFrom('volumeMetadata').selectAll().where('key', '=', v.key));
    await assert.rejects(dropped.execute(db.kysely, { key: 'a', unused: 'b' }), /did not bind 1 of its values/);
  } finally {
    await db.close();
  }
});

test('a shared reusable query is built once per database, whether it runs on the database or in its transactions', async () => {
  const [a, b] = [await memoryDb(), await memoryDb()];
  try {
    let builds = 0;
    const insert = new SharedReusableQuery((k, row: { resourceId: string; key: string; value: string }) => {
      builds++;
      return k.insertInto('volumeMetadata').values(row).returning('value');
    });
    for (const db of [a, b]) {
      for (let i = 0; i < 3; i++) {
        const { rows } = await db.kysely.transaction().execute((tx) => insert.execute(tx, { resourceId: 'v', key: `k${i}`, value: `in-tx-${i}` }));
        assert.deepEqual(rows, [{ value: `in-tx-${i}` }]);
      }
      await insert.execute(db.kysely, { resourceId: 'v', key: 'root', value: 'on-root' });
    }
    assert.equal(builds, 2, 'one build for each database');
    for (const db of [a, b]) {
      const rows = await db.kysely.selectFrom('volumeMetadata').select(['key', 'value']).orderBy('key').execute();
      assert.deepEqual(rows, [{ key: 'k0', value: 'in-tx-0' }, { key: 'k1', value: 'in-tx-1' }, { key: 'k2', value: 'in-tx-2' }, { key: 'root', value: 'on-root' }]);
    }
  } finally {
    await a.close();
    await b.close();
  }
});
