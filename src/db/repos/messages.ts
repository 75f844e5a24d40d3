// OpenStack user messages: what a user can read about a failure of their resource.
import type { MessageRow } from '../schema.js';
import { NotFound } from '../../errors/errors.js';
import { clock } from '../../util/clock.js';
import { newId } from '../../util/ids.js';
import type { Tx } from '../transaction.js';
import { projectScope, type Caller } from './caller.js';

/** Resource types of the share service's messages: Manila's /messages shows these, Cinder's the others. */
export const SHARE_MESSAGE_RESOURCE_TYPES = ['SHARE', 'SHARE_SNAPSHOT', 'ACCESS_RULE', 'SHARE_NETWORK', 'SHARE_SERVER'] as const;

/** Messages expire after this long, as Cinder's message_ttl default. */
const MESSAGE_TTL_MS = 30 * 86400_000;

export async function recordUserMessage(
  tx: Tx, m: { projectId: string; resourceType: string; resourceUuid: string | null; eventId: string; userMessage: string; requestId?: string | null },
): Promise<void> {
  const now = clock().now();
  await tx.insertInto('messages').values({
    id: newId(), projectId: m.projectId, resourceType: m.resourceType, resourceUuid: m.resourceUuid, eventId: m.eventId,
    messageLevel: 'ERROR', userMessage: m.userMessage.slice(0, 2000), requestId: m.requestId ?? null,
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + MESSAGE_TTL_MS).toISOString(),
  }).execute();
}

/** An unexpired message of the volume service the caller may see (its project's; any for an admin), else 404. */
export async function getMessage(tx: Tx, caller: Caller, id: string): Promise<MessageRow> {
  let qb = tx.selectFrom('messages').selectAll().where('id', '=', id).where('expiresAt', '>', clock().now().toISOString())
    .where('resourceType', 'not in', SHARE_MESSAGE_RESOURCE_TYPES);
  const project = projectScope(caller);
  if (project !== null) qb = qb.where('projectId', '=', project);
  const m = await qb.executeTakeFirst();
  if (!m) throw new NotFound('Message', id);
  return m;
}

export async function deleteMessage(tx: Tx, caller: Caller, id: string): Promise<void> {
  const m = await getMessage(tx, caller, id);
  await tx.deleteFrom('messages').where('id', '=', m.id).execute();
}

