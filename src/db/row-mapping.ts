// How result rows get their camelCase keys. Kysely's CamelCasePlugin builds every row twice
// (the driver's object, then a renamed copy through reduce); a page of 1,000 volumes spent more
// time there than in SQLite. Here rows are built once, already camelCased, from the driver's raw
// arrays: SQLite's statements and PostgreSQL's queries alike.
import type SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin, type PluginTransformResultArgs, type PostgresPool, type PostgresPoolClient, type QueryResult,
  type SqliteDatabase as SqliteDialectDatabase, type SqliteStatement, type UnknownRow,
} from 'kysely';
import type pg from 'pg';

/**
 * CamelCasePlugin's names in queries (camelCase in TypeScript, snake_case in SQL), with a
 * cheaper rename of result rows. `rowsAreCamelCase`: the driver already returns camelCase keys
 * (`camelCaseStatements`, `camelCasePool`), so rows pass through untouched.
 */
export class CamelCaseNames extends CamelCasePlugin {
  constructor(private readonly rowsAreCamelCase: boolean) {
    super();
  }

  /** The camelCase name of a snake_case column (memoized by the plugin). */
  columnName(snake: string): string {
    return this.camelCase(snake);
  }

  override async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const rows = args.result.rows;
    if (this.rowsAreCamelCase || !Array.isArray(rows) || rows.length === 0) return args.result;
    const mapped = new Array<UnknownRow>(rows.length);
    for (let i = 0; i < rows.length; i++) mapped[i] = this.mapRow(rows[i]!);
    return { ...args.result, rows: mapped };
  }

  // Same result as the plugin's own (nested plain objects and arrays of them renamed too).
  override mapRow(row: UnknownRow): UnknownRow {
    const out: UnknownRow = {};
    for (const key in row) {
      let value = row[key];
      if (Array.isArray(value)) value = value.map((it) => (isPlainObject(it) ? this.mapRow(it) : it));
      else if (isPlainObject(value)) value = this.mapRow(value);
      out[this.camelCase(key)] = value;
    }
    return out;
  }
}

function isPlainObject(v: unknown): v is UnknownRow {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

type RowBuilder = (values: unknown[]) => UnknownRow;

/**
 * A function that turns one raw row (an array in column order) into an object literal with
 * the given keys: every row of a statement gets the same shape, built in one step. Keys are
 * embedded as JSON string literals, so any column name is safe.
 */
function rowBuilder(keys: string[]): RowBuilder {
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', `return { ${fields} };`) as RowBuilder;
}

/**
 * A read statement answering camelCase row objects. better-sqlite3 builds each row object key
 * by key in native code; reading raw arrays and building the objects here costs a third of that.
 * The builder follows the statement's columns: a statement SQLite re-prepared after a schema
 * change may have other columns (checked by count; DDL runs only in migrations).
 */
class CamelCaseReader implements SqliteStatement {
  readonly reader = true;
  private keys: string[] | null = null;
  private build: RowBuilder | null = null;

  constructor(private readonly stmt: SqliteDatabase.Statement, private readonly name: (snake: string) => string) {
    stmt.raw(true);
  }

  /** SQLite's word on whether the statement writes (`UPDATE … RETURNING` reads rows and writes). */
  get readonly(): boolean {
    return this.stmt.readonly;
  }

  private builderFor(width: number): RowBuilder {
    if (this.build === null || this.keys!.length !== width) {
      this.keys = this.stmt.columns().map((c) => this.name(c.name));
      this.build = rowBuilder(this.keys);
    }
    return this.build;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    const raw = this.stmt.all(parameters) as unknown[][];
    if (raw.length === 0) return raw;
    const build = this.builderFor(raw[0]!.length);
    const rows = new Array<UnknownRow>(raw.length);
    for (let i = 0; i < raw.length; i++) rows[i] = build(raw[i]!);
    return rows;
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    for (const values of this.stmt.iterate(parameters) as IterableIterator<unknown[]>) yield this.builderFor(values.length)(values);
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(parameters);
  }
}

/**
 * The database handle Kysely's SQLite dialect uses: prepared statements are kept (Kysely
 * prepares every query anew; preparing costs more than running most of Flint's queries, and
 * the same few hundred SQL texts repeat), and reads answer camelCase rows.
 *
 * The kept statements are bounded by count and by the parameters they hold together, least
 * recently used first out: a statement's memory grows with its parameters (an IN list of 1,000
 * ids holds about 0.2 MB in SQLite, 1,000 such statements 88 MB). A statement let go frees its
 * memory only when V8 collects it; IN lists padded to a few lengths (in-list-lengths.ts) keep
 * the texts few in the first place.
 */
export function camelCaseStatements(sqlite: SqliteDatabase.Database, name: (snake: string) => string, maxStatements = 1000, maxParameters = 20_000): SqliteDialectDatabase {
  const kept = new Map<string, { stmt: SqliteStatement; parameters: number }>();
  let parameters = 0;
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      const hit = kept.get(text);
      if (hit) {
        // Most recently used last: Map order is the eviction order.
        kept.delete(text);
        kept.set(text, hit);
        return hit.stmt;
      }
      const prepared = sqlite.prepare(text);
      const entry = { stmt: prepared.reader ? new CamelCaseReader(prepared, name) : prepared, parameters: parameterCount(text) };
      kept.set(text, entry);
      parameters += entry.parameters;
      for (const [oldest, e] of kept) {
        if (kept.size <= maxStatements && parameters <= maxParameters) break;
        if (oldest === text) break;
        kept.delete(oldest);
        parameters -= e.parameters;
      }
      return entry.stmt;
    },
  };
}

