// The backup drivers Flint ships, and the one call the backup service makes to get its driver.
import type { BackupDriverCore, BackupDriverContext } from '../interface/backup.js';
import { loadBackupDriver } from './backup-registry.js';
import './posix/register.js';
import './s3/register.js';
import { bucketNameProblem } from './s3/bucket-name.js';

export { knownBackupDrivers } from './backup-registry.js';

/**
 * The backup driver configured by `ctx.options` (the [DEFAULT] values, which hold every
 * backup_* option), set up and checked: a wrong path or an unreachable store fails here.
 */
export async function createBackupDriver(ctx: BackupDriverContext): Promise<BackupDriverCore> {
  const driver = await loadBackupDriver(ctx);
  await driver.doSetup();
  await driver.checkForSetupError();
  return driver;
}

/**
 * Why `container` cannot name a container of backup driver `driver` (null when it can), for the
 * API to refuse a bad `container` with a 400 before any backup starts.
 */
export function backupContainerProblem(driver: string, container: string): string | null {
  if (driver === 's3') return bucketNameProblem(container);
  const parts = container.split('/');
  if (container.length > 255 || parts.some((p) => p === '' || p === '.' || p === '..' || !/^[A-Za-z0-9._-]+$/.test(p))) {
    return `'${container}' is not a valid container name (relative '/'-separated names of letters, digits, '.', '_' or '-', at most 255 characters)`;
  }
  return null;
}
