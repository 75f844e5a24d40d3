// /v3/{project_id}/flint/images/{name}: image files in Flint's image directory, streamed in
// (PUT), out (GET) and removed (DELETE), so a client can hand Flint an image without a path on the host.
import { createReadStream, createWriteStream } from 'node:fs';
import { link, open, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { Conflict, FlintError, InvalidInput, NotSupported } from '../../errors/errors.js';
import type { ImageStore } from '../../volume/image-store.js';

const ImageParams = Type.Object({
  projectId: Type.String({ minLength: 1, maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
});
type ImageParams = Static<typeof ImageParams>;

/** An upload larger than the configured maximum. */
export class ImageTooLarge extends FlintError {
  override readonly code = 'image_too_large';
  override readonly httpStatus = 413;
}

export function imageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Encapsulated so the raw-stream parser applies to these routes only: elsewhere an
  // octet-stream body stays an unsupported media type.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    const P = '/v3/:projectId/flint/images/:name';
    const config = { adminOnly: true };
    const store = (): ImageStore => {
      if (!deps.images) throw new NotSupported('flint', 'image files over the API');
      return deps.images;
    };

    scope.put(P, { config, schema: { params: ImageParams } }, async (req, reply) => {
      const { name } = req.params as ImageParams;
      const path = store().fresh('name', name);
      if (!(req.body instanceof Readable)) {
        throw new InvalidInput('The request body must be the image bytes, sent as Content-Type application/octet-stream.');
      }
      const max = deps.maxImageUploadBytes;
      const declared = Number(req.headers['content-length']);
      if (max !== undefined && Number.isFinite(declared) && declared > max) {
        reply.header('connection', 'close');
        throw tooLarge(max);
      }
      try {
        const size = await receive(req.body, path, max);
        reply.code(201);
        return { image: { name, size } };
      } catch (e) {
        // What is left of a refused body is not worth reading: close instead of draining it.
        if (!req.body.readableEnded) reply.header('connection', 'close');
        throw e;
      }
    });

    scope.get(P, { config, schema: { params: ImageParams } }, async (req, reply) => {
      const path = store().existing('name', (req.params as ImageParams).name);
      const st = await stat(path);
      reply.header('content-type', 'application/octet-stream').header('content-length', st.size);
      return reply.send(createReadStream(path));
    });

    scope.delete(P, { config, schema: { params: ImageParams } }, async (req, reply) => {
      await unlink(store().existing('name', (req.params as ImageParams).name));
      reply.code(204);
    });
  });
}

function tooLarge(max: number): ImageTooLarge {
  return new ImageTooLarge(`The image is larger than the maximum upload of ${max} bytes.`);
}

/**
 * Streams `body` into a hidden temp file beside `path`, syncs it, then links it into place:
 * link fails if the name appeared meanwhile, so no upload overwrites another, and a failed
 * or aborted upload leaves nothing behind. Returns the size in bytes.
 */
async function receive(body: Readable, path: string, max: number | undefined): Promise<number> {
  // A leading '.' never passes the image name check, so a partial file cannot be used as an image.
  const tmp = join(dirname(path), `.upload-${randomBytes(6).toString('hex')}`);
  let bytes = 0;
  // Counts as it reads and stops at the maximum without destroying the request, so the
  // client still gets its 413 (the connection is closed after it rather than drained).
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (max !== undefined && bytes > max) throw tooLarge(max);
      yield chunk;
    }
  }
  try {
    await pipeline(counted, createWriteStream(tmp, { flags: 'wx', mode: 0o640 }));
    // Durable before it gets its name: a crash must not leave a named, half-written image.
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Conflict(`Image ${path.slice(dirname(path).length + 1)} already exists in the image directory.`);
      throw e;
    }
    return bytes;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
