// Generic volume groups (Cinder 3.11–3.38): group types with their specs, groups with the
// volume types they accept, group snapshots, and the snapshot rows a group snapshot made.
// Seeds Cinder's reserved `default_cgsnapshot_type`, the type the legacy consistency-group
// API maps its groups onto.
import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';

export const DEFAULT_CGSNAPSHOT_TYPE = 'default_cgsnapshot_type';

export const m005Groups: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('group_types')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('group_type_specs')
      .addColumn('group_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_type_specs_pk', ['group_type_id', 'key'])
      .execute();
    await db.schema
      .createTable('groups')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)')
      .addColumn('description', 'text')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('group_type_id', 'varchar(36)', (c) => c.notNull())
      // `host@backend#pool` once placed; every volume of the group lives there.
      .addColumn('host', 'varchar(255)')
      .addColumn('replication_status', 'varchar(32)')
      .addColumn('group_snapshot_id', 'varchar(36)')
      .addColumn('source_group_id', 'varchar(36)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('groups_project').on('groups').column('project_id').execute();
    await db.schema
      .createTable('group_volume_types')
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('volume_type_id', 'varchar(36)', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_volume_types_pk', ['group_id', 'volume_type_id'])
      .execute();
    await db.schema.createIndex('group_volume_types_type').on('group_volume_types').column('volume_type_id').execute();
    await db.schema
      .createTable('group_snapshots')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('group_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)')
      .addColumn('description', 'text')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('group_snapshots_group').on('group_snapshots').column('group_id').execute();
    await db.schema.alterTable('snapshots').addColumn('group_snapshot_id', 'varchar(36)').execute();
    await db.schema.createIndex('volumes_group').on('volumes').column('group_id').execute();
    const id = randomUUID();
    await db.insertInto('group_types').values({
      id, name: DEFAULT_CGSNAPSHOT_TYPE, description: 'Default group type for migrating cgsnapshot', is_public: 1, created_at: new Date().toISOString(),
    }).execute();
    await db.insertInto('group_type_specs').values({ group_type_id: id, key: 'consistent_group_snapshot_enabled', value: '<is> True' }).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('volumes_group').execute();
    await db.schema.alterTable('snapshots').dropColumn('group_snapshot_id').execute();
    for (const t of ['group_snapshots', 'group_volume_types', 'groups', 'group_type_specs', 'group_types']) await db.schema.dropTable(t).execute();
  },
};
