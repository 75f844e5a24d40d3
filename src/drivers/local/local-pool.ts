// The local driver's pool: a directory (by default a loop-mounted XFS image with reflink)
// holding sparse raw files; clones by reflink where the filesystem can, sparse copy otherwise.
import { constants, createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rm, stat, statfs, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Executor } from '../../exec/executor.js';
import type { Logger } from '../../util/logger.js';
import { BackendError, Conflict, InvalidInput } from '../../errors/errors.js';
import type { Options } from '../../config/options.js';
import type { DriverContext } from '../interface/core.js';

const GiB = 1024 ** 3;

export interface LocalPoolOptions {
  dir: string;
  image: string | null;
  imageSizeGiB: number;
  /** Switch the pool's loop device to direct I/O (no second page cache under the pool). */
  loopDirectIo?: boolean;
  executor: Executor;
  logger: Logger;
}

/** The pool a backend's `local_pool_*` options describe (the volume and share drivers read the same names). */
export function localPoolFromOptions(opt: Options, ctx: Pick<DriverContext, 'stateDir' | 'executor' | 'logger'>): LocalPool {
  return new LocalPool({
    dir: opt.optStr('local_pool_dir') ?? join(ctx.stateDir, 'pool'),
    image: opt.optStr('local_pool_image'),
    imageSizeGiB: opt.int('local_pool_image_size_gib'),
    loopDirectIo: opt.bool('local_pool_loop_direct_io'),
    executor: ctx.executor,
    logger: ctx.logger,
  });
}

export class LocalPool {
  readonly dir: string;
  reflink = false;
  /** Did doSetup mount the image (so shutdown unmounts it)? */
  mountedByUs = false;
  fsType = 'unknown';
  /** Why the configured image is not what holds the volumes (the loop mount failed), or null. */
  problem: string | null = null;
  private mountError: string | null = null;

  constructor(private readonly o: LocalPoolOptions) {
    this.dir = resolve(o.dir);
  }

  path(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new InvalidInput(`Invalid backend file name '${name}'.`);
    return join(this.dir, name);
  }

  async setup(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (this.o.image) await this.mountImage(this.o.image);
    this.reflink = await this.probeReflink();
    if (this.mountError !== null) {
      // Loud on purpose: benches and tests would otherwise measure a different pool than configured.
      this.problem = `Pool image ${this.o.image} is not mounted (${this.mountError}); volumes live in the plain directory ${this.dir} `
        + `on ${this.fsType}, reflink ${this.reflink ? 'yes' : 'no'}${this.reflink ? '' : ': snapshots and clones are full copies'}.`;
      this.o.logger.warn({ image: this.o.image, dir: this.dir, fs: this.fsType, reflink: this.reflink }, this.problem);
    }
    this.o.logger.info({ dir: this.dir, fs: this.fsType, reflink: this.reflink, mounted: this.mountError === null && this.o.image !== null }, 'local pool ready');
  }

  private async isMountPoint(): Promise<boolean> {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    return info.split('\n').some((l) => l.split(' ')[4] === this.dir);
  }

  private async mountImage(image: string): Promise<void> {
    if (await this.isMountPoint()) { this.fsType = await this.detectFs(); return; }
    const exists = await stat(image).then(() => true, () => false);
    if (!exists) {
      await mkdir(resolve(image, '..'), { recursive: true });
      await writeFile(image, '');
      await truncate(image, this.o.imageSizeGiB * GiB);
      await this.o.executor.run(['mkfs.xfs', '-q', '-m', 'reflink=1', image], { tries: 1 });
    }
    try {
      await this.o.executor.run(['mount', '-o', 'loop', image, this.dir], { tries: 1, nonRetryable: [/.*/] });
      this.mountedByUs = true;
      if (this.o.loopDirectIo ?? true) await this.loopDirectIo(image);
    } catch (e) {
      // Containers without CAP_SYS_ADMIN or loop devices still get a working (plain) pool,
      // reported as a backend problem by setup().
      // The first line says why (mount's own hint to read dmesg follows it).
      this.mountError = (e as Error).message.split('\n')[0]!.trim() || 'mount failed';
    }
    this.fsType = await this.detectFs();
  }

