// Share types, their extra specs and project access. The one place the private-type rule
// lives for shares: a private type is seen by admins, Flint itself and the projects given access.
import type { ShareTypeRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { NotFound } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';
import { groupPairs, projectScope, type Caller } from './caller.js';

/** By id, else by name; `undefined` when there is none the caller may see. */
export async function lookupShareType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<ShareTypeRow | undefined> {
  let row = isUuid(nameOrId) ? await tx.selectFrom('shareTypes').selectAll().where('id', '=', nameOrId).executeTakeFirst() : undefined;
  row ??= await tx.selectFrom('shareTypes').selectAll().where('name', '=', nameOrId).executeTakeFirst();
  const project = projectScope(caller);
  if (row && !row.isPublic && project !== null) {
    const access = await tx.selectFrom('shareTypeProjects').select('projectId')
      .where('shareTypeId', '=', row.id).where('projectId', '=', project).executeTakeFirst();
    if (!access) return undefined;
  }
  return row;
}

export async function findShareType(tx: Tx, caller: Caller | null, nameOrId: string): Promise<ShareTypeRow> {
  const row = await lookupShareType(tx, caller, nameOrId);
  if (!row) throw new NotFound('Share type', nameOrId);
  return row;
}

/** The type of a request naming none: the configured default_share_type, else none (404 then). */
export async function defaultShareType(tx: Tx, configured: string | null): Promise<ShareTypeRow | undefined> {
  return configured ? lookupShareType(tx, null, configured) : undefined;
}

/** Types the caller may see (public ones, and private ones its project was given). */
export async function listShareTypes(tx: Tx, caller: Caller | null, isPublic: boolean | 'all'): Promise<ShareTypeRow[]> {
  let q = tx.selectFrom('shareTypes').selectAll();
  if (isPublic !== 'all') q = q.where('isPublic', '=', isPublic ? 1 : 0);
  const rows = await q.orderBy('name').execute();
  const project = projectScope(caller);
  if (project === null) return rows;
  const granted = new Set((await tx.selectFrom('shareTypeProjects').select('shareTypeId').where('projectId', '=', project).execute()).map((r) => r.shareTypeId));
  return rows.filter((r) => r.isPublic || granted.has(r.id));
}

export async function shareExtraSpecsFor(tx: Tx, typeIds: string[]): Promise<Map<string, Record<string, string>>> {
  const rows = typeIds.length === 0 ? [] : await tx.selectFrom('shareTypeExtraSpecs').selectAll().where('shareTypeId', 'in', typeIds).execute();
  return groupPairs(typeIds, rows, (r) => r.shareTypeId, (r) => r.key, (r) => r.value);
}

export async function shareExtraSpecsOf(tx: Tx, typeId: string | null): Promise<Record<string, string>> {
  if (!typeId) return {};
  return (await shareExtraSpecsFor(tx, [typeId])).get(typeId)!;
}

/** Manila's boolean extra spec values ("True", "<is> True", "true", "1"). */
export function specIsTrue(value: string | undefined): boolean {
  if (value === undefined) return false;
  return /^(<is>\s*)?(true|t|1|yes|y|on)$/i.test(value.trim());
}
