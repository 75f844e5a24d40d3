// /v3/{project_id}/group_snapshots (3.14): create, list, show, delete, and reset_status (3.19).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { InvalidInput } from '../../errors/errors.js';
import { VersionNotFoundForMethod, atLeast } from '../microversion.js';
import { checkQueryKeys, parseBoolean, q, requireAdmin, type Query } from '../http.js';
import { getGroupSnapshot, listGroupSnapshots } from '../../db/repos/groups.js';
import { groupSnapshotDetail, groupSnapshotSummary } from '../views/group-view.js';
import { AnyQuery, IdParams, NullableDescription, NullableName, ProjectParams } from './common.schema.js';
import { page } from './groups.js';

const CreateBody = Type.Object({
  group_snapshot: Type.Object({
    group_id: Type.String({ minLength: 1, maxLength: 255 }),
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const ActionBody = Type.Object({
  reset_status: Type.Object({ status: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
}, { additionalProperties: false });

const V = { minVersion: '3.14' };

async function list(deps: ApiDeps, req: FastifyRequest & { query: Query }, detail: boolean) {
  const query = req.query;
  checkQueryKeys(query, ['all_tenants', 'project_id', 'group_id', 'status', 'name', 'limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir']);
  const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
  if (allTenants && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
  const rows = page(await listGroupSnapshots(deps.db.kysely, req.ctx, {
    allTenants,
    ...(allTenants && q(query, 'project_id') !== undefined ? { projectId: q(query, 'project_id')! } : {}),
    ...(!allTenants ? { projectId: req.ctx.projectId } : {}),
    ...(q(query, 'group_id') !== undefined ? { groupId: q(query, 'group_id')! } : {}),
    ...(q(query, 'status') !== undefined ? { status: q(query, 'status')! } : {}),
    ...(q(query, 'name') !== undefined ? { name: q(query, 'name')! } : {}),
  }), query);
  return { group_snapshots: rows.map((gs) => (detail ? groupSnapshotDetail(req, gs) : groupSnapshotSummary(gs))) };
}

export function groupSnapshotRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/group_snapshots';

  app.post(P, { config: V, schema: { params: ProjectParams, body: CreateBody } }, async (req, reply) => {
    const b = req.body.group_snapshot;
    const gs = await deps.volumes.createGroupSnapshot(req.ctx, { groupId: b.group_id, name: b.name ?? null, description: b.description ?? null });
    reply.code(202);
    return { group_snapshot: { ...groupSnapshotSummary(gs), group_type_id: gs.groupTypeId } };
  });

  app.get(P, { config: V, schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => list(deps, req, false));
  app.get(`${P}/detail`, { config: V, schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => list(deps, req, true));

  app.get(`${P}/:id`, { config: V, schema: { params: IdParams } }, async (req) => ({
    group_snapshot: groupSnapshotDetail(req, await getGroupSnapshot(deps.db.kysely, req.ctx, req.params.id)),
  }));

  app.delete(`${P}/:id`, { config: V, schema: { params: IdParams } }, async (req, reply) => {
    await deps.volumes.deleteGroupSnapshot(req.ctx, req.params.id);
    reply.code(202).send();
  });

  app.post(`${P}/:id/action`, { config: V, schema: { params: IdParams, body: ActionBody } }, async (req, reply) => {
    if (!atLeast(req.apiVersion, '3.19')) throw new VersionNotFoundForMethod('The reset_status action of group snapshots needs microversion 3.19 or later.');
    requireAdmin(req, 'group snapshot reset_status');
    await getGroupSnapshot(deps.db.kysely, req.ctx, req.params.id);
    await deps.volumes.resetGroupSnapshotStatus(req.ctx, req.params.id, req.body.reset_status.status);
    reply.code(202).send();
  });
}
