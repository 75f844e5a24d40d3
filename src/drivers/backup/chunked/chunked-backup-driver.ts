// Cinder's chunked backup idea, written for Flint: a volume as fixed-size objects, each
// compressed, with a SHA-256 per block in a manifest written last. An incremental backup
// stores, per changed object, only its changed blocks (or the whole object when most
// changed); restore rebuilds every object from the chain and checks it block by block.
// The format sits on an ObjectStore, so posix and s3 differ only in where bytes go.
import type {
  BackupDriverCore, BackupProgress, BackupResult, BlockReader, BlockWriter, DriverBackup,
} from '../../interface/backup.js';
import { BackendError } from '../../../errors/errors.js';
import type { Logger } from '../../../util/logger.js';
import { blockDigests, changedBlocks, DIGEST_BYTES, isAllZero, sha256Hex } from './block-hashes.js';
import {
  backupPrefix, BackupCorrupt, FORMAT, FORMAT_VERSION, manifestKey, objectKey, parseManifest, parseServiceMetadata,
  type Manifest, type ObjectEntry, type ServiceMetadata,
} from './chunked-format.js';
import { decodeObject, encodeObject, type CompressionAlgorithm } from './compression.js';
import { ObjectMissing, type ObjectStore } from './object-store.js';
import { runPool } from './run-pool.js';

export interface ChunkedSettings {
  /** Bytes of volume per object (a multiple of blockSize). */
  objectSize: number;
  /** Bytes per SHA-256 block. */
  blockSize: number;
  compression: CompressionAlgorithm;
  compressionLevel: number;
  /** Objects read, hashed, compressed and written at once: bounds memory to about 2 × this × objectSize. */
  objectsInFlight: number;
  /** Container of a backup that names none. */
  defaultContainer: string;
}

/** An object whose changed blocks exceed this fraction is stored whole rather than as a delta. */
const DELTA_MAX_FRACTION = 0.5;
/** Deltas stacked on one object before a backup stores it whole again, so restores stay short. */
const DELTA_MAX_DEPTH = 16;

/** A backup's manifest and where its objects are. */
interface LoadedBackup {
  backup: DriverBackup;
  meta: ServiceMetadata;
  manifest: Manifest;
}

export class ChunkedBackupDriver implements BackupDriverCore {
  private readonly zeroDigestCache = new Map<number, Buffer>();

  constructor(
    readonly name: string,
    private readonly store: ObjectStore,
    private readonly settings: ChunkedSettings,
    private readonly logger: Logger,
  ) {
    if (settings.objectSize % settings.blockSize !== 0) {
      throw new BackendError(`backup_object_size ${settings.objectSize} is not a multiple of backup_sha_block_size ${settings.blockSize}.`);
    }
  }

  async doSetup(): Promise<void> {
    await this.store.ensureContainer(this.settings.defaultContainer);
  }

  async checkForSetupError(): Promise<void> {
    await this.store.check(this.settings.defaultContainer);
  }

  async shutdown(): Promise<void> {
    await this.store.close?.();
  }

