// Backup operations on the API side: validate, compare-and-set the backup's and the volume's
// statuses, move quota, and enqueue the work for the backup service — all in one transaction.
// Lock order (db/transaction.ts): volume, then backup, then quota rows.
import type { Db } from '../db/database.js';
import type { BackupRow } from '../db/schema.js';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';

type Tx = Transaction<Database>;
import { Conflict, InvalidInput } from '../errors/errors.js';
import type { QuotaEngine } from '../quota/quota-engine.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { newId } from '../util/ids.js';
import { nowIso, sleep } from '../util/clock.js';
import type { Caller } from '../db/repos/caller.js';
import { casBackup, getBackup, latestAvailableBackup, lockBackup } from '../db/repos/backups.js';
import { casVolume, getVolume, lockVolume } from '../db/repos/volumes.js';
import { getSnapshot } from '../db/repos/snapshots.js';
import { mergeMetadata, readMetadata, replaceMetadata } from '../db/repos/metadata.js';
import { BACKUP_ALLOWED_FROM, RESETTABLE_STATUSES, VOLUME_BACKUP_FROM, VOLUME_BACKUP_FROM_FORCE } from './status.js';
import { BACKUP_QUEUE, type BackupTaskKind, type BackupTaskPayloads } from './task-kinds.js';
import { decodeRecord, encodeRecord } from './backup-record.js';
import { backupServiceOf, driverOfBackupService } from './backup-service-name.js';
import { backupContainerProblem } from '../drivers/backup/index.js';

/** Who asks (the API's RequestContext satisfies it). */
export interface BackupCaller extends Caller {
  userId: string;
  roles: string[];
  requestId: string;
}

export interface CreateBackupRequest {
  volumeId: string;
  name: string | null;
  description: string | null;
  incremental: boolean;
  force: boolean;
  snapshotId: string | null;
  container: string | null;
  metadata: Record<string, string>;
  availabilityZone: string | null;
}

export interface RestoreRequest {
  volumeId: string | null;
  name: string | null;
}

export interface RestoreResult {
  backupId: string;
  volumeId: string;
  volumeName: string | null;
}

/** Creates the volume a restore writes to and returns its id (the volume service's create). */
export type CreateRestoreVolume = (caller: BackupCaller, req: { size: number; name: string | null; description: string; availabilityZone: string | null }) => Promise<string>;

export interface BackupApiOptions {
  /** The backup driver's name, recorded on each backup and in exported records. */
  driverName: string;
  /** How long a heartbeat keeps the backup service "up" (service_down_time). */
  serviceDownTimeSeconds: number;
  createRestoreVolume: CreateRestoreVolume | null;
  /** How long a restore waits for the new volume to leave `creating`. */
  volumeWaitMs: number;
}

export class BackupApi {
  constructor(private readonly db: Db, private readonly tasks: TaskQueue, private readonly quotas: QuotaEngine, private readonly o: BackupApiOptions) {}

  private async enqueue<K extends BackupTaskKind>(tx: Tx, kind: K, backupId: string, payload: BackupTaskPayloads[K]): Promise<void> {
    await this.tasks.enqueue(tx, { kind, queue: BACKUP_QUEUE, resourceType: 'backup', resourceId: backupId, payload, dedupeKey: `backup:${backupId}` });
  }

  /** A backup nobody would ever take is refused up front rather than left `creating`. */
  private async requireBackupService(): Promise<void> {
    const since = new Date(Date.now() - this.o.serviceDownTimeSeconds * 1000).toISOString();
    const up = await this.db.kysely.selectFrom('services').select('host').where('binary', '=', 'flint-backup')
      .where('lastHeartbeat', '>=', since).where('disabled', '=', 0).executeTakeFirst();
    if (!up) throw new Conflict('No backup service is running (start one with `flint serve --role backup`).');
  }

