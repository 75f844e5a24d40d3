// The chunked backup format's records: the manifest stored beside a backup's objects (written
// last) and the small service metadata the backup row keeps, which is all an imported record
// needs to find the manifest again. See README.md beside this file for the layout.
import { BackendError } from '../../../errors/errors.js';
import type { ObjectEncoding } from './compression.js';

export const FORMAT = 'flint-chunked';
export const FORMAT_VERSION = 1;

/**
 * What object `i` of a backup is. `hashes` (base64 of concatenated SHA-256 block digests) is the
 * object's content at this backup, whatever holds its bytes; absent for an all-zero object.
 */
export type ObjectEntry =
  /** All zeroes: nothing stored. */
  | { kind: 'zero' }
  /** Unchanged since the parent: nothing stored, the parent's entry says where the bytes are. */
  | { kind: 'same'; depth: number; hashes: string }
  /** The whole object, stored by this backup. */
  | { kind: 'full'; key: string; encoding: ObjectEncoding; storedBytes: number; sha256: string; hashes: string }
  /** The parent's object with `blocks` replaced; the stored object is those blocks, in order. */
  | {
    kind: 'delta'; key: string; encoding: ObjectEncoding; storedBytes: number; sha256: string;
    blocks: number[]; depth: number; hashes: string;
  };

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  backupId: string;
  volumeId: string;
  parentId: string | null;
  sizeBytes: number;
  objectSize: number;
  blockSize: number;
  objects: ObjectEntry[];
}

/** The driver's `serviceMetadata`, as JSON. */
export interface ServiceMetadata {
  format: `${typeof FORMAT}/${number}`;
  container: string;
  prefix: string;
  manifestKey: string;
  /** SHA-256 of the manifest object: a changed or truncated manifest is caught before use. */
  manifestSha256: string;
  sizeBytes: number;
  objectSize: number;
  blockSize: number;
  objectCount: number;
  storedBytes: number;
}

export class BackupCorrupt extends BackendError {
  override readonly code = 'backup_corrupt';
  constructor(message: string) {
    super(message, { publicDetail: 'the backup data failed verification (corrupt or missing object)' });
  }
}

/** Where a backup's objects live in its container. */
export function backupPrefix(volumeId: string, backupId: string): string {
  for (const [what, id] of [['volume id', volumeId], ['backup id', backupId]] as const) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new BackendError(`Backup object prefix: ${what} '${id}' is not a safe name.`);
  }
  return `volume_${volumeId}/backup_${backupId}`;
}

export const manifestKey = (prefix: string): string => `${prefix}/manifest.json`;
export const objectKey = (prefix: string, index: number): string => `${prefix}/obj-${String(index).padStart(6, '0')}`;

export function parseServiceMetadata(backupId: string, text: string): ServiceMetadata {
  let v: Partial<ServiceMetadata>;
  try {
    v = JSON.parse(text) as Partial<ServiceMetadata>;
  } catch {
    throw new BackupCorrupt(`Backup ${backupId}: service metadata is not JSON.`);
  }
  if (v.format !== `${FORMAT}/${FORMAT_VERSION}`) {
    throw new BackupCorrupt(`Backup ${backupId}: service metadata format '${String(v.format)}' is not ${FORMAT}/${FORMAT_VERSION}.`);
  }
  for (const k of ['container', 'prefix', 'manifestKey', 'manifestSha256'] as const) {
    if (typeof v[k] !== 'string' || v[k] === '') throw new BackupCorrupt(`Backup ${backupId}: service metadata lacks ${k}.`);
  }
  // An imported record is input: it may only name this backup's own objects, never another's.
  if (!v.prefix!.endsWith(`/backup_${backupId}`) || v.manifestKey !== manifestKey(v.prefix!)) {
    throw new BackupCorrupt(`Backup ${backupId}: service metadata names objects of another backup (${v.prefix}).`);
  }
  return v as ServiceMetadata;
}

function isEntry(e: unknown): e is ObjectEntry {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  switch (o.kind) {
    case 'zero': return true;
    case 'same': return typeof o.hashes === 'string' && typeof o.depth === 'number';
    case 'full': return typeof o.key === 'string' && typeof o.sha256 === 'string' && typeof o.hashes === 'string';
    case 'delta': return typeof o.key === 'string' && typeof o.sha256 === 'string' && typeof o.hashes === 'string'
      && Array.isArray(o.blocks) && o.blocks.every((b) => Number.isInteger(b) && b >= 0);
    default: return false;
  }
}

/** Parses a manifest already checked against its recorded SHA-256; the shape is checked anyway. */
export function parseManifest(backupId: string, bytes: Buffer): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    throw new BackupCorrupt(`Backup ${backupId}: manifest is not JSON.`);
  }
  const count = Math.ceil(m.sizeBytes / m.objectSize);
  if (m.format !== FORMAT || m.version !== FORMAT_VERSION || m.backupId !== backupId || !Array.isArray(m.objects)
    || !(m.objectSize > 0) || !(m.blockSize > 0) || m.objects.length !== count || !m.objects.every(isEntry)) {
    throw new BackupCorrupt(`Backup ${backupId}: manifest is not a ${FORMAT} v${FORMAT_VERSION} manifest of this backup.`);
  }
  return m;
}
