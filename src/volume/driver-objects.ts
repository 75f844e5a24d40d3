// Rows turned into what drivers see: names from the templates, extra specs and metadata.
import type { SnapshotRow, VolumeRow } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { metadataFor } from '../db/repos/metadata.js';
import { extraSpecsFor } from '../db/repos/types.js';
import { getVolume } from '../db/repos/volumes.js';
import { volumeProperties } from '../db/repos/volume-properties.js';
import type { DriverSnapshot, DriverVolume } from '../drivers/interface/objects.js';

export interface NameTemplates {
  volume: string;
  snapshot: string;
}
export const DEFAULT_TEMPLATES: NameTemplates = { volume: 'volume-%s', snapshot: 'snapshot-%s' };

export async function toDriverVolume(tx: Tx, v: VolumeRow, templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverVolume> {
  const { metadata, extraSpecs } = await volumeProperties(tx, v.id, v.volumeTypeId, { qos: false });
  return driverVolume(v, templates, metadata, extraSpecs);
}

/** toDriverVolume for a page of rows: two queries for the page (metadata, extra specs), never two per row. */
export async function toDriverVolumes(tx: Tx, rows: VolumeRow[], templates: NameTemplates = DEFAULT_TEMPLATES): Promise<DriverVolume[]> {
  const typeIds = [...new Set(rows.map((v) => v.volumeTypeId).filter((t): t is string => t !== null))];
  const specs = await extraSpecsFor(tx, typeIds);
  const metadata = await metadataFor(tx, 'volumeMetadata', rows.map((v) => v.id));
  // Each volume its own copy, as when read one at a time: a driver may change what it is given.
  return rows.map((v) => driverVolume(v, templates, metadata.get(v.id)!, v.volumeTypeId ? { ...specs.get(v.volumeTypeId)! } : {}));
}

function driverVolume(v: VolumeRow, templates: NameTemplates, metadata: Record<string, string>, extraSpecs: Record<string, string>): DriverVolume {
  return {
    id: v.id,
    name: templates.volume.replace('%s', v.id),
    size: v.size,
    host: v.host,
    providerLocation: v.providerLocation,
    providerAuth: v.providerAuth,
    providerId: v.providerId,
    volumeTypeId: v.volumeTypeId,
    extraSpecs,
    metadata,
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
