// /v3/{project_id}/attachments (3.27+): the new-style attach flow; os-complete needs 3.44.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { AttachmentRow } from '../../db/schema.js';
import type { ConnectionInfo } from '../../drivers/interface/objects.js';
import { NotFound } from '../../errors/errors.js';
import { checkQueryKeys, parseBoolean, q, ts, type QueryRequest } from '../http.js';
import { atLeast, fmt, VersionNotFoundForMethod } from '../microversion.js';
import { getVolume } from '../../db/repos/volumes.js';
import { Connector, IdParams, InstanceId, ProjectParams, AnyQuery } from './common.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 255 });
const CreateAttachmentBody = Type.Object({
  attachment: Type.Object({
    volume_uuid: Id,
    instance_uuid: Type.Optional(Type.Union([InstanceId, Type.Null()])),
    connector: Type.Optional(Type.Union([Connector, Type.Null()])),
    mode: Type.Optional(Type.Union([Type.Literal('rw'), Type.Literal('ro')])),
  }, { additionalProperties: false }),
}, { additionalProperties: false });
const UpdateAttachmentBody = Type.Object({
  attachment: Type.Object({ connector: Connector }, { additionalProperties: false }),
}, { additionalProperties: false });
const AttachmentActionBody = Type.Object({
  'os-complete': Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]),
}, { additionalProperties: false });

function summary(a: AttachmentRow) {
  return { id: a.id, status: a.attachStatus, instance: a.instanceUuid, volume_id: a.volumeId };
}

function detail(a: AttachmentRow, connectionInfo?: ConnectionInfo | null) {
  let info: unknown = connectionInfo;
  if (info === undefined) info = a.connectionInfo ? JSON.parse(a.connectionInfo) : null;
  return {
    ...summary(a), attached_at: ts(a.attachTime), detached_at: ts(a.detachTime), attach_mode: a.attachMode, connection_info: info ?? {},
  };
}

async function getAttachment(deps: ApiDeps, req: FastifyRequest, id: string): Promise<AttachmentRow> {
  let qb = deps.db.kysely.selectFrom('attachments').selectAll().where('id', '=', id);
  if (!req.ctx.isAdmin) qb = qb.where('projectId', '=', req.ctx.projectId);
  const a = await qb.executeTakeFirst();
  if (!a) throw new NotFound('Attachment', id);
  return a;
}

export function attachmentRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/attachments';
  const config = { minVersion: '3.27' };

  app.post(P, { config, schema: { params: ProjectParams, body: CreateAttachmentBody } }, async (req) => {
    const a = req.body.attachment;
    await getVolume(deps.db.kysely, req.ctx, a.volume_uuid);
    const r = await deps.volumes.createAttachment(req.ctx, {
      volumeId: a.volume_uuid, instanceUuid: a.instance_uuid ?? null, connector: a.connector ?? null, mode: a.mode ?? 'rw',
    });
    return { attachment: detail(r.attachment, r.connectionInfo) };
  });

  const list = (isDetail: boolean) => async (req: QueryRequest) => {
    const query = req.query;
    checkQueryKeys(query, ['all_tenants', 'volume_id', 'instance_id', 'status', 'limit', 'marker']);
    const allTenants = q(query, 'all_tenants') !== undefined && parseBoolean(q(query, 'all_tenants'), 'all_tenants') && req.ctx.isAdmin;
    let qb = deps.db.kysely.selectFrom('attachments').selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1000);
    if (!allTenants) qb = qb.where('projectId', '=', req.ctx.projectId);
    if (q(query, 'volume_id')) qb = qb.where('volumeId', '=', q(query, 'volume_id')!);
    if (q(query, 'instance_id')) qb = qb.where('instanceUuid', '=', q(query, 'instance_id')!);
    if (q(query, 'status')) qb = qb.where('attachStatus', '=', q(query, 'status')!);
    const rows = await qb.execute();
    return { attachments: rows.map((r) => (isDetail ? detail(r) : summary(r))) };
  };
  app.get(P, { config, schema: { querystring: AnyQuery, params: ProjectParams } }, list(false));
  app.get(`${P}/detail`, { config, schema: { querystring: AnyQuery, params: ProjectParams } }, list(true));

  app.get(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => ({
    attachment: detail(await getAttachment(deps, req, req.params.id)),
  }));

  app.put(`${P}/:id`, { config, schema: { params: IdParams, body: UpdateAttachmentBody } }, async (req) => {
    const { id } = req.params;
    await getAttachment(deps, req, id);
    const r = await deps.volumes.updateAttachment(req.ctx, id, req.body.attachment.connector);
    return { attachment: detail(r.attachment, r.connectionInfo) };
  });

  app.delete(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => {
    const { id } = req.params;
    const a = await getAttachment(deps, req, id);
    await deps.volumes.deleteAttachment(req.ctx, id);
    return { attachments: [summary({ ...a, attachStatus: 'detached' })] };
  });

  app.post(`${P}/:id/action`, { config, schema: { params: IdParams, body: AttachmentActionBody } }, async (req, reply) => {
    if (!atLeast(req.apiVersion, '3.44')) {
      throw new VersionNotFoundForMethod(`API version ${fmt(req.apiVersion)} does not support os-complete; it needs 3.44 or later.`);
    }
    const { id } = req.params;
    await getAttachment(deps, req, id);
    await deps.volumes.completeAttachment(req.ctx, id);
    reply.code(204).send();
  });
}
