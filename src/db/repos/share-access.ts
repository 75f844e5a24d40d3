// Share access rules, the one place they are read and written: rule rows with their
// metadata, their states, and the share's access_rules_status they add up to.
import type { ShareAccessRuleRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { NotFound } from '../../errors/errors.js';
import { nowIso } from '../../util/clock.js';
import { isUuid } from '../../util/ids.js';
import { projectScope, type Caller } from './caller.js';

/** Rule states, Manila's names. */
export const ACCESS_STATES = ['queued_to_apply', 'applying', 'active', 'error', 'queued_to_deny', 'denying'] as const;
export type AccessState = (typeof ACCESS_STATES)[number];

/** A rule as its share's owner may see it (the share is the scope). */
export async function getAccessRule(tx: Tx, caller: Caller | null, id: string): Promise<ShareAccessRuleRow> {
  const row = isUuid(id) ? await tx.selectFrom('shareAccessRules').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFound('Access rule', id);
  const project = projectScope(caller);
  if (project !== null) {
    const share = await tx.selectFrom('shares').select('projectId').where('id', '=', row.shareId).executeTakeFirst();
    if (share?.projectId !== project) throw new NotFound('Access rule', id);
  }
  return row;
}

export async function accessRulesOf(tx: Tx, shareId: string): Promise<ShareAccessRuleRow[]> {
  return tx.selectFrom('shareAccessRules').selectAll().where('shareId', '=', shareId).orderBy('createdAt').orderBy('id').execute();
}

export async function setRuleStates(tx: Tx, ids: string[], state: AccessState): Promise<void> {
  if (ids.length === 0) return;
  await tx.updateTable('shareAccessRules').set({ state, updatedAt: nowIso() }).where('id', 'in', ids).execute();
}

/**
 * Manila's access_rules_status of a share: `error` when a rule failed, `syncing` while one
 * is being applied or denied, else `active`.
 */
export function aggregateAccessStatus(states: readonly string[]): 'active' | 'syncing' | 'error' {
  if (states.includes('error')) return 'error';
  if (states.some((s) => s !== 'active')) return 'syncing';
  return 'active';
}

/** Recomputes and stores a share's access_rules_status from its rules. */
export async function refreshAccessRulesStatus(tx: Tx, shareId: string): Promise<string> {
  const states = (await tx.selectFrom('shareAccessRules').select('state').where('shareId', '=', shareId).execute()).map((r) => r.state);
  const status = aggregateAccessStatus(states);
  await tx.updateTable('shares').set({ accessRulesStatus: status }).where('id', '=', shareId).execute();
  return status;
}
