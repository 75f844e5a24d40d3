// /v3/{project_id}/types/{type_id}/encryption (admin): a volume type's encryption specs
// (provider, cipher, key size, front-end or back-end), read, created, updated and deleted as
// Cinder's volume type encryption extension does; writes are refused while volumes use the type.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { EncryptionRow } from '../../db/schema.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { newId } from '../../util/ids.js';
import { nowIso } from '../../util/clock.js';
import { inTransaction } from '../../db/transaction.js';
import { findVolumeType } from '../../db/repos/types.js';
import { encryptionOf, mustHaveEncryption, refuseWhileTypeInUse } from '../../db/repos/type-encryption.js';
import { ts } from '../http.js';
import { IdParams } from './common.schema.js';

const ControlLocation = Type.Union([Type.Literal('front-end'), Type.Literal('back-end')]);
const Fields = {
  provider: Type.String({ minLength: 1, maxLength: 255 }),
  control_location: ControlLocation,
  cipher: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
  key_size: Type.Union([Type.Integer({ minimum: 0, maximum: 65536 }), Type.Null()]),
};
const CreateBody = Type.Object({
  encryption: Type.Object({
    provider: Fields.provider, control_location: Type.Optional(Fields.control_location),
    cipher: Type.Optional(Fields.cipher), key_size: Type.Optional(Fields.key_size),
  }, { additionalProperties: false }),
}, { additionalProperties: false });
const UpdateBody = Type.Object({
  encryption: Type.Object({
    provider: Type.Optional(Fields.provider), control_location: Type.Optional(Fields.control_location),
    cipher: Type.Optional(Fields.cipher), key_size: Type.Optional(Fields.key_size),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });
const SpecParams = Type.Object({
  projectId: Type.String({ minLength: 1, maxLength: 255 }), id: Type.String({ minLength: 1, maxLength: 255 }), key: Type.String({ minLength: 1, maxLength: 255 }),
});

function specs(e: EncryptionRow) {
  return { volume_type_id: e.volumeTypeId, encryption_id: e.encryptionId, provider: e.provider, control_location: e.controlLocation, cipher: e.cipher, key_size: e.keySize };
}

/** The index answer: the specs with Cinder's row fields, or `{}` for an unencrypted type. */
function shown(e: EncryptionRow | undefined) {
  if (!e) return {};
  return { ...specs(e), deleted: false, created_at: ts(e.createdAt), updated_at: ts(e.updatedAt), deleted_at: null };
}

export function typeEncryptionRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/types/:id/encryption';
  const config = { adminOnly: true };
  const typeOf = (id: string) => findVolumeType(deps.db.kysely, null, id);

  app.get(P, { config, schema: { params: IdParams } }, async (req) => {
    const t = await typeOf(req.params.id);
    return shown(await encryptionOf(deps.db.kysely, t.id));
  });

  app.get(`${P}/:key`, { config, schema: { params: SpecParams } }, async (req) => {
    const t = await typeOf(req.params.id);
    const all: Record<string, unknown> = shown(await mustHaveEncryption(deps.db.kysely, t.id));
    const { key } = req.params;
    if (!(key in all)) throw new NotFound('Encryption spec', key);
    return { [key]: all[key] };
  });

  app.post(P, { config, schema: { params: IdParams, body: CreateBody } }, async (req) => {
    const t = await typeOf(req.params.id);
    const b = req.body.encryption;
    const row = await inTransaction(deps.db, async (tx) => {
      if (await encryptionOf(tx, t.id)) throw new InvalidInput(`Volume type encryption for type ${t.id} already exists.`);
      await refuseWhileTypeInUse(tx, t.id, 'create');
      return tx.insertInto('volumeTypeEncryption').values({
        volumeTypeId: t.id, encryptionId: newId(), provider: b.provider, controlLocation: b.control_location ?? 'front-end',
        cipher: b.cipher ?? null, keySize: b.key_size ?? null, createdAt: nowIso(), updatedAt: null,
      }).returningAll().executeTakeFirstOrThrow();
    });
    return { encryption: specs(row) };
  });

  app.put(`${P}/:key`, { config, schema: { params: SpecParams, body: UpdateBody } }, async (req) => {
    const t = await typeOf(req.params.id);
    const b = req.body.encryption;
    await inTransaction(deps.db, async (tx) => {
      await mustHaveEncryption(tx, t.id);
      await refuseWhileTypeInUse(tx, t.id, 'update');
      await tx.updateTable('volumeTypeEncryption').set({
        ...(b.provider !== undefined ? { provider: b.provider } : {}),
        ...(b.control_location !== undefined ? { controlLocation: b.control_location } : {}),
        ...(b.cipher !== undefined ? { cipher: b.cipher } : {}),
        ...(b.key_size !== undefined ? { keySize: b.key_size } : {}),
        updatedAt: nowIso(),
      }).where('volumeTypeId', '=', t.id).execute();
    });
    // Cinder answers with the fields it was given.
    return { encryption: b };
  });

  app.delete(`${P}/:key`, { config, schema: { params: SpecParams } }, async (req, reply) => {
    const t = await typeOf(req.params.id);
    await inTransaction(deps.db, async (tx) => {
      await mustHaveEncryption(tx, t.id);
      await refuseWhileTypeInUse(tx, t.id, 'delete');
      await tx.deleteFrom('volumeTypeEncryption').where('volumeTypeId', '=', t.id).execute();
    });
    reply.code(202).send();
  });
}
