// The backup host reading or writing a volume as any host would: ask the volume's manager
// (through the task queue: it may run in another process) to export the volume to this
// host's connector, open the export over iSCSI through qemu-nbd, and undo both afterwards.
// Nothing here reads a backend's files directly.
import { hostname } from 'node:os';
import type { Connector } from '../protocols/connection-info.js';
import { ATTACH_FOR_BACKUP, DETACH_FOR_BACKUP, type BackupAccess, type BackupAccessPayloads, type TemporaryVolume } from '../protocols/backup-access.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { backendHostOf, volumeQueue } from '../tasks/queues.js';
import { NotSupported } from '../errors/errors.js';
import type { Executor } from '../exec/executor.js';
import { openBlockDevice, type BlockDevice } from '../connector/nbd-block-device.js';

/** The connector the backup service logs in with: one initiator name per backup host. */
export function backupInitiator(): string {
  return `iqn.2010-10.org.openstack:flint-backup-${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
}

export function backupHostConnector(): Connector {
  return { initiator: backupInitiator(), host: hostname(), ip: '127.0.0.1', multipath: false, platform: process.arch, os_type: 'linux' };
}

export interface VolumeAccessDeps {
  tasks: TaskQueue;
  executor: Executor;
  /** Private directory for qemu-nbd sockets and pid files. */
  runDir: string;
  /** How long the volume manager may take to export (a temporary clone included). */
  callTimeoutMs: number;
}

export interface VolumeRef {
  id: string;
  /** `host@backend#pool` */
  host: string | null;
}

async function call<K extends keyof BackupAccessPayloads, T>(d: VolumeAccessDeps, kind: K, v: VolumeRef, payload: BackupAccessPayloads[K]): Promise<T> {
  if (!v.host) throw new NotSupported('flint', `${kind} of a volume with no backend`);
  const backendHost = backendHostOf(v.host);
  return d.tasks.call<T>({ kind, queue: volumeQueue(backendHost), resourceType: 'volume', resourceId: v.id, payload, maxAttempts: 1 },
    { timeoutMs: d.callTimeoutMs, answerer: `Backend ${backendHost}` });
}

export function attachForBackup(d: VolumeAccessDeps, v: VolumeRef, temporaryId: string | null, snapshotId: string | null): Promise<BackupAccess> {
  return call<'attach_for_backup', BackupAccess>(d, ATTACH_FOR_BACKUP, v, { connector: backupHostConnector(), temporaryId, snapshotId });
}

export async function detachForBackup(d: VolumeAccessDeps, v: VolumeRef, temporary: TemporaryVolume | null): Promise<void> {
  await call<'detach_for_backup', null>(d, DETACH_FOR_BACKUP, v, { connector: backupHostConnector(), temporary });
}

/** Opens the export `access` describes as a block device (read-only for a backup). */
export function openAccess(d: VolumeAccessDeps, access: BackupAccess, readOnly: boolean): Promise<BlockDevice> {
  const info = access.connectionInfo;
  if (info.driver_volume_type !== 'iscsi' && info.driver_volume_type !== 'iser') {
    throw new NotSupported('flint', `backups over ${info.driver_volume_type} connections`);
  }
  return openBlockDevice(d.executor, { kind: 'iscsi', info, initiator: backupInitiator() }, { readOnly, runDir: d.runDir });
}
