// Backup drivers by the name `backup_driver` gives, each loaded only when chosen.
import { ConfigError } from '../../errors/errors.js';
import type { BackupDriverCore, BackupDriverContext, BackupDriverFactory } from '../interface/backup.js';

export interface BackupDriverRegistration {
  name: string;
  description: string;
  load(): Promise<BackupDriverFactory>;
}

const registrations = new Map<string, BackupDriverRegistration>();

export function registerBackupDriver(reg: BackupDriverRegistration): void {
  registrations.set(reg.name, reg);
}

export function knownBackupDrivers(): string[] {
  return [...registrations.keys()].sort();
}

/** The driver `backup_driver` names in `ctx.options` (the [DEFAULT] values), not yet set up. */
export async function loadBackupDriver(ctx: BackupDriverContext): Promise<BackupDriverCore> {
  const name = String(ctx.options.backup_driver ?? 'posix');
  const reg = registrations.get(name);
  if (!reg) {
    throw new ConfigError(`Unknown backup_driver '${name}' in section [DEFAULT]. Known backup drivers: ${knownBackupDrivers().join(', ')}.`);
  }
  return (await reg.load())(ctx);
}
