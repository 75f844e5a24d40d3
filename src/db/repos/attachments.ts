// Attachment rows: the live ones of a page of volumes, and dropping one with its volume's status.
import type { AttachmentRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { nowIso } from '../../util/clock.js';
import { lockVolumeIfExists } from './volumes.js';

/** Attachments that are (being) attached; detached ones are history. One query for all ids. */
export async function attachmentsFor(tx: Tx, ids: string[]): Promise<Map<string, AttachmentRow[]>> {
  const out = new Map<string, AttachmentRow[]>();
  for (const id of ids) out.set(id, []);
  if (ids.length === 0) return out;
  const rows = await tx.selectFrom('attachments').selectAll()
    .where('volumeId', 'in', ids).where('attachStatus', '!=', 'detached')
    .orderBy('createdAt').execute();
  for (const r of rows) out.get(r.volumeId)!.push(r);
  return out;
}

/**
 * Removes an attachment row and sets its volume's status from the attachments left, inside
 * `tx`. Nothing happens when the row is already gone.
 */
export async function dropAttachmentRow(tx: Tx, attachmentId: string, volumeId: string): Promise<void> {
  // The volume row first (lock order); a volume deleted meanwhile took its attachment rows with it.
  if (!(await lockVolumeIfExists(tx, volumeId))) return;
  await tx.deleteFrom('attachments').where('id', '=', attachmentId).execute();
  const live = await tx.selectFrom('attachments').select('attachStatus').where('volumeId', '=', volumeId).where('attachStatus', '!=', 'detached').execute();
  const attached = live.some((x) => x.attachStatus === 'attached');
  const now = nowIso();
  await tx.updateTable('volumes').set(live.length === 0
    ? { status: 'available', attachStatus: 'detached', updatedAt: now }
    : { status: attached ? 'in-use' : 'reserved', updatedAt: now })
    .where('id', '=', volumeId).where('status', 'in', ['reserved', 'attaching', 'in-use', 'detaching']).execute();
}
