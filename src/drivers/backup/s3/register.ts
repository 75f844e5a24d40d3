// Registers the `s3` backup driver: the chunked format on an S3-compatible object store.
import { registerBackupDriver } from '../backup-registry.js';

registerBackupDriver({
  name: 's3',
  description: 'Chunked, compressed, incremental backups as objects in an S3-compatible store, one bucket per container.',
  load: async () => {
    const { createS3BackupDriver } = await import('./s3-backup-driver.js');
    return createS3BackupDriver;
  },
});
