// Helpers the benches share: incompressible data written fast, and a millisecond timer.
import { open } from 'node:fs/promises';
import type { Executor } from '../src/exec/executor.js';

/**
 * Writes `bytes` of incompressible data fast: one random block repeated, then fsync.
 * `flags` 'r+' writes into an existing (e.g. preallocated sparse) file, 'w' creates one.
 */
export async function fill(path: string, bytes: number, block: Buffer, flags: 'r+' | 'w' = 'r+'): Promise<void> {
  const fh = await open(path, flags);
  try {
    for (let off = 0; off < bytes; off += block.length) await fh.write(block, 0, Math.min(block.length, bytes - off), off);
    await fh.sync();
  } finally { await fh.close(); }
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Drops one file's clean pages from the page cache (`dd iflag=nocache count=0` is
 * posix_fadvise DONTNEED on the whole file): a read measured next comes from the disk, and
 * nothing outside that file (other sessions' caches) is touched as drop_caches would.
 */
export async function dropFileCache(executor: Executor, ...paths: string[]): Promise<void> {
  for (const p of paths) await executor.run(['dd', `if=${p}`, 'iflag=nocache', 'count=0', 'status=none'], { quiet: true, tries: 1 });
}

/** A qemu-img target that discards what it is given: reads measured without a write behind them. */
export function nullTarget(bytes: number): string {
  return `driver=null-co,size=${bytes}`;
}
