// PostgreSQL: Flint's introspection (what the migrator asks before it migrates) sees its own
// schema only, so another schema of the same database, dropped at any moment by someone else,
// cannot fail Flint's start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { dropSchema, openDatabase } from './database.js';

const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

test('introspection lists the tables of Flint\'s schema and of no other (postgresql)', async () => {
  const mine = `flint_introspect_${process.pid}`;
  const other = `flint_introspect_other_${process.pid}`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  await pool.query(`CREATE SCHEMA ${other}`);
  await pool.query(`CREATE TABLE ${other}.kysely_migration (name text)`);
  await pool.query(`CREATE TABLE ${other}.elsewhere (id int)`);
  const db = await openDatabase({ url: PG_URL, schema: mine });
  try {
    const tables = await db.kysely.introspection.getTables({ withInternalKyselyTables: true });
    assert.ok(tables.length > 10, `${tables.length} tables`);
    assert.deepEqual([...new Set(tables.map((t) => t.schema))], [mine]);
    assert.ok(tables.some((t) => t.name === 'volumes'));
    assert.ok(tables.some((t) => t.name === 'kysely_migration'));
    assert.ok(!tables.some((t) => t.name === 'elsewhere'));
    assert.deepEqual(await db.kysely.introspection.getSchemas(), [{ name: mine }]);
    // With the other schema gone, Flint migrates and opens as before.
    await pool.query(`DROP SCHEMA ${other} CASCADE`);
    await db.close();
    const again = await openDatabase({ url: PG_URL, schema: mine });
    await again.close();
  } finally {
    await db.close().catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
    await pool.end();
    await dropSchema(PG_URL, mine);
  }
});
