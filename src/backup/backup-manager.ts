// The backup service (role `backup`): sets its driver up, cleans up after a dead process
// (qemu-nbd servers it left; its tasks are claimable at once and each new attempt undoes the
// half-done work), heartbeats as `flint-backup`, and runs the backup queue.
import { newLeaseOwner } from '../tasks/lease-owner.js';
import type { Db } from '../db/database.js';
import { heartbeat } from '../db/repos/services.js';
import type { BackupDriverCore } from '../drivers/interface/backup.js';
import { reapStaleNbdServers } from '../connector/nbd-block-device.js';
import type { Executor } from '../exec/executor.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { Worker } from '../tasks/worker.js';
import type { Logger } from '../util/logger.js';
import { BACKUP_QUEUE } from './task-kinds.js';
import type { BackupDeps } from './flows/backup-context.js';
import { createBackupHandler } from './flows/create-backup.js';
import { restoreBackupHandler } from './flows/restore-backup.js';
import { deleteBackupHandler } from './flows/delete-backup.js';

export interface BackupManagerOptions {
  db: Db;
  tasks: TaskQueue;
  quotas: QuotaEngine;
  driver: BackupDriverCore;
  executor: Executor;
  /** This service's host name (`[DEFAULT] host`). */
  host: string;
  availabilityZone: string;
  /** Private directory for qemu-nbd run directories. */
  runDir: string;
  logger: Logger;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  /** How long a volume manager may take to export a volume for a backup. */
  callTimeoutMs: number;
}

export class BackupManager {
  readonly owner: string;
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: BackupManagerOptions) {
    this.owner = newLeaseOwner('backup');
  }

  async start(): Promise<void> {
    const { driver, logger } = this.o;
    await driver.doSetup();
    await driver.checkForSetupError();
    const reaped = await reapStaleNbdServers(this.o.runDir);
    if (reaped > 0) logger.warn({ servers: reaped }, 'stopped qemu-nbd servers a dead backup process left');
    const deps: BackupDeps = {
      db: this.o.db, tasks: this.o.tasks, quotas: this.o.quotas, driver, host: this.o.host, logger,
      access: { tasks: this.o.tasks, executor: this.o.executor, runDir: this.o.runDir, callTimeoutMs: this.o.callTimeoutMs },
    };
    await heartbeat(this.o.db, 'flint-backup', this.o.host, this.o.availabilityZone);
    this.worker = new Worker(this.o.tasks, {
      queues: [BACKUP_QUEUE], owner: this.owner, concurrency: this.o.concurrency, leaseMs: this.o.leaseMs, logger,
      handlers: { create_backup: createBackupHandler(deps), restore_backup: restoreBackupHandler(deps), delete_backup: deleteBackupHandler(deps) },
    });
    this.worker.start();
    this.timer = setInterval(() => void heartbeat(this.o.db, 'flint-backup', this.o.host, this.o.availabilityZone).catch(() => undefined), this.o.heartbeatMs);
    logger.info({ driver: driver.name }, 'backup service started');
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker?.stop();
    await this.o.driver.shutdown?.();
  }
}
