// A backup keeps the volume's metadata as it was when backed up, and a restore puts it back on
// the volume it writes (as Cinder's backup service does with volume_meta).
import type { Kysely, Migration } from 'kysely';

export const m011BackupVolumeMetadata: Migration = {
  async up(db: Kysely<any>) {
    // JSON object of key → value; null for backups made before this migration.
    await db.schema.alterTable('backups').addColumn('source_volume_metadata', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('backups').dropColumn('source_volume_metadata').execute();
  },
};
