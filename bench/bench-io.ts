// Helpers the benches share: incompressible data written fast, and a millisecond timer.
import { open } from 'node:fs/promises';

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
