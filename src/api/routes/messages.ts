// /v3/{project_id}/messages (3.3+): user messages about failed asynchronous operations.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { MessageRow } from '../../db/schema.js';
import { NotFound } from '../../errors/errors.js';
import { SHARE_MESSAGE_RESOURCE_TYPES } from '../../db/repos/messages.js';
import { clock } from '../../util/clock.js';
import { checkQueryKeys, q, selfLinks, ts } from '../http.js';
import { IdParams, ProjectParams, AnyQuery } from './common.schema.js';

function view(req: FastifyRequest, m: MessageRow) {
  return {
    id: m.id, resource_type: m.resourceType, resource_uuid: m.resourceUuid, request_id: m.requestId, event_id: m.eventId,
    message_level: m.messageLevel, user_message: m.userMessage, created_at: ts(m.createdAt), guaranteed_until: ts(m.expiresAt),
    links: selfLinks(req, m.projectId, 'messages', m.id),
  };
}

export function messageRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/messages';
  const config = { minVersion: '3.3' };

  const get = async (req: FastifyRequest, id: string) => {
    let qb = deps.db.kysely.selectFrom('messages').selectAll().where('id', '=', id).where('expiresAt', '>', clock().now().toISOString())
      .where('resourceType', 'not in', [...SHARE_MESSAGE_RESOURCE_TYPES]);
    if (!req.ctx.isAdmin) qb = qb.where('projectId', '=', req.ctx.projectId);
    const m = await qb.executeTakeFirst();
    if (!m) throw new NotFound('Message', id);
    return m;
  };

  app.get(P, { config, schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    checkQueryKeys(query, ['resource_type', 'resource_uuid', 'event_id', 'message_level', 'request_id', 'limit', 'marker', 'sort']);
    let qb = deps.db.kysely.selectFrom('messages').selectAll()
      .where('projectId', '=', req.ctx.projectId).where('expiresAt', '>', clock().now().toISOString())
      .where('resourceType', 'not in', [...SHARE_MESSAGE_RESOURCE_TYPES])
      .orderBy('createdAt', 'desc').limit(1000);
    for (const [param, col] of [['resource_type', 'resourceType'], ['resource_uuid', 'resourceUuid'], ['event_id', 'eventId'], ['message_level', 'messageLevel'], ['request_id', 'requestId']] as const) {
      const v = q(query, param);
      if (v !== undefined) qb = qb.where(col, '=', v);
    }
    return { messages: (await qb.execute()).map((m) => view(req, m)) };
  });

  app.get(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => ({ message: view(req, await get(req, req.params.id)) }));

  app.delete(`${P}/:id`, { config, schema: { params: IdParams } }, async (req, reply) => {
    const m = await get(req, req.params.id);
    await deps.db.kysely.deleteFrom('messages').where('id', '=', m.id).execute();
    reply.code(204).send();
  });
}