  async create(caller: BackupCaller, req: CreateBackupRequest): Promise<BackupRow> {
    if (req.container !== null) {
      // A container names a directory or a bucket: '..' or '/x' must never reach the driver.
      const problem = backupContainerProblem(this.o.driverName, req.container);
      if (problem) throw new InvalidInput(`Invalid input for field/attribute backup.container: ${problem}.`);
    }
    await this.requireBackupService();
    const id = newId();
    const now = nowIso();
    const row = await inTransaction(this.db, async (tx) => {
      const v = await lockVolume(tx, caller, req.volumeId);
      let dataTimestamp = now;
      if (req.snapshotId) {
        const s = await getSnapshot(tx, caller, req.snapshotId);
        if (s.volumeId !== v.id) throw new InvalidInput(`Snapshot ${s.id} is not a snapshot of volume ${v.id}.`);
        if (s.status !== 'available') throw new InvalidInput(`Snapshot ${s.id} must be available to back it up; its status is ${s.status}.`);
        dataTimestamp = s.createdAt;
      }
      const allowed: readonly string[] = req.snapshotId ? VOLUME_BACKUP_FROM_FORCE : req.force ? VOLUME_BACKUP_FROM_FORCE : VOLUME_BACKUP_FROM;
      if (!allowed.includes(v.status)) {
        throw new InvalidInput(v.status === 'in-use'
          ? `Volume ${v.id} is in-use: a backup of an in-use volume needs force.`
          : `Volume ${v.id} must be ${allowed.join(' or ')} to back it up; its status is ${v.status}.`);
      }
      if (req.availabilityZone && req.availabilityZone !== v.availabilityZone) {
        throw new InvalidInput(`availability_zone ${req.availabilityZone} differs from the volume's (${v.availabilityZone}).`);
      }
      let parent: BackupRow | undefined;
      if (req.incremental) {
        parent = await latestAvailableBackup(tx, v.id);
        if (!parent) throw new InvalidInput(`No available backup of volume ${v.id} to make an incremental backup of.`);
        if (parent.size !== v.size) throw new InvalidInput(`Volume ${v.id} changed size since backup ${parent.id}; make a full backup.`);
      }
      const reservation = await this.quotas.reserve(tx, v.projectId, { backups: 1, backup_gigabytes: v.size });
      const previousStatus = v.status;
      // A temporary volume whenever the live device may be written meanwhile, or the data is a snapshot's.
      const useTemporary = previousStatus === 'in-use' || req.snapshotId !== null;
      await casVolume(tx, v.id, allowed, { status: 'backing-up' }, 'back up');
      const b = await tx.insertInto('backups').values({
        id, projectId: v.projectId, userId: caller.userId, volumeId: v.id, displayName: req.name, displayDescription: req.description,
        status: 'creating', failReason: null, availabilityZone: req.availabilityZone ?? v.availabilityZone, host: null, service: this.o.driverName,
        container: req.container, serviceMetadata: null, size: v.size, objectCount: 0, parentId: parent?.id ?? null,
        isIncremental: parent ? 1 : 0, numDependentBackups: 0, snapshotId: req.snapshotId, dataTimestamp,
        tempVolumeId: useTemporary ? newId() : null, tempVolumeProvider: null, tempSnapshotId: null, restoreVolumeId: null,
        previousVolumeStatus: previousStatus, sourceVolumeMetadata: JSON.stringify(await readMetadata(tx, 'volumeMetadata', v.id)),
        createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      if (parent) {
        await tx.updateTable('backups').set((eb) => ({ numDependentBackups: eb('numDependentBackups', '+', 1), updatedAt: now })).where('id', '=', parent.id).execute();
      }
      await mergeMetadata(tx, 'backupMetadata', id, req.metadata);
      await this.enqueue(tx, 'create_backup', id, { reservation, previousStatus, useTemporary });
      return b;
    });
    this.tasks.notify(BACKUP_QUEUE);
    return row;
  }

  async update(caller: Caller, id: string, set: { name?: string | null; description?: string | null; metadata?: Record<string, string> }): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await lockBackup(tx, caller, id);
      const u: Partial<BackupRow> = { updatedAt: nowIso() };
      if (set.name !== undefined) u.displayName = set.name;
      if (set.description !== undefined) u.displayDescription = set.description;
      await tx.updateTable('backups').set(u).where('id', '=', id).execute();
      if (set.metadata !== undefined) await replaceMetadata(tx, 'backupMetadata', id, set.metadata);
    });
  }

  async delete(caller: Caller, id: string, opts: { force?: boolean } = {}): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const { volumeId } = await getBackup(tx, caller, id);
      const vol = await tx.selectFrom('volumes').select('id').where('id', '=', volumeId).executeTakeFirst();
      if (vol) await lockVolume(tx, null, volumeId);
      const b = await lockBackup(tx, caller, id);
      if (b.numDependentBackups > 0) throw new InvalidInput(`Backup ${id} has ${b.numDependentBackups} dependent incremental backup(s); delete them first.`);
      const allowed = opts.force ? BACKUP_ALLOWED_FROM.forceDelete : BACKUP_ALLOWED_FROM.delete;
      if (opts.force && (b.status === 'creating' || b.status === 'restoring')) {
        // The work in progress is ended; its volume goes back to where it was (the manager's finish checks the status it expects).
        await this.tasks.supersede(tx, { dedupeKey: `backup:${id}` }, 'superseded by force delete');
        await this.releaseVolumes(tx, b);
      }
      await casBackup(tx, id, allowed, { status: 'deleting' }, 'delete');
      const reservation = await this.quotas.reserve(tx, b.projectId, { backups: -1, backup_gigabytes: -b.size });
      await this.enqueue(tx, 'delete_backup', id, { reservation });
    });
    this.tasks.notify(BACKUP_QUEUE);
  }

  /** After superseded work: the backed-up volume back to its previous status, a restore target to error. */
  private async releaseVolumes(tx: Tx, b: BackupRow): Promise<void> {
    if (b.status === 'creating') {
      await tx.updateTable('volumes').set({ status: b.previousVolumeStatus ?? 'available', updatedAt: nowIso() }).where('id', '=', b.volumeId).where('status', '=', 'backing-up').execute();
    }
    if (b.status === 'restoring' && b.restoreVolumeId) {
      await tx.updateTable('volumes').set({ status: 'error_restoring', updatedAt: nowIso() }).where('id', '=', b.restoreVolumeId).where('status', '=', 'restoring-backup').execute();
    }
  }

  async restore(caller: BackupCaller, id: string, req: RestoreRequest): Promise<RestoreResult> {
    const b = await getBackup(this.db.kysely, caller, id);
    if (b.status !== 'available') throw new InvalidInput(`Backup ${id} must be available to restore it; its status is ${b.status}.`);
    await this.requireBackupService();
    let volumeId = req.volumeId;
    if (volumeId === null) {
      if (!this.o.createRestoreVolume) throw new Conflict('This process cannot create volumes for a restore.');
      volumeId = await this.o.createRestoreVolume(caller, {
        // Cinder's name for a volume a restore creates unnamed (clients expect a string here).
        size: b.size, name: req.name ?? `restore_backup_${id}`, description: `auto-created volume for restore of backup ${id}`, availabilityZone: b.availabilityZone,
      });
      await this.waitForVolume(caller, volumeId);
    } else if (req.name !== null) {
      throw new InvalidInput('name applies to a volume the restore creates, not to an existing volume_id.');
    }
    const vid = volumeId;
    const v = await inTransaction(this.db, async (tx) => {
      const vol = await lockVolume(tx, caller, vid);
      const backup = await lockBackup(tx, caller, id);
      if (vol.size < backup.size) throw new InvalidInput(`Volume ${vid} is ${vol.size} GiB, smaller than backup ${id} (${backup.size} GiB).`);
      if (vol.status !== 'available') throw new InvalidInput(`Volume ${vid} must be available to restore onto it; its status is ${vol.status}.`);
      await casBackup(tx, id, BACKUP_ALLOWED_FROM.restore, { status: 'restoring', restoreVolumeId: vid }, 'restore');
      const row = await casVolume(tx, vid, ['available'], { status: 'restoring-backup' }, 'restore a backup onto');
      await this.enqueue(tx, 'restore_backup', id, { volumeId: vid });
      return row;
    });
    this.tasks.notify(BACKUP_QUEUE);
    return { backupId: id, volumeId: v.id, volumeName: v.displayName };
  }

  /** Restore onto a volume still being created for it (volume create with backup_id, 3.47). */
  async restoreOnto(caller: BackupCaller, id: string, volumeId: string): Promise<RestoreResult> {
    await this.waitForVolume(caller, volumeId);
    return this.restore(caller, id, { volumeId, name: null });
  }

  private async waitForVolume(caller: Caller, volumeId: string): Promise<void> {
    const deadline = Date.now() + this.o.volumeWaitMs;
    for (;;) {
      const v = await getVolume(this.db.kysely, caller, volumeId);
      if (v.status === 'available') return;
      if (v.status !== 'creating') throw new Conflict(`The volume created for the restore (${volumeId}) ended ${v.status}.`);
      if (Date.now() > deadline) throw new Conflict(`The volume created for the restore (${volumeId}) is still creating; restore onto it once it is available.`);
      await sleep(200);
    }
  }

  async resetStatus(_caller: Caller, id: string, status: string): Promise<void> {
    if (!(RESETTABLE_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInput(`status '${status}' cannot be set on a backup (allowed: ${RESETTABLE_STATUSES.join(', ')}).`);
    }
    await inTransaction(this.db, async (tx) => {
      const b = await lockBackup(tx, null, id);
      const ended = await this.tasks.supersede(tx, { dedupeKey: `backup:${id}` }, 'superseded by reset-status');
      if (ended.length > 0) await this.releaseVolumes(tx, b);
      await tx.updateTable('backups').set({ status, updatedAt: nowIso() }).where('id', '=', id).execute();
    });
  }

  async exportRecord(caller: Caller, id: string): Promise<{ backupService: string; backupUrl: string }> {
    const b = await getBackup(this.db.kysely, caller, id);
    if (b.status !== 'available') throw new InvalidInput(`Backup ${id} must be available to export its record; its status is ${b.status}.`);
    const md = await this.db.kysely.selectFrom('backupMetadata').select(['key', 'value']).where('resourceId', '=', id).execute();
    return { backupService: backupServiceOf(b.service ?? this.o.driverName), backupUrl: encodeRecord(b, Object.fromEntries(md.map((m) => [m.key, m.value]))) };
  }

  async importRecord(caller: BackupCaller, backupService: string, backupUrl: string): Promise<BackupRow> {
    if (driverOfBackupService(backupService) !== this.o.driverName) {
      throw new InvalidInput(`backup_service '${backupService.slice(0, 64)}' is not this service's backup driver (${backupServiceOf(this.o.driverName)}).`);
    }
    const r = decodeRecord(backupUrl);
    const problem = r.container === null ? null : backupContainerProblem(this.o.driverName, r.container);
    if (problem) throw new InvalidInput(`backup_url names a container that is not valid: ${problem}.`);
    const now = nowIso();
    return inTransaction(this.db, async (tx) => {
      const existing = await tx.selectFrom('backups').select(['id', 'status']).where('id', '=', r.id).executeTakeFirst();
      if (existing) throw new InvalidInput(`Backup ${r.id} already exists (status ${existing.status}).`);
      if (r.parentId) {
        const parent = await tx.selectFrom('backups').select(['id', 'status']).where('id', '=', r.parentId).executeTakeFirst();
        if (!parent) throw new InvalidInput(`Backup ${r.id} is incremental to backup ${r.parentId}, which does not exist here; import that one first.`);
        await tx.updateTable('backups').set((eb) => ({ numDependentBackups: eb('numDependentBackups', '+', 1), updatedAt: now })).where('id', '=', r.parentId).execute();
      }
      const reservation = await this.quotas.reserve(tx, caller.projectId, { backups: 1, backup_gigabytes: r.size });
      await this.quotas.commit(tx, reservation);
      const row = await tx.insertInto('backups').values({
        id: r.id, projectId: caller.projectId, userId: caller.userId, volumeId: r.volumeId, displayName: r.name, displayDescription: r.description,
        status: 'available', failReason: null, availabilityZone: r.availabilityZone, host: null, service: this.o.driverName, container: r.container,
        serviceMetadata: r.serviceMetadata, size: r.size, objectCount: r.objectCount, parentId: r.parentId, isIncremental: r.parentId ? 1 : 0,
        numDependentBackups: 0, snapshotId: r.snapshotId, dataTimestamp: r.dataTimestamp, tempVolumeId: null, tempVolumeProvider: null,
        tempSnapshotId: null, restoreVolumeId: null, previousVolumeStatus: null,
        sourceVolumeMetadata: r.volumeMetadata === null ? null : JSON.stringify(r.volumeMetadata), createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'backupMetadata', r.id, r.metadata);
      return row;
    });
  }
}

