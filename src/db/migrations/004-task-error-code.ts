// A failed task records its error as a stable code and the text a user may read, so a caller
// in another process rebuilds the error from the code (errors/codes.ts) instead of parsing text.
import type { Kysely, Migration } from 'kysely';

export const m004TaskErrorCode: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('error_code', 'varchar(64)').execute();
    await db.schema.alterTable('tasks').addColumn('error_text', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('tasks').dropColumn('error_text').execute();
    await db.schema.alterTable('tasks').dropColumn('error_code').execute();
  },
};
