// /v3/{project_id}/qos-specs: QoS specs CRUD, their keys, and association with volume types (admin).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { QosSpecsRow } from '../../db/schema.js';
import { Conflict, InvalidInput } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { newId } from '../../util/ids.js';
import { checkQueryKeys, parseBoolean, q, selfLinks, type QueryRequest } from '../http.js';
import { getQosSpecs, lookupVolumeType, qosValuesFor } from '../../db/repos/types.js';
import { IdParams, MapOf, ProjectParams, AnyQuery } from './common.schema.js';

const CONSUMERS = ['front-end', 'back-end', 'both'] as const;
const SpecValue = Type.String({ maxLength: 255 });

const CreateQosBody = Type.Object({
  qos_specs: MapOf<string>(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    consumer: Type.Optional(Type.Union(CONSUMERS.map((c) => Type.Literal(c)))),
  }, { additionalProperties: SpecValue, propertyNames: { minLength: 1, maxLength: 255 }, maxProperties: 64 })),
}, { additionalProperties: false });

const UpdateQosBody = Type.Object({
  qos_specs: MapOf<string>(Type.Object({
    consumer: Type.Optional(Type.Union(CONSUMERS.map((c) => Type.Literal(c)))),
  }, { additionalProperties: SpecValue, propertyNames: { minLength: 1, maxLength: 255 }, minProperties: 1, maxProperties: 64 })),
}, { additionalProperties: false });

const DeleteKeysBody = Type.Object({ keys: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 64 }) }, { additionalProperties: false });

/** Cinder's QoS specs view: no timestamps (Tempest's schema refuses any other field). */
function view(r: QosSpecsRow, specs: Record<string, string>) {
  return { id: r.id, name: r.name, consumer: r.consumer, specs };
}

function typeIdParam(req: QueryRequest): string {
  const query = req.query;
  checkQueryKeys(query, ['vol_type_id']);
  const id = q(query, 'vol_type_id');
  if (!id) throw new InvalidInput('Query parameter vol_type_id is required.');
  return id;
}

