// The legacy consistency group API (/consistencygroups, /cgsnapshots) mapped onto generic
// groups as Cinder maps it: a consistency group is a group of the reserved
// `default_cgsnapshot_type`, a cgsnapshot a group snapshot of such a group. Groups of other
// types are not consistency groups and are not found here.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { GroupRow, GroupSnapshotRow } from '../../db/schema.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';
import { checkQueryKeys, parseBoolean, q, type Query } from '../http.js';
import { getGroup, getGroupSnapshot, listGroupSnapshots, listGroups, volumeTypeIdsFor } from '../../db/repos/groups.js';
import { DEFAULT_CGSNAPSHOT_TYPE, findGroupType } from '../../db/repos/group-types.js';
import { checkZone } from '../../db/repos/services.js';
import { cgsnapshotDetail, consistencyGroupDetail, groupSnapshotSummary, groupSummary } from '../views/group-view.js';
import { AnyQuery, Bool, IdParams, NullableDescription, NullableName, ProjectParams } from './common.schema.js';
import { idList, page } from './groups.js';

const Id = Type.String({ minLength: 1, maxLength: 255 });
const IdList = Type.Union([Type.String({ maxLength: 65535 }), Type.Null()]);

const CreateBody = Type.Object({
  consistencygroup: Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    /** Comma-separated volume type names or ids. */
    volume_types: Type.String({ maxLength: 65535 }),
    availability_zone: Type.Optional(Type.Union([Id, Type.Null()])),
    status: Type.Optional(Type.String({ maxLength: 255 })),
    user_id: Type.Optional(Type.String({ maxLength: 255 })),
    project_id: Type.Optional(Type.String({ maxLength: 255 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const UpdateBody = Type.Object({
  consistencygroup: Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    add_volumes: Type.Optional(IdList),
    remove_volumes: Type.Optional(IdList),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const DeleteBody = Type.Object({
  consistencygroup: Type.Optional(Type.Object({ force: Type.Optional(Bool) }, { additionalProperties: false })),
}, { additionalProperties: false });

const FromSourceBody = Type.Object({
  'consistencygroup-from-src': Type.Object({
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    cgsnapshot_id: Type.Optional(Type.Union([Id, Type.Null()])),
    source_cgid: Type.Optional(Type.Union([Id, Type.Null()])),
    user_id: Type.Optional(Type.String({ maxLength: 255 })),
    project_id: Type.Optional(Type.String({ maxLength: 255 })),
    status: Type.Optional(Type.String({ maxLength: 255 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const CgsnapshotBody = Type.Object({
  cgsnapshot: Type.Object({
    consistencygroup_id: Id,
    name: Type.Optional(NullableName),
    description: Type.Optional(NullableDescription),
    user_id: Type.Optional(Type.String({ maxLength: 255 })),
    project_id: Type.Optional(Type.String({ maxLength: 255 })),
    status: Type.Optional(Type.String({ maxLength: 255 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** A NotFound becomes `undefined` (answered below under the legacy resource name); anything else is thrown. */
function missing(e: unknown): undefined {
  if (e instanceof NotFound) return undefined;
  throw e;
}

const LIST_KEYS = ['all_tenants', 'project_id', 'name', 'status', 'limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir'];

export function consistencyGroupRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/consistencygroups';
  const S = '/v3/:projectId/cgsnapshots';
  const db = () => deps.db.kysely;
  const cgTypeId = async () => (await findGroupType(db(), null, DEFAULT_CGSNAPSHOT_TYPE)).id;

  /** The group, if it is a consistency group the caller may see; else the 404 of a missing one. */
  const getCg = async (req: FastifyRequest, id: string): Promise<GroupRow> => {
    const g = await getGroup(db(), req.ctx, id).catch(missing);
    if (!g || g.groupTypeId !== await cgTypeId()) throw new NotFound('ConsistencyGroup', id);
    return g;
  };
  const getCgsnapshot = async (req: FastifyRequest, id: string): Promise<GroupSnapshotRow> => {
    const gs = await getGroupSnapshot(db(), req.ctx, id).catch(missing);
    if (!gs || gs.groupTypeId !== await cgTypeId()) throw new NotFound('CgSnapshot', id);
    return gs;
  };
  const allTenantsOf = (req: FastifyRequest, query: Query) => {
    const all = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants');
    if (all && !req.ctx.isAdmin) throw new InvalidInput('all_tenants is only allowed for admins.');
    return all;
  };
  const renderCgs = async (rows: GroupRow[]) => {
    const types = await volumeTypeIdsFor(db(), rows.map((g) => g.id));
    return rows.map((g) => consistencyGroupDetail(g, types.get(g.id)!));
  };
  const listCgs = async (req: FastifyRequest & { query: Query }, detail: boolean) => {
    checkQueryKeys(req.query, LIST_KEYS);
    const all = allTenantsOf(req, req.query);
    const typeId = await cgTypeId();
    const rows = page((await listGroups(db(), {
      projectId: all ? (q(req.query, 'project_id') ?? null) : req.ctx.projectId,
      ...(q(req.query, 'name') !== undefined ? { name: q(req.query, 'name')! } : {}),
      ...(q(req.query, 'status') !== undefined ? { status: q(req.query, 'status')! } : {}),
    })).filter((g) => g.groupTypeId === typeId), req.query);
    return { consistencygroups: detail ? await renderCgs(rows) : rows.map(groupSummary) };
  };
  const listCgsnapshots = async (req: FastifyRequest & { query: Query }, detail: boolean) => {
    checkQueryKeys(req.query, [...LIST_KEYS, 'consistencygroup_id']);
    const all = allTenantsOf(req, req.query);
    const typeId = await cgTypeId();
    const rows = page((await listGroupSnapshots(db(), req.ctx, {
      allTenants: all,
      ...(all && q(req.query, 'project_id') !== undefined ? { projectId: q(req.query, 'project_id')! } : {}),
      ...(!all ? { projectId: req.ctx.projectId } : {}),
      ...(q(req.query, 'consistencygroup_id') !== undefined ? { groupId: q(req.query, 'consistencygroup_id')! } : {}),
      ...(q(req.query, 'status') !== undefined ? { status: q(req.query, 'status')! } : {}),
      ...(q(req.query, 'name') !== undefined ? { name: q(req.query, 'name')! } : {}),
    })).filter((gs) => gs.groupTypeId === typeId), req.query);
    return { cgsnapshots: rows.map((gs) => (detail ? cgsnapshotDetail(gs) : groupSnapshotSummary(gs))) };
  };

  app.post(P, { schema: { params: ProjectParams, body: CreateBody } }, async (req, reply) => {
    const b = req.body.consistencygroup;
    const volumeTypes = idList(b.volume_types);
    if (volumeTypes.length === 0) throw new InvalidInput('volume_types must be provided to create consistency group.');
    if (b.availability_zone) await checkZone(deps.db, deps.defaultAvailabilityZone, b.availability_zone, 'consistencygroup.availability_zone');
    const g = await deps.volumes.createGroup(req.ctx, {
      name: b.name ?? null, description: b.description ?? null, groupType: DEFAULT_CGSNAPSHOT_TYPE, volumeTypes, availabilityZone: b.availability_zone ?? null,
    });
    reply.code(202);
    return { consistencygroup: groupSummary(g) };
  });
  app.get(P, { schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => listCgs(req, false));
  app.get(`${P}/detail`, { schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => listCgs(req, true));
  app.get(`${P}/:id`, { schema: { params: IdParams } }, async (req) => ({ consistencygroup: (await renderCgs([await getCg(req, req.params.id)]))[0] }));

  app.put(`${P}/:id`, { schema: { params: IdParams, body: UpdateBody } }, async (req, reply) => {
    const b = req.body.consistencygroup;
    await getCg(req, req.params.id);
    const add = idList(b.add_volumes);
    const remove = idList(b.remove_volumes);
    if (!b.name && !b.description && add.length === 0 && remove.length === 0) {
      throw new InvalidInput('Name, description, add_volumes, and remove_volumes can not be all empty in the request body.');
    }
    await deps.volumes.updateGroup(req.ctx, req.params.id, {
      ...(b.name !== undefined ? { name: b.name } : {}), ...(b.description !== undefined ? { description: b.description } : {}), addVolumes: add, removeVolumes: remove,
    });
    reply.code(202).send();
  });

  app.post(`${P}/:id/delete`, { schema: { params: IdParams, body: DeleteBody } }, async (req, reply) => {
    await getCg(req, req.params.id);
    const force = req.body.consistencygroup?.force;
    await deps.volumes.deleteGroup(req.ctx, req.params.id, force !== undefined && parseBoolean(force, 'consistencygroup.force'));
    reply.code(202).send();
  });

  app.post(`${P}/create_from_src`, { schema: { params: ProjectParams, body: FromSourceBody } }, async (req, reply) => {
    const b = req.body['consistencygroup-from-src'];
    if (b.cgsnapshot_id) await getCgsnapshot(req, b.cgsnapshot_id);
    if (b.source_cgid) await getCg(req, b.source_cgid);
    const g = await deps.volumes.createGroupFromSource(req.ctx, {
      name: b.name ?? null, description: b.description ?? null, groupSnapshotId: b.cgsnapshot_id ?? null, sourceGroupId: b.source_cgid ?? null,
    });
    reply.code(202);
    return { consistencygroup: groupSummary(g) };
  });

  app.post(S, { schema: { params: ProjectParams, body: CgsnapshotBody } }, async (req, reply) => {
    const b = req.body.cgsnapshot;
    await getCg(req, b.consistencygroup_id);
    const gs = await deps.volumes.createGroupSnapshot(req.ctx, { groupId: b.consistencygroup_id, name: b.name ?? null, description: b.description ?? null });
    reply.code(202);
    return { cgsnapshot: groupSnapshotSummary(gs) };
  });
  app.get(S, { schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => listCgsnapshots(req, false));
  app.get(`${S}/detail`, { schema: { params: ProjectParams, querystring: AnyQuery } }, (req) => listCgsnapshots(req, true));
  app.get(`${S}/:id`, { schema: { params: IdParams } }, async (req) => ({ cgsnapshot: cgsnapshotDetail(await getCgsnapshot(req, req.params.id)) }));
  app.delete(`${S}/:id`, { schema: { params: IdParams } }, async (req, reply) => {
    await getCgsnapshot(req, req.params.id);
    await deps.volumes.deleteGroupSnapshot(req.ctx, req.params.id);
    reply.code(202).send();
  });
}
