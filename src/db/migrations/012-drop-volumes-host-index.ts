// Drops `volumes_host` (001): no query reads it. Every query on a volume's host matches a
// prefix of `host@backend#pool` — LIKE 'backend#%' (start-up reconcile, ?host= on the list) or
// substr(host, …) (os-hosts) — and neither engine serves those from a plain index: SQLite's LIKE
// ignores case, so it only uses a NOCASE index; PostgreSQL only under the "C" collation (its
// plan on C.UTF-8 with seq scans disabled: the primary key plus a filter, or a seq scan). The
// index was still written by every create, placement and delete.
import type { Kysely, Migration } from 'kysely';

export const m012DropVolumesHostIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('volumes_host').ifExists().execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.createIndex('volumes_host').on('volumes').column('host').execute();
  },
};