  /**
   * A buffered loop device caches every pool block twice (the XFS above and the image file's
   * filesystem below) and writes back through one thread: a 1 GiB iSCSI write then stalls in
   * dirty-page throttling. Direct I/O is a speed-up only, so a refusal (e.g. the image on
   * tmpfs) is logged and the pool stays buffered.
   */
  private async loopDirectIo(image: string): Promise<void> {
    try {
      const r = await this.o.executor.run(['losetup', '-j', image], { tries: 1 });
      for (const m of r.stdout.matchAll(/^(\/dev\/loop\d+):/gm)) {
        await this.o.executor.run(['losetup', '--direct-io=on', m[1]!], { tries: 1, nonRetryable: [/.*/] });
      }
    } catch (e) {
      this.o.logger.warn({ image, err: (e as Error).message }, 'pool loop device stays buffered (direct I/O refused)');
    }
  }

  private async detectFs(): Promise<string> {
    const s = await statfs(this.dir);
    const types: Record<number, string> = { 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0xef53: 'ext4', 0x01021994: 'tmpfs' };
    return types[s.type] ?? `0x${s.type.toString(16)}`;
  }

  /** FICLONE where it works; ENOTSUP (ext4, tmpfs) or EXDEV means sparse copies. */
  private async probeReflink(): Promise<boolean> {
    const a = join(this.dir, '.reflink-probe-a');
    const b = join(this.dir, '.reflink-probe-b');
    try {
      await writeFile(a, 'probe');
      await copyFile(a, b, constants.COPYFILE_FICLONE_FORCE);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'EINVAL') return false;
      throw new BackendError(`Pool ${this.dir} is not usable: ${(e as Error).message}`, { cause: e, publicDetail: 'the storage pool is not usable' });
    } finally {
      await rm(a, { force: true });
      await rm(b, { force: true });
    }
  }

  async exists(name: string): Promise<boolean> {
    return stat(this.path(name)).then((s) => s.isFile(), () => false);
  }

  async size(name: string): Promise<number> {
    return (await stat(this.path(name))).size;
  }

  /** A new sparse file of `sizeGiB`; an existing one of the same size is kept (idempotent), another size conflicts. */
  async createFile(name: string, sizeGiB: number): Promise<void> {
    const fh = await open(this.path(name), 'a');
    try {
      const size = (await fh.stat()).size;
      if (size === 0) await fh.truncate(sizeGiB * GiB);
      else if (size !== sizeGiB * GiB) throw new Conflict(`Backend file ${name} already exists with ${size} bytes, not ${sizeGiB} GiB.`);
    } finally {
      await fh.close();
    }
  }

  /**
   * Unmanaged files keep their names (the manage reference stays valid); a hidden marker
   * says Flint let go of them, so listings call them safe to manage.
   */
  async setUnmanaged(name: string, unmanaged: boolean): Promise<void> {
    const marker = join(this.dir, `.unmanaged-${name}`);
    if (unmanaged) await writeFile(marker, '');
    else await rm(marker, { force: true });
  }

  async isUnmanaged(name: string): Promise<boolean> {
    return stat(join(this.dir, `.unmanaged-${name}`)).then(() => true, () => false);
  }

  /**
   * Copies `src` to `dst` (overwriting it in place, so a tgtd holding `dst` open sees the new
   * bytes), then sets dst's size to at least `minGiB`.
   */
  async copy(src: string, dst: string, minGiB = 0): Promise<void> {
    const from = this.path(src);
    const to = this.path(dst);
    if (this.reflink) {
      await copyFile(from, to, constants.COPYFILE_FICLONE_FORCE);
    } else {
      await this.o.executor.run(['cp', '--sparse=always', '--reflink=never', from, to], { tries: 1 });
    }
    const size = (await stat(to)).size;
    if (size < minGiB * GiB) await truncate(to, minGiB * GiB);
  }

  async resize(name: string, sizeGiB: number): Promise<void> {
    await truncate(this.path(name), sizeGiB * GiB);
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  /** Real capacity of the pool filesystem. */
  async capacity(): Promise<{ totalGiB: number; freeGiB: number }> {
    const s = await statfs(this.dir);
    return { totalGiB: (s.blocks * s.bsize) / GiB, freeGiB: (s.bavail * s.bsize) / GiB };
  }

  /** Whether every byte of a file is zero (used by tests and wipe verification). */
  static async isAllZero(path: string): Promise<boolean> {
    for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
      if ((chunk as Buffer).some((b) => b !== 0)) return false;
    }
    return true;
  }

  async unmount(): Promise<void> {
    if (!this.mountedByUs) return;
    await this.o.executor.run(['umount', this.dir], { tries: 3 });
    this.mountedByUs = false;
  }
}
