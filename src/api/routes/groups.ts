// /v3/{project_id}/groups (3.13): generic volume groups — create, list, show, update
// (add/remove volumes), the delete and reset_status actions, create-from-src (3.14) and the
// replication actions (3.38).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { atLeast } from '../microversion.js';
import { VersionNotFoundForMethod } from '../microversion.js';
import { checkQueryKeys, parseBoolean, q, type Query } from '../http.js';
import { getGroup, listGroups, volumeIdsFor, volumeTypeIdsFor } from '../../db/repos/groups.js';
import { checkZone } from '../../db/repos/services.js';
import { groupDetail, groupSummary } from '../views/group-view.js';
import type { GroupRow } from '../../db/schema.js';
import { AnyQuery, Bool, IdParams, NullableDescription, NullableName, ProjectParams } from './common.schema.js';
import { requireAdmin } from '../http.js';

const Id = Type.String({ minLength: 1, maxLength: 255 });
/** Comma-separated volume ids, as Cinder takes add_volumes/remove_volumes. */
const IdList = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);

const CreateBody = Type.Object({
  group: Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    group_type: Id,
    volume_types: Type.Array(Id, { minItems: 1, maxItems: 100 }),
    availability_zone: Type.Optional(Type.Union([Id, Type.Null()])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateBody = Type.Object({
  group: Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    add_volumes: Type.Optional(IdList),
    remove_volumes: Type.Optional(IdList),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const Empty = Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]);
const ActionBody = Type.Object({
  delete: Type.Optional(Type.Union([Type.Null(), Type.Object({ 'delete-volumes': Type.Optional(Bool) }, { additionalProperties: false })])),
  reset_status: Type.Optional(Type.Object({ status: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false })),
  enable_replication: Type.Optional(Empty),
  disable_replication: Type.Optional(Empty),
  failover_replication: Type.Optional(Type.Union([Type.Null(), Type.Object({
    allow_attached_volume: Type.Optional(Bool),
    secondary_backend_id: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  }, { additionalProperties: false })])),
  list_replication_targets: Type.Optional(Empty),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 });

const FromSourceBody = Type.Object({
  'create-from-src': Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    group_snapshot_id: Type.Optional(Type.Union([Id, Type.Null()])),
    source_group_id: Type.Optional(Type.Union([Id, Type.Null()])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const V = { minVersion: '3.13' };

/** Cinder's comma-separated id list; blanks are dropped. */
export function idList(v: string | null | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function needVersion(req: FastifyRequest, min: string, what: string): void {
  if (!atLeast(req.apiVersion, min)) throw new VersionNotFoundForMethod(`The ${what} action needs microversion ${min} or later.`);
}

async function render(deps: ApiDeps, req: FastifyRequest, rows: GroupRow[], listVolumes: boolean) {
  const ids = rows.map((g) => g.id);
  const types = await volumeTypeIdsFor(deps.db.kysely, ids);
  const volumes = listVolumes ? await volumeIdsFor(deps.db.kysely, ids) : null;
  return rows.map((g) => groupDetail(req, g, types.get(g.id)!, volumes?.get(g.id) ?? null));
}

function wantsVolumes(query: Query): boolean {
  const v = q(query, 'list_volume');
  return v !== undefined && parseBoolean(v, 'list_volume');
}

async function list(deps: ApiDeps, req: FastifyRequest & { query: Query }, detail: boolean) {
  const query = req.query;
  checkQueryKeys(query, ['all_tenants', 'project_id', 'name', 'status', 'limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'list_volume']);
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (allTenants && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
  let rows = await listGroups(deps.db.kysely, {
    projectId: allTenants ? (q(query, 'project_id') ?? null) : req.ctx.projectId,
    ...(q(query, 'name') !== undefined ? { name: q(query, 'name')! } : {}),
    ...(q(query, 'status') !== undefined ? { status: q(query, 'status')! } : {}),
  });
  rows = page(rows, query);
  return { groups: detail ? await render(deps, req, rows, wantsVolumes(query)) : rows.map(groupSummary) };
}

/** marker (an id in the list) and limit over the newest-first list. */
export function page<T extends { id: string }>(rows: T[], query: Query): T[] {
  const marker = q(query, 'marker');
  if (marker !== undefined) {
    const i = rows.findIndex((r) => r.id === marker);
    // Cinder's MarkerNotFound is a 404.
    if (i < 0) throw new NotFound('Marker', marker);
    rows = rows.slice(i + 1);
  }
  const limit = q(query, 'limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw new InvalidInput(`Invalid limit ${limit.slice(0, 20)}: a non-negative integer.`);
    rows = rows.slice(0, n);
  }
  return rows;
}

export function groupRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/groups';

  app.post(P, { config: V, schema: { params: ProjectParams, body: CreateBody } }, async (req, reply) => {
    const b = req.body.group;
    if (b.availability_zone) await checkZone(deps.db, deps.defaultAvailabilityZone, b.availability_zone, 'group.availability_zone');
    const g = await deps.volumes.createGroup(req.ctx, {
      name: b.name ?? null, description: b.description ?? null, groupType: b.group_type, volumeTypes: b.volume_types,
      availabilityZone: b.availability_zone ?? null,
    });
    reply.code(202);
    return { group: groupSummary(g) };
  });

  app.get(P, { config: V, schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => list(deps, req, false));
  app.get(`${P}/detail`, { config: V, schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => list(deps, req, true));

  app.get(`${P}/:id`, { config: V, schema: { params: IdParams, querystring: AnyQuery } }, async (req) => {
    checkQueryKeys(req.query, ['list_volume']);
    const g = await getGroup(deps.db.kysely, req.ctx, req.params.id);
    return { group: (await render(deps, req, [g], wantsVolumes(req.query)))[0] };
  });

  app.put(`${P}/:id`, { config: V, schema: { params: IdParams, body: UpdateBody } }, async (req, reply) => {
    const b = req.body.group;
    const add = idList(b.add_volumes);
    const remove = idList(b.remove_volumes);
    if ((b.name === undefined || b.name === null || b.name === '') && (b.description === undefined || b.description === null || b.description === '')
      && add.length === 0 && remove.length === 0) {
      throw new InvalidInput('Name, description, add_volumes, and remove_volumes can not be all empty in the request body.');
    }
    await deps.volumes.updateGroup(req.ctx, req.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}), ...(b.description !== undefined ? { description: b.description } : {}),
      addVolumes: add, removeVolumes: remove,
    });
    reply.code(202).send();
  });

  app.post(`${P}/:id/action`, { config: V, schema: { params: IdParams, body: ActionBody } }, async (req, reply) => {
    const { id } = req.params;
    const b = req.body;
    if (b.delete !== undefined) {
      const flag = b.delete?.['delete-volumes'];
      await deps.volumes.deleteGroup(req.ctx, id, flag !== undefined && parseBoolean(flag, 'delete.delete-volumes'));
      return reply.code(202).send();
    }
    if (b.reset_status) {
      needVersion(req, '3.20', 'reset_status');
      requireAdmin(req, 'group reset_status');
      await getGroup(deps.db.kysely, req.ctx, id);
      await deps.volumes.resetGroupStatus(req.ctx, id, b.reset_status.status);
      return reply.code(202).send();
    }
    needVersion(req, '3.38', 'replication');
    if (b.list_replication_targets !== undefined) {
      return { replication_targets: await deps.volumes.listGroupReplicationTargets(req.ctx, id) };
    }
    if (b.enable_replication !== undefined) await deps.volumes.enableGroupReplication(req.ctx, id);
    else if (b.disable_replication !== undefined) await deps.volumes.disableGroupReplication(req.ctx, id);
    else {
      const f = b.failover_replication ?? {};
      await deps.volumes.failoverGroupReplication(req.ctx, id, {
        allowAttachedVolume: f.allow_attached_volume !== undefined && parseBoolean(f.allow_attached_volume, 'failover_replication.allow_attached_volume'),
        secondaryBackendId: f.secondary_backend_id ?? null,
      });
    }
    return reply.code(202).send();
  });

  app.post(`${P}/action`, { config: { minVersion: '3.14' }, schema: { params: ProjectParams, body: FromSourceBody } }, async (req, reply) => {
    const b = req.body['create-from-src'];
    const g = await deps.volumes.createGroupFromSource(req.ctx, {
      name: b.name ?? null, description: b.description ?? null, groupSnapshotId: b.group_snapshot_id ?? null, sourceGroupId: b.source_group_id ?? null,
    });
    reply.code(202);
    return { group: groupSummary(g) };
  });
}
