// SHA-256 per fixed-size block of an object: what an incremental backup compares to find
// changed blocks, and what a restore checks every rebuilt object against.
import { createHash } from 'node:crypto';

export const DIGEST_BYTES = 32;

/** Concatenated digests of each `blockSize` block of `data` (the last one may be short). */
export function blockDigests(data: Buffer, blockSize: number): Buffer {
  const count = Math.ceil(data.length / blockSize);
  const out = Buffer.allocUnsafe(count * DIGEST_BYTES);
  for (let b = 0; b < count; b++) {
    createHash('sha256').update(data.subarray(b * blockSize, (b + 1) * blockSize)).digest().copy(out, b * DIGEST_BYTES);
  }
  return out;
}

/** Digests of an all-zero object of `length` bytes (what a never-stored object hashes to). */
export function zeroDigests(length: number, blockSize: number): Buffer {
  return blockDigests(Buffer.alloc(length), blockSize);
}

/** Indexes of blocks whose digest differs; both sides describe objects of one length. */
export function changedBlocks(now: Buffer, before: Buffer): number[] {
  const changed: number[] = [];
  for (let b = 0; b * DIGEST_BYTES < now.length; b++) {
    const at = b * DIGEST_BYTES;
    if (now.compare(before, at, at + DIGEST_BYTES, at, at + DIGEST_BYTES) !== 0) changed.push(b);
  }
  return changed;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Compared a slice at a time: a zero buffer the size of a backup object (32 MiB by default) per driver is not kept. */
const ZERO_SLICE = Buffer.alloc(64 * 1024);

export function isAllZero(data: Buffer): boolean {
  for (let at = 0; at < data.length; at += ZERO_SLICE.length) {
    const slice = data.subarray(at, at + ZERO_SLICE.length);
    if (!slice.equals(ZERO_SLICE.subarray(0, slice.length))) return false;
  }
  return true;
}
