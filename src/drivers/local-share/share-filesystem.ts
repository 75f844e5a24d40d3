// One share's filesystem: an XFS image file in the reflink pool, loop-mounted at its own
// directory. Its size is a real limit (this kernel has no XFS project quotas).
import { chmod, mkdir, open, readFile, rmdir, statfs, truncate } from 'node:fs/promises';
import type { Executor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { BackendError } from '../../errors/errors.js';

const GiB = 1024 ** 3;

export class ShareFilesystem {
  constructor(private readonly executor: Executor, private readonly logger: Logger) {}

  async isMounted(dir: string): Promise<boolean> {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    return info.split('\n').some((l) => l.split(' ')[4] === dir);
  }

  /** Does the image already hold an XFS filesystem (its superblock magic)? */
  async hasFilesystem(image: string): Promise<boolean> {
    const fh = await open(image, 'r').catch(() => null);
    if (!fh) return false;
    try {
      const b = Buffer.alloc(4);
      await fh.read(b, 0, 4, 0);
      return b.toString('latin1') === 'XFSB';
    } finally {
      await fh.close();
    }
  }

  async format(image: string): Promise<void> {
    await this.executor.run(['mkfs.xfs', '-q', image], { tries: 1, nonRetryable: [/.*/] });
  }

  /** Mounts `image` at `dir` (idempotent); `fresh` opens the new root to every client user. */
  async mount(image: string, dir: string, opts: { nouuid?: boolean; fresh?: boolean; directIo?: boolean } = {}): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (await this.isMounted(dir)) return;
    const o = ['loop', 'nodev', 'nosuid', ...(opts.nouuid ? ['nouuid'] : [])].join(',');
    await this.executor.run(['mount', '-o', o, image, dir], { tries: 1, nonRetryable: [/.*/] });
    if (opts.fresh) await chmod(dir, 0o777);
    if (opts.directIo) await this.loopDirectIo(image);
  }

  /** A second page cache under the share (the image file's) only slows writes; a refusal keeps it buffered. */
  private async loopDirectIo(image: string): Promise<void> {
    const dev = await this.loopDevice(image);
    if (!dev) return;
    const r = await this.executor.run(['losetup', '--direct-io=on', dev], { tries: 1, quiet: true, okExitCodes: [0, 1] });
    if (r.exitCode !== 0) this.logger.info({ image, err: r.stderr.trim() }, 'share loop device stays buffered');
  }

  async unmount(dir: string): Promise<void> {
    if (await this.isMounted(dir)) await this.executor.run(['umount', dir], { tries: 3 });
    await rmdir(dir).catch(() => undefined);
  }

  private async loopDevice(image: string): Promise<string | null> {
    const r = await this.executor.run(['losetup', '-j', image], { tries: 1, quiet: true });
    return /^(\/dev\/loop\d+):/m.exec(r.stdout)?.[1] ?? null;
  }

  /**
   * Runs `fn` with the filesystem frozen (every write flushed, new ones held), so a reflink of
   * its image is a consistent snapshot. Always thaws.
   */
  async frozen<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    await this.executor.run(['xfs_freeze', '-f', dir], { tries: 1, nonRetryable: [/.*/] });
    try {
      return await fn();
    } finally {
      await this.executor.run(['xfs_freeze', '-u', dir], { tries: 3 });
    }
  }

  /**
   * A reflinked image carries its source's UUID, and XFS refuses to mount two filesystems with
   * one UUID. A frozen image also has a log to replay, which xfs_admin refuses: mount it once
   * with nouuid (replays the log), unmount, then write a new UUID.
   */
  async newUuid(image: string, scratchDir: string): Promise<void> {
    await this.mount(image, scratchDir, { nouuid: true });
    await this.unmount(scratchDir);
    await this.executor.run(['xfs_admin', '-U', 'generate', image], { tries: 1, nonRetryable: [/.*/] });
  }

  /** Grows the mounted filesystem to fill its image after the image grew (online). */
  async growToImage(image: string, dir: string, sizeGiB: number): Promise<void> {
    await truncate(image, sizeGiB * GiB);
    const dev = await this.loopDevice(image);
    if (!dev) throw new BackendError(`Share image ${image} has no loop device; is it mounted at ${dir}?`);
    await this.executor.run(['losetup', '-c', dev], { tries: 1 });
    await this.executor.run(['xfs_growfs', '-d', dir], { tries: 1 });
  }

  /** Bytes used and total as clients see them. */
  async usage(dir: string): Promise<{ usedBytes: number; totalBytes: number }> {
    const s = await statfs(dir);
    return { usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize };
  }
}
