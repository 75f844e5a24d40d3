// /v3/{project_id}/flint/images[/{name}]: a project's image files, listed, streamed in (PUT),
// out (GET) and removed (DELETE), so a client can hand Flint an image without a path on the host;
// PATCH (admins) shares one with other projects or makes it public.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createWriteStream } from 'node:fs';
import { open, rename, rm, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { Conflict, FlintError, InvalidInput, NotSupported } from '../../errors/errors.js';
import { ImageCatalog, VISIBILITIES, imageView } from '../../volume/image-catalog.js';

const ImageParams = Type.Object({
  projectId: Type.String({ minLength: 1, maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
});
type ImageParams = Static<typeof ImageParams>;
const ProjectParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }) });
const VisibilityBody = Type.Object({
  image: Type.Object({
    visibility: Type.Union(VISIBILITIES.map((v) => Type.Literal(v))),
    members: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });
type VisibilityBody = Static<typeof VisibilityBody>;

/** An upload larger than the configured maximum. */
export class ImageTooLarge extends FlintError {
  static override readonly safeByDefault = true;
  override readonly code = 'image_too_large';
  override readonly httpStatus = 413;
}

/** An upload over PUT touches its row this often; the sweep frees rows untouched for STALE_MS. */
const TOUCH_MS = 30_000;
const STALE_MS = 10 * 60_000;

export function imageRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  // Uploads cut off by a crash leave a 'saving' row and a temp file: swept at start and every few minutes.
  if (deps.images) {
    const sweeper = new ImageCatalog(deps.db, deps.images);
    const sweep = () => sweeper.sweep(STALE_MS)
      .then((r) => { if (r.rows || r.files) deps.logger?.info(r, 'removed what interrupted image uploads left'); })
      .catch((e: unknown) => deps.logger?.warn({ err: e }, 'image upload sweep failed'));
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await sweep();
      timer = setInterval(() => void sweep(), STALE_MS / 2).unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }
  // Encapsulated so the raw-stream parser applies to these routes only: elsewhere an
  // octet-stream body stays an unsupported media type.
  app.register(async (untyped) => {
    const scope = untyped.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    const P = '/v3/:projectId/flint/images/:name';
    // Images belong to the project in the URL; members use their own, admins share them.
    const catalog = (): ImageCatalog => {
      if (!deps.images) throw new NotSupported('flint', 'image files over the API');
      return new ImageCatalog(deps.db, deps.images);
    };

    scope.get('/v3/:projectId/flint/images', { schema: { params: ProjectParams } }, async (req) => {
      return { images: (await catalog().list(req.ctx)).map(imageView) };
    });

    scope.put(P, { schema: { params: ImageParams } }, async (req, reply) => {
      const { name } = req.params;
      const images = catalog();
      images.store.checkName('name', name);
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
        const row = await images.reserve(deps.db.kysely, req.ctx, 'name', name);
        let touched = Date.now();
        const alive = () => {
          if (Date.now() - touched < TOUCH_MS) return;
          touched = Date.now();
          void images.touch(row.id).catch(() => undefined);
        };
        const size = await receive(req.body, images, row.id, max, alive).catch(async (e: unknown) => {
          await images.release(deps.db.kysely, row.id);
          throw e;
        });
        if (!(await images.activate(deps.db.kysely, row.id, size))) {
          await rm(images.store.pathOf(row.id), { force: true });
          throw new Conflict(`Image ${name} was deleted while it was being uploaded.`);
        }
        reply.code(201);
        return { image: imageView({ ...row, status: 'active', size }) };
      } catch (e) {
        // What is left of a refused body is not worth reading: close instead of draining it.
        if (!req.body.readableEnded) reply.header('connection', 'close');
        throw e;
      }
    });

    scope.get(P, { schema: { params: ImageParams } }, async (req, reply) => {
      const { name } = req.params;
      const image = await catalog().resolve(req.ctx, 'name', name);
      // Opened without following links and measured on the open file: what is sent is what was checked.
      const { fh, size } = await catalog().store.openRead('name', name, image.path);
      reply.header('content-type', 'application/octet-stream').header('content-length', size);
      return reply.send(fh.createReadStream());
    });

    scope.delete(P, { schema: { params: ImageParams } }, async (req, reply) => {
      await catalog().remove(req.ctx, req.params.name);
      reply.code(204);
    });

    scope.patch(P, { config: { adminOnly: true }, schema: { params: ImageParams, body: VisibilityBody } }, async (req) => {
      const { image } = req.body;
      const row = await catalog().setVisibility(req.ctx, req.params.name, image.visibility, image.members);
      return { image: imageView(row) };
    });
  });
}

function tooLarge(max: number): ImageTooLarge {
  return new ImageTooLarge(`The image is larger than the maximum upload of ${max} bytes.`);
}

/**
 * Streams `body` into a temp file of its own in the store, syncs it, then renames it to the
 * image's file (named by the image id, so no other upload can have it). A failed or aborted
 * upload leaves nothing behind. Returns the size in bytes.
 */
async function receive(body: Readable, images: ImageCatalog, id: string, max: number | undefined, alive: () => void): Promise<number> {
  // A leading '.' never passes the image name check, so a partial file cannot be used as an image.
  const tmp = images.store.uploadTemp(id);
  let bytes = 0;
  // Counts as it reads and stops at the maximum without destroying the request, so the
  // client still gets its 413 (the connection is closed after it rather than drained).
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (max !== undefined && bytes > max) throw tooLarge(max);
      alive();
      yield chunk;
    }
  }
  // The file is created before the body is read, and the stream only opens it ('r+' never
  // creates): a stream creating it on its own opened it after an over-limit refusal had already
  // removed it, and the file stayed.
  await (await open(tmp, 'wx', 0o640)).close();
  try {
    await pipeline(counted, createWriteStream(tmp, { flags: 'r+' }));
    // Durable before it gets its name: a crash must not leave a named, half-written image.
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, images.store.pathOf(id));
    return bytes;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