export function qosSpecsRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/qos-specs';
  const config = { adminOnly: true };
  const render = async (req: FastifyRequest, id: string) => {
    const r = await getQosSpecs(deps.db.kysely, id);
    return view(r, (await qosValuesFor(deps.db.kysely, [id])).get(id)!);
  };

  app.get(P, { config, schema: { params: ProjectParams } }, async (req) => {
    const rows = await deps.db.kysely.selectFrom('qosSpecs').selectAll().orderBy('name').execute();
    const values = await qosValuesFor(deps.db.kysely, rows.map((r) => r.id));
    return { qos_specs: rows.map((r) => view(r, values.get(r.id)!)) };
  });

  app.post(P, { config, schema: { params: ProjectParams, body: CreateQosBody } }, async (req) => {
    const { name, consumer, ...specs } = req.body.qos_specs;
    if (await deps.db.kysely.selectFrom('qosSpecs').select('id').where('name', '=', name!).executeTakeFirst()) {
      throw new Conflict(`QoS Specs ${name} already exists.`);
    }
    const id = newId();
    await deps.db.kysely.transaction().execute(async (tx) => {
      await tx.insertInto('qosSpecs').values({ id, name: name!, consumer: consumer ?? 'back-end', createdAt: clock().now().toISOString() }).execute();
      const entries = Object.entries(specs);
      if (entries.length) await tx.insertInto('qosSpecValues').values(entries.map(([key, value]) => ({ qosSpecsId: id, key, value }))).execute();
    });
    return { qos_specs: await render(req, id), links: selfLinks(req, req.ctx.projectId, 'qos-specs', id) };
  });

  app.get(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => {
    const { id } = req.params;
    return { qos_specs: await render(req, id), links: selfLinks(req, req.ctx.projectId, 'qos-specs', id) };
  });

  app.put(`${P}/:id`, { config, schema: { params: IdParams, body: UpdateQosBody } }, async (req) => {
    const { id } = req.params;
    await getQosSpecs(deps.db.kysely, id);
    const { consumer, ...specs } = req.body.qos_specs;
    await deps.db.kysely.transaction().execute(async (tx) => {
      if (consumer) await tx.updateTable('qosSpecs').set({ consumer }).where('id', '=', id).execute();
      const entries = Object.entries(specs);
      if (entries.length) {
        await tx.deleteFrom('qosSpecValues').where('qosSpecsId', '=', id).where('key', 'in', entries.map(([k]) => k)).execute();
        await tx.insertInto('qosSpecValues').values(entries.map(([key, value]) => ({ qosSpecsId: id, key, value }))).execute();
      }
    });
    return { qos_specs: { ...(consumer ? { consumer } : {}), ...specs } };
  });

  app.delete(`${P}/:id`, { config, schema: { querystring: AnyQuery, params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    const query = req.query;
    checkQueryKeys(query, ['force']);
    const force = q(query, 'force') !== undefined && parseBoolean(q(query, 'force'), 'force');
    await getQosSpecs(deps.db.kysely, id);
    const used = await deps.db.kysely.selectFrom('volumeTypes').select('id').where('qosSpecsId', '=', id).executeTakeFirst();
    if (used && !force) throw new InvalidInput(`QoS specs ${id} is associated with volume type ${used.id}; disassociate it first or delete with force.`);
    await deps.db.kysely.transaction().execute(async (tx) => {
      await tx.updateTable('volumeTypes').set({ qosSpecsId: null }).where('qosSpecsId', '=', id).execute();
      await tx.deleteFrom('qosSpecValues').where('qosSpecsId', '=', id).execute();
      await tx.deleteFrom('qosSpecs').where('id', '=', id).execute();
    });
    reply.code(202).send();
  });

  app.put(`${P}/:id/delete_keys`, { config, schema: { params: IdParams, body: DeleteKeysBody } }, async (req, reply) => {
    const { id } = req.params;
    await getQosSpecs(deps.db.kysely, id);
    const keys = req.body.keys;
    const have = (await qosValuesFor(deps.db.kysely, [id])).get(id)!;
    const missing = keys.find((k) => !(k in have));
    if (missing) throw new InvalidInput(`QoS specs ${id} has no key '${missing.slice(0, 64)}'.`);
    await deps.db.kysely.deleteFrom('qosSpecValues').where('qosSpecsId', '=', id).where('key', 'in', keys).execute();
    reply.code(202).send();
  });

  app.get(`${P}/:id/associations`, { config, schema: { params: IdParams } }, async (req) => {
    const { id } = req.params;
    await getQosSpecs(deps.db.kysely, id);
    const types = await deps.db.kysely.selectFrom('volumeTypes').select(['id', 'name']).where('qosSpecsId', '=', id).execute();
    return { qos_associations: types.map((t) => ({ association_type: 'volume_type', name: t.name, id: t.id })) };
  });

  // Cinder associates with GET and a query parameter; clients depend on that shape.
  app.get(`${P}/:id/associate`, { config, schema: { querystring: AnyQuery, params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    const typeId = typeIdParam(req);
    await getQosSpecs(deps.db.kysely, id);
    const t = await lookupVolumeType(deps.db.kysely, null, typeId);
    if (!t) throw new InvalidInput(`Volume type ${typeId.slice(0, 64)} could not be found.`);
    if (t.qosSpecsId && t.qosSpecsId !== id) throw new InvalidInput(`Volume type ${t.id} is already associated with QoS specs ${t.qosSpecsId}.`);
    await deps.db.kysely.updateTable('volumeTypes').set({ qosSpecsId: id }).where('id', '=', t.id).execute();
    reply.code(202).send();
  });

  app.get(`${P}/:id/disassociate`, { config, schema: { querystring: AnyQuery, params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    const typeId = typeIdParam(req);
    await getQosSpecs(deps.db.kysely, id);
    const t = await lookupVolumeType(deps.db.kysely, null, typeId);
    if (!t) throw new InvalidInput(`Volume type ${typeId.slice(0, 64)} could not be found.`);
    await deps.db.kysely.updateTable('volumeTypes').set({ qosSpecsId: null }).where('id', '=', t.id).where('qosSpecsId', '=', id).execute();
    reply.code(202).send();
  });

  app.get(`${P}/:id/disassociate_all`, { config, schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params;
    await getQosSpecs(deps.db.kysely, id);
    await deps.db.kysely.updateTable('volumeTypes').set({ qosSpecsId: null }).where('qosSpecsId', '=', id).execute();
    reply.code(202).send();
  });
}
