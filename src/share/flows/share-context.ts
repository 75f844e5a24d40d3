// What every share flow context holds, how it is loaded, and how driver updates are recorded.
import type { ShareRow } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';
import type { DriverShare, ShareModelUpdate } from '../../drivers/interface/share.js';
import { replaceExportLocations } from '../../db/repos/shares.js';
import { mergeMetadata } from '../../db/repos/metadata.js';
import { nowIso } from '../../util/clock.js';
import { toDriverShare } from '../driver-objects.js';
import type { ShareManagerDeps } from './flow-handler.js';

export interface ShareCtx {
  deps: ShareManagerDeps;
  reservation: string;
  row: ShareRow;
  ds: DriverShare;
}

export async function loadShare(deps: ShareManagerDeps, id: string, statuses: string | string[], reservation = ''): Promise<ShareCtx | null> {
  const row = await deps.db.kysely.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
  const want = Array.isArray(statuses) ? statuses : [statuses];
  if (!row || !want.includes(row.status)) return null;
  return { deps, reservation, row, ds: await toDriverShare(deps.db.kysely, row, deps.templates) };
}

/** Records what a driver returned (export locations, provider location, metadata); at once, so a crash keeps it. */
export async function recordShareUpdate(tx: Tx, shareId: string, u: ShareModelUpdate | void | undefined): Promise<void> {
  if (!u) return;
  if (u.exportLocations) await replaceExportLocations(tx, shareId, u.exportLocations);
  const set: Partial<ShareRow> = {};
  if (u.providerLocation !== undefined) set.providerLocation = u.providerLocation;
  if (u.size !== undefined) set.size = u.size;
  if (Object.keys(set).length > 0) await tx.updateTable('shares').set({ ...set, updatedAt: nowIso() }).where('id', '=', shareId).execute();
  if (u.metadata) await mergeMetadata(tx, 'shareMetadata', shareId, u.metadata);
}
