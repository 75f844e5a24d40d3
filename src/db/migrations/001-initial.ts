// The first schema: volumes, snapshots, types, QoS, attachments, quotas, services,
// backend stats, tasks and user messages.
import type { Kysely, Migration } from 'kysely';

const TABLES = [
  'messages', 'tasks', 'backend_stats', 'services', 'reservations', 'quota_usages', 'quotas', 'attachments',
  'qos_spec_values', 'qos_specs', 'volume_type_projects', 'volume_type_extra_specs', 'volume_types',
  'snapshot_metadata', 'snapshots', 'volume_metadata', 'volumes',
];

export const m001Initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('volumes')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('display_description', 'text')
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('attach_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('volume_type_id', 'varchar(36)')
      .addColumn('host', 'varchar(255)')
      .addColumn('provider_location', 'text')
      .addColumn('provider_auth', 'text')
      .addColumn('provider_id', 'varchar(255)')
      .addColumn('snapshot_id', 'varchar(36)')
      .addColumn('source_volid', 'varchar(36)')
      .addColumn('bootable', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('multiattach', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('migration_status', 'varchar(32)')
      .addColumn('replication_status', 'varchar(32)')
      .addColumn('group_id', 'varchar(36)')
      .addColumn('exported', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('volumes_project_created').on('volumes').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('volumes_host').on('volumes').column('host').execute();

    for (const t of ['volume_metadata', 'snapshot_metadata']) {
      await db.schema
        .createTable(t)
        .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('key', 'varchar(255)', (c) => c.notNull())
        .addColumn('value', 'varchar(255)', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t}_pk`, ['resource_id', 'key'])
        .execute();
    }

    await db.schema
      .createTable('snapshots')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('display_description', 'text')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('progress', 'varchar(8)', (c) => c.notNull())
      .addColumn('volume_size', 'integer', (c) => c.notNull())
      .addColumn('provider_location', 'text')
      .addColumn('provider_id', 'varchar(255)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('snapshots_volume').on('snapshots').column('volume_id').execute();
    await db.schema.createIndex('snapshots_project').on('snapshots').columns(['project_id', 'created_at']).execute();

    await db.schema
      .createTable('volume_types')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('qos_specs_id', 'varchar(36)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('volume_type_extra_specs')
      .addColumn('volume_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('volume_type_extra_specs_pk', ['volume_type_id', 'key'])
      .execute();
    await db.schema
      .createTable('volume_type_projects')
      .addColumn('volume_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('volume_type_projects_pk', ['volume_type_id', 'project_id'])
      .execute();

    await db.schema
      .createTable('qos_specs')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('consumer', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('qos_spec_values')
      .addColumn('qos_specs_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('qos_spec_values_pk', ['qos_specs_id', 'key'])
      .execute();

    await db.schema
      .createTable('attachments')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('volume_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('instance_uuid', 'varchar(36)')
      .addColumn('attached_host', 'varchar(255)')
      .addColumn('mountpoint', 'varchar(255)')
      .addColumn('attach_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('attach_mode', 'varchar(4)', (c) => c.notNull())
      .addColumn('connector', 'text')
      .addColumn('connection_info', 'text')
      .addColumn('attach_time', 'varchar(32)')
      .addColumn('detach_time', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('attachments_volume').on('attachments').column('volume_id').execute();

    await db.schema
      .createTable('quotas')
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(64)', (c) => c.notNull())
      .addColumn('hard_limit', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'resource'])
      .execute();
    await db.schema
      .createTable('quota_usages')
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(64)', (c) => c.notNull())
      .addColumn('in_use', 'integer', (c) => c.notNull())
      .addColumn('reserved', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('quota_usages_pk', ['project_id', 'resource'])
      .execute();
    await db.schema
      .createTable('reservations')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(64)', (c) => c.notNull())
      .addColumn('delta', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('reservations_group').on('reservations').column('group_id').execute();

    await db.schema
      .createTable('services')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('binary', 'varchar(64)', (c) => c.notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('disabled_reason', 'varchar(255)')
      .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('replication_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('active_backend_id', 'varchar(255)')
      .addColumn('last_heartbeat', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('services_binary_host', ['binary', 'host'])
      .execute();

    await db.schema
      .createTable('backend_stats')
      .addColumn('backend_host', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('backend_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('stats', 'text', (c) => c.notNull())
      .addColumn('problems', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tasks')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('queue', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('dedupe_key', 'varchar(255)')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('progress', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('lease_owner', 'varchar(255)')
      .addColumn('lease_expires_at', 'varchar(32)')
      .addColumn('last_error', 'text')
      .addColumn('result', 'text')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tasks_claim').on('tasks').columns(['queue', 'status', 'run_at']).execute();
    await db.schema.createIndex('tasks_resource').on('tasks').columns(['resource_id', 'status']).execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('resource_uuid', 'varchar(36)')
      .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('message_level', 'varchar(16)', (c) => c.notNull())
      .addColumn('user_message', 'text', (c) => c.notNull())
      .addColumn('request_id', 'varchar(64)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('messages_project').on('messages').columns(['project_id', 'created_at']).execute();
  },

  async down(db: Kysely<any>) {
    for (const t of TABLES) await db.schema.dropTable(t).ifExists().execute();
  },
};
