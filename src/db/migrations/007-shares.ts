// The share service's tables (Manila's model): shares with their export locations, metadata,
// snapshots and access rules (with rule metadata), share types with extra specs and project
// access, share networks and share servers, and the share quotas kept apart from the volume
// quotas (Manila's `gigabytes` and `snapshots` are not Cinder's). backend_stats learns which
// kind of service reported a row, so the scheduler never places a volume on a share backend.
import { sql, type Kysely, type Migration } from 'kysely';

const KV_TABLES = ['share_metadata', 'share_access_rule_metadata', 'share_snapshot_metadata'];

export const m007Shares: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('shares')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('display_description', 'text')
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('share_proto', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('access_rules_status', 'varchar(32)', (c) => c.notNull())
      .addColumn('task_state', 'varchar(64)')
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('share_type_id', 'varchar(36)')
      .addColumn('host', 'varchar(255)')
      .addColumn('provider_location', 'text')
      .addColumn('snapshot_id', 'varchar(36)')
      .addColumn('share_network_id', 'varchar(36)')
      .addColumn('share_server_id', 'varchar(36)')
      // Manila shows one share instance per share (no replicas here); it has its own id.
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_soft_deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('scheduled_to_be_deleted_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('shares_project_created').on('shares').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('shares_host').on('shares').column('host').execute();
    await db.schema.createIndex('shares_instance').on('shares').column('instance_id').unique().execute();

    for (const t of KV_TABLES) {
      await db.schema
        .createTable(t)
        .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('key', 'varchar(255)', (c) => c.notNull())
        .addColumn('value', 'varchar(1023)', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t}_pk`, ['resource_id', 'key'])
        .execute();
    }

    await db.schema
      .createTable('share_export_locations')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('share_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('is_admin_only', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('preferred', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('share_export_locations_share').on('share_export_locations').column('share_id').execute();

    await db.schema
      .createTable('share_snapshots')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('share_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(255)')
      .addColumn('display_description', 'text')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('progress', 'varchar(8)', (c) => c.notNull())
      .addColumn('share_size', 'integer', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('share_proto', 'varchar(16)', (c) => c.notNull())
      .addColumn('provider_location', 'text')
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('share_snapshots_share').on('share_snapshots').column('share_id').execute();
    await db.schema.createIndex('share_snapshots_project').on('share_snapshots').columns(['project_id', 'created_at']).execute();

    await db.schema
      .createTable('share_access_rules')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('share_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('access_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('access_to', 'varchar(255)', (c) => c.notNull())
      .addColumn('access_level', 'varchar(4)', (c) => c.notNull())
      .addColumn('state', 'varchar(32)', (c) => c.notNull())
      .addColumn('access_key', 'varchar(255)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      // Manila refuses a second rule for the same client on one share.
      .addUniqueConstraint('share_access_rules_unique', ['share_id', 'access_type', 'access_to'])
      .execute();

    await db.schema
      .createTable('share_types')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('share_type_extra_specs')
      .addColumn('share_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('value', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('share_type_extra_specs_pk', ['share_type_id', 'key'])
      .execute();
    await db.schema
      .createTable('share_type_projects')
      .addColumn('share_type_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('share_type_projects_pk', ['share_type_id', 'project_id'])
      .execute();

    await db.schema
      .createTable('share_networks')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)')
      .addColumn('description', 'text')
      .addColumn('neutron_net_id', 'varchar(36)')
      .addColumn('neutron_subnet_id', 'varchar(36)')
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('share_servers')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('share_network_id', 'varchar(36)')
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('backend_details', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('share_servers_network_host').on('share_servers').columns(['share_network_id', 'host']).execute();

    // The share quotas: the same shape as quotas/quota_usages/reservations (one QuotaEngine serves both).
    await db.schema
      .createTable('share_quotas')
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(255)', (c) => c.notNull())
      .addColumn('hard_limit', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('share_quotas_pk', ['project_id', 'resource'])
      .execute();
    await db.schema
      .createTable('share_quota_usages')
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(255)', (c) => c.notNull())
      .addColumn('in_use', 'integer', (c) => c.notNull())
      .addColumn('reserved', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('share_quota_usages_pk', ['project_id', 'resource'])
      .execute();
    await db.schema
      .createTable('share_reservations')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(255)', (c) => c.notNull())
      .addColumn('delta', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('share_reservations_group').on('share_reservations').column('group_id').execute();

    await db.schema.alterTable('backend_stats').addColumn('service_kind', 'varchar(16)', (c) => c.notNull().defaultTo(sql`'volume'`)).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('backend_stats').dropColumn('service_kind').execute();
    for (const t of [
      'share_reservations', 'share_quota_usages', 'share_quotas', 'share_servers', 'share_networks', 'share_type_projects',
      'share_type_extra_specs', 'share_types', 'share_access_rules', 'share_snapshots', 'share_export_locations', ...KV_TABLES, 'shares',
    ]) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
