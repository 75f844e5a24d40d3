// Rows answer camelCase keys exactly as Kysely's CamelCasePlugin made them: SQLite and PostgreSQL
// rows built from raw arrays, PostgreSQL-shaped rows (nested objects, arrays, dates) renamed in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, sql, type QueryResult, type UnknownRow } from 'kysely';
import { camelCaseStatements, CamelCaseNames } from './row-mapping.js';
import { dropSchema, openDatabase } from './database.js';

const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Db {
  things: { id: number; displayName: string | null; sizeGib: number };
}

function sqliteKysely(): { kysely: Kysely<Db>; sqlite: SqliteDatabase.Database } {
  const sqlite = new SqliteDatabase(':memory:');
  const names = new CamelCaseNames(true);
  const kysely = new Kysely<Db>({ dialect: new SqliteDialect({ database: camelCaseStatements(sqlite, (s) => names.columnName(s)) }), plugins: [names] });
  return { kysely, sqlite };
}

/** The table both dialects are checked on, and the reads every dialect must answer camelCased. */
async function camelCaseRowsOfThings(kysely: Kysely<Db>): Promise<void> {
  await sql`create table things (id integer primary key, display_name text, size_gib integer not null)`.execute(kysely);
  await kysely.insertInto('things').values([{ id: 1, displayName: 'a', sizeGib: 10 }, { id: 2, displayName: null, sizeGib: 20 }]).execute();
  assert.deepEqual(await kysely.selectFrom('things').selectAll().orderBy('id').execute(), [
    { id: 1, displayName: 'a', sizeGib: 10 },
    { id: 2, displayName: null, sizeGib: 20 },
  ]);
  assert.deepEqual(await kysely.selectFrom('things').select(['id', 'sizeGib as totalSize']).where('id', '=', 2).execute(), [{ id: 2, totalSize: 20 }]);
  assert.deepEqual(await kysely.updateTable('things').set({ sizeGib: 11 }).where('id', '=', 1).returningAll().execute(), [{ id: 1, displayName: 'a', sizeGib: 11 }]);
}

test('SQLite reads answer camelCase rows: selectAll, aliases, RETURNING, raw SQL, streaming', async () => {
  const { kysely } = sqliteKysely();
  await camelCaseRowsOfThings(kysely);
  assert.deepEqual((await sql<{ nOfThings: number }>`select count(*) as n_of_things from things`.execute(kysely)).rows, [{ nOfThings: 2 }]);
  const streamed: unknown[] = [];
  for await (const row of kysely.selectFrom('things').select(['id', 'displayName']).orderBy('id').stream()) streamed.push(row);
  assert.deepEqual(streamed, [{ id: 1, displayName: 'a' }, { id: 2, displayName: null }]);
  assert.deepEqual(await kysely.selectFrom('things').selectAll().where('id', '=', 99).execute(), []);
  await kysely.destroy();
});

test('a kept statement that SQLite re-prepared after a schema change answers the new columns', async () => {
  const { kysely } = sqliteKysely();
  await sql`create table things (id integer primary key, display_name text)`.execute(kysely);
  await sql`insert into things (id, display_name) values (1, 'a')`.execute(kysely);
  const all = () => sql<UnknownRow>`select * from things`.execute(kysely).then((r) => r.rows);
  assert.deepEqual(await all(), [{ id: 1, displayName: 'a' }]);
  await sql`alter table things add column size_gib integer not null default 5`.execute(kysely);
  assert.deepEqual(await all(), [{ id: 1, displayName: 'a', sizeGib: 5 }]);
  await kysely.destroy();
});

test('kept SQLite statements are bounded by the parameters they hold, least recently used first out', () => {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec('create table things (id integer primary key)');
  const db = camelCaseStatements(sqlite, (s) => s, 10, 100);
  const inList = (n: number) => `select id from things where id in (${Array(n).fill('?').join(', ')})`;
  const hot = db.prepare('select id from things where id = ?');
  assert.equal(db.prepare('select id from things where id = ?'), hot, 'a statement is kept');
  const first = db.prepare(inList(60));
  assert.equal(db.prepare('select id from things where id = ?'), hot, 'used again: now the most recent');
  db.prepare(inList(50)); // 1 + 60 + 50 > 100: the least recently used (the 60) goes
  assert.equal(db.prepare('select id from things where id = ?'), hot);
  assert.notEqual(db.prepare(inList(60)), first, 'the 60-parameter statement was prepared again');
  for (let n = 1; n <= 12; n++) db.prepare(`select ${n} as n`); // more statements than 10: the oldest go
  assert.notEqual(db.prepare('select id from things where id = ?'), hot);
  sqlite.close();
});

test('CamelCaseNames renames rows as CamelCasePlugin does (nested objects, arrays of them, dates and buffers kept)', async () => {
  const when = new Date('2026-01-01T00:00:00Z');
  const row: UnknownRow = {
    volume_id: 'v1', created_at: when, raw_data: Buffer.from('x'), some_json: { inner_key: 1, deeper_list: [{ a_b: 2 }, 3] },
    tag_list: ['x_y', { c_d: 4 }], nothing_here: null,
  };
  const result: QueryResult<UnknownRow> = { rows: [row, { volume_id: 'v2' }] };
  const args = { result, queryId: { queryId: 'q' } };
  const ours = await new CamelCaseNames(false).transformResult(args);
  assert.deepEqual(ours, await new CamelCasePlugin().transformResult(args));
  assert.equal(ours.rows[0]!.createdAt, when, 'a date is passed on, not copied');
  assert.deepEqual(await new CamelCaseNames(true).transformResult(args), result, 'rows the driver already camelCased pass through');
});

test('PostgreSQL reads answer camelCase rows: selectAll, aliases, RETURNING, raw SQL, json renamed as the plugin does, errors', async () => {
  const schema = `flint_rowmap_${process.pid}`;
  const db = await openDatabase({ url: PG_URL, schema, migrate: false });
  const kysely = db.kysely as unknown as Kysely<Db>;
  try {
    await camelCaseRowsOfThings(kysely);
    const updated = await kysely.updateTable('things').set({ sizeGib: 12 }).where('id', '>', 0).executeTakeFirst();
    assert.equal(updated.numUpdatedRows, 2n);
    assert.deepEqual((await sql<{ nOfThings: string }>`select count(*) as n_of_things from things`.execute(kysely)).rows, [{ nOfThings: '2' }]);
    assert.deepEqual((await sql`select json_build_object('inner_key', 1, 'deeper_list', json_build_array(json_build_object('a_b', 2))) as some_json`.execute(kysely)).rows,
      [{ someJson: { innerKey: 1, deeperList: [{ aB: 2 }] } }]);
    assert.deepEqual(await kysely.selectFrom('things').selectAll().where('id', '=', 99).execute(), []);
    await assert.rejects(sql`select no_such_column from things`.execute(kysely), /no_such_column/);
  } finally {
    await db.close();
    await dropSchema(PG_URL, schema);
  }
});
