// IN lists reach SQLite padded to a few lengths, with the same answers as unpadded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { InListLengths, paddedLength } from './in-list-lengths.js';
import { openDatabase } from './database.js';

interface Db {
  things: { id: number };
}

test('lengths: short lists as they are, longer ones to the next power of two, very long ones as they are', () => {
  assert.deepEqual([1, 8, 9, 16, 17, 1000, 1024, 1025, 5000].map(paddedLength), [1, 8, 16, 16, 32, 1024, 1024, 1025, 5000]);
});

test('IN and NOT IN answer as unpadded; inserted rows are not padded', async () => {
  const kysely = new Kysely<Db>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }), plugins: [new InListLengths()] });
  await sql`create table things (id integer primary key)`.execute(kysely);
  await kysely.insertInto('things').values(Array.from({ length: 20 }, (_, i) => ({ id: i + 1 }))).execute();
  assert.equal((await kysely.selectFrom('things').select('id').execute()).length, 20);
  const ids = [3, 5, 7, 9, 11, 13, 15, 17, 19, 30];
  const inQuery = kysely.selectFrom('things').select('id').where('id', 'in', ids).orderBy('id');
  assert.equal(inQuery.compile().parameters.length, 16);
  assert.deepEqual((await inQuery.execute()).map((r) => r.id), [3, 5, 7, 9, 11, 13, 15, 17, 19]);
  const notIn = await kysely.selectFrom('things').select('id').where('id', 'not in', ids).orderBy('id').execute();
  assert.deepEqual(notIn.map((r) => r.id), [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  await kysely.destroy();
});

test('the embedded database sends lists of 9 to 1,024 ids with 7 statement texts', async () => {
  const db = await openDatabase({ url: ':memory:' });
  try {
    db.statements.trace = [];
    for (let n = 9; n <= 1024; n += 7) await db.kysely.selectFrom('volumes').select('id').where('id', 'in', Array.from({ length: n }, (_, i) => `v${i}`)).execute();
    assert.equal(new Set(db.statements.trace).size, 7);
  } finally {
    await db.close();
  }
});
