// Volume type encryption specs: one row per encrypted type. Changing them while a volume of
// the type exists is refused (its data was written under the old specs), as Cinder refuses it.
import type { EncryptionRow } from '../schema.js';
import type { Tx } from '../transaction.js';
import { InvalidInput, NotFound } from '../../errors/errors.js';

export async function encryptionOf(tx: Tx, typeId: string): Promise<EncryptionRow | undefined> {
  return tx.selectFrom('volumeTypeEncryption').selectAll().where('volumeTypeId', '=', typeId).executeTakeFirst();
}

export async function mustHaveEncryption(tx: Tx, typeId: string): Promise<EncryptionRow> {
  const e = await encryptionOf(tx, typeId);
  if (!e) throw new NotFound('Volume type encryption for type', typeId);
  return e;
}

/** 400 while any volume (in any project, any status) uses the type. */
export async function refuseWhileTypeInUse(tx: Tx, typeId: string, action: string): Promise<void> {
  const used = await tx.selectFrom('volumes').select('id').where('volumeTypeId', '=', typeId).limit(1).executeTakeFirst();
  if (used) throw new InvalidInput(`Cannot ${action} encryption specs: volume type ${typeId} is in use by volume ${used.id}.`);
}
