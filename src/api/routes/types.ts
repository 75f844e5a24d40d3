// /v3/{project_id}/types: volume types, their extra specs and project access (admin writes).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { VolumeTypeRow } from '../../db/schema.js';
import { Conflict, InvalidInput, NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { newId } from '../../util/ids.js';
import { checkQueryKeys, parseBoolean, parseDictParam, q } from '../http.js';
import { extraSpecsFor, findVolumeType } from '../../db/repos/types.js';
import { typeCreateView, typeShowView, typeUpdateView, visibleExtraSpecs } from '../views/type-view.js';
import { Bool, IdParams, MapOf, NullableDescription, ProjectParams, AnyQuery } from './common.schema.js';

const SpecKey = { minLength: 1, maxLength: 255 };
const ExtraSpecs = MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 255 }), propertyNames: SpecKey, maxProperties: 256 }));

const CreateTypeBody = Type.Object({
  volume_type: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(NullableDescription),
    'os-volume-type-access:is_public': Type.Optional(Bool),
    is_public: Type.Optional(Bool),
    extra_specs: Type.Optional(ExtraSpecs),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateTypeBody = Type.Object({
  volume_type: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(NullableDescription),
    is_public: Type.Optional(Bool),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });

const ExtraSpecsBody = Type.Object({ extra_specs: ExtraSpecs }, { additionalProperties: false });
const ExtraSpecKeyBody = MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 255 }), propertyNames: SpecKey, minProperties: 1, maxProperties: 1 }));
const KeyParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), id: Type.String({ minLength: 1, maxLength: 255 }), key: Type.String(SpecKey) });
const AccessActionBody = Type.Object({
  addProjectAccess: Type.Optional(Type.Object({ project: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false })),
  removeProjectAccess: Type.Optional(Type.Object({ project: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false })),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 });

const admin = { adminOnly: true };

async function mustGet(deps: ApiDeps, req: FastifyRequest, id: string) {
  return findVolumeType(deps.db.kysely, req.ctx, id);
}

async function specsOf(deps: ApiDeps, t: VolumeTypeRow): Promise<Record<string, string>> {
  return (await extraSpecsFor(deps.db.kysely, [t.id])).get(t.id)!;
}

async function nameTaken(deps: ApiDeps, name: string, exceptId?: string): Promise<boolean> {
  const t = await deps.db.kysely.selectFrom('volumeTypes').select('id').where('name', '=', name).executeTakeFirst();
  return !!t && t.id !== exceptId;
}