  async backup(backup: DriverBackup, source: BlockReader, onProgress?: BackupProgress): Promise<BackupResult> {
    const { objectSize, blockSize } = this.settings;
    const container = backup.container ?? this.settings.defaultContainer;
    const prefix = backupPrefix(backup.volumeId, backup.id);
    await this.store.ensureContainer(container);
    // Leftovers of an earlier attempt at this backup would otherwise outlive it.
    await this.removePrefix(container, prefix);
    const parent = backup.parent ? await this.load(backup.parent) : null;
    // A parent cut into other objects or blocks cannot be compared with: store everything.
    const base = parent && parent.manifest.objectSize === objectSize && parent.manifest.blockSize === blockSize ? parent.manifest : null;

    const sizeBytes = source.sizeBytes;
    const count = Math.ceil(sizeBytes / objectSize);
    const objects: ObjectEntry[] = new Array<ObjectEntry>(count);
    let done = 0;
    let storedObjects = 0;
    let storedBytes = 0;
    onProgress?.(0);
    await runPool(count, this.settings.objectsInFlight, async (i) => {
      const offset = i * objectSize;
      const length = Math.min(objectSize, sizeBytes - offset);
      // A range the volume reports as unallocated or zeroed is not read: it is stored as zero
      // whatever the parent held there (as a read of zeroes would be).
      const known = (await source.isZero?.(offset, length)) === true;
      let entry: ObjectEntry = { kind: 'zero' };
      if (!known) {
        const data = await source.read(offset, length);
        if (data.length !== length) throw new BackendError(`Backup ${backup.id}: read of ${length} bytes at ${offset} returned ${data.length}.`);
        // Compare only with the same object at the same length (an extended volume's old last object is shorter).
        const before = base && i < base.objects.length && Math.min(objectSize, base.sizeBytes - offset) === length ? base.objects[i]! : null;
        entry = await this.storeObject(container, prefix, i, data, before);
      }
      objects[i] = entry;
      if (entry.kind === 'full' || entry.kind === 'delta') {
        storedObjects++;
        storedBytes += entry.storedBytes;
      }
      onProgress?.(Math.floor((++done * 100) / Math.max(count, 1)));
    });
    if (count === 0) onProgress?.(100);

    const manifest: Manifest = {
      format: FORMAT, version: FORMAT_VERSION, backupId: backup.id, volumeId: backup.volumeId,
      parentId: backup.parent?.id ?? null, sizeBytes, objectSize, blockSize, objects,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    // Written last: a backup whose manifest is missing never completed.
    await this.store.put(container, manifestKey(prefix), manifestBytes);
    const meta: ServiceMetadata = {
      format: `${FORMAT}/${FORMAT_VERSION}`, container, prefix, manifestKey: manifestKey(prefix),
      manifestSha256: sha256Hex(manifestBytes), sizeBytes, objectSize, blockSize, objectCount: storedObjects, storedBytes,
    };
    this.logger.info({ backup: backup.id, container, prefix, objects: storedObjects, storedBytes, incremental: parent !== null },
      'backup stored');
    return { container, serviceMetadata: JSON.stringify(meta), objectCount: storedObjects, storedBytes };
  }

  /** Decides what object `i` is against the parent's entry, and stores what must be stored. */
  private async storeObject(
    container: string, prefix: string, i: number, data: Buffer, before: ObjectEntry | null,
  ): Promise<ObjectEntry> {
    if (isAllZero(data)) return { kind: 'zero' };
    const digests = blockDigests(data, this.settings.blockSize);
    const hashes = digests.toString('base64');
    let changed: number[] | null = null;
    let depth = 0;
    if (before) {
      const previous = before.kind === 'zero' ? this.zeroDigests(data.length) : Buffer.from(before.hashes, 'base64');
      if (previous.length === digests.length) {
        changed = changedBlocks(digests, previous);
        depth = before.kind === 'same' || before.kind === 'delta' ? before.depth : 0;
        if (changed.length === 0) return { kind: 'same', depth, hashes };
      }
    }
    const blockCount = digests.length / DIGEST_BYTES;
    const asDelta = changed !== null && changed.length <= blockCount * DELTA_MAX_FRACTION && depth < DELTA_MAX_DEPTH;
    const key = objectKey(prefix, i);
    if (asDelta) {
      const bs = this.settings.blockSize;
      const payload = Buffer.concat(changed!.map((b) => data.subarray(b * bs, (b + 1) * bs)));
      const { encoding, bytes } = await encodeObject(payload, this.settings.compression, this.settings.compressionLevel);
      await this.store.put(container, key, bytes);
      return { kind: 'delta', key, encoding, storedBytes: bytes.length, sha256: sha256Hex(bytes), blocks: changed!, depth: depth + 1, hashes };
    }
    const { encoding, bytes } = await encodeObject(data, this.settings.compression, this.settings.compressionLevel);
    await this.store.put(container, key, bytes);
    return { kind: 'full', key, encoding, storedBytes: bytes.length, sha256: sha256Hex(bytes), hashes };
  }

  async restore(backup: DriverBackup, target: BlockWriter, onProgress?: BackupProgress): Promise<void> {
    const chain = await this.loadChain(backup);
    const top = chain[0]!.manifest;
    if (target.sizeBytes < top.sizeBytes) {
      throw new BackendError(`Restore of backup ${backup.id}: the target has ${target.sizeBytes} bytes, the backup ${top.sizeBytes}.`,
        { publicDetail: 'the target volume is smaller than the backup' });
    }
    const count = top.objects.length;
    let done = 0;
    onProgress?.(0);
    await runPool(count, this.settings.objectsInFlight, async (i) => {
      const offset = i * top.objectSize;
      const length = Math.min(top.objectSize, top.sizeBytes - offset);
      const data = await this.rebuild(chain, i, length);
      if (data === null) await target.writeZeroes(offset, length);
      else await target.write(offset, data);
      onProgress?.(Math.floor((++done * 100) / Math.max(count, 1)));
    });
    await target.flush();
    if (count === 0) onProgress?.(100);
  }

  /**
   * Object `i` as it was at chain[0]: walk down the chain to the entry holding it whole (or
   * zero), then lay each delta over it going back up. null for an object that is all zeroes.
   * The result is checked against chain[0]'s block digests, so any bad object in the chain shows.
   */
  private async rebuild(chain: LoadedBackup[], i: number, length: number): Promise<Buffer | null> {
    const deltas: { at: LoadedBackup; entry: Extract<ObjectEntry, { kind: 'delta' }> }[] = [];
    let data: Buffer | null = null;
    for (let level = 0; ; level++) {
      const at = chain[level];
      const entry = at?.manifest.objects[i];
      if (!at || !entry) {
        throw new BackupCorrupt(`Backup ${chain[0]!.backup.id}: object ${i} refers to a parent the chain does not have.`);
      }
      if (entry.kind === 'same') continue;
      if (entry.kind === 'zero') break;
      if (entry.kind === 'delta') {
        deltas.push({ at, entry });
        continue;
      }
      data = await this.fetch(at, entry, length);
      break;
    }
    if (data === null && deltas.length === 0) return null;
    if (data === null) data = Buffer.alloc(length);
    const bs = chain[0]!.manifest.blockSize;
    for (const { at, entry } of deltas.reverse()) {
      const expected = entry.blocks.reduce((n, b) => n + Math.min(bs, length - b * bs), 0);
      const payload = await this.fetch(at, entry, expected);
      let pos = 0;
      for (const b of entry.blocks) {
        const n = Math.min(bs, length - b * bs);
        payload.copy(data, b * bs, pos, pos + n);
        pos += n;
      }
    }
    const want = Buffer.from((chain[0]!.manifest.objects[i] as { hashes: string }).hashes, 'base64');
    const got = blockDigests(data, bs);
    const bad = changedBlocks(got, want);
    if (got.length !== want.length || bad.length > 0) {
      throw new BackupCorrupt(`Backup ${chain[0]!.backup.id}: object ${i} rebuilt from the chain fails its checksum `
        + `(block ${bad[0] ?? 0} of ${want.length / DIGEST_BYTES}).`);
    }
    return data;
  }

  /** A stored object, checked against its recorded SHA-256 and decoded to `length` bytes. */
  private async fetch(at: LoadedBackup, entry: Extract<ObjectEntry, { kind: 'full' | 'delta' }>, length: number): Promise<Buffer> {
    const where = `object ${entry.key} of backup ${at.backup.id} in container ${at.meta.container}`;
    let bytes: Buffer;
    try {
      bytes = await this.store.get(at.meta.container, entry.key);
    } catch (e) {
      if (e instanceof ObjectMissing) throw new BackupCorrupt(`Backup data is missing: ${where} does not exist.`);
      throw e;
    }
    if (sha256Hex(bytes) !== entry.sha256) throw new BackupCorrupt(`Backup data is corrupt: ${where} fails its SHA-256 checksum.`);
    let data: Buffer;
    try {
      data = await decodeObject(bytes, entry.encoding, length);
    } catch (e) {
      throw new BackupCorrupt(`Backup data is corrupt: ${where} does not decompress (${(e as Error).message}).`);
    }
    if (data.length !== length) throw new BackupCorrupt(`Backup data is corrupt: ${where} holds ${data.length} bytes, not ${length}.`);
    return data;
  }

  async deleteBackup(backup: DriverBackup): Promise<void> {
    let container = backup.container ?? this.settings.defaultContainer;
    let prefix = backupPrefix(backup.volumeId, backup.id);
    if (backup.serviceMetadata) {
      // Unreadable or foreign metadata throws: deleting by a guess could remove another backup's objects.
      ({ container, prefix } = parseServiceMetadata(backup.id, backup.serviceMetadata));
    }
    await this.removePrefix(container, prefix);
    this.logger.info({ backup: backup.id, container, prefix }, 'backup objects removed');
  }

  /** Removes every object of a backup, the manifest first so a half-removed backup reads as incomplete. */
  private async removePrefix(container: string, prefix: string): Promise<void> {
    const keys = await this.store.list(container, `${prefix}/`);
    const manifest = manifestKey(prefix);
    if (keys.includes(manifest)) await this.store.delete(container, manifest);
    await runPool(keys.length, 8, async (k) => {
      if (keys[k] !== manifest) await this.store.delete(container, keys[k]!);
    });
  }

  /** The backup and its ancestors, newest first, each with its checked manifest. */
  private async loadChain(backup: DriverBackup): Promise<LoadedBackup[]> {
    const chain: LoadedBackup[] = [];
    for (let b: DriverBackup | null = backup; b; b = b.parent) chain.push(await this.load(b));
    for (let k = 0; k < chain.length; k++) {
      const { manifest } = chain[k]!;
      const parentId = chain[k + 1]?.backup.id ?? null;
      if (manifest.parentId !== parentId) {
        throw new BackupCorrupt(`Backup ${manifest.backupId} was made on top of ${manifest.parentId ?? 'nothing'}, `
          + `but its chain names ${parentId ?? 'no parent'}.`);
      }
      if (k > 0 && (manifest.objectSize !== chain[0]!.manifest.objectSize || manifest.blockSize !== chain[0]!.manifest.blockSize)) {
        // Geometry changed between backups: the newer one stored every object whole, so the older is not read.
        chain.length = k;
        break;
      }
    }
    return chain;
  }

  private async load(backup: DriverBackup): Promise<LoadedBackup> {
    if (!backup.serviceMetadata) {
      throw new BackupCorrupt(`Backup ${backup.id} has no service metadata: it never completed.`);
    }
    const meta = parseServiceMetadata(backup.id, backup.serviceMetadata);
    let bytes: Buffer;
    try {
      bytes = await this.store.get(meta.container, meta.manifestKey);
    } catch (e) {
      if (e instanceof ObjectMissing) {
        throw new BackupCorrupt(`Backup ${backup.id} is incomplete: its manifest ${meta.manifestKey} is missing from container ${meta.container}.`);
      }
      throw e;
    }
    if (sha256Hex(bytes) !== meta.manifestSha256) {
      throw new BackupCorrupt(`Backup ${backup.id}: manifest ${meta.manifestKey} fails its SHA-256 checksum.`);
    }
    return { backup, meta, manifest: parseManifest(backup.id, bytes) };
  }

  private zeroDigests(length: number): Buffer {
    let d = this.zeroDigestCache.get(length);
    if (!d) {
      d = blockDigests(Buffer.alloc(length), this.settings.blockSize);
      this.zeroDigestCache.set(length, d);
    }
    return d;
  }
}
