// Local backend figures: reflink snapshot/clone time against volume size, wipe-on-delete,
// export+attach latency, and iSCSI write and read throughput beside the pool disk's own ceiling
// (and their ratios, measured in the same run).
//
// Where iSCSI time went (issue 15): at first tgtd wrote the LUN's file through the page cache
// under a buffered loop device, and a 1 GiB write stalled in writeback throttling; `--bsoflags
// direct` (target_flags) and loop direct I/O (local_pool_loop_direct_io) fixed that. What was
// left was CPU: tgtd moves every byte through one event-loop thread, and perf showed it spending
// most of ~7 s per GiB written faulting in freshly mmapped command buffers, then on 8 KiB PDUs.
// tgtd's CPU per GiB (write / read, from /proc; qemu-img -W -m 16 -t writeback; 3-8 runs each
// under a load average of 11-26 on 2 cores from other sessions: MB/s swing 2x, CPU seconds not):
//   rdwr direct, tgtd defaults                    6.7-9.9 s / 2.2-3.2 s   write 27-86 MB/s, read 86-204
//   + malloc tunables (src/targets/tgt/tgtd-tuning.ts) 2.2-2.9 / 0.6-0.7  write 88-143, read 327-449
//   + 256 KiB segments, 1 MiB bursts              1.1-1.5 s / 0.5-0.8 s   write 93-286, read 164-495
// With those, bstype aio (unsafe: no flush), tgtd -t 4, loop direct I/O off, 1 MiB segments,
// InitialR2T=No with 1 MiB first bursts, or
// `qemu-img -t none` changed nothing beyond the noise; buffered (target_flags none) cost 3 s of
// tgtd CPU per GiB and halved both; direct:sync cost little here. The file path needs ~0.6 s
// of CPU per GiB in all, iSCSI ~2.4 s (qemu-img's libiscsi ~1 s and tgtd ~1.3 s, each copying
// every byte through loopback TCP), so on a CPU-starved host the ratios stay below 1.
//
// Reads: the file read is O_DIRECT (-T none) and tgtd reads O_DIRECT (target_flags direct); the
// source file's and the pool image's clean pages are also dropped per file (fadvise, see
// dropFileCache) before each read, so no read is served from a page cache.
import { randomBytes } from 'node:crypto';
import { dropFileCache, fill, nullTarget, timed } from './bench-io.js';
import { join } from 'node:path';
import { makeTestLocalBackend } from '../test/support/local-test-backend.js';
import { copyData } from '../src/connector/volume-io.js';
import { withEndpoints } from '../src/connector/volume-endpoint.js';
import { applyUpdate, makeIscsiConnector, makeSnapshot, makeVolume } from '../test/contract/fixtures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const mbPerS = (ms: number) => Math.round(GiB / MiB / (ms / 1000));

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
    const fileWrite = mbPerS(fileMs);
    report('local.file_write_1gib.mb_s', fileWrite);
    await d.deleteVolume(plain);

    // The disk's read ceiling: the same 1 GiB read O_DIRECT and thrown away.
    await dropFileCache(b.executor, join(d.pool.dir, src.name), join(b.dir, 'pool.img'));
    const fileReadMs = await timed(() => b.executor.run(['qemu-img', 'convert', '-n', '-m', '16', '-T', 'none', '-f', 'raw',
      join(d.pool.dir, src.name), '--target-image-opts', nullTarget(GiB)], { quiet: true }));
    const fileRead = mbPerS(fileReadMs);
    report('local.file_read_1gib.mb_s', fileRead);

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
    const iscsiWrite = mbPerS(iscsiMs);
    report('local.iscsi_write_1gib.mb_s', iscsiWrite);

    // Read back through tgtd, as a host reading its volume would, into a null target.
    await dropFileCache(b.executor, join(d.pool.dir, vol.name), join(b.dir, 'pool.img'));
    const iscsiReadMs = await timed(() => withEndpoints([{ kind: 'iscsi', info, initiator: connector.initiator as string }], ([o]) =>
      b.executor.run(['qemu-img', 'convert', '-n', '-m', '16', ...o!.objectArgs, '--image-opts', o!.imageOpts, '--target-image-opts', nullTarget(GiB)], { quiet: true })));
    const iscsiRead = mbPerS(iscsiReadMs);
    report('local.iscsi_read_1gib.mb_s', iscsiRead);
    report('local.iscsi_write_ratio', Math.round((iscsiWrite / fileWrite) * 100) / 100);
    report('local.iscsi_read_ratio', Math.round((iscsiRead / fileRead) * 100) / 100);

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
