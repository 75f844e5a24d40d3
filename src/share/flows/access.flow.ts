// The access flow: applies a share's queued rule changes on its backend in one driver call
// (Manila's update_access with add and delete lists), then records each rule's outcome.
// Rules move queued_to_apply → applying → active|error and queued_to_deny → denying → gone.
import type { ShareAccessRuleRow } from '../../db/schema.js';
import type { AccessRuleResults } from '../../drivers/interface/share.js';
import { inTransaction } from '../../db/transaction.js';
import { accessRulesOf, refreshAccessRulesStatus, setRuleStates } from '../../db/repos/share-access.js';
import { lockShareIfExists } from '../../db/repos/shares.js';
import { recordUserMessage } from '../../db/repos/messages.js';
import { toDriverRule } from '../driver-objects.js';
import { queueAccessUpdate } from '../access-api.js';
import type { ShareFlowDefinition } from './flow-handler.js';
import { loadShare, type ShareCtx } from './share-context.js';

interface AccessCtx extends ShareCtx {
  all: ShareAccessRuleRow[];
  add: ShareAccessRuleRow[];
  remove: ShareAccessRuleRow[];
  results: AccessRuleResults;
}

export const updateAccessFlow: ShareFlowDefinition<'update_share_access', AccessCtx> = {
  kind: 'update_share_access',
  async load(deps, task) {
    const s = await loadShare(deps, task.resourceId, ['available', 'error']);
    if (!s) return null;
    // Claimed in one transaction: after a crash the rules are found as applying/denying and taken again.
    const rules = await inTransaction(deps.db, async (tx) => {
      const rows = await accessRulesOf(tx, s.row.id);
      await setRuleStates(tx, rows.filter((r) => r.state === 'queued_to_apply').map((r) => r.id), 'applying');
      await setRuleStates(tx, rows.filter((r) => r.state === 'queued_to_deny').map((r) => r.id), 'denying');
      return accessRulesOf(tx, s.row.id);
    });
    const add = rules.filter((r) => r.state === 'applying');
    const remove = rules.filter((r) => r.state === 'denying');
    if (add.length === 0 && remove.length === 0) return null;
    return { ...s, add, remove, all: rules.filter((r) => r.state === 'active' || r.state === 'applying'), results: {} };
  },
  steps: [{
    name: 'update_access_on_backend',
    async run(ctx) {
      ctx.results = await ctx.deps.driver.updateAccess(ctx.ds, ctx.all.map(toDriverRule), ctx.add.map(toDriverRule), ctx.remove.map(toDriverRule));
    },
  }],
  async finish(tx, deps, ctx, task) {
    const share = await lockShareIfExists(tx, ctx.row.id);
    if (!share) return null;
    const failed = ctx.add.filter((r) => ctx.results[r.id]?.state === 'error').map((r) => r.id);
    await setRuleStates(tx, failed, 'error');
    await setRuleStates(tx, ctx.add.filter((r) => !failed.includes(r.id)).map((r) => r.id), 'active');
    const gone = ctx.remove.map((r) => r.id);
    if (gone.length > 0) {
      await tx.deleteFrom('shareAccessRuleMetadata').where('resourceId', 'in', gone).execute();
      await tx.deleteFrom('shareAccessRules').where('id', 'in', gone).where('state', '=', 'denying').execute();
    }
    for (const id of failed) {
      await recordUserMessage(tx, { projectId: share.projectId, resourceType: 'SHARE', resourceUuid: share.id, eventId: 'ACCESS_RULE_FAILED', userMessage: `update_access: rule ${id}: ${ctx.results[id]?.reason ?? 'the backend refused it'}` });
    }
    // Rules queued while this ran get their own task (the share row lock orders this against allow/deny).
    await deps.tasks.complete(tx, task);
    const pending = (await accessRulesOf(tx, share.id)).some((r) => r.state === 'queued_to_apply' || r.state === 'queued_to_deny');
    if (pending) {
      const queue = await queueAccessUpdate(deps.tasks, tx, share);
      if (queue) setImmediate(() => deps.tasks.notify(queue));
    }
    await refreshAccessRulesStatus(tx, share.id);
    return null;
  },
  async giveUp(tx, _deps, task, _payload, error) {
    const share = await lockShareIfExists(tx, task.resourceId);
    if (!share) return;
    const rules = await accessRulesOf(tx, share.id);
    await setRuleStates(tx, rules.filter((r) => r.state === 'applying' || r.state === 'denying').map((r) => r.id), 'error');
    await refreshAccessRulesStatus(tx, share.id);
    await recordUserMessage(tx, { projectId: share.projectId, resourceType: 'SHARE', resourceUuid: share.id, eventId: 'ACCESS_UPDATE_FAILED', userMessage: `update_access: ${error}` });
  },
};
