// Local share figures: create (image + mkfs + mount + Ganesha export), snapshot time against
// share size (freeze + reflink: constant), and 1 GiB written over NFSv3 beside the share
// filesystem's and the pool's own file write speed (same data, same fsync at the end).
import { randomBytes } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fill, timed } from './bench-io.js';
import { NfsClient, ipRule, makeLocalShareDriver, makeShare, makeShareSnapshot } from '../test/support/local-share-backend.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const mbps = (bytes: number, ms: number) => Math.round(bytes / MiB / (ms / 1000));

export async function run(report: (name: string, value: number) => void): Promise<void> {
  const b = await makeLocalShareDriver({ nfsv3: true });
  try {
    const d = b.driver;
    await d.doSetup();
    const block = randomBytes(64 * MiB);

    // Create: median of 5 (image, mkfs.xfs, loop mount, AddExport over D-Bus, export file).
    const creates: number[] = [];
    const spare = [];
    for (let i = 0; i < 5; i++) {
      const s = makeShare({ size: 1 });
      creates.push(await timed(() => d.createShare(s)));
      spare.push(s);
    }
    report('share.local_create.ms', Math.round(creates.sort((x, y) => x - y)[2]! * 10) / 10);
    for (const s of spare) await d.deleteShare(s);

    // Snapshot against size: 1 GiB share holding 512 MiB, 8 GiB share holding 4 GiB.
    for (const [sizeGiB, dataBytes] of [[1, 512 * MiB], [8, 4 * GiB]] as const) {
      const s = makeShare({ size: sizeGiB });
      await d.createShare(s);
      await fill(join(d.mountDir, s.name, 'data'), dataBytes, block, 'w');
      const snap = makeShareSnapshot(s);
      report(`share.snapshot_${sizeGiB}gib.ms`, Math.round((await timed(() => d.createSnapshot(snap))) * 100) / 100);
      await d.deleteSnapshot(snap);
      await d.deleteShare(s);
    }

    // 1 GiB: into the pool filesystem, into a share's filesystem directly, then over NFSv3 (nfs-cp from inside the namespace).
    const share = makeShare({ size: 2 });
    const u = await d.createShare(share);
    const rw = ipRule('127.0.0.1', 'rw');
    await d.updateAccess(share, [rw], [rw], []);
    const poolFile = join(d.pool.dir, 'bench-pool-write');
    report('share.pool_file_write_1gib.mb_s', mbps(GiB, await timed(() => fill(poolFile, GiB, block, 'w'))));
    await writeFile(poolFile, '');
    const direct = join(d.mountDir, share.name, 'direct');
    report('share.share_fs_write_1gib.mb_s', mbps(GiB, await timed(() => fill(direct, GiB, block, 'w'))));
    await writeFile(direct, '');
    const source = join(b.dir, 'source-1gib');
    await fill(source, GiB, block, 'w');
    const client = new NfsClient(b.executor, u.exportLocations![0]!);
    // nfs-cp ends with the last WRITE answered; the sync after counts what Ganesha left unstable.
    const nfsMs = await timed(async () => {
      await client.put(source, 'nfs-1gib');
      const fh = await open(join(d.mountDir, share.name, 'nfs-1gib'), 'r');
      try { await fh.sync(); } finally { await fh.close(); }
    });
    report('share.nfs_write_1gib.mb_s', mbps(GiB, nfsMs));
    await d.deleteShare(share);
  } finally {
    await b.cleanup();
  }
}
