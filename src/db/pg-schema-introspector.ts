// Kysely's migrator decides whether its two tables exist by introspecting the database, and
// PostgreSQL's stock introspector reads every schema of it, asking has_schema_privilege(name)
// row by row: a schema another deployment or test drops meanwhile makes that call fail
// ("schema … does not exist") and Flint's start-up migration with it. Flint only ever lives in
// its own schema (the connection's search_path), so it looks there and nowhere else.
import { sql, type DatabaseIntrospector, type DatabaseMetadata, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  // The dialect hands over a Kysely of any database; only raw SQL goes through it.
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return r.rows.filter((row) => row.name !== null);
  }

  /** The current schema's tables and views, without columns (the migrator needs only names). */
  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname`.execute(this.db);
    return r.rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
