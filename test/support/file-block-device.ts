// A BlockReader and BlockWriter over a plain file, standing in for a volume attached over
// iSCSI: the backup drivers' conformance suite and bench read and restore through these.
import { open, type FileHandle } from 'node:fs/promises';
import type { BlockReader, BlockWriter } from '../../src/drivers/interface/backup.js';

const ZERO_CHUNK = Buffer.alloc(4 * 1024 * 1024);

export class FileBlockReader implements BlockReader {
  /** Reads running at this moment, and the most seen at once (proves a driver streams). */
  inFlight = 0;
  maxInFlight = 0;
  reads = 0;

  private constructor(private readonly fh: FileHandle, readonly sizeBytes: number) {}

  static async open(path: string): Promise<FileBlockReader> {
    const fh = await open(path, 'r');
    return new FileBlockReader(fh, (await fh.stat()).size);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.reads++;
    try {
      const n = Math.max(0, Math.min(length, this.sizeBytes - offset));
      const buf = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await this.fh.read(buf, done, n - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export class FileBlockWriter implements BlockWriter {
  zeroedBytes = 0;
  writtenBytes = 0;
  /** Writes running at this moment, and the most seen at once. */
  inFlight = 0;
  maxInFlight = 0;

  private constructor(private readonly fh: FileHandle, readonly sizeBytes: number) {}

  /** Opens (creating if needed) a file of `sizeBytes`; existing content is kept, as on a volume. */
  static async open(path: string, sizeBytes: number): Promise<FileBlockWriter> {
    const fh = await open(path, 'a+').then(async (h) => { await h.close(); return open(path, 'r+'); });
    await fh.truncate(sizeBytes);
    return new FileBlockWriter(fh, sizeBytes);
  }

  async write(offset: number, data: Buffer): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      this.writtenBytes += data.length;
    } finally {
      this.inFlight--;
    }
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    for (let at = 0; at < length; at += ZERO_CHUNK.length) {
      const n = Math.min(ZERO_CHUNK.length, length - at);
      await this.write(offset + at, ZERO_CHUNK.subarray(0, n));
    }
    this.writtenBytes -= length;
    this.zeroedBytes += length;
  }

  async flush(): Promise<void> {
    await this.fh.sync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
