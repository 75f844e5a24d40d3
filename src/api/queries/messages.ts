// Paging over user messages: filters (3.5), sort keys and keyset markers; expired messages
// are never listed.
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { MessageRow } from '../../db/schema.js';
import { SHARE_MESSAGE_RESOURCE_TYPES } from '../../db/repos/messages.js';
import { InvalidInput } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { afterMarker, type SortExpr } from './keyset.js';
import type { PageParams } from './list-params.js';

export const MESSAGE_SORT_KEYS = ['id', 'resource_type', 'resource_uuid', 'event_id', 'message_level', 'request_id', 'created_at', 'guaranteed_until'] as const;

const SORT_COLUMNS: Record<string, ReturnType<typeof sql>> = {
  id: sql`messages.id`,
  resource_type: sql`messages.resource_type`,
  resource_uuid: sql`coalesce(messages.resource_uuid, '')`,
  event_id: sql`messages.event_id`,
  message_level: sql`messages.message_level`,
  request_id: sql`coalesce(messages.request_id, '')`,
  created_at: sql`messages.created_at`,
  guaranteed_until: sql`messages.expires_at`,
};

export interface MessageFilters {
  /** null: every project (an admin). */
  projectId: string | null;
  resourceType?: string;
  resourceUuid?: string;
  eventId?: string;
  messageLevel?: string;
  requestId?: string;
}

export async function listMessages(db: Db, f: MessageFilters, page: PageParams): Promise<MessageRow[]> {
  // Cinder's list: the share service's messages are Manila's /messages, not these.
  let qb = db.kysely.selectFrom('messages').selectAll().where('messages.expiresAt', '>', clock().now().toISOString())
    .where('messages.resourceType', 'not in', SHARE_MESSAGE_RESOURCE_TYPES);
  if (f.projectId !== null) qb = qb.where('messages.projectId', '=', f.projectId);
  if (f.resourceType !== undefined) qb = qb.where('messages.resourceType', '=', f.resourceType);
  if (f.resourceUuid !== undefined) qb = qb.where('messages.resourceUuid', '=', f.resourceUuid);
  if (f.eventId !== undefined) qb = qb.where('messages.eventId', '=', f.eventId);
  if (f.messageLevel !== undefined) qb = qb.where('messages.messageLevel', '=', f.messageLevel);
  if (f.requestId !== undefined) qb = qb.where('messages.requestId', '=', f.requestId);
  const keys: SortExpr[] = page.sort.map((s) => ({ expr: SORT_COLUMNS[s.key]!, dir: s.dir }));
  if (!page.sort.some((s) => s.key === 'id')) keys.push({ expr: SORT_COLUMNS.id!, dir: page.sort[0]?.dir ?? 'desc' });
  if (page.marker !== null) {
    let mq = db.kysely.selectFrom('messages').where('messages.id', '=', page.marker);
    if (f.projectId !== null) mq = mq.where('messages.projectId', '=', f.projectId);
    const marker = await mq.select(keys.map((k, i) => sql`${k.expr}`.as(`k${i}`))).executeTakeFirst();
    if (!marker) throw new InvalidInput(`Marker message ${page.marker.slice(0, 64)} could not be found.`);
    const values = keys.map((_, i) => (marker as Record<string, unknown>)[`k${i}`]);
    qb = qb.where((eb) => afterMarker(eb, keys, values));
  }
  for (const k of keys) qb = qb.orderBy(k.expr as never, k.dir);
  return qb.limit(page.limit).offset(page.offset).execute();
}
