// Moving the fake driver's in-memory volume bytes to and from real files (images, backup devices).
// Only the written prefix is held in memory; the rest of a volume reads as zeros, as on a sparse file.
import { mkdir, readFile, stat, truncate, unlink, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { BackendError, InvalidInput } from '../../errors/errors.js';
import type { Executor } from '../../exec/executor.js';

const GiB = 2 ** 30;

/** Drops trailing zero bytes: they are what an unwritten sparse region reads as anyway. */
export function trimZeros(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return end === buf.length ? buf : Buffer.from(buf.subarray(0, end));
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'flint-fake-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image's bytes as the volume would hold them (converted to raw by qemu-img when not raw). */
export async function readImage(executor: Executor, path: string, format: string, volumeSizeGiB: number): Promise<Buffer> {
  if (format === 'raw') {
    const st = await stat(path).catch(() => { throw new InvalidInput(`Image file ${path} does not exist.`); });
    if (st.size > volumeSizeGiB * GiB) throw new InvalidInput(`Image ${path} (${st.size} bytes) is larger than the ${volumeSizeGiB} GiB volume.`);
    return trimZeros(await readFile(path));
  }
  const info = await executor.run(['qemu-img', 'info', '--output=json', '-f', format, path], { tries: 1 });
  const virtualSize = Number((JSON.parse(info.stdout) as { 'virtual-size'?: number })['virtual-size']);
  if (!Number.isFinite(virtualSize)) throw new BackendError(`qemu-img reported no virtual size for ${path}.`);
  if (virtualSize > volumeSizeGiB * GiB) throw new InvalidInput(`Image ${path} (${virtualSize} bytes virtual) is larger than the ${volumeSizeGiB} GiB volume.`);
  return withTempDir(async (dir) => {
    const raw = join(dir, 'image.raw');
    await executor.run(['qemu-img', 'convert', '-f', format, '-O', 'raw', path, raw], { tries: 1 });
    return trimZeros(await readFile(raw));
  });
}

/** Writes the volume as an image file of `format` (a sparse raw file of the full size, or converted). */
export async function writeImage(executor: Executor, data: Buffer, sizeGiB: number, path: string, format: string): Promise<void> {
  if (format === 'raw') {
    await writeFile(path, data);
    await truncate(path, sizeGiB * GiB);
    return;
  }
  await withTempDir(async (dir) => {
    const raw = join(dir, 'volume.raw');
    await writeFile(raw, data);
    await truncate(raw, sizeGiB * GiB);
    await executor.run(['qemu-img', 'convert', '-f', 'raw', '-O', format, raw, path], { tries: 1 });
  });
}

/** A point-in-time copy of the volume as a sparse file; `cleanup` removes it. */
export async function writeBackupDevice(
  dir: string, volumeId: string, data: Buffer, sizeGiB: number,
): Promise<{ path: string; cleanup(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `backup-${volumeId}-${randomUUID().slice(0, 8)}.raw`);
  await writeFile(path, data);
  await truncate(path, sizeGiB * GiB);
  return { path, cleanup: () => unlink(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; }) };
}
