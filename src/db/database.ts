// Opens Flint's database: SQLite by default (one file under ./var), PostgreSQL when the
// URL says so; runs the migrations; exposes the dialect for the few places that differ.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type DatabaseIntrospector, type LogEvent, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { camelCasePool, camelCaseStatements, CamelCaseNames } from './row-mapping.js';
import { InListLengths } from './in-list-lengths.js';
import { PgLongInLists } from './pg-long-in-lists.js';
import { CurrentSchemaIntrospector } from './pg-schema-introspector.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { ConfigError } from '../errors/errors.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
  /**
   * Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY), absent on SQLite where every worker is in
   * one process. `publish` sends after the caller's commit; `subscribe` delivers every payload
   * published on this database and schema exactly once: this handle's own at once, from `publish`,
   * and other handles' (other processes) through NOTIFY.
   */
  signals?: Signals;
  /** Every SQL statement this handle sent (transaction control and wake-ups included), for benches and tests. */
  statements: StatementCounter;
}

/**
 * Counts statements sent to the database: each is one round trip on PostgreSQL and one
 * step of SQLite's single writer, so the count is what a request costs, independent of load.
 */
export class StatementCounter {
  count = 0;
  /** When set, the text of each statement is appended (a test's failure message shows them). */
  trace: string[] | null = null;

  record(text: string): void {
    this.count++;
    this.trace?.push(text);
  }

  /** Statements sent while `fn` ran (every caller's, so run it alone to attribute them). */
  async during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const before = this.count;
    const result = await fn();
    return { result, statements: this.count - before };
  }
}

export interface Signals {
  publish(payload: string): void;
  subscribe(onPayload: (payload: string) => void): () => void;
  /** Resolves once the listener is connected (wake-ups sent before that are lost to polling). */
  ready(): Promise<void>;
}

export interface OpenOptions {
  /** `sqlite:PATH`, a plain path, `:memory:`, or `postgres://…` */
  url: string;
  /** PostgreSQL schema to use (created if missing); isolates test runs. */
  schema?: string;
  /** Bring the schema up to date (default). `false` opens as it is, for read-only checks. */
  migrate?: boolean;
  /** PostgreSQL: connections the pool may hold (default 10). SQLite has one. */
  maxConnections?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const { url } = opts;
  const statements = new StatementCounter();
  let db: Db;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const schema = opts.schema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new ConfigError(`Invalid PostgreSQL schema name '${schema}'.`);
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    if (schema) {
      const c = await pool.connect();
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        c.release();
      }
    }
    // Rows come out of the queries camelCased, as on SQLite.
    const names = new CamelCaseNames(true);
    const kysely = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool: camelCasePool(pool, names) }), plugins: [names, new PgLongInLists()], log: countInto(statements) });
    const signals = new PgSignals(url, pool, `flint_${schema ?? 'public'}`, statements);
    db = { kysely, dialect: 'postgres', signals, statements, close: async () => { await signals.close(); await kysely.destroy(); } };
  } else {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    // Rows come out of the statements camelCased: the plugin renames only what the queries name.
    const names = new CamelCaseNames(true);
    const statementsOf = camelCaseStatements(sqlite, (snake) => names.columnName(snake));
    // A file's WAL is checkpointed off the event loop; `:memory:` has no WAL.
    const checkpointer = path === ':memory:' ? null : new WalCheckpointer(sqlite, path);
    const database = checkpointer ? checkpointer.countWrites(statementsOf) : statementsOf;
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }), plugins: [names, new InListLengths()], log: countInto(statements) });
    const close = async () => {
      await checkpointer?.close();
      await kysely.destroy();
    };
    db = { kysely, dialect: 'sqlite', statements, close };
  }
  if (opts.migrate !== false) await migrate(db);
  return db;
}

/** PostgreSQL whose introspection (the migrator's "does my table exist") sees only Flint's schema. */
class SchemaScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

/** Kysely's log hook sees every query and error, transaction control included. */
function countInto(counter: StatementCounter): (event: LogEvent) => void {
  return (event) => counter.record(event.query.sql);
}

/**
 * LISTEN/NOTIFY on one channel per schema (deployments and test schemas sharing a database do
 * not wake each other). One dedicated connection listens, opened at the first subscriber and
 * reopened after it drops; notifications lost while it was down are what the pollers are for.
 *
 * PostgreSQL sends a notification to every listener, the sender's own included. That echo would
 * wake this process's workers a second time for work they were already woken for, and each
 * wake-up is a task claim (four statements, empty): so `publish` wakes the local subscribers
 * itself and tags the notification with this handle's id, and the listener drops its own.
 */
class PgSignals implements Signals {
  private listener: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly subscribers = new Set<(payload: string) => void>();
  private closed = false;
  /** Tags this handle's notifications (`<id> <payload>`), so its listener knows its own. */
  private readonly instanceId = randomBytes(8).toString('hex');

  constructor(private readonly url: string, private readonly pool: pg.Pool, private readonly channel: string, private readonly statements: StatementCounter) {}

  publish(payload: string): void {
    this.deliver(payload);
    if (this.closed) return;
    this.statements.record('select pg_notify($1, $2)');
    // Fire and forget: a lost wake-up costs one poll interval, never correctness.
    this.pool.query('select pg_notify($1, $2)', [this.channel, `${this.instanceId} ${payload}`]).catch(() => undefined);
  }

  private deliver(payload: string): void {
    for (const s of this.subscribers) s(payload);
  }

  /** A notification's payload, or null for this handle's own (already delivered by `publish`). */
  private fromOthers(notification: string): string | null {
    const space = notification.indexOf(' ');
    // Untagged: sent by a Flint from before the tags (a rolling upgrade); deliver it as it is.
    if (space < 0) return notification;
    return notification.slice(0, space) === this.instanceId ? null : notification.slice(space + 1);
  }

  subscribe(onPayload: (payload: string) => void): () => void {
    this.subscribers.add(onPayload);
    void this.ensureListening();
    return () => this.subscribers.delete(onPayload);
  }

  ready(): Promise<void> {
    return this.ensureListening();
  }

  private ensureListening(): Promise<void> {
    if (this.listener || this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (n) => {
        if (n.channel !== this.channel || n.payload === undefined) return;
        const payload = this.fromOthers(n.payload);
        if (payload !== null) this.deliver(payload);
      });
      client.on('error', () => {
        this.listener = null;
        void client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void this.ensureListening(), 1000).unref();
      });
      try {
        await client.connect();
        await client.query(`LISTEN "${this.channel}"`);
        if (this.closed) await client.end();
        else this.listener = client;
      } catch {
        await client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void this.ensureListening(), 1000).unref();
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

async function migratorFor(db: Db): Promise<Migrator> {
  // Kysely's migrator, given no schema, takes a kysely_migration table in ANY schema of the
  // database for its own, skips creating it, then fails ("relation kysely_migration_lock does
  // not exist") whenever another Flint schema (a parallel test, a second deployment) exists.
  const migrationTableSchema = db.dialect === 'postgres'
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely)).rows[0]?.schema
    : undefined;
  return new Migrator({ db: db.kysely, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
}

/** Names of the migrations this build has that the database has not run. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await (await migratorFor(db)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function migrate(db: Db): Promise<void> {
  const migrator = await migratorFor(db);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new ConfigError(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Drops a PostgreSQL test schema. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}

export { sql };
