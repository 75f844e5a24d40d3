// /v3/{project_id}/group_types (3.11): group types, the default group type, and their group
// specs; every write and every spec route is admin-only, as Cinder's policy has it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { checkQueryKeys, parseBoolean, q } from '../http.js';
import {
  checkNotReserved, createGroupType, deleteGroupSpec, deleteGroupType, findGroupType, groupSpecsFor, groupSpecsOf, listGroupTypes,
  updateGroupType, upsertGroupSpecs,
} from '../../db/repos/group-types.js';
import { groupTypeView } from '../views/group-view.js';
import { AnyQuery, Bool, IdParams, MapOf, NullableDescription, ProjectParams } from './common.schema.js';

const SpecKey = { minLength: 1, maxLength: 255 };
const GroupSpecs = MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 255 }), propertyNames: SpecKey, maxProperties: 256 }));
const Name = Type.String({ minLength: 1, maxLength: 255 });

const CreateBody = Type.Object({
  group_type: Type.Object({
    name: Name,
    description: Type.Optional(NullableDescription),
    is_public: Type.Optional(Bool),
    group_specs: Type.Optional(GroupSpecs),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateBody = Type.Object({
  group_type: Type.Object({
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    description: Type.Optional(NullableDescription),
    is_public: Type.Optional(Bool),
  }, { additionalProperties: false, minProperties: 1 }),
}, { additionalProperties: false });

const SpecsBody = Type.Object({ group_specs: GroupSpecs }, { additionalProperties: false });
const SpecItemBody = MapOf<string>(Type.Object({}, { additionalProperties: Type.String({ maxLength: 255 }), propertyNames: SpecKey, minProperties: 1, maxProperties: 1 }));
const KeyParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 255 }), id: Type.String({ minLength: 1, maxLength: 255 }), key: Type.String(SpecKey) });

const V = { minVersion: '3.11' };
const ADMIN = { minVersion: '3.11', adminOnly: true };
const SORT_KEYS = ['name', 'id', 'created_at'] as const;

function blankCheck(name: string, field: string): string {
  const n = name.trim();
  if (!n) throw new InvalidInput(`Invalid input for field/attribute ${field}: it must not be blank.`);
  return n;
}

