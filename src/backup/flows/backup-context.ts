// What the backup service's handlers share, and how a backup row becomes what a driver sees.
import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { BackupRow, Database, TaskRow } from '../../db/schema.js';
import { backupChain } from '../../db/repos/backups.js';
import type { BackupDriverCore, DriverBackup } from '../../drivers/interface/backup.js';
import { toFlintError } from '../../errors/errors.js';
import { FlowFailed } from '../../tasks/flow.js';
import type { QuotaEngine } from '../../quota/quota-engine.js';
import type { TaskQueue } from '../../tasks/task-queue.js';
import type { Logger } from '../../util/logger.js';
import type { VolumeAccessDeps } from '../volume-access.js';

export interface BackupDeps {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: BackupDriverCore;
  /** The backup service's host name, recorded on the backups it makes. */
  host: string;
  access: VolumeAccessDeps;
  logger: Logger;
}

export type BackupTx = Transaction<Database>;

/** The backup with its chain of parents, as the driver sees it. */
export async function toDriverBackup(db: Db, row: BackupRow): Promise<DriverBackup> {
  const chain = await backupChain(db.kysely, row);
  let parent: DriverBackup | null = null;
  for (const b of chain.slice(1).reverse()) {
    parent = { id: b.id, volumeId: b.volumeId, size: b.size, container: b.container, serviceMetadata: b.serviceMetadata, parent };
  }
  return { id: row.id, volumeId: row.volumeId, size: row.size, container: row.container, serviceMetadata: row.serviceMetadata, parent };
}

/** `code: message` a user may read. */
export function userError(e: unknown): string {
  const fe = toFlintError(e instanceof FlowFailed ? e.original : e);
  return `${fe.code}: ${fe.userText ?? 'internal error in the backup service (see its log)'}`;
}

/** Steps a task has recorded (attempts after a crash read what the dead one got to). */
export function stepsOf(task: TaskRow): string[] {
  return JSON.parse(task.progress) as string[];
}
