// The backup drivers Flint ships, and the one call the backup service makes to get its driver.
import type { BackupDriverCore, BackupDriverContext } from '../interface/backup.js';
import { loadBackupDriver } from './backup-registry.js';
import './posix/register.js';


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
