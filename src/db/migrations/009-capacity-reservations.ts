// Capacity a placement took on a pool that the pool's last stats report does not count yet.
// One row per resource being placed (its id is the key, so a reschedule replaces the row),
// written in the transaction that records the placement and removed in the transaction that
// writes the stats report counting the resource, or that ends its create in failure. Every
// scheduler process reads the same rows, so none of them hands out room another one took.
import type { Kysely, Migration } from 'kysely';

export const m009CapacityReservations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('capacity_reservations')
      .addColumn('resource_id', 'varchar(36)', (c) => c.primaryKey())
      // `volume` or `share`: the table the resource lives in.
      .addColumn('resource_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('backend_host', 'varchar(255)', (c) => c.notNull())
      .addColumn('pool_host', 'varchar(255)', (c) => c.notNull())
      .addColumn('size_gib', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('capacity_reservations_backend_idx').on('capacity_reservations').column('backend_host').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('capacity_reservations').execute();
  },
};
