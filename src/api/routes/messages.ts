// /v3/{project_id}/messages (3.3+): user messages about failed asynchronous operations. The
// list is the URL project's; one message by id is its project's or an admin's to read and
// delete. 3.5 adds filters, sorting and paging.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../deps.js';
import type { MessageRow } from '../../db/schema.js';
import { deleteMessage, getMessage } from '../../db/repos/messages.js';
import { atLeast } from '../microversion.js';
import { checkQueryKeys, q, selfLinks, ts } from '../http.js';
import { listMessages, MESSAGE_SORT_KEYS, type MessageFilters } from '../queries/messages.js';
import { MAX_LIMIT, PAGE_QUERY_KEYS, parsePageParams } from '../queries/list-params.js';
import { IdParams, ProjectParams, AnyQuery } from './common.schema.js';

const FILTERS = [['resource_type', 'resourceType'], ['resource_uuid', 'resourceUuid'], ['event_id', 'eventId'], ['message_level', 'messageLevel'], ['request_id', 'requestId']] as const;

function view(req: FastifyRequest, m: MessageRow) {
  return {
    id: m.id, resource_type: m.resourceType, resource_uuid: m.resourceUuid, event_id: m.eventId,
    // A message recorded by a manager has no API request behind it: an empty id, never null.
    request_id: m.requestId ?? '',
    message_level: m.messageLevel, user_message: m.userMessage, created_at: ts(m.createdAt), guaranteed_until: ts(m.expiresAt),
    links: selfLinks(req, m.projectId, 'messages', m.id),
  };
}

export function messageRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/v3/:projectId/messages';
  const config = { minVersion: '3.3' };

  app.get(P, { config, schema: { querystring: AnyQuery, params: ProjectParams } }, async (req) => {
    const query = req.query;
    const paged = atLeast(req.apiVersion, '3.5');
    // Before 3.5 Cinder takes no filters or paging at all; Flint refuses them by name rather than ignore them.
    checkQueryKeys(query, paged ? [...FILTERS.map(([p]) => p), ...PAGE_QUERY_KEYS.filter((k) => k !== 'with_count')] : []);
    const filters: MessageFilters = { projectId: req.ctx.projectId };
    for (const [param, field] of FILTERS) {
      const v = q(query, param);
      if (v !== undefined) filters[field] = v;
    }
    const page = paged
      ? parsePageParams(query, MESSAGE_SORT_KEYS, [{ key: 'created_at', dir: 'desc' }])
      : { limit: MAX_LIMIT, marker: null, offset: 0, sort: [{ key: 'created_at', dir: 'desc' as const }] };
    return { messages: (await listMessages(deps.db, filters, page)).map((m) => view(req, m)) };
  });

  app.get(`${P}/:id`, { config, schema: { params: IdParams } }, async (req) => ({ message: view(req, await getMessage(deps.db.kysely, req.ctx, req.params.id)) }));

  app.delete(`${P}/:id`, { config, schema: { params: IdParams } }, async (req, reply) => {
    await deleteMessage(deps.db.kysely, req.ctx, req.params.id);
    reply.code(204).send();
  });
}
