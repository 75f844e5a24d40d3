// Capacity changes on a pool that the pool's last stats report does not count yet, shared
// by every scheduler process so none hands out room another one took or misses room freed.
// A `placement` row (keyed by the placed resource's id, so a reschedule replaces it) is
// written in the transaction that records the placement and removed by the stats write that
// counts the resource, or when its create ends in failure. A `change` row (a delete frees
// room, an extend or a manage takes some; signed GiB) is written in the transaction that
// finishes the operation and removed by the first stats write sampled after it.
import type { Kysely, Migration } from 'kysely';

export const m009CapacityReservations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('capacity_reservations')
      // A placement: its resource's id; a change: a fresh id.
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      // `placement` or `change`.
      .addColumn('reason', 'varchar(16)', (c) => c.notNull())
      .addColumn('resource_id', 'varchar(36)')
      // `volume` or `share`: the table the resource lives in, the scheduler lane it counts in.
      .addColumn('resource_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('backend_host', 'varchar(255)', (c) => c.notNull())
      .addColumn('pool_host', 'varchar(255)', (c) => c.notNull())
      // GiB taken (negative: freed).
      .addColumn('size_gib', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('capacity_reservations_backend_idx').on('capacity_reservations').column('backend_host').execute();
    await db.schema.createIndex('capacity_reservations_pool_idx').on('capacity_reservations').column('pool_host').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('capacity_reservations').execute();
  },
};
