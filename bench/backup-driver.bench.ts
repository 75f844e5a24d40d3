// Backup driver figures, the chunked format alone (no iSCSI: the volume is a file, read and
// restored through FileBlockReader/Writer): a full backup of 1 GiB of incompressible data, an
// incremental after 1 % of the 32 KiB blocks changed, a restore of that incremental (rebuilt
// from the chain), and a full backup of a mostly empty 1 GiB volume; for posix, and the full
// backup again for s3 against s3rver in a child process (a JavaScript server writing files:
// a floor, not what a real store does). The end-to-end backup.* figures over iSCSI are the backup
// service's. The machine is shared: expect ±40%.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_OPTIONS } from '../src/config/backup-options.js';
import { resolveOptions } from '../src/config/options.js';
import { createBackupDriver } from '../src/drivers/backup/index.js';
import type { BackupDriverCore, BackupResult, DriverBackup } from '../src/drivers/interface/backup.js';
import { logger } from '../src/util/logger.js';
import { FileBlockReader, FileBlockWriter } from '../test/support/file-block-device.js';
import { startS3TestServerProcess } from '../test/support/s3-test-server.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BLOCK = 32 * 1024;

/** 1 GiB of incompressible bytes: one random 64 MiB block repeated (deflate's window is 32 KiB). */
async function makeVolume(path: string, sparse: boolean): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.truncate(GiB);
    if (sparse) {
      // A few scattered MiB of data in an otherwise empty volume.
      for (let i = 0; i < 8; i++) await fh.write(randomBytes(MiB), 0, MiB, i * 128 * MiB + 7 * MiB);
    } else {
      const block = randomBytes(64 * MiB);
      for (let off = 0; off < GiB; off += block.length) await fh.write(block, 0, block.length, off);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Overwrites 1 % of the volume's 32 KiB blocks, at random. */
async function changeOnePercent(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const blocks = GiB / BLOCK;
    for (let n = 0; n < blocks / 100; n++) await fh.write(randomBytes(BLOCK), 0, BLOCK, randomInt(blocks) * BLOCK);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value };
}

async function backupFile(driver: BackupDriverCore, path: string, parent: DriverBackup | null): Promise<{ backup: DriverBackup; result: BackupResult }> {
  const backup: DriverBackup = { id: randomUUID(), volumeId: 'bench', size: 1, container: null, serviceMetadata: null, parent };
  const source = await FileBlockReader.open(path);
  try {
    const result = await driver.backup(backup, source);
    return { backup: { ...backup, serviceMetadata: result.serviceMetadata, container: result.container }, result };
  } finally {
    await source.close();
  }
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-backup-bench-'));
  const s3 = await startS3TestServerProcess();
  const make = (raw: Record<string, string>): Promise<BackupDriverCore> =>
    createBackupDriver({ options: resolveOptions('DEFAULT', raw, BACKUP_OPTIONS), logger, stateDir: dir });
  const posix = await make({ backup_driver: 'posix', backup_posix_path: join(dir, 'store') });
  const s3Driver = await make({
    backup_driver: 's3', backup_s3_endpoint_url: s3.endpoint, backup_s3_store_access_key: s3.accessKeyId, backup_s3_store_secret_key: s3.secretAccessKey,
  });
  try {
    const volume = join(dir, 'volume');
    await makeVolume(volume, false);

    const full = await timed(() => backupFile(posix, volume, null));
    report('backup.driver_full_1gib.seconds', full.seconds);
    report('backup.driver_full_1gib.mb_per_s', GiB / 1e6 / full.seconds);
    report('backup.driver_full_1gib.stored_mib', full.value.result.storedBytes / MiB);
    report('backup.driver_full_1gib.peak_rss_mib', process.resourceUsage().maxRSS / 1024);

    await changeOnePercent(volume);
    const inc = await timed(() => backupFile(posix, volume, full.value.backup));
    report('backup.driver_incremental_1gib_1pct.seconds', inc.seconds);
    report('backup.driver_incremental_1gib_1pct.stored_mib', inc.value.result.storedBytes / MiB);

    const target = await FileBlockWriter.open(join(dir, 'restored'), GiB);
    const restore = await timed(() => posix.restore(inc.value.backup, target));
    await target.close();
    report('backup.driver_restore_1gib.seconds', restore.seconds);
    report('backup.driver_restore_1gib.mb_per_s', GiB / 1e6 / restore.seconds);
    await rm(join(dir, 'restored'));

    const none = await make({ backup_driver: 'posix', backup_posix_path: join(dir, 'store'), backup_compression_algorithm: 'none' });
    const raw = await timed(() => backupFile(none, volume, null));
    report('backup.driver_full_1gib_uncompressed.seconds', raw.seconds);

    const s3Full = await timed(() => backupFile(s3Driver, volume, null));
    report('backup.driver_s3_full_1gib.seconds', s3Full.seconds);
    await rm(volume);

    const sparse = join(dir, 'sparse');
    await makeVolume(sparse, true);
    const sp = await timed(() => backupFile(posix, sparse, null));
    report('backup.driver_full_1gib_sparse.seconds', sp.seconds);
    report('backup.driver_full_1gib_sparse.stored_mib', sp.value.result.storedBytes / MiB);
  } finally {
    await posix.shutdown?.();
    await s3Driver.shutdown?.();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
