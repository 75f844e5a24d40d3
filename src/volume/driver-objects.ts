// Rows turned into what drivers see: names from the templates, extra specs and metadata.
import type { SnapshotRow, VolumeRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { readMetadata } from '../db/repos/metadata.js';
import { extraSpecsOf } from '../db/repos/types.js';
import { getVolume } from '../db/repos/volumes.js';
import type { DriverSnapshot, DriverVolume } from '../drivers/interface/objects.js';

export interface NameTemplates {
  volume: string;
  snapshot: string;
}
export const DEFAULT_TEMPLATES: NameTemplates = { volume: 'volume-%s', snapshot: 'snapshot-%s' };

export async function toDriverVolume(tx: Tx, v: VolumeRow, templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverVolume> {
  return {
    id: v.id,
    name: templates.volume.replace('%s', v.id),
    size: v.size,
    host: v.host,
    providerLocation: v.providerLocation,
    providerAuth: v.providerAuth,
    providerId: v.providerId,
    volumeTypeId: v.volumeTypeId,
    extraSpecs: await extraSpecsOf(tx, v.volumeTypeId),
    metadata: await readMetadata(tx, 'volumeMetadata', v.id),
    multiattach: v.multiattach === 1,
  };
}

export async function toDriverSnapshot(tx: Tx, s: SnapshotRow, templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverSnapshot> {
  const v = await getVolume(tx, null, s.volumeId);
  return {
    id: s.id,
    name: templates.snapshot.replace('%s', s.id),
    volumeSize: s.volumeSize,
    volume: await toDriverVolume(tx, v, templates),
    providerLocation: s.providerLocation,
    providerId: s.providerId,
  };
}