export function typeRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/types';

  app.get(P, { schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    checkQueryKeys(query, ['is_public', 'name', 'extra_specs', 'limit', 'marker', 'sort', 'sort_key', 'sort_dir']);
    let qb = deps.db.kysely.selectFrom('volumeTypes').selectAll().orderBy('name');
    // cinderclient finds a type by name through this list.
    if (q(query, 'name') !== undefined) qb = qb.where('name', '=', q(query, 'name')!);
    // 3.52: types whose extra specs include all of these.
    if (q(query, 'extra_specs') !== undefined) {
      for (const [k, v] of Object.entries(parseDictParam(q(query, 'extra_specs')!, 'extra_specs'))) {
        qb = qb.where((eb) => eb.exists(eb.selectFrom('volumeTypeExtraSpecs').select('volumeTypeExtraSpecs.key')
          .whereRef('volumeTypeExtraSpecs.volumeTypeId', '=', 'volumeTypes.id')
          .where('volumeTypeExtraSpecs.key', '=', k).where('volumeTypeExtraSpecs.value', '=', v)));
      }
    }
    const isPublic = q(query, 'is_public');
    if (!req.ctx.isAdmin) {
      const pid = req.ctx.projectId;
      qb = qb.where((eb) => eb.or([
        eb('isPublic', '=', 1),
        eb.exists(eb.selectFrom('volumeTypeProjects').select('projectId').whereRef('volumeTypeProjects.volumeTypeId', '=', 'volumeTypes.id').where('volumeTypeProjects.projectId', '=', pid)),
      ]));
    } else if (isPublic !== undefined && isPublic.toLowerCase() !== 'none') {
      qb = qb.where('isPublic', '=', parseBoolean(isPublic, 'is_public') ? 1 : 0);
    }
    const rows = await qb.execute();
    const specs = await extraSpecsFor(deps.db.kysely, rows.map((r) => r.id));
    return { volume_types: rows.map((t) => typeShowView(req, t, specs.get(t.id)!)) };
  });

  app.get(`${P}/:id`, { schema: { params: IdParams } }, async (req) => {
    const t = await mustGet(deps, req, req.params.id);
    return { volume_type: typeShowView(req, t, await specsOf(deps, t)) };
  });

  app.post(P, { config: admin, schema: { params: ProjectParams, body: CreateTypeBody } }, async (req) => {
    const b = req.body.volume_type;
    const name = b.name.trim();
    if (!name) throw new InvalidInput('Invalid input for field/attribute volume_type.name: it must not be blank.');
    if (await nameTaken(deps, name)) throw new Conflict(`Volume Type ${name} already exists.`);
    const pub = b['os-volume-type-access:is_public'] ?? b.is_public;
    const id = newId();
    await deps.db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto('volumeTypes').values({
        id, name, description: b.description ?? null, isPublic: pub === undefined || parseBoolean(pub, 'volume_type.is_public') ? 1 : 0,
        qosSpecsId: null, createdAt: clock().now().toISOString(),
      }).execute();
      const specs = Object.entries(b.extra_specs ?? {});
      if (specs.length) await tx.insertInto('volumeTypeExtraSpecs').values(specs.map(([key, value]) => ({ volumeTypeId: id, key, value }))).execute();
    });
    const created = await findVolumeType(deps.db.kysely, null, id);
    return { volume_type: typeCreateView(created, await specsOf(deps, created)) };
  });

  app.put(`${P}/:id`, { config: admin, schema: { params: IdParams, body: UpdateTypeBody } }, async (req) => {
    const t = await mustGet(deps, req, req.params.id);
    const b = req.body.volume_type;
    const set: { name?: string; description?: string | null; isPublic?: 0 | 1 } = {};
    if (b.name !== undefined) {
      const name = b.name.trim();
      if (!name) throw new InvalidInput('Invalid input for field/attribute volume_type.name: it must not be blank.');
      if (await nameTaken(deps, name, t.id)) throw new Conflict(`Volume Type ${name} already exists.`);
      set.name = name;
    }
    if (b.description !== undefined) set.description = b.description;
    if (b.is_public !== undefined) set.isPublic = parseBoolean(b.is_public, 'volume_type.is_public') ? 1 : 0;
    await deps.db.kysely.updateTable('volumeTypes').set(set).where('id', '=', t.id).execute();
    const updated = await findVolumeType(deps.db.kysely, null, t.id);
    return { volume_type: typeUpdateView(updated, await specsOf(deps, updated)) };
  });

  app.delete(`${P}/:id`, { config: admin, schema: { params: IdParams } }, async (req, reply) => {
    const t = await mustGet(deps, req, req.params.id);
    const inUse = await deps.db.kysely.selectFrom('volumes').select('id').where('volumeTypeId', '=', t.id).where('status', '!=', 'deleted').executeTakeFirst();
    if (inUse) throw new InvalidInput(`Volume type ${t.name} is in use by volume ${inUse.id} and cannot be deleted.`);
    await deps.db.kysely.transaction().execute(async (tx) => {
      await tx.deleteFrom('volumeTypeExtraSpecs').where('volumeTypeId', '=', t.id).execute();
      await tx.deleteFrom('volumeTypeProjects').where('volumeTypeId', '=', t.id).execute();
      await tx.deleteFrom('volumeTypeEncryption').where('volumeTypeId', '=', t.id).execute();
      await tx.deleteFrom('volumeTypes').where('id', '=', t.id).execute();
    });
    reply.code(202).send();
  });

  // Extra specs.
  app.get(`${P}/:id/extra_specs`, { schema: { params: IdParams } }, async (req) => {
    const t = await mustGet(deps, req, req.params.id);
    return { extra_specs: visibleExtraSpecs(req, await specsOf(deps, t)) };
  });

  app.post(`${P}/:id/extra_specs`, { config: admin, schema: { params: IdParams, body: ExtraSpecsBody } }, async (req) => {
    const t = await mustGet(deps, req, req.params.id);
    const specs = req.body.extra_specs;
    await upsertSpecs(deps, t.id, specs);
    return { extra_specs: specs };
  });

  // Readers may ask for a key they may see (a user-visible one); any other is not found for them.
  app.get(`${P}/:id/extra_specs/:key`, { schema: { params: KeyParams } }, async (req) => {
    const { id, key } = req.params;
    const t = await mustGet(deps, req, id);
    const specs = visibleExtraSpecs(req, await specsOf(deps, t));
    if (!(key in specs)) throw new NotFound('Volume type extra spec', `${key} of ${t.id}`);
    return { [key]: specs[key] };
  });

  app.put(`${P}/:id/extra_specs/:key`, { config: admin, schema: { params: KeyParams, body: ExtraSpecKeyBody } }, async (req) => {
    const { id, key } = req.params;
    const body = req.body;
    if (!(key in body)) throw new InvalidInput(`Invalid input: the request body must set the key '${key.slice(0, 64)}' named in the URL.`);
    const t = await mustGet(deps, req, id);
    await upsertSpecs(deps, t.id, { [key]: body[key]! });
    return { [key]: body[key] };
  });

  app.delete(`${P}/:id/extra_specs/:key`, { config: admin, schema: { params: KeyParams } }, async (req, reply) => {
    const { id, key } = req.params;
    const t = await mustGet(deps, req, id);
    const r = await deps.db.kysely.deleteFrom('volumeTypeExtraSpecs').where('volumeTypeId', '=', t.id).where('key', '=', key).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new NotFound('Volume type extra spec', `${key} of ${t.id}`);
    reply.code(202).send();
  });

  // Project access of private types.
  app.get(`${P}/:id/os-volume-type-access`, { config: admin, schema: { params: IdParams } }, async (req) => {
    const t = await mustGet(deps, req, req.params.id);
    if (t.isPublic) throw new NotFound('Access list of private volume type', t.id);
    const rows = await deps.db.kysely.selectFrom('volumeTypeProjects').selectAll().where('volumeTypeId', '=', t.id).execute();
    return { volume_type_access: rows.map((r) => ({ volume_type_id: r.volumeTypeId, project_id: r.projectId })) };
  });

  app.post(`${P}/:id/action`, { config: admin, schema: { params: IdParams, body: AccessActionBody } }, async (req, reply) => {
    const t = await mustGet(deps, req, req.params.id);
    const b = req.body;
    if (t.isPublic) throw new InvalidInput(`Invalid volume type ${t.id}: access can only be changed on private types.`);
    if (b.addProjectAccess) {
      const project = b.addProjectAccess.project;
      const exists = await deps.db.kysely.selectFrom('volumeTypeProjects').select('projectId').where('volumeTypeId', '=', t.id).where('projectId', '=', project).executeTakeFirst();
      if (exists) throw new Conflict(`Volume type access for ${t.id}/${project} already exists.`);
      await deps.db.kysely.insertInto('volumeTypeProjects').values({ volumeTypeId: t.id, projectId: project }).execute();
    } else {
      const project = b.removeProjectAccess!.project;
      const r = await deps.db.kysely.deleteFrom('volumeTypeProjects').where('volumeTypeId', '=', t.id).where('projectId', '=', project).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw new NotFound('Volume type access', `${t.id}/${project}`);
    }
    reply.code(202).send();
  });
}

async function upsertSpecs(deps: ApiDeps, typeId: string, specs: Record<string, string>) {
  const entries = Object.entries(specs);
  if (entries.length === 0) return;
  await deps.db.kysely.transaction().execute(async (tx) => {
    await tx.deleteFrom('volumeTypeExtraSpecs').where('volumeTypeId', '=', typeId).where('key', 'in', entries.map(([k]) => k)).execute();
    await tx.insertInto('volumeTypeExtraSpecs').values(entries.map(([key, value]) => ({ volumeTypeId: typeId, key, value }))).execute();
  });
}
