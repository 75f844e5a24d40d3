// Compression of stored objects. zlib (Node's own, no dependency) or none. Deflating
// incompressible data (encrypted or already compressed volumes) costs a core per ~50 MB/s and
// gains nothing, so a few slices of each object are tried first and an object whose sample does
// not shrink is stored as it is; an object that does not shrink whole is also stored as it is.
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
  if (algorithm === 'zlib' && (await looksCompressible(data, level))) {
    // deflate runs in libuv's thread pool, so objects in flight compress on every core.
    const packed = await deflateAsync(data, { level });
    if (packed.length < data.length) return { encoding: 'zlib', bytes: packed };
  }
  return { encoding: 'none', bytes: data };
}

const SAMPLES = 8;
const SAMPLE_BYTES = 8 * 1024;
/** The sample must shrink below this fraction for the object to be compressed. */
const SAMPLE_RATIO = 0.9;

async function looksCompressible(data: Buffer, level: number): Promise<boolean> {
  if (data.length <= SAMPLES * SAMPLE_BYTES * 4) return true;
  const stride = Math.floor(data.length / SAMPLES);
  const sample = Buffer.concat(Array.from({ length: SAMPLES }, (_, k) => data.subarray(k * stride, k * stride + SAMPLE_BYTES)));
  return (await deflateAsync(sample, { level })).length < sample.length * SAMPLE_RATIO;
}

/** Decodes a stored object; `length` bounds the output so a forged object cannot balloon. */
export async function decodeObject(bytes: Buffer, encoding: ObjectEncoding, length: number): Promise<Buffer> {
  if (encoding === 'none') return bytes;
  return inflateAsync(bytes, { maxOutputLength: Math.max(length, 1) });
}
