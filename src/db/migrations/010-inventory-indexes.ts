// Indexes for large inventories (100,000 volumes over 1,000 projects), each one a query whose
// plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) was a full scan of `volumes`
// followed by a sort of every row, to answer one page. The tie-breaker `id` closes every index
// so the keyset page (… ORDER BY key, id LIMIT n) reads the index in order and stops early.
import type { Kysely, Migration } from 'kysely';

const INDEXES: { name: string; columns: string[] }[] = [
  // Admin list over all projects (all_tenants), default sort created_at desc, and sort=created_at.
  { name: 'volumes_created', columns: ['created_at', 'id'] },
  // Admin list filtered by status (?all_tenants&status=error), in the default order.
  { name: 'volumes_status_created', columns: ['status', 'created_at', 'id'] },
  // One project's list filtered by status: with only the index above the planner (SQLite has no
  // statistics) walks every volume in that status of every project to find one project's.
  { name: 'volumes_project_status_created', columns: ['project_id', 'status', 'created_at', 'id'] },
  // ?name= (the clients resolve a volume name through it), in a project or over all of them.
  { name: 'volumes_display_name', columns: ['display_name'] },
  // Admin list sorted by size (sort=size:asc|desc).
  { name: 'volumes_size', columns: ['size', 'id'] },
];

export const m010InventoryIndexes: Migration = {
  async up(db: Kysely<any>) {
    for (const i of INDEXES) await db.schema.createIndex(i.name).on('volumes').columns(i.columns).execute();
  },
  async down(db: Kysely<any>) {
    for (const i of INDEXES) await db.schema.dropIndex(i.name).ifExists().execute();
  },
};