export function groupTypeRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/group_types';
  const db = () => deps.db.kysely;
  const render = async (req: Parameters<typeof groupTypeView>[0], id: string) => {
    const t = await findGroupType(db(), null, id);
    return groupTypeView(req, t, await groupSpecsOf(db(), t.id));
  };

  app.get(P, { config: V, schema: { params: ProjectParams, querystring: AnyQuery } }, async (req) => {
    const query = req.query;
    checkQueryKeys(query, ['is_public', 'sort', 'sort_key', 'sort_dir', 'limit', 'marker', 'offset']);
    const isPublicText = q(query, 'is_public');
    const isPublic = isPublicText === undefined ? true : isPublicText.toLowerCase() === 'none' ? null : parseBoolean(isPublicText, 'is_public');
    let sortKey: (typeof SORT_KEYS)[number] = 'name';
    let sortDir: 'asc' | 'desc' = 'asc';
    const sort = q(query, 'sort');
    const [key, dir] = sort !== undefined ? sort.split(':', 2) : [q(query, 'sort_key'), q(query, 'sort_dir')];
    if (key !== undefined && key !== '') {
      if (!(SORT_KEYS as readonly string[]).includes(key)) throw new InvalidInput(`Invalid sort key ${key.slice(0, 40)}: allowed are ${SORT_KEYS.join(', ')}.`);
      sortKey = key as (typeof SORT_KEYS)[number];
    }
    if (dir !== undefined && dir !== '') {
      if (dir !== 'asc' && dir !== 'desc') throw new InvalidInput(`Invalid sort direction ${dir.slice(0, 20)}: asc or desc.`);
      sortDir = dir;
    }
    let rows = await listGroupTypes(db(), req.ctx, { isPublic: req.ctx.isAdmin ? isPublic : true, sortKey, sortDir });
    const marker = q(query, 'marker');
    if (marker !== undefined) {
      const i = rows.findIndex((r) => r.id === marker);
      if (i < 0) throw new NotFound('Marker', marker);
      rows = rows.slice(i + 1);
    }
    const limit = q(query, 'limit');
    if (limit !== undefined) {
      const n = Number(limit);
      if (!Number.isInteger(n) || n < 0) throw new InvalidInput(`Invalid limit ${limit.slice(0, 20)}: a non-negative integer.`);
      rows = rows.slice(0, n);
    }
    const specs = await groupSpecsFor(db(), rows.map((r) => r.id));
    return { group_types: rows.map((t) => groupTypeView(req, t, specs.get(t.id)!)) };
  });

  app.get(`${P}/default`, { config: V, schema: { params: ProjectParams } }, async (req) => {
    const name = deps.defaultGroupType ?? null;
    if (!name) throw new NotFound('Default group type', 'default_group_type (not configured)');
    const t = await findGroupType(db(), req.ctx, name);
    return { group_type: groupTypeView(req, t, await groupSpecsOf(db(), t.id)) };
  });

  app.get(`${P}/:id`, { config: V, schema: { params: IdParams } }, async (req) => {
    const t = await findGroupType(db(), req.ctx, req.params.id);
    return { group_type: groupTypeView(req, t, await groupSpecsOf(db(), t.id)) };
  });

  app.post(P, { config: ADMIN, schema: { params: ProjectParams, body: CreateBody } }, async (req, reply) => {
    const b = req.body.group_type;
    const name = blankCheck(b.name, 'group_type.name');
    const t = await deps.db.kysely.transaction().execute((tx) => createGroupType(tx, {
      name, description: b.description ?? null, isPublic: b.is_public === undefined ? true : parseBoolean(b.is_public, 'group_type.is_public'),
      specs: b.group_specs ?? {},
    }));
    reply.code(202);
    return { group_type: await render(req, t.id) };
  });

  app.put(`${P}/:id`, { config: ADMIN, schema: { params: IdParams, body: UpdateBody } }, async (req) => {
    const t = await findGroupType(db(), req.ctx, req.params.id);
    checkNotReserved(t, 'updated');
    const b = req.body.group_type;
    if ((b.name === undefined || b.name === null) && b.description === undefined && b.is_public === undefined) {
      throw new InvalidInput('Specify group type name, description or a combination thereof.');
    }
    await deps.db.kysely.transaction().execute((tx) => updateGroupType(tx, t, {
      ...(b.name !== undefined && b.name !== null ? { name: blankCheck(b.name, 'group_type.name') } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.is_public !== undefined ? { isPublic: parseBoolean(b.is_public, 'group_type.is_public') } : {}),
    }));
    return { group_type: await render(req, t.id) };
  });

  app.delete(`${P}/:id`, { config: ADMIN, schema: { params: IdParams } }, async (req, reply) => {
    const t = await findGroupType(db(), req.ctx, req.params.id);
    checkNotReserved(t, 'deleted');
    await deps.db.kysely.transaction().execute((tx) => deleteGroupType(tx, t));
    reply.code(202).send();
  });

  // Group specs.
  app.get(`${P}/:id/group_specs`, { config: ADMIN, schema: { params: IdParams } }, async (req) => {
    const t = await findGroupType(db(), req.ctx, req.params.id);
    return { group_specs: await groupSpecsOf(db(), t.id) };
  });

  app.post(`${P}/:id/group_specs`, { config: ADMIN, schema: { params: IdParams, body: SpecsBody } }, async (req, reply) => {
    const t = await findGroupType(db(), req.ctx, req.params.id);
    checkNotReserved(t, 'updated');
    await deps.db.kysely.transaction().execute((tx) => upsertGroupSpecs(tx, t.id, req.body.group_specs));
    reply.code(202);
    return { group_specs: req.body.group_specs };
  });

  app.get(`${P}/:id/group_specs/:key`, { config: ADMIN, schema: { params: KeyParams } }, async (req) => {
    const { id, key } = req.params;
    const t = await findGroupType(db(), req.ctx, id);
    const specs = await groupSpecsOf(db(), t.id);
    if (!(key in specs)) throw new NotFound('Group type spec', `${key} of ${t.id}`);
    return { [key]: specs[key] };
  });

  app.put(`${P}/:id/group_specs/:key`, { config: ADMIN, schema: { params: KeyParams, body: SpecItemBody } }, async (req) => {
    const { id, key } = req.params;
    const body = req.body;
    if (!(key in body)) throw new InvalidInput(`Invalid input: the request body must set the key '${key.slice(0, 64)}' named in the URL.`);
    const t = await findGroupType(db(), req.ctx, id);
    checkNotReserved(t, 'updated');
    await deps.db.kysely.transaction().execute((tx) => upsertGroupSpecs(tx, t.id, { [key]: body[key]! }));
    return { [key]: body[key] };
  });

  app.delete(`${P}/:id/group_specs/:key`, { config: ADMIN, schema: { params: KeyParams } }, async (req, reply) => {
    const { id, key } = req.params;
    const t = await findGroupType(db(), req.ctx, id);
    // A key the type does not have is a 404 first, reserved type or not.
    if (!(key in await groupSpecsOf(db(), t.id))) throw new NotFound('Group type spec', `${key} of ${t.id}`);
    checkNotReserved(t, 'updated');
    await deps.db.kysely.transaction().execute((tx) => deleteGroupSpec(tx, t.id, key));
    reply.code(202).send();
  });
}
