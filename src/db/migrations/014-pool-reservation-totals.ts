// Each pool's reserved GiB as a running total, so a placement's room check reads one row
// instead of summing every reservation on the pool. Reservations pile up between two stats
// reports, so summing them made each placement of a burst cost more than the last: per
// placement, SQLite's CPU went from 0.21 ms (none unreported on the pool) to 0.51 ms (2,000)
// and 1.5 ms (20,000); PostgreSQL's server CPU from 0.45 to 0.63 and 2.6 ms. With the total:
// about 0.2 ms and 0.5 ms whatever the count. (A covering index only cut SQLite's per-row cost;
// PostgreSQL's planner kept the plain index scan, a burst's rows being too new to be all-visible.)
//
// Triggers keep the total, in the transaction that changes the reservations: it is exact
// whichever statement writes them (placements and their upserts, changes, a report's
// settlement), and costs no round trip. PostgreSQL's are per statement, with transition
// tables, so a report settling thousands of reservations updates each pool's row once;
// SQLite's are per row (it has no other kind; a row update there is in place).
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

// pool_host -> delta over the changed rows, applied to the totals (rows created as needed).
const PG_ADD = (deltas: string) => `
  INSERT INTO pool_reservation_totals AS t (pool_host, gib)
    SELECT pool_host, sum(gib) FROM (${deltas}) d GROUP BY pool_host ORDER BY pool_host
    ON CONFLICT (pool_host) DO UPDATE SET gib = t.gib + excluded.gib`;

const PG_TRIGGERS: { event: 'INSERT' | 'UPDATE' | 'DELETE'; tables: string; deltas: string }[] = [
  { event: 'INSERT', tables: 'NEW TABLE AS new_rows', deltas: 'SELECT pool_host, size_gib AS gib FROM new_rows' },
  { event: 'UPDATE', tables: 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    deltas: 'SELECT pool_host, size_gib AS gib FROM new_rows UNION ALL SELECT pool_host, -size_gib FROM old_rows' },
  { event: 'DELETE', tables: 'OLD TABLE AS old_rows', deltas: 'SELECT pool_host, -size_gib AS gib FROM old_rows' },
];

// No conflict clause: in a trigger SQLite applies the outer statement's instead (an upsert's fails).
const SQLITE_ADD = (row: 'NEW' | 'OLD', sign: '+' | '-') => `
  INSERT INTO pool_reservation_totals (pool_host, gib) SELECT ${row}.pool_host, 0
    WHERE NOT EXISTS (SELECT 1 FROM pool_reservation_totals WHERE pool_host = ${row}.pool_host);
  UPDATE pool_reservation_totals SET gib = gib ${sign} ${row}.size_gib WHERE pool_host = ${row}.pool_host;`;

const SQLITE_TRIGGERS: { event: string; body: string }[] = [
  { event: 'INSERT', body: SQLITE_ADD('NEW', '+') },
  { event: 'UPDATE OF pool_host, size_gib', body: SQLITE_ADD('OLD', '-') + SQLITE_ADD('NEW', '+') },
  { event: 'DELETE', body: SQLITE_ADD('OLD', '-') },
];

const triggerName = (event: string) => `capacity_reservations_total_${event.split(' ')[0]!.toLowerCase()}`;

export const m014PoolReservationTotals: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('pool_reservation_totals')
      .addColumn('pool_host', 'varchar(255)', (c) => c.primaryKey())
      // Sum of capacity_reservations.size_gib on the pool (0 once they are all settled).
      .addColumn('gib', 'integer', (c) => c.notNull())
      .execute();
    await sql`INSERT INTO pool_reservation_totals (pool_host, gib)
      SELECT pool_host, sum(size_gib) FROM capacity_reservations GROUP BY pool_host`.execute(db);
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
    const postgres = isPostgres(db);
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      await sql.raw(`DROP TRIGGER IF EXISTS ${triggerName(event)}${postgres ? ' ON capacity_reservations' : ''}`).execute(db);
      if (postgres) await sql.raw(`DROP FUNCTION IF EXISTS ${triggerName(event)}()`).execute(db);
    }
    await db.schema.dropTable('pool_reservation_totals').execute();
  },
};
