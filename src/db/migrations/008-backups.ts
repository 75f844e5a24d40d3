// Volume backups (Cinder's `backups` table): a row per backup with its status machine, the
// driver's container and service metadata (what a restore needs), the parent of an
// incremental one, and the temporaries a backup of an in-use volume made, so a restart can
// remove them. Backup metadata (3.43) is a key/value table like the volumes'.
import type { Kysely, Migration } from 'kysely';

export const m008Backups: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('backups')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('display_description', 'varchar(255)')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('fail_reason', 'varchar(2000)')
      .addColumn('availability_zone', 'varchar(255)')
      .addColumn('host', 'varchar(255)')
      .addColumn('service', 'varchar(255)')
      .addColumn('container', 'varchar(255)')
      .addColumn('service_metadata', 'text')
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('object_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('parent_id', 'varchar(36)')
      .addColumn('is_incremental', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('num_dependent_backups', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('snapshot_id', 'varchar(36)')
      .addColumn('data_timestamp', 'varchar(32)', (c) => c.notNull())
      .addColumn('temp_volume_id', 'varchar(36)')
      // The temporary clone's provider fields (what the driver needs to remove it after a crash).
      .addColumn('temp_volume_provider', 'text')
      .addColumn('temp_snapshot_id', 'varchar(36)')
      .addColumn('restore_volume_id', 'varchar(36)')
      // The status the source or restore volume goes back to when the backup's work ends.
      .addColumn('previous_volume_status', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('backups_project').on('backups').column('project_id').execute();
    await db.schema.createIndex('backups_volume').on('backups').column('volume_id').execute();
    await db.schema.createIndex('backups_parent').on('backups').column('parent_id').execute();
    await db.schema
      .createTable('backup_metadata')
      .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('backup_metadata_pk', ['resource_id', 'key'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('backup_metadata').execute();
    await db.schema.dropTable('backups').execute();
  },
};