/** `?` placeholders in a statement Kysely compiled (it writes values only as parameters). */
function parameterCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('?'); i !== -1; i = text.indexOf('?', i + 1)) n++;
  return n;
}

/** PostgreSQL json, jsonb and their arrays: values that come out as objects, whose keys the plugin renames too. */
const JSON_TYPE_IDS = new Set([114, 3802, 199, 3807]);

/**
 * The pool Kysely's PostgreSQL dialect uses: every query asks pg for rows as arrays and builds
 * the camelCase objects in one step, as SQLite's reader does (pg's object per row, then a renamed
 * copy key by key, was twice the allocation of a 1,000-volume page). Queries go through pg's
 * callback form: through its promise form about 0.6 MB of every such page reached V8's old
 * generation (measured, cause not pinned down), and the API's RSS swung by 100 MB between full
 * collections. A result with json columns is renamed the plugin's way, nested keys included.
 */
export function camelCasePool(pool: pg.Pool, names: CamelCaseNames, max = 1000): PostgresPool {
  const builders = new Map<string, RowBuilder>();
  const builderFor = (fields: pg.FieldDef[]): RowBuilder => {
    const key = fields.map((f) => f.name).join('\0');
    let build = builders.get(key);
    if (!build) {
      if (builders.size >= max) builders.clear();
      build = rowBuilder(fields.map((f) => names.columnName(f.name)));
      builders.set(key, build);
    }
    return build;
  };
  const toObjects = (r: pg.QueryResult<unknown[]>): UnknownRow[] => {
    if (r.rows.length === 0) return [];
    const build = builderFor(r.fields);
    const rows = new Array<UnknownRow>(r.rows.length);
    for (let i = 0; i < r.rows.length; i++) rows[i] = build(r.rows[i]!);
    return r.fields.some((f) => JSON_TYPE_IDS.has(f.dataTypeID)) ? rows.map((row) => names.mapRow(row)) : rows;
  };
  // One wrapper per pg client: the dialect keeps its connection object per client it is given.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((sqlOrCursor: string | object, parameters?: ReadonlyArray<unknown>) => {
      // A cursor (streaming) passes through; Flint configures none.
      if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never);
      return new Promise<unknown>((resolve, reject) => {
        client.query<unknown[]>({ text: sqlOrCursor, values: parameters as unknown[], rowMode: 'array' }, (err, r) => {
          if (err) return reject(err);
          // Several statements in one text answer several results; the dialect reads rows of one only, as before.
          resolve(Array.isArray(r) ? r : { command: r.command, rowCount: r.rowCount, rows: toObjects(r) });
        });
      });
    }) as PostgresPoolClient['query'],
    release: () => client.release(),
  });
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrappers.get(client);
      if (!w) wrappers.set(client, (w = wrap(client)));
      return w;
    },
    end: () => pool.end(),
  };
}
