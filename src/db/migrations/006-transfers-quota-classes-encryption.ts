// Volume transfers (an offer of a volume to another project, accepted with a hashed auth key),
// quota classes (the `default` class overrides the configured default limits), volume type
// encryption specs, and the image metadata a volume carries (Cinder's volume_glance_metadata).
import type { Kysely, Migration } from 'kysely';

export const m006TransfersQuotaClassesEncryption: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('transfers')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('salt', 'varchar(255)', (c) => c.notNull())
      .addColumn('crypt_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('no_snapshots', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('source_project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('destination_project_id', 'varchar(255)')
      .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('transfers_volume').on('transfers').column('volume_id').execute();
    await db.schema.createIndex('transfers_source_project').on('transfers').columns(['source_project_id', 'created_at']).execute();

    await db.schema
      .createTable('quota_classes')
      .addColumn('class_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(64)', (c) => c.notNull())
      .addColumn('hard_limit', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('quota_classes_pk', ['class_name', 'resource'])
      .execute();

    await db.schema
      .createTable('volume_type_encryption')
      .addColumn('volume_type_id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('encryption_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('provider', 'varchar(255)', (c) => c.notNull())
      .addColumn('control_location', 'varchar(16)', (c) => c.notNull())
      .addColumn('cipher', 'varchar(255)')
      .addColumn('key_size', 'integer')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)')
      .execute();

    await db.schema
      .createTable('volume_image_metadata')
      .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('volume_image_metadata_pk', ['resource_id', 'key'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['volume_image_metadata', 'volume_type_encryption', 'quota_classes', 'transfers']) await db.schema.dropTable(t).ifExists().execute();
  },
};
