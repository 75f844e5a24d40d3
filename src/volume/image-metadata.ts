// The image properties a volume carries (Cinder's volume_glance_metadata, os-vol-image-meta):
// set, unset one key, read. Refused while the volume is in maintenance, as Cinder refuses it.
import type { Db } from '../db/database.js';
import { InvalidInput, NotFound } from '../errors/errors.js';
import { inTransaction } from '../db/transaction.js';
import { getVolume, lockVolume } from '../db/repos/volumes.js';
import { deleteMetadataKey, mergeMetadata, readMetadata } from '../db/repos/metadata.js';
import type { Caller } from '../db/repos/caller.js';

const LOCKED_STATUSES = ['maintenance'];

export async function setImageMetadata(db: Db, caller: Caller, id: string, md: Record<string, string>): Promise<Record<string, string>> {
  return inTransaction(db, async (tx) => {
    const v = await lockVolume(tx, caller, id);
    if (LOCKED_STATUSES.includes(v.status)) throw new InvalidInput(`Invalid volume: volume ${id} is ${v.status}; its image metadata cannot change now.`);
    await mergeMetadata(tx, 'volumeImageMetadata', id, md);
    return readMetadata(tx, 'volumeImageMetadata', id);
  });
}

export async function unsetImageMetadata(db: Db, caller: Caller, id: string, key: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const v = await lockVolume(tx, caller, id);
    if (LOCKED_STATUSES.includes(v.status)) throw new InvalidInput(`Invalid volume: volume ${id} is ${v.status}; its image metadata cannot change now.`);
    if (!(await deleteMetadataKey(tx, 'volumeImageMetadata', id, key))) throw new NotFound(`Image metadata key ${key} of volume`, id);
  });
}

export async function showImageMetadata(db: Db, caller: Caller, id: string): Promise<Record<string, string>> {
  await getVolume(db.kysely, caller, id);
  return readMetadata(db.kysely, 'volumeImageMetadata', id);
}
