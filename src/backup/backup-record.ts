// export_record / import_record: a backup's row, as much as a restore elsewhere needs (the
// driver's container and service metadata, the parent it is incremental to), as base64 JSON —
// the `backup_url` Cinder hands out. Decoding validates every field: the text comes from a user.
import type { BackupRow } from '../db/schema.js';
import { InvalidInput } from '../errors/errors.js';
import { isUuid } from '../util/ids.js';

export interface BackupRecord {
  id: string;
  volumeId: string;
  name: string | null;
  description: string | null;
  size: number;
  container: string | null;
  serviceMetadata: string;
  objectCount: number;
  parentId: string | null;
  snapshotId: string | null;
  availabilityZone: string | null;
  dataTimestamp: string;
  metadata: Record<string, string>;
  /** The source volume's metadata when backed up; null in records from before it was kept. */
  volumeMetadata: Record<string, string> | null;
}

const RECORD_VERSION = 1;
/** A record larger than this is not one Flint wrote (the driver's service metadata is a few hundred bytes). */
const MAX_RECORD_CHARS = 65535;

export function encodeRecord(b: BackupRow, metadata: Record<string, string>): string {
  const r: BackupRecord & { v: number } = {
    v: RECORD_VERSION, id: b.id, volumeId: b.volumeId, name: b.displayName, description: b.displayDescription, size: b.size,
    container: b.container, serviceMetadata: b.serviceMetadata ?? '', objectCount: b.objectCount, parentId: b.parentId,
    snapshotId: b.snapshotId, availabilityZone: b.availabilityZone, dataTimestamp: b.dataTimestamp, metadata,
    volumeMetadata: b.sourceVolumeMetadata === null ? null : JSON.parse(b.sourceVolumeMetadata) as Record<string, string>,
  };
  return Buffer.from(JSON.stringify(r), 'utf8').toString('base64');
}

const bad = (why: string) => new InvalidInput(`backup_url is not a backup record exported by Flint: ${why}.`);

function str(o: Record<string, unknown>, k: string, nullable: boolean, max = 255): string | null {
  const v = o[k];
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || v.length > max) throw bad(`${k} must be a string${nullable ? ' or null' : ''}`);
  return v;
}

export function decodeRecord(url: string): BackupRecord {
  if (url.length > MAX_RECORD_CHARS || !/^[A-Za-z0-9+/=\s]*$/.test(url)) throw bad('not base64');
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(url, 'base64').toString('utf8'));
  } catch {
    throw bad('not JSON inside');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('not an object');
  const r = o as Record<string, unknown>;
  if (r.v !== RECORD_VERSION) throw bad(`unknown version ${JSON.stringify(r.v)?.slice(0, 20)}`);
  const id = str(r, 'id', false)!;
  const volumeId = str(r, 'volumeId', false)!;
  const parentId = str(r, 'parentId', true);
  const snapshotId = str(r, 'snapshotId', true);
  for (const [k, v] of [['id', id], ['volumeId', volumeId], ['parentId', parentId], ['snapshotId', snapshotId]] as const) {
    if (v !== null && !isUuid(v)) throw bad(`${k} is not a UUID`);
  }
  const size = r.size;
  const objectCount = r.objectCount;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw bad('size must be a positive integer');
  if (typeof objectCount !== 'number' || !Number.isInteger(objectCount) || objectCount < 0) throw bad('objectCount must be a non-negative integer');
  const serviceMetadata = str(r, 'serviceMetadata', false, MAX_RECORD_CHARS)!;
  if (serviceMetadata === '') throw bad('it has no service metadata');
  const md = stringMap(r, 'metadata');
  // Optional: records exported before volumes' metadata was kept have none.
  const volumeMetadata = r.volumeMetadata === undefined || r.volumeMetadata === null ? null : stringMap(r, 'volumeMetadata');
  const dataTimestamp = str(r, 'dataTimestamp', false, 64)!;
  if (Number.isNaN(Date.parse(dataTimestamp))) throw bad('dataTimestamp is not a time');
  return {
    id, volumeId, name: str(r, 'name', true), description: str(r, 'description', true), size, container: str(r, 'container', true),
    serviceMetadata, objectCount, parentId, snapshotId, availabilityZone: str(r, 'availabilityZone', true), dataTimestamp,
    metadata: md, volumeMetadata,
  };
}

function stringMap(o: Record<string, unknown>, k: string): Record<string, string> {
  const md = o[k];
  if (typeof md !== 'object' || md === null || Array.isArray(md)) throw bad(`${k} must be an object`);
  for (const [key, v] of Object.entries(md)) if (key.length > 255 || typeof v !== 'string' || v.length > 255) throw bad(`${k} must map strings to strings`);
  return md as Record<string, string>;
}
