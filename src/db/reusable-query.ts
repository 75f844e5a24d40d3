// Kysely builds a query's tree, renames it (the camelCase plugin) and compiles it to SQL on
// every call: about 15 µs a statement, more than SQLite takes to run most of them. For the few
// statements on hot paths (a volume create built six of its eight), the SQL depends only on the query's
// shape (which columns, how many rows, how many names in a list), so it is built once per shape
// and later calls only bind their values.
//
// The builder is given stand-ins for the values: unique marker strings in the same structure
// (objects with the same keys, arrays of the same lengths). The compiled parameters say which
// marker went where; a later call with the same structure puts its own values in those places.
// The builder must therefore use the values only as values (inserted, compared with `=` or
// `in`), never look at them: anything that changes the SQL goes in `shape`. Every call of a
// shape runs the same compiled query (one query id): plugins must not keep per-query state by
// id, and Flint's (row-mapping.ts) keep none.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';
import type { Tx } from './transaction.js';

/** How to get a compiled parameter's value from a call's values (a constant of the builder ignores them). */
type Source = (values: unknown) => unknown;

interface Compiled<R> {
  query: CompiledQuery<R>;
  sources: Source[];
}

const MARKER = '\u0000flint-value:';

/** Copies `values` with each leaf replaced by a marker, noting each marker's path. */
function standIns(values: unknown, path: (string | number)[], paths: Map<string, readonly (string | number)[]>): unknown {
  if (Array.isArray(values)) return values.map((v, i) => standIns(v, [...path, i], paths));
  if (isPlainObject(values)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(values)) out[k] = standIns(values[k], [...path, k], paths);
    return out;
  }
  // An absent value stays absent (Kysely leaves such a column out of an insert): part of the shape.
  if (values === undefined) return undefined;
  const marker = `${MARKER}${paths.size}\u0000`;
  paths.set(marker, path);
  return marker;
}

/** The structure of `values`: keys, array lengths and which values are absent, not the values. */
function structureKey(values: unknown): string {
  if (Array.isArray(values)) {
    let key = `[${values.length}`;
    for (let i = 0; i < values.length; i++) key += structureKey(values[i]);
    return `${key}]`;
  }
  if (isPlainObject(values)) {
    let key = '{';
    for (const k in values) key += `${k}:${structureKey(values[k])}`;
    return `${key}}`;
  }
  return values === undefined ? 'u' : '.';
}

function accessor(path: readonly (string | number)[]): Source {
  type Node = Record<string | number, unknown>;
  if (path.length === 1) {
    const [a] = path as [string | number];
    return (v) => (v as Node)[a];
  }
  if (path.length === 2) {
    const [a, b] = path as [string | number, string | number];
    return (v) => ((v as Node)[a] as Node)[b];
  }
  return (v) => path.reduce<unknown>((node, p) => (node as Node)[p], v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A statement built and compiled once per shape. `build` receives the database handle (only
 * to start the query: the statement runs on the `tx` given to `execute`), stand-ins for the
 * values and the shape. Rows come back through the plugins as with any Kysely query.
 */
export class ReusableQuery<V, R, S extends string = string> {
  private readonly compiled = new Map<string, Compiled<R>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly build: (db: Kysely<Database>, values: V, shape: S) => Compilable<R>,
  ) {}

  async execute(tx: Tx, values: V, shape: S = '' as S): Promise<QueryResult<R>> {
    const key = `${shape}|${structureKey(values)}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = this.compile(values, shape);
      this.compiled.set(key, c);
    }
    const parameters = c.sources.map((source) => source(values));
    return tx.executeQuery({ ...c.query, parameters });
  }

  private compile(values: V, shape: S): Compiled<R> {
    const paths = new Map<string, readonly (string | number)[]>();
    const query = this.build(this.db, standIns(values, [], paths) as V, shape).compile();
    if (query.sql.includes(MARKER)) throw new Error(`A value was written into the SQL text of a reusable query, not bound: ${query.sql}`);
    const bound = new Set<unknown>();
    const sources = query.parameters.map((p): Source => {
      // One array parameter holding several values (PostgreSQL's long IN lists, pg-long-in-lists.ts).
      if (Array.isArray(p) && p.length > 0 && p.every((e) => typeof e === 'string' && paths.has(e))) {
        const parts = p.map((m: string) => accessor(paths.get(m)!));
        for (const m of p) bound.add(m);
        return (v) => parts.map((part) => part(v));
      }
      bound.add(p);
      const path = typeof p === 'string' ? paths.get(p) : undefined;
      if (path) return accessor(path);
      if (typeof p === 'string' && p.includes(MARKER)) throw new Error(`A reusable query bound a value it had changed: ${query.sql}`);
      return () => p;
    });
    const unused = [...paths.keys()].filter((m) => !bound.has(m));
    if (unused.length > 0) throw new Error(`A reusable query did not bind ${unused.length} of its values (a value the builder looked at, or dropped): ${query.sql}`);
    return { query, sources };
  }
}

/**
 * A ReusableQuery for code given only where to run (`tx`), not the database: one per Kysely
 * instance, found through the adapter that instance shares with its transactions, and built with
 * the first handle seen (building only compiles). A handle with other plugins (withPlugin, which
 * Flint does not use) would compile other SQL, so it gets a query of its own.
 */
export class SharedReusableQuery<V, R, S extends string = string> {
  private readonly byAdapter = new WeakMap<object, { plugins: readonly unknown[]; query: ReusableQuery<V, R, S> }[]>();

  constructor(private readonly build: (db: Kysely<Database>, values: V, shape: S) => Compilable<R>) {}

  execute(tx: Tx, values: V, shape?: S): Promise<QueryResult<R>> {
    const executor = tx.getExecutor();
    let entries = this.byAdapter.get(executor.adapter);
    if (!entries) {
      entries = [];
      this.byAdapter.set(executor.adapter, entries);
    }
    const { plugins } = executor;
    let entry = entries.find((e) => e.plugins.length === plugins.length && e.plugins.every((p, i) => p === plugins[i]));
    if (!entry) {
      entry = { plugins, query: new ReusableQuery(tx, this.build) };
      entries.push(entry);
    }
    return entry.query.execute(tx, values, shape);
  }
}
