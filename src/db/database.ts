// Opens Flint's database: SQLite by default (one file under ./var), PostgreSQL when the
// URL says so; runs the migrations; exposes the dialect for the few places that differ.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider, type SqliteDatabase as SqliteDialectDatabase } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { ConfigError } from '../errors/errors.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `sqlite:PATH`, a plain path, `:memory:`, or `postgres://…` */
  url: string;
  /** PostgreSQL schema to use (created if missing); isolates test runs. */
  schema?: string;
  /** Bring the schema up to date (default). `false` opens as it is, for read-only checks. */
  migrate?: boolean;
}

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const { url } = opts;
  let db: Db;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const schema = opts.schema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new ConfigError(`Invalid PostgreSQL schema name '${schema}'.`);
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
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
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
    db = { kysely, dialect: 'postgres', close: () => kysely.destroy() };
  } else {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [new CamelCasePlugin()] });
    db = { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  }
  if (opts.migrate !== false) await migrate(db);
  return db;
}

/**
 * Kysely prepares every query anew; preparing costs more than running most of Flint's
 * queries, and the same few hundred SQL texts repeat, so prepared statements are kept.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, max = 1000): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        if (cache.size >= max) cache.clear();
        stmt = sqlite.prepare(text);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
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
