// Registers the `posix` backup driver: the chunked format in a directory.
import { registerBackupDriver } from '../backup-registry.js';

registerBackupDriver({
  name: 'posix',
  description: 'Chunked, compressed, incremental backups as files under backup_posix_path (e.g. a mounted NFS export).',
  load: async () => {
    const { createPosixBackupDriver } = await import('./posix-backup-driver.js');
    return createPosixBackupDriver;
  },
});
