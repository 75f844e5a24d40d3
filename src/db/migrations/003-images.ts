// Images belong to a project: a row per image records its owner, its visibility and whether
// its bytes are still being written ('saving' reserves the name). Names are unique per project.
import type { Kysely, Migration } from 'kysely';

export const m003Images: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('images')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('visibility', 'varchar(16)', (c) => c.notNull().defaultTo('private'))
      .addColumn('size', 'bigint')
      // The upload_image task writing it; null for an upload over PUT (kept alive by updated_at).
      .addColumn('task_id', 'varchar(36)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('images_project_name', ['project_id', 'name'])
      .execute();
    await db.schema.createIndex('images_visibility').on('images').column('visibility').execute();
    await db.schema.createIndex('images_status').on('images').column('status').execute();
    await db.schema
      .createTable('image_members')
      .addColumn('image_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_members_pk', ['image_id', 'project_id'])
      .execute();
    await db.schema.createIndex('image_members_project').on('image_members').column('project_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('image_members').execute();
    await db.schema.dropTable('images').execute();
  },
};
