// Backup data path figures: a 1 GiB `local` volume read over its real iSCSI export through
// qemu-nbd and Flint's NBD client into the posix backup driver (the backup service's own
// path, without the API and task queue around it): full, incremental after 1 % of the blocks
// changed, restore, and a mostly empty volume; beside the iSCSI read ceiling measured in the
// same run: the same export read end to end through qemu-nbd and the NBD client (no driver),
// and through libiscsi alone (qemu-img into qemu's null driver).
//
// Measured here (2 cores shared with other work, load 3-4): NBD read ceiling 238 MB/s, direct
// iSCSI 1141 MB/s; full 1 GiB of random bytes 6.7 s (154 MB/s), incremental after 1 % of the
// blocks changed 5.2 s, restore 4.0 s (256 MB/s), a 1 GiB volume with 16 MiB written 4.3 s.
// The NBD hop, not the driver, bounds restore and sparse backups: a mostly empty volume is
// still read whole (NBD block status, to skip holes, is not implemented). Under load 15-19
// every figure was 5-10 times slower (full 46-88 s, NBD ceiling 40-129 MB/s).
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestLocalBackend } from '../test/support/local-test-backend.js';
import { applyUpdate, makeIscsiConnector, makeVolume } from '../test/contract/fixtures.js';
import { openBlockDevice } from '../src/connector/nbd-block-device.js';
import { openEndpoint, type VolumeEndpoint } from '../src/connector/volume-endpoint.js';
import { createBackupDriver } from '../src/drivers/backup/index.js';
import type { DriverBackup } from '../src/drivers/interface/backup.js';
import type { DriverVolume } from '../src/drivers/interface/objects.js';
import { resolveOptions } from '../src/config/options.js';
import { DEFAULT_OPTIONS } from '../src/config/flint-config.js';
import { logger } from '../src/util/logger.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const b = await makeTestLocalBackend({ local_pool_image_size_gib: '12' });
  const connector = makeIscsiConnector();
  const initiator = connector.initiator as string;
  try {
    const d = b.driver;
    await d.doSetup();
    const store = join(b.dir, 'backups');
    await mkdir(store, { recursive: true });
    const options = resolveOptions('DEFAULT', { backup_posix_path: store }, DEFAULT_OPTIONS);
    const driver = await createBackupDriver({ options, logger, stateDir: b.dir });
    const runDir = join(b.dir, 'run');
    const attach = async (v: DriverVolume): Promise<{ ep: VolumeEndpoint; v: DriverVolume }> => {
      const exported = applyUpdate(v, await d.createExport(v, connector));
      return { ep: { kind: 'iscsi', info: await d.initializeConnection(exported, connector), initiator }, v: exported };
    };
    const detach = async (v: DriverVolume) => {
      await d.terminateConnection(v, connector);
      await d.removeExport(v);
    };

    // A 1 GiB volume of incompressible bytes, written through its file (setup, not measured).
    const vol = makeVolume({ size: 1 });
    await d.createVolume(vol);
    const fh = await open(await d.localPath(vol), 'r+');
    for (let off = 0; off < GiB; off += 64 * MiB) await fh.write(randomBytes(64 * MiB), 0, 64 * MiB, off);
    await fh.sync();
    await fh.close();

    let { ep, v } = await attach(vol);
    // The ceiling: the same export read end to end by the same reader (qemu-nbd + NBD client), no backup driver.
    const ceiling = await timed(async () => {
      const dev = await openBlockDevice(b.executor, ep, { readOnly: true, runDir });
      try {
        const reads: Promise<Buffer>[] = [];
        for (let off = 0; off < GiB; off += 32 * MiB) {
          reads.push(dev.read(off, 32 * MiB));
          if (reads.length >= 4) await reads.shift();
        }
        await Promise.all(reads);
      } finally { await dev.close(); }
    });
    report('backup.nbd_read_ceiling_mb_s', Math.round(GiB / MiB / ceiling));
    // The iSCSI read ceiling without the NBD hop: qemu-img convert reading 1 GiB through libiscsi into qemu's null driver.
    const opened = await openEndpoint(ep);
    try {
      const direct = await timed(() => b.executor.run(['qemu-img', 'convert', '-n', '-W', '-m', '8', ...opened.objectArgs, '--image-opts', opened.imageOpts,
        '--target-image-opts', `driver=null-co,size=${GiB}`], { quiet: true, timeoutMs: 600_000 }));
      report('backup.iscsi_read_ceiling_mb_s', Math.round(GiB / MiB / direct));
    } finally {
      await opened.dispose();
    }
    const full: DriverBackup = { id: crypto.randomUUID(), volumeId: vol.id, size: 1, container: null, serviceMetadata: null, parent: null };
    let dev = await openBlockDevice(b.executor, ep, { readOnly: true, runDir });
    const tFull = await timed(async () => { full.serviceMetadata = (await driver.backup(full, dev)).serviceMetadata; });
    await dev.close();
    report('backup.full_1gib.seconds', Number(tFull.toFixed(2)));
    report('backup.full_1gib.mb_s', Math.round(1024 / tFull));

    // 1 % of the 32 KiB blocks changed through the export, then an incremental backup.
    dev = await openBlockDevice(b.executor, ep, { readOnly: false, runDir });
    for (let i = 0; i < GiB / (32 * 1024) / 100; i++) await dev.write(Math.floor(Math.random() * (GiB / (32 * 1024))) * 32 * 1024, randomBytes(32 * 1024));
    await dev.flush();
    await dev.close();
    const incr: DriverBackup = { id: crypto.randomUUID(), volumeId: vol.id, size: 1, container: null, serviceMetadata: null, parent: full };
    dev = await openBlockDevice(b.executor, ep, { readOnly: true, runDir });
    const tIncr = await timed(async () => { incr.serviceMetadata = (await driver.backup(incr, dev)).serviceMetadata; });
    await dev.close();
    report('backup.incremental_1gib_1pct.seconds', Number(tIncr.toFixed(2)));
    await detach(v);

    // Restore the incremental chain into a new volume.
    const target = makeVolume({ size: 1 });
    await d.createVolume(target);
    ({ ep, v } = await attach(target));
    dev = await openBlockDevice(b.executor, ep, { readOnly: false, runDir });
    const tRestore = await timed(async () => { await driver.restore(incr, dev); await dev.flush(); });
    await dev.close();
    await detach(v);
    report('backup.restore_1gib.seconds', Number(tRestore.toFixed(2)));
    report('backup.restore_1gib.mb_s', Math.round(1024 / tRestore));

    // A mostly empty volume: 1 GiB with 16 MiB written.
    const sparse = makeVolume({ size: 1 });
    await d.createVolume(sparse);
    const sf = await open(await d.localPath(sparse), 'r+');
    await sf.write(randomBytes(16 * MiB), 0, 16 * MiB, 100 * MiB);
    await sf.close();
    ({ ep, v } = await attach(sparse));
    dev = await openBlockDevice(b.executor, ep, { readOnly: true, runDir });
    const sb: DriverBackup = { id: crypto.randomUUID(), volumeId: sparse.id, size: 1, container: null, serviceMetadata: null, parent: null };
    const tSparse = await timed(() => driver.backup(sb, dev));
    await dev.close();
    await detach(v);
    report('backup.full_1gib_sparse.seconds', Number(tSparse.toFixed(2)));
  } finally {
    await b.cleanup();
  }
}
