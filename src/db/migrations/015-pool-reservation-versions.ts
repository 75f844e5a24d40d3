// Each pool's running total (migration 014) also counts the changes to its reservations and
// names the pool's backend, so a scheduler sees whether a backend's reservations moved by
// reading one number per backend instead of every reservation. Its stats poll (every few
// seconds, and at each refusal for room in a burst) read and compared every reservation row:
// 67 ms a poll on SQLite with 20,000 unreported placements over 100 backends.
//
// The version is bumped by the same triggers, on the same row, as the total: no lock is added
// to a placement or a settlement. It only grows (rows are never deleted), so the sum over a
// backend's pools moves whenever any of its reservations is inserted, updated or deleted.
// The table is rebuilt rather than altered: SQLite cannot add a NOT NULL column without a
// default, and the triggers are replaced anyway.
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { m014PoolReservationTotals } from './014-pool-reservation-totals.js';

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

// (pool_host, backend_host, gib) over the changed rows, applied to the totals (rows created as
// needed); every pool touched by the statement counts one more version.
const PG_ADD = (deltas: string) => `
  INSERT INTO pool_reservation_totals AS t (pool_host, backend_host, gib, version)
    SELECT pool_host, min(backend_host), sum(gib), 1 FROM (${deltas}) d GROUP BY pool_host ORDER BY pool_host
    ON CONFLICT (pool_host) DO UPDATE SET gib = t.gib + excluded.gib, version = t.version + 1`;

const PG_TRIGGERS: { event: 'INSERT' | 'UPDATE' | 'DELETE'; tables: string; deltas: string }[] = [
  { event: 'INSERT', tables: 'NEW TABLE AS new_rows', deltas: 'SELECT pool_host, backend_host, size_gib AS gib FROM new_rows' },
  { event: 'UPDATE', tables: 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    deltas: 'SELECT pool_host, backend_host, size_gib AS gib FROM new_rows UNION ALL SELECT pool_host, backend_host, -size_gib FROM old_rows' },
  { event: 'DELETE', tables: 'OLD TABLE AS old_rows', deltas: 'SELECT pool_host, backend_host, -size_gib AS gib FROM old_rows' },
];

// No conflict clause: in a trigger SQLite applies the outer statement's instead (an upsert's fails).
const SQLITE_ADD = (row: 'NEW' | 'OLD', sign: '+' | '-') => `
  INSERT INTO pool_reservation_totals (pool_host, backend_host, gib, version) SELECT ${row}.pool_host, ${row}.backend_host, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM pool_reservation_totals WHERE pool_host = ${row}.pool_host);
  UPDATE pool_reservation_totals SET gib = gib ${sign} ${row}.size_gib, version = version + 1 WHERE pool_host = ${row}.pool_host;`;

// Every UPDATE, not only of pool_host and size_gib as in 014: whatever changes a reservation
// is news for the schedulers' views.
const SQLITE_TRIGGERS: { event: string; body: string }[] = [
  { event: 'INSERT', body: SQLITE_ADD('NEW', '+') },
  { event: 'UPDATE', body: SQLITE_ADD('OLD', '-') + SQLITE_ADD('NEW', '+') },
  { event: 'DELETE', body: SQLITE_ADD('OLD', '-') },
];

// 014's names: its down drops these.
const triggerName = (event: string) => `capacity_reservations_total_${event.toLowerCase()}`;

async function dropTotals(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
    await sql.raw(`DROP TRIGGER IF EXISTS ${triggerName(event)}${postgres ? ' ON capacity_reservations' : ''}`).execute(db);
    if (postgres) await sql.raw(`DROP FUNCTION IF EXISTS ${triggerName(event)}()`).execute(db);
  }
  await db.schema.dropTable('pool_reservation_totals').execute();
}

export const m015PoolReservationVersions: Migration = {
  async up(db: Kysely<any>) {
    await dropTotals(db);
    await db.schema
      .createTable('pool_reservation_totals')
      .addColumn('pool_host', 'varchar(255)', (c) => c.primaryKey())
      // The pool's backend (`host@backend`), as its reservations name it.
      .addColumn('backend_host', 'varchar(255)', (c) => c.notNull())
      // Sum of capacity_reservations.size_gib on the pool (0 once they are all settled).
      .addColumn('gib', 'integer', (c) => c.notNull())
      // Changes to the pool's reservations so far (PostgreSQL: statements; SQLite: rows).
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pool_reservation_totals_backend_idx').on('pool_reservation_totals').column('backend_host').execute();
    await sql`INSERT INTO pool_reservation_totals (pool_host, backend_host, gib, version)
      SELECT pool_host, min(backend_host), sum(size_gib), 1 FROM capacity_reservations GROUP BY pool_host`.execute(db);
    if (isPostgres(db)) {
      for (const t of PG_TRIGGERS) {
        const name = triggerName(t.event);
        await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN ${PG_ADD(t.deltas)}; RETURN NULL; END $$`).execute(db);
        await sql.raw(`CREATE TRIGGER ${name} AFTER ${t.event} ON capacity_reservations
          REFERENCING ${t.tables} FOR EACH STATEMENT EXECUTE FUNCTION ${name}()`).execute(db);
      }
    } else {
      for (const t of SQLITE_TRIGGERS) {
        await sql.raw(`CREATE TRIGGER ${triggerName(t.event)} AFTER ${t.event} ON capacity_reservations
          FOR EACH ROW BEGIN ${t.body} END`).execute(db);
      }
    }
  },
  async down(db: Kysely<any>) {
    await dropTotals(db);
    await m014PoolReservationTotals.up(db);
  },
};
