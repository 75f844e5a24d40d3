// Metadata of volumes and snapshots: /{volumes|snapshots}/{id}/metadata[/{key}].
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ApiDeps } from '../deps.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { inTransaction } from '../../db/transaction.js';
import { getVolume } from '../../db/repos/volumes.js';
import { getSnapshot } from '../../db/repos/snapshots.js';
import { deleteMetadataKey, mergeMetadata, type MetadataTableName, readMetadata, replaceMetadata } from '../../db/repos/metadata.js';
import { IdParams, Metadata } from './common.schema.js';

const MetadataBody = Type.Object({ metadata: Metadata }, { additionalProperties: false });
const MetaBody = Type.Object({ meta: Metadata }, { additionalProperties: false });
const KeyParams = Type.Object({
  projectId: Type.String({ minLength: 1, maxLength: 255 }),
  id: Type.String({ minLength: 1, maxLength: 255 }),
  key: Type.String({ minLength: 1, maxLength: 255 }),
});

interface Resource {
  collection: 'volumes' | 'snapshots';
  table: MetadataTableName;
  owner: 'volumes' | 'snapshots';
  check(deps: ApiDeps, req: FastifyRequest, id: string): Promise<unknown>;
}

const RESOURCES: Resource[] = [
  { collection: 'volumes', table: 'volumeMetadata', owner: 'volumes', check: (d, r, id) => getVolume(d.db.kysely, r.ctx, id) },
  { collection: 'snapshots', table: 'snapshotMetadata', owner: 'snapshots', check: (d, r, id) => getSnapshot(d.db.kysely, r.ctx, id) },
];

export function metadataRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  for (const res of RESOURCES) {
    const P = `/v3/:projectId/${res.collection}/:id/metadata`;
    // The owner's row first, then its metadata rows: the lock order of db/transaction.ts,
    // which also keeps two writers of one resource's metadata from interleaving.
    const touch = async (tx: Transaction<Database>, id: string) => {
      const updatedAt = clock().now().toISOString();
      if (res.owner === 'volumes') await tx.updateTable('volumes').set({ updatedAt }).where('id', '=', id).execute();
      else await tx.updateTable('snapshots').set({ updatedAt }).where('id', '=', id).execute();
    };

    app.get(P, { schema: { params: IdParams } }, async (req) => {
      const { id } = req.params;
      await res.check(deps, req, id);
      return { metadata: await readMetadata(deps.db.kysely, res.table, id) };
    });

    // POST merges into the existing metadata, PUT replaces all of it.
    for (const method of ['POST', 'PUT'] as const) {
      app.route({
        method, url: P, schema: { params: IdParams, body: MetadataBody },
        handler: async (req) => {
          const { id } = req.params;
          await res.check(deps, req, id);
          const md = req.body.metadata;
          await inTransaction(deps.db, async (tx) => {
            await touch(tx, id);
            if (method === 'PUT') await replaceMetadata(tx, res.table, id, md);
            else await mergeMetadata(tx, res.table, id, md);
          });
          return { metadata: await readMetadata(deps.db.kysely, res.table, id) };
        },
      });
    }

    app.get(`${P}/:key`, { schema: { params: KeyParams } }, async (req) => {
      const { id, key } = req.params;
      await res.check(deps, req, id);
      const md = await readMetadata(deps.db.kysely, res.table, id);
      if (!(key in md)) throw new NotFound('Metadata key', `${key} of ${id}`);
      return { meta: { [key]: md[key] } };
    });

    app.put(`${P}/:key`, { schema: { params: KeyParams, body: MetaBody } }, async (req) => {
      const { id, key } = req.params;
      const meta = req.body.meta;
      const keys = Object.keys(meta);
      if (keys.length !== 1) throw new InvalidInput('Invalid input for field/attribute meta: exactly one key is allowed.');
      if (keys[0] !== key) throw new InvalidInput(`Invalid input for field/attribute meta: the body key '${keys[0]!.slice(0, 64)}' does not match the URL key '${key.slice(0, 64)}'.`);
      await res.check(deps, req, id);
      await inTransaction(deps.db, async (tx) => {
        await touch(tx, id);
        await mergeMetadata(tx, res.table, id, meta);
      });
      return { meta };
    });

    app.delete(`${P}/:key`, { schema: { params: KeyParams } }, async (req, reply) => {
      const { id, key } = req.params;
      await res.check(deps, req, id);
      await inTransaction(deps.db, async (tx) => {
        await touch(tx, id);
        // Thrown inside, so a missing key leaves updated_at as it was.
        if (!(await deleteMetadataKey(tx, res.table, id, key))) throw new NotFound('Metadata key', `${key} of ${id}`);
      });
      reply.code(200).send();
    });
  }
}
