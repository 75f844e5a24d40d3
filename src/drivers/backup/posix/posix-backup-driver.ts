// The `posix` backup driver: the chunked format over a directory.
import { join } from 'node:path';
import { Options } from '../../../config/options.js';
import type { BackupDriverContext, BackupDriverCore } from '../../interface/backup.js';
import { ChunkedBackupDriver } from '../chunked/chunked-backup-driver.js';
import { chunkedSettings } from '../chunked/chunked-settings.js';
import { PosixObjectStore } from './posix-object-store.js';

export function createPosixBackupDriver(ctx: BackupDriverContext): BackupDriverCore {
  const opt = new Options(ctx.options, 'DEFAULT');
  const root = opt.optStr('backup_posix_path') ?? join(ctx.stateDir, 'backup');
  return new ChunkedBackupDriver('posix', new PosixObjectStore(root), chunkedSettings(opt, opt.str('backup_container')), ctx.logger);
}
