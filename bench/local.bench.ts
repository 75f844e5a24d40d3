// Local backend figures: reflink snapshot/clone time against volume size, wipe-on-delete,
// export+attach latency, and iSCSI write throughput beside the pool disk's own ceiling.
//
// Why iSCSI writes once ran at a sixth of the disk (66 against 378 MB/s): tgtd wrote the LUN's
// file through the page cache, and the pool's loop device cached the same blocks again in the
// image file's filesystem; a 1 GiB write piled up dirty pages and stalled in writeback
// throttling. Measured 1 GiB, interleaved under the same load: buffered LUN 145-212 MB/s,
// `--bsoflags direct` (target_flags) 370-450 MB/s; loop direct I/O (local_pool_loop_direct_io)
// raised the file ceiling from ~900 to ~1300 MB/s. CHAP, the source's filesystem and
// thin_provisioning made no measurable difference. The machine is shared: expect ±40%.
import { randomBytes } from 'node:crypto';
import { fill, timed } from './bench-io.js';
import { join } from 'node:path';
import { makeTestLocalBackend } from '../test/support/local-test-backend.js';
import { copyData } from '../src/connector/volume-io.js';
import { applyUpdate, makeIscsiConnector, makeSnapshot, makeVolume } from '../test/contract/fixtures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const b = await makeTestLocalBackend({ local_pool_image_size_gib: '24', volume_clear: 'zero' });
  try {
    const d = b.driver;
    await d.doSetup();
    // What the figures below measure: a plain-directory fallback has no reflink and another filesystem.
    process.stdout.write(`local.pool_filesystem: ${d.pool.fsType}\n`);
    report('local.pool_reflink', d.pool.reflink ? 1 : 0);
    report('local.pool_loop_mounted', d.pool.mountedByUs ? 1 : 0);
    if (d.pool.problem) process.stderr.write(`WARNING: ${d.pool.problem} The local.* figures measure that pool, not the configured image.\n`);
    const block = randomBytes(64 * MiB);

    // The disk's ceiling: qemu-img writing 1 GiB from one pool file into another with
    // O_DIRECT (-t none), as tgtd writes volume files (target_flags = direct), no iSCSI between.
    const src = makeVolume({ size: 1 });
    await d.createVolume(src);
    await fill(join(d.pool.dir, src.name), GiB, block);
    const plain = makeVolume({ size: 1 });
    await d.createVolume(plain);
    const fileMs = await timed(() => b.executor.run(['qemu-img', 'convert', '-n', '-W', '-m', '16', '-t', 'none', '-f', 'raw', '-O', 'raw',
      join(d.pool.dir, src.name), join(d.pool.dir, plain.name)], { quiet: true }));
    report('local.file_write_1gib.mb_s', Math.round(GiB / MiB / (fileMs / 1000)));
    await d.deleteVolume(plain);

    // The same 1 GiB through tgtd (copyData converts with -t writeback: one flush at the end, counted).
    const connector = makeIscsiConnector();
    let vol = makeVolume({ size: 1 });
    const attachMs = await timed(async () => {
      await d.createVolume(vol);
      vol = applyUpdate(vol, await d.createExport(vol, connector));
      await d.initializeConnection(vol, connector);
    });
    report('local.create_export_attach.ms', Math.round(attachMs * 10) / 10);
    const info = await d.initializeConnection(vol, connector);
    const iscsiMs = await timed(() => copyData(b.executor, { kind: 'file', path: join(d.pool.dir, src.name), format: 'raw' },
      { kind: 'iscsi', info, initiator: connector.initiator as string }));
    report('local.iscsi_write_1gib.mb_s', Math.round(GiB / MiB / (iscsiMs / 1000)));

    const snap1 = makeSnapshot(src);
    report('local.snapshot_1gib.ms', Math.round((await timed(() => d.createSnapshot(snap1))) * 100) / 100);

    const big = makeVolume({ size: 8 });
    await d.createVolume(big);
    await fill(join(d.pool.dir, big.name), 8 * GiB, block);
    const snap8 = makeSnapshot(big);
    report('local.snapshot_8gib.ms', Math.round((await timed(() => d.createSnapshot(snap8))) * 100) / 100);
    const clone = makeVolume({ size: 8 });
    report('local.clone_8gib.ms', Math.round((await timed(() => d.createClonedVolume(clone, big))) * 100) / 100);

    // Delete with volume_clear = zero once the extents are no longer shared.
    await d.deleteSnapshot(snap8);
    await d.deleteVolume(clone);
    report('local.delete_zero_8gib.ms', Math.round((await timed(() => d.deleteVolume(big))) * 10) / 10);

    await d.deleteSnapshot(snap1);
    for (const v of [vol, src]) await d.deleteVolume(v);
  } finally {
    await b.cleanup();
  }
}
