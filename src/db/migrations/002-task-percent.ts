// Long copies (image to volume, volume to image) report how far they got.
import type { Kysely, Migration } from 'kysely';

export const m002TaskPercent: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('percent', 'integer').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('tasks').dropColumn('percent').execute();
  },
};
