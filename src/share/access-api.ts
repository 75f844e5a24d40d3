// Share access rules on the API side: allow and deny queue a rule change (queued_to_apply /
// queued_to_deny) and make sure one update_share_access task will apply it. The share row
// is locked first, so a rule queued here is either seen by a running access task's final
// check (which then queues the next task) or finds that task done and queues its own.
import type { Db } from '../db/database.js';
import type { ShareAccessRuleRow } from '../db/schema.js';
import { inTransaction, type Tx } from '../db/transaction.js';
import { InvalidInput, NotFound } from '../errors/errors.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { nowIso } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { lockShare } from '../db/repos/shares.js';
import { mergeMetadata } from '../db/repos/metadata.js';
import { setRuleStates } from '../db/repos/share-access.js';
import { validateNfsAccessTo } from '../protocols/nfs.js';
import type { ShareRow } from '../db/schema.js';
import type { AllowAccessRequest, ShareRequestContext } from './operations.js';
import { accessKey, checkShareMetadata, enqueueShareTask } from './api-support.js';

const ACCESS_TYPES = ['ip', 'user', 'cert', 'cephx'];
/** What each protocol's drivers here can enforce; anything else is refused before it is stored. */
const TYPES_BY_PROTO: Record<string, string[]> = { NFS: ['ip'], CIFS: ['ip', 'user'] };
const USER_NAME = /^[\w.\-$@\\' ]{4,255}$/;

/** Manila's validation of a rule; returns access_to normalized. */
export function validateAccessRule(proto: string, req: AllowAccessRequest): { accessTo: string; accessLevel: 'rw' | 'ro' } {
  if (!ACCESS_TYPES.includes(req.accessType)) {
    throw new InvalidInput(`Invalid access type '${String(req.accessType).slice(0, 40)}'; expected one of ${ACCESS_TYPES.join(', ')}.`);
  }
  const level = req.accessLevel ?? 'rw';
  if (level !== 'rw' && level !== 'ro') throw new InvalidInput(`Invalid or unsupported share access level: ${String(level).slice(0, 40)}.`);
  const allowed = TYPES_BY_PROTO[proto] ?? [];
  if (!allowed.includes(req.accessType)) {
    throw new InvalidInput(`Only ${allowed.map((t) => `'${t}'`).join(' and ')} access type${allowed.length > 1 ? 's are' : ' is'} allowed for ${proto} shares; '${req.accessType}' is not.`);
  }
  if (req.accessType === 'ip') {
    try {
      return { accessTo: validateNfsAccessTo(req.accessTo), accessLevel: level };
    } catch {
      throw new InvalidInput(`Invalid IP access_to '${String(req.accessTo).slice(0, 60)}': expected an IPv4/IPv6 address or a CIDR network.`);
    }
  }
  if (typeof req.accessTo !== 'string' || !USER_NAME.test(req.accessTo)) {
    throw new InvalidInput(`Invalid user or group name '${String(req.accessTo).slice(0, 60)}': 4 to 255 letters, digits and . - _ $ @ \\ ' characters.`);
  }
  return { accessTo: req.accessTo, accessLevel: level };
}

/** Queues one update_share_access task for the share unless one is waiting or will look again. */
export async function queueAccessUpdate(tasks: TaskQueue, tx: Tx, share: ShareRow): Promise<string | null> {
  const busy = await tx.selectFrom('tasks').select('id').where('dedupeKey', '=', accessKey(share.id))
    .where('status', 'in', ['pending', 'running']).executeTakeFirst();
  if (busy) return null;
  return enqueueShareTask(tasks, tx, 'update_share_access', share, {}, { dedupeKey: accessKey(share.id) });
}

export class AccessApi {
  constructor(private readonly db: Db, private readonly tasks: TaskQueue) {}

  async allow(ctx: ShareRequestContext, shareId: string, req: AllowAccessRequest): Promise<ShareAccessRuleRow> {
    checkShareMetadata(req.metadata);
    const out = await inTransaction(this.db, async (tx) => {
      const share = await lockShare(tx, ctx, shareId);
      const { accessTo, accessLevel } = validateAccessRule(share.shareProto, req);
      if (share.status !== 'available') throw new InvalidInput(`Share ${shareId} must be available to change its access; its status is ${share.status}.`);
      if (share.isSoftDeleted) throw new InvalidInput(`Share ${shareId} is in the recycle bin; restore it first.`);
      const dup = await tx.selectFrom('shareAccessRules').select('id').where('shareId', '=', shareId)
        .where('accessType', '=', req.accessType).where('accessTo', '=', accessTo).executeTakeFirst();
      if (dup) throw new InvalidInput(`Share access ${req.accessType}:${accessTo} exists.`);
      const now = nowIso();
      const rule = await tx.insertInto('shareAccessRules').values({
        id: newId(), shareId, accessType: req.accessType, accessTo, accessLevel, state: 'queued_to_apply', accessKey: null, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow();
      await mergeMetadata(tx, 'shareAccessRuleMetadata', rule.id, req.metadata ?? {});
      await tx.updateTable('shares').set({ accessRulesStatus: 'syncing', updatedAt: now }).where('id', '=', shareId).execute();
      return { rule, queue: await queueAccessUpdate(this.tasks, tx, share) };
    });
    if (out.queue) this.tasks.notify(out.queue);
    return out.rule;
  }

  async deny(ctx: ShareRequestContext, shareId: string, ruleId: string): Promise<void> {
    const queue = await inTransaction(this.db, async (tx) => {
      const share = await lockShare(tx, ctx, shareId);
      const rule = await tx.selectFrom('shareAccessRules').selectAll().where('id', '=', ruleId).where('shareId', '=', shareId).executeTakeFirst();
      if (!rule) throw new NotFound('Access rule', ruleId);
      if (rule.state === 'queued_to_deny' || rule.state === 'denying') return null;
      if (share.status !== 'available' && share.status !== 'error') {
        throw new InvalidInput(`Share ${shareId} must be available to change its access; its status is ${share.status}.`);
      }
      await setRuleStates(tx, [rule.id], 'queued_to_deny');
      await tx.updateTable('shares').set({ accessRulesStatus: 'syncing', updatedAt: nowIso() }).where('id', '=', shareId).execute();
      return queueAccessUpdate(this.tasks, tx, share);
    });
    if (queue) this.tasks.notify(queue);
  }
}
