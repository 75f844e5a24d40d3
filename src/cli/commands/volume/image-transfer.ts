// Image files between this machine and Flint's image directory (PUT/GET /flint/images), and
// following a volume's copy to or from an image by the progress route, each with a bar.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiError, type FlintClient } from '../../client.js';
import { byteBar, percentBar } from '../../progress-bar.js';
import { OperationFailed } from '../../wait.js';

/** A copy whose status and percent stay the same this long is reported as stuck. */
const STALL_MS = 10 * 60_000;
const POLL_MS = 500;

const imagePath = (name: string) => `/flint/images/${encodeURIComponent(name)}`;

/** A fresh image name from a file name: `disk.qcow2` → `disk.qcow2-1a2b3c4d.img`. */
export function generatedImageName(file: string, suffix = '.img'): string {
  const base = basename(file).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || 'image';
  return `${base}-${randomBytes(4).toString('hex')}${suffix}`;
}

/** Sends `file` to the image directory as `name`, with a bar of bytes sent. */
export async function uploadImageFile(client: FlintClient, file: string, name: string): Promise<void> {
  const size = (await stat(file)).size;
  const bar = byteBar(`uploading ${basename(file)}`, size);
  let sent = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      bar.update(sent);
      yield chunk;
    }
  }
  try {
    const stream = Readable.toWeb(Readable.from(counted())) as unknown as ReadableStream<Uint8Array>;
    await (await client.stream('PUT', imagePath(name), { stream, length: size })).arrayBuffer();
  } finally {
    bar.stop();
  }
}

/**
 * Fetches image `name` into `file`, with a bar of bytes received. The bytes go to a hidden
 * file beside it first, so an interrupted download leaves no partial FILE; without `force`
 * an existing FILE is never replaced. Returns the size in bytes.
 */
export async function downloadImageFile(client: FlintClient, name: string, file: string, force: boolean): Promise<number> {
  const res = await client.stream('GET', imagePath(name));
  const bar = byteBar(`downloading ${basename(file)}`, Number(res.headers.get('content-length') ?? 0));
  const tmp = join(dirname(file), `.${basename(file)}.part-${randomBytes(4).toString('hex')}`);
  let received = 0;
  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      received += chunk.length;
      bar.update(received);
      yield chunk;
    }
  }
  try {
    if (!res.body) throw new ApiError(res.status, `GET ${imagePath(name)} answered without a body.`);
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), counted, createWriteStream(tmp, { flags: 'wx' }));
    if (force) {
      await rename(tmp, file);
    } else {
      await link(tmp, file).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'EEXIST' ? refuseOverwrite(file) : e;
      });
    }
    return received;
  } finally {
    bar.stop();
    await unlink(tmp).catch(() => undefined);
  }
}

export function refuseOverwrite(file: string): Error {
  return new Error(`${file} exists; --force replaces it.`);
}

/** Removes a server copy; one already gone is fine. */
export async function deleteImage(client: FlintClient, name: string): Promise<void> {
  await client.call('DELETE', imagePath(name)).catch((e: unknown) => {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  });
}

interface Progress {
  operation: string | null;
  percent: number | null;
  status: string;
}

/**
 * Polls the volume's progress until `done(status)`, with a bar of its copy's percent.
 * An error status, the volume vanishing, or a copy stuck for STALL_MS fails (exit 1).
 */
export async function followProgress(client: FlintClient, id: string, label: string, done: (status: string) => boolean): Promise<string> {
  const bar = percentBar(label);
  let last = '';
  let changedAt = Date.now();
  try {
    for (;;) {
      let p: Progress;
      try {
        p = (await client.call<{ progress: Progress }>('GET', `/flint/volumes/${encodeURIComponent(id)}/progress`)).progress;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) throw new OperationFailed(`${label}: volume ${id} is gone.`);
        throw e;
      }
      if (done(p.status)) {
        bar.update(100, p.status);
        return p.status;
      }
      if (p.status.startsWith('error')) throw new OperationFailed(`${label} ended in status ${p.status}.`);
      bar.update(p.percent ?? 0, p.status);
      const now = `${p.status} ${p.operation} ${p.percent}`;
      if (now !== last) {
        last = now;
        changedAt = Date.now();
      } else if (Date.now() - changedAt > STALL_MS) {
        throw new OperationFailed(`${label} made no progress for ${STALL_MS / 60_000} minutes (status ${p.status}).`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    bar.stop();
  }
}
