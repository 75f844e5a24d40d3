// Transfer rows: an open offer is seen by its source project and by admins; anyone holding its
// id and auth key may accept it, so acceptance reads it unscoped (caller `null`).
import type { TransferRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { NotFound } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';
import { projectScope, type Caller } from './caller.js';

/** An open (not yet accepted) transfer the caller may see; else the 404 of a missing one. */
export async function getTransfer(tx: Tx, caller: Caller | null, id: string): Promise<TransferRow> {
  const row = isUuid(id)
    ? await tx.selectFrom('transfers').selectAll().where('id', '=', id).where('accepted', '=', 0).executeTakeFirst()
    : undefined;
  const project = projectScope(caller);
  if (!row || (project !== null && row.sourceProjectId !== project)) throw new NotFound('Transfer', id);
  return row;
}

/** Open transfers, newest first: the caller's project's, or every project's for an admin asking all_tenants. */
export async function listTransfers(tx: Tx, caller: Caller, allTenants: boolean): Promise<TransferRow[]> {
  let qb = tx.selectFrom('transfers').selectAll().where('accepted', '=', 0);
  if (!(caller.isAdmin && allTenants)) qb = qb.where('sourceProjectId', '=', caller.projectId);
  return qb.orderBy('createdAt', 'desc').orderBy('id', 'desc').execute();
}
