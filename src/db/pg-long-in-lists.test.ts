// PostgreSQL: long IN lists of strings go as one array, answer as before, and let the planner
// probe the index instead of reading the whole table; reusable queries bind such lists per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { dropSchema, openDatabase, type Db } from './database.js';
import { LONG_LIST } from './pg-long-in-lists.js';
import { ReusableQuery } from './reusable-query.js';

const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withSchema(fn: (db: Db) => Promise<void>): Promise<void> {
  const schema = `flint_inlist_${process.pid}`;
  const db = await openDatabase({ url: PG_URL, schema });
  try {
    await fn(db);
  } finally {
    await db.close();
    await dropSchema(PG_URL, schema);
  }
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `vol-${String(from + i).padStart(6, '0')}`);

test('long IN and NOT IN lists of strings answer as short ones; the statement carries one array (postgresql)', async () => {
  await withSchema(async (db) => {
    const k = db.kysely;
    await k.insertInto('volumeMetadata').values(ids(100).map((resourceId) => ({ resourceId, key: 'k', value: resourceId }))).execute();
    for (const n of [LONG_LIST - 1, LONG_LIST, 80]) {
      // Half the asked ids exist; the other half do not.
      const asked = [...ids(n / 2 | 0, 100 - (n / 2 | 0)), ...ids(n - (n / 2 | 0), 500)];
      const inQuery = k.selectFrom('volumeMetadata').select('resourceId').where('resourceId', 'in', asked).orderBy('resourceId');
      const compiled = inQuery.compile();
      assert.equal(compiled.parameters.length, n < LONG_LIST ? n : 1, `${n} values`);
      if (n >= LONG_LIST) assert.match(compiled.sql, /in \(select unnest\(\$1::text\[\]\)\)/);
      assert.deepEqual((await inQuery.execute()).map((r) => r.resourceId), ids(n / 2 | 0, 100 - (n / 2 | 0)));
      const notIn = await k.selectFrom('volumeMetadata').select('resourceId').where('resourceId', 'not in', asked).execute();
      assert.equal(notIn.length, 100 - (n / 2 | 0));
    }
    // Numbers are left as a list (the array's type would be a guess).
    const numbers = k.selectFrom('volumes').select('id').where('size', 'in', Array.from({ length: 40 }, (_, i) => i));
    assert.equal(numbers.compile().parameters.length, 40);
  });
});

test('a page of 1,000 ids is read through the primary key, not by reading the whole table (postgresql)', async () => {
  await withSchema(async (db) => {
    // The 100,000-volume inventory's metadata: two keys per volume.
    await sql`insert into volume_metadata (resource_id, key, value)
      select 'vol-' || lpad(i::text, 6, '0'), k, 'v' from generate_series(0, 99999) i, (values ('owner'), ('tier')) t(k)`.execute(db.kysely);
    await sql`analyze volume_metadata`.execute(db.kysely);
    const c = db.kysely.selectFrom('volumeMetadata').selectAll().where('resourceId', 'in', ids(1000, 40_000)).compile();
    const plan = (await db.kysely.executeQuery(CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]))).rows
      .map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
    assert.match(plan, /volume_metadata_pk/, plan);
    assert.doesNotMatch(plan, /Seq Scan on volume_metadata/, plan);
    assert.equal((await db.kysely.executeQuery(c)).rows.length, 2000);
  });
});

test('a reusable query binds each call\'s long list (postgresql)', async () => {
  await withSchema(async (db) => {
    await db.kysely.insertInto('volumeMetadata').values(ids(100).map((resourceId) => ({ resourceId, key: 'k', value: resourceId }))).execute();
    const byIds = new ReusableQuery(db.kysely, (k, v: { ids: string[] }) => k.selectFrom('volumeMetadata').select('resourceId').where('resourceId', 'in', v.ids).orderBy('resourceId'));
    for (const from of [0, 60]) {
      const rows = (await byIds.execute(db.kysely, { ids: ids(40, from) })).rows.map((r) => r.resourceId);
      assert.deepEqual(rows, ids(Math.min(40, 100 - from), from));
    }
  });
});
