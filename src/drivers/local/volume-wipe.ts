// Wipes a volume file before it is deleted, per volume_clear (none | zero | shred) and
// volume_clear_size (MiB from the start, 0 = all). Zeroing punches holes: the blocks go back
// to the filesystem and read as zeroes, in constant time on XFS.
import { stat } from 'node:fs/promises';
import type { Executor } from '../../exec/executor.js';
import { CommandError } from '../../errors/errors.js';

export type VolumeClear = 'none' | 'zero' | 'shred';

const MiB = 1024 * 1024;

export async function wipeFile(executor: Executor, path: string, method: VolumeClear, clearSizeMiB: number): Promise<void> {
  if (method === 'none') return;
  const size = (await stat(path)).size;
  const length = clearSizeMiB > 0 ? Math.min(size, clearSizeMiB * MiB) : size;
  if (length === 0) return;
  if (method === 'shred') {
    // Cinder's shred: three random passes over the region.
    await executor.run(['shred', '-n', '3', '-s', String(length), path], { tries: 1, timeoutMs: 24 * 3_600_000 });
    return;
  }
  try {
    await executor.run(['fallocate', '--punch-hole', '--offset', '0', '--length', String(length), path], { tries: 1, nonRetryable: [/.*/] });
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    // Filesystems without hole punching get real zeroes written over the region.
    await executor.run(['dd', 'if=/dev/zero', `of=${path}`, 'bs=1M', `count=${Math.ceil(length / MiB)}`, 'conv=notrunc,fsync', 'status=none'],
      { tries: 1, timeoutMs: 24 * 3_600_000 });
  }
}
