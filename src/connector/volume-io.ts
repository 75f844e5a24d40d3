// Host-side volume I/O with qemu-img (what os-brick plus Cinder's image_utils do): copy between
// volumes, files and images; read a volume's capacity; compare two volumes' bytes.
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor } from '../exec/executor.js';
import { CommandError, InvalidInput } from '../errors/errors.js';
import { openEndpoint, withEndpoints, type VolumeEndpoint } from './volume-endpoint.js';

export type ProgressCallback = (percent: number) => void;

export interface CopyOptions {
  onProgress?: ProgressCallback;
  timeoutMs?: number;
}

/** qemu-img convert -p prints "    (12.34/100%)\r"; report each new percentage. */
export function progressParser(cb: ProgressCallback): (chunk: string) => void {
  let last = -1;
  return (chunk) => {
    for (const m of chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
      const p = Number(m[1]);
      if (p !== last) { last = p; cb(p); }
    }
  };
}

const NON_RETRYABLE = [/Authentication failure/, /Target not found/, /Could not open/, /No such file/];

/**
 * Writes `src` onto an existing volume or file `dst` (same or larger size), keeping dst's size.
 * `-t writeback`: qemu-img convert's own default for the target is `unsafe`, which never
 * flushes — the copy would be reported done with its bytes still in a page cache (tgtd never
 * saw a SYNCHRONIZE CACHE). Writeback flushes once, at the end.
 */
export async function copyData(executor: Executor, src: VolumeEndpoint, dst: VolumeEndpoint, opts: CopyOptions = {}): Promise<void> {
  await withEndpoints([src, dst], async ([s, d]) => {
    await executor.run(
      ['qemu-img', 'convert', '-n', '-p', '-W', '-m', '16', '-t', 'writeback', ...s!.objectArgs, ...d!.objectArgs,
        '--image-opts', s!.imageOpts, '--target-image-opts', d!.imageOpts],
      { onStdout: opts.onProgress ? progressParser(opts.onProgress) : undefined, timeoutMs: opts.timeoutMs ?? 3_600_000, nonRetryable: NON_RETRYABLE },
    );
  });
}

/** Reads a volume into a new image file of `format` (qcow2 is written compact). */
export async function copyToNewImage(
  executor: Executor, src: VolumeEndpoint, imagePath: string, format: 'raw' | 'qcow2', opts: CopyOptions = {},
): Promise<void> {
  await withEndpoints([src], async ([s]) => {
    await executor.run(
      ['qemu-img', 'convert', '-p', '-t', 'writeback', ...s!.objectArgs, '--image-opts', s!.imageOpts, '-O', format, imagePath],
      { onStdout: opts.onProgress ? progressParser(opts.onProgress) : undefined, timeoutMs: opts.timeoutMs ?? 3_600_000, nonRetryable: NON_RETRYABLE },
    );
  });
}

/** Virtual size in bytes, as the endpoint reports it (over iSCSI: READ CAPACITY). */
export async function readCapacity(executor: Executor, ep: VolumeEndpoint): Promise<number> {
  const o = await openEndpoint(ep);
  try {
    const r = await executor.run(['qemu-img', 'info', '--output=json', ...o.objectArgs, '--image-opts', o.imageOpts], { tries: 1, nonRetryable: NON_RETRYABLE });
    return Number((JSON.parse(r.stdout) as { 'virtual-size': number })['virtual-size']);
  } finally {
    await o.dispose();
  }
}

/** Image file format and virtual size, from the file itself (never trust a caller's format for size). */
export async function imageInfo(executor: Executor, path: string, format?: string): Promise<{ format: string; virtualSize: number }> {
  const r = await executor.run(['qemu-img', 'info', '--output=json', ...(format ? ['-f', format] : []), path], { tries: 1 });
  const j = JSON.parse(r.stdout) as { format: string; 'virtual-size': number };
  return { format: j.format, virtualSize: j['virtual-size'] };
}

/** True when both hold the same bytes (qemu-img compare; a size difference counts only if the tail is non-zero). */
export async function compareData(executor: Executor, a: VolumeEndpoint, b: VolumeEndpoint): Promise<boolean> {
  return withEndpoints([a, b], async ([x, y]) => {
    try {
      await executor.run(['qemu-img', 'compare', ...x!.objectArgs, ...y!.objectArgs, '--image-opts', x!.imageOpts, y!.imageOpts],
        { tries: 1, okExitCodes: [0], nonRetryable: [/.*/] });
      return true;
    } catch (e) {
      if (e instanceof CommandError && e.exitCode === 1) return false;
      throw e;
    }
  });
}

export function assertFormat(format: string): 'raw' | 'qcow2' {
  if (format !== 'raw' && format !== 'qcow2') throw new InvalidInput(`Image format '${format}' is not supported (allowed: raw, qcow2).`);
  return format;
}

/** The first `length` bytes of a volume (qemu-img dd through the endpoint; secrets as qemu objects). */
export async function readHead(executor: Executor, ep: VolumeEndpoint, length: number, scratchDir: string): Promise<Buffer> {
  const out = join(scratchDir, `head-${randomUUID()}.raw`);
  try {
    await withEndpoints([ep], async ([o]) => {
      await executor.run(['qemu-img', 'dd', ...o!.objectArgs, '--image-opts', '-O', 'raw', 'bs=1M', `count=${Math.max(1, Math.ceil(length / 2 ** 20))}`,
        `if=${o!.imageOpts}`, `of=${out}`], { quiet: true, nonRetryable: [/.*/] });
    });
    return (await readFile(out)).subarray(0, length);
  } finally {
    await rm(out, { force: true });
  }
}
