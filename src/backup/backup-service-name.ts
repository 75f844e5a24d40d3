// How a backup names the driver that stored it (`backup_service` in export_record and
// import_record). Cinder answers with the driver's class path, and clients check that form
// (Tempest's export/import test asserts it starts with `cinder.backup.drivers`), so Flint
// answers the same way; on import it takes either the class path or Flint's short driver name.
import { BACKUP_DRIVER_NAMES } from '../config/backup-options.js';

type BackupDriverName = (typeof BACKUP_DRIVER_NAMES)[number];

const CINDER_DRIVER_CLASS: Record<BackupDriverName, string> = {
  posix: 'cinder.backup.drivers.posix.PosixBackupDriver',
  s3: 'cinder.backup.drivers.s3.S3BackupDriver',
};

const isDriverName = (name: string): name is BackupDriverName => (BACKUP_DRIVER_NAMES as readonly string[]).includes(name);

/** The `backup_service` a record exported from driver `driver` carries. */
export function backupServiceOf(driver: string): string {
  return isDriverName(driver) ? CINDER_DRIVER_CLASS[driver] : driver;
}

/** The driver a `backup_service` names (class path or short name); null when none of Flint's. */
export function driverOfBackupService(service: string): BackupDriverName | null {
  if (isDriverName(service)) return service;
  const found = (Object.entries(CINDER_DRIVER_CLASS) as Array<[BackupDriverName, string]>).find(([, path]) => path === service);
  return found ? found[0] : null;
}
