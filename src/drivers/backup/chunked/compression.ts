// Compression of stored objects. zlib (Node's own, no dependency) or none; an object that does
// not shrink is stored as it is, so random data costs one compression attempt and no inflate.
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** How the chunked format may compress (Node 20's zlib has no zstd; see README.md). */
export type CompressionAlgorithm = 'zlib' | 'none';
/** How one stored object is encoded, recorded per object so a chain may mix settings. */
export type ObjectEncoding = 'zlib' | 'none';

/** Cinder's spellings accepted by backup_compression_algorithm, mapped to ours. */
export function compressionAlgorithm(name: string): CompressionAlgorithm {
  const n = name.toLowerCase();
  if (n === 'zlib' || n === 'gzip') return 'zlib';
  if (n === 'none' || n === 'off' || n === 'no') return 'none';
  throw new Error(`unknown compression algorithm ${name}`);
}

export async function encodeObject(
  data: Buffer, algorithm: CompressionAlgorithm, level: number,
): Promise<{ encoding: ObjectEncoding; bytes: Buffer }> {
  if (algorithm === 'zlib') {
    // deflate runs in libuv's thread pool, so objects in flight compress on every core.
    const packed = await deflateAsync(data, { level });
    if (packed.length < data.length) return { encoding: 'zlib', bytes: packed };
  }
  return { encoding: 'none', bytes: data };
}

/** Decodes a stored object; `length` bounds the output so a forged object cannot balloon. */
export async function decodeObject(bytes: Buffer, encoding: ObjectEncoding, length: number): Promise<Buffer> {
  if (encoding === 'none') return bytes;
  return inflateAsync(bytes, { maxOutputLength: Math.max(length, 1) });
}
