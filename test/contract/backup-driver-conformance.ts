// The backup driver conformance suite: the BackupDriverCore contract checked on any store the
// chunked format runs over. Volumes are files read and written through FileBlockReader/Writer;
// every backup is restored and compared byte for byte with the volume at that point.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_OPTIONS } from '../../src/config/backup-options.js';
import { resolveOptions } from '../../src/config/options.js';
import { createBackupDriver } from '../../src/drivers/backup/index.js';
import type { BackupDriverCore, BackupResult, BlockReader, DriverBackup } from '../../src/drivers/interface/backup.js';
import { BackendError } from '../../src/errors/errors.js';
import { logger } from '../../src/util/logger.js';
import { FileBlockReader, FileBlockWriter } from '../support/file-block-device.js';

export interface BackupStoreUnderTest {
  /** Raw [DEFAULT] options selecting and pointing at this store (backup_driver, path or endpoint…). */
  options: Record<string, string>;
  /** Keys under `prefix` in `container`, read from the store itself, not through the driver. */
  listObjects(container: string, prefix: string): Promise<string[]>;
  /** Flips one byte of a stored object in place. */
  corrupt(container: string, key: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface BackupConformanceSubject {
  name: string;
  setup(): Promise<BackupStoreUnderTest>;
}

const MiB = 1024 * 1024;
const OBJECT = 1 * MiB;
const BLOCK = 16 * 1024;
/** Not a whole number of objects nor of blocks: the last object and its last block are short. */
const VOLUME = 12 * MiB + 5000;

/** A reader that fails after `okReads` reads, as a backup process dying mid-way would. */
class FailingReader implements BlockReader {
  private count = 0;
  constructor(private readonly inner: BlockReader, private readonly okReads: number) {}
  get sizeBytes(): number { return this.inner.sizeBytes; }
  async read(offset: number, length: number): Promise<Buffer> {
    if (++this.count > this.okReads) throw new Error('simulated crash while reading the volume');
    return this.inner.read(offset, length);
  }
}

/** A reader that also answers allocation status, as a volume over qemu-nbd does: from what `image` holds. */
class AllocationAwareReader implements BlockReader {
  constructor(private readonly inner: BlockReader, private readonly image: Buffer, private readonly onAsk: () => void) {}
  get sizeBytes(): number { return this.inner.sizeBytes; }
  read(offset: number, length: number): Promise<Buffer> { return this.inner.read(offset, length); }
  async isZero(offset: number, length: number): Promise<boolean> {
    this.onAsk();
    return this.image.subarray(offset, offset + length).every((b) => b === 0);
  }
}

export function runBackupDriverConformance(subject: BackupConformanceSubject): void {
  describe(`backup driver conformance: ${subject.name}`, () => {
    let store: BackupStoreUnderTest;
    let driver: BackupDriverCore;
    let dir: string;
    const container = `conformance-${randomUUID().slice(0, 8)}`;

    const makeDriver = async (extra: Record<string, string> = {}): Promise<BackupDriverCore> => {
      const options = resolveOptions('DEFAULT', {
        backup_object_size: String(OBJECT), backup_sha_block_size: String(BLOCK), backup_objects_in_flight: '3',
        backup_container: container, ...store.options, ...extra,
      }, BACKUP_OPTIONS);
      return createBackupDriver({ options, logger, stateDir: dir });
    };

    before(async () => {
      store = await subject.setup();
      dir = await mkdtemp(join(tmpdir(), 'flint-backup-conf-'));
      driver = await makeDriver();
    });
    after(async () => {
      await driver?.shutdown?.();
      await store?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** A volume file; `fill` 'random' (incompressible) or 'zero' (sparse). */
    const makeVolume = async (fill: 'random' | 'zero', size = VOLUME): Promise<string> => {
      const path = join(dir, `vol-${randomUUID()}`);
      await writeFile(path, fill === 'random' ? randomBytes(size) : Buffer.alloc(size));
      return path;
    };

    const backupOf = async (
      volumeId: string, path: string, parent: DriverBackup | null, reader?: (r: BlockReader) => BlockReader,
    ): Promise<{ backup: DriverBackup; result: BackupResult; image: Buffer; maxInFlight: number; reads: number; progress: number[] }> => {
      const backup: DriverBackup = { id: randomUUID(), volumeId, size: 1, container: null, serviceMetadata: null, parent };
      const source = await FileBlockReader.open(path);
      const progress: number[] = [];
      try {
        const result = await driver.backup(backup, reader ? reader(source) : source, (p) => progress.push(p));
        backup.serviceMetadata = result.serviceMetadata;
        backup.container = result.container;
        return { backup, result, image: await readFile(path), maxInFlight: source.maxInFlight, reads: source.reads, progress };
      } finally {
        await source.close();
      }
    };

    const restoreTo = async (backup: DriverBackup, size = VOLUME, using = driver, prefill?: Buffer): Promise<Buffer> => {
      const path = join(dir, `restore-${randomUUID()}`);
      if (prefill) await writeFile(path, prefill);
      const target = await FileBlockWriter.open(path, size);
      try {
        await using.restore(backup, target);
      } finally {
        await target.close();
      }
      return readFile(path);
    };

    /** Overwrites `count` distinct random blocks; returns the objects they fall in. */
    const changeBlocks = async (path: string, count: number): Promise<Set<number>> => {
      const image = await readFile(path);
      const blocks = new Set<number>();
      while (blocks.size < count) blocks.add(randomInt(Math.ceil(VOLUME / BLOCK)));
      for (const b of blocks) randomBytes(BLOCK).copy(image, b * BLOCK, 0, Math.min(BLOCK, VOLUME - b * BLOCK));
      await writeFile(path, image);
      return new Set([...blocks].map((b) => Math.floor((b * BLOCK) / OBJECT)));
    };

    const prefixOf = (b: DriverBackup): string => `volume_${b.volumeId}/backup_${b.id}/`;

    test('a full backup stores every object, reports progress to 100 and restores byte for byte', async () => {
      const path = await makeVolume('random');
      const { backup, result, image, progress } = await backupOf(randomUUID(), path, null);
      assert.equal(result.container, container);
      assert.equal(result.objectCount, Math.ceil(VOLUME / OBJECT));
      // Random bytes do not compress: each object is stored as it is, nothing more.
      assert.ok(result.storedBytes >= VOLUME && result.storedBytes <= VOLUME + 1024, `stored ${result.storedBytes}`);
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes back');
      assert.equal(progress.at(-1), 100);
      const keys = await store.listObjects(container, prefixOf(backup));
      assert.equal(keys.length, result.objectCount + 1, 'one key per object and the manifest');
      const restoreProgress: number[] = [];
      const target = await FileBlockWriter.open(join(dir, `restore-${randomUUID()}`), VOLUME);
      try {
        await driver.restore(backup, target, (p) => restoreProgress.push(p));
      } finally {
        await target.close();
      }
      assert.equal(restoreProgress.at(-1), 100);
      assert.ok(target.maxInFlight >= 1 && target.maxInFlight <= 3, `restore writes in flight at once: ${target.maxInFlight}`);
      assert.ok((await restoreTo(backup)).equals(image));
    });

    test('the volume is streamed: no more reads at once than backup_objects_in_flight', async () => {
      const path = await makeVolume('random');
      const { maxInFlight } = await backupOf(randomUUID(), path, null);
      assert.ok(maxInFlight >= 1 && maxInFlight <= 3, `reads in flight at once: ${maxInFlight}`);
    });

    test('compressible data is stored compressed', async () => {
      const path = join(dir, `vol-${randomUUID()}`);
      const text = Buffer.alloc(VOLUME);
      for (let at = 0; at < VOLUME; at += 64) text.write(`row ${at} of a compressible volume\n`, at);
      await writeFile(path, text);
      const { backup, result } = await backupOf(randomUUID(), path, null);
      assert.ok(result.storedBytes < VOLUME / 3, `stored ${result.storedBytes} of ${VOLUME}`);
      assert.ok((await restoreTo(backup)).equals(text));
    });

    test('an incremental chain of 3 stores only changed blocks, and every point restores', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);

      // About 1 % of the blocks: each touched object is stored as a delta of its changed blocks.
      const touched1 = await changeBlocks(path, 8);
      const inc1 = await backupOf(volumeId, path, full.backup);
      assert.equal(inc1.result.objectCount, touched1.size);
      assert.ok(inc1.result.storedBytes <= 8 * BLOCK, `incremental 1 stored ${inc1.result.storedBytes}`);
      assert.ok(inc1.result.storedBytes >= 8 * BLOCK - BLOCK, 'the changed blocks themselves were stored');

      // About 5 %, on top of the first incremental.
      const touched2 = await changeBlocks(path, 40);
      const inc2 = await backupOf(volumeId, path, inc1.backup);
      assert.equal(inc2.result.objectCount, touched2.size);
      assert.ok(inc2.result.storedBytes <= 40 * BLOCK, `incremental 2 stored ${inc2.result.storedBytes}`);

      // Nothing changed: nothing stored.
      const inc3 = await backupOf(volumeId, path, inc2.backup);
      assert.equal(inc3.result.objectCount, 0);
      assert.equal(inc3.result.storedBytes, 0);

      assert.ok((await restoreTo(full.backup)).equals(full.image), 'full');
      assert.ok((await restoreTo(inc1.backup)).equals(inc1.image), 'incremental 1');
      assert.ok((await restoreTo(inc2.backup)).equals(inc2.image), 'incremental 2');
      assert.ok((await restoreTo(inc3.backup)).equals(inc2.image), 'incremental 3');
    });

    test('an object mostly rewritten is stored whole, and the chain still restores', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      const image = await readFile(path);
      randomBytes(OBJECT).copy(image, 2 * OBJECT);
      await writeFile(path, image);
      const inc = await backupOf(volumeId, path, full.backup);
      assert.equal(inc.result.objectCount, 1);
      assert.ok(inc.result.storedBytes >= OBJECT, 'the whole object was stored');
      assert.ok((await restoreTo(inc.backup)).equals(image));
    });

    test('an incremental of an extended volume restores at the new size (the old last object was shorter)', async () => {
      const volumeId = randomUUID();
      const size = 2 * OBJECT + 3 * BLOCK + 100;
      const path = await makeVolume('random', size);
      const full = await backupOf(volumeId, path, null);
      // Grow by less than a block: the last object keeps its 4 blocks but not its length.
      const grown = Buffer.concat([await readFile(path), randomBytes(3000)]);
      await writeFile(path, grown);
      const inc = await backupOf(volumeId, path, full.backup);
      assert.ok((await restoreTo(inc.backup, grown.length)).equals(grown));
      assert.ok((await restoreTo(full.backup, size)).equals(full.image));
    });

    test('a mostly empty volume stores almost nothing and restores its zeroes over old data', async () => {
      const path = await makeVolume('zero');
      const image = await readFile(path);
      randomBytes(BLOCK).copy(image, 5 * OBJECT + 3 * BLOCK);
      await writeFile(path, image);
      const { backup, result } = await backupOf(randomUUID(), path, null);
      assert.equal(result.objectCount, 1, 'only the object with data is stored');
      // The block itself plus the deflated zeroes around it (about 5 KiB per MiB at level 1).
      assert.ok(result.storedBytes <= BLOCK + 8 * 1024, `stored ${result.storedBytes}`);
      // Restore over a volume full of other bytes: the never-stored objects must come back as zeroes.
      assert.ok((await restoreTo(backup, VOLUME, driver, randomBytes(VOLUME))).equals(image));
    });

    test('ranges the volume reports as zeroes are not read, and an incremental over data since zeroed restores zeroes', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      const image = await readFile(path);
      image.fill(0, 2 * OBJECT, 6 * OBJECT);
      await writeFile(path, image);
      let asked = 0;
      const inc = await backupOf(volumeId, path, full.backup, (r) => new AllocationAwareReader(r, image, () => asked++));
      const objects = Math.ceil(VOLUME / OBJECT);
      assert.equal(asked, objects, 'allocation status asked once per object');
      assert.equal(inc.reads, objects - 4, 'the 4 zeroed objects are not read');
      assert.ok((await restoreTo(inc.backup, VOLUME, driver, randomBytes(VOLUME))).equals(image));
      assert.ok((await restoreTo(full.backup)).equals(full.image));
    });

    test('deleting an incremental leaves its parent restorable and removes only its own objects', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      await changeBlocks(path, 20);
      const inc = await backupOf(volumeId, path, full.backup);
      const parentKeys = await store.listObjects(container, prefixOf(full.backup));
      await driver.deleteBackup(inc.backup);
      assert.deepEqual(await store.listObjects(container, prefixOf(inc.backup)), []);
      assert.deepEqual(await store.listObjects(container, prefixOf(full.backup)), parentKeys);
      assert.ok((await restoreTo(full.backup)).equals(full.image));
      await driver.deleteBackup(inc.backup); // idempotent
      await driver.deleteBackup(full.backup);
      assert.deepEqual(await store.listObjects(container, prefixOf(full.backup)), []);
    });

    test('a backup that dies before its manifest is detectably incomplete, and deleteBackup cleans it', async () => {
      const path = await makeVolume('random');
      const backup: DriverBackup = { id: randomUUID(), volumeId: randomUUID(), size: 1, container: null, serviceMetadata: null, parent: null };
      const source = await FileBlockReader.open(path);
      try {
        await assert.rejects(driver.backup(backup, new FailingReader(source, 5)), /simulated crash/);
      } finally {
        await source.close();
      }
      const left = await store.listObjects(container, prefixOf(backup));
      assert.ok(left.length > 0, 'objects written before the crash are in the store');
      assert.ok(!left.some((k) => k.endsWith('manifest.json')), 'no manifest: the backup is incomplete');
      await assert.rejects(restoreTo(backup), (e: unknown) => e instanceof BackendError && /never completed/.test(e.message));
      await driver.deleteBackup(backup);
      assert.deepEqual(await store.listObjects(container, prefixOf(backup)), []);
    });

    test('a backup retried under the same id after a crash replaces what the first attempt left', async () => {
      const path = await makeVolume('random');
      const backup: DriverBackup = { id: randomUUID(), volumeId: randomUUID(), size: 1, container: null, serviceMetadata: null, parent: null };
      const first = await FileBlockReader.open(path);
      try {
        await assert.rejects(driver.backup(backup, new FailingReader(first, 7)), /simulated crash/);
      } finally {
        await first.close();
      }
      const image = await readFile(path);
      const retry = await backupOf(backup.volumeId, path, null);
      const again = await FileBlockReader.open(path);
      try {
        const result = await driver.backup(backup, again);
        backup.serviceMetadata = result.serviceMetadata;
      } finally {
        await again.close();
      }
      assert.equal((await store.listObjects(container, prefixOf(backup))).length, retry.result.objectCount + 1);
      assert.ok((await restoreTo(backup)).equals(image));
    });

    test('a corrupt object is detected on restore with an error naming it, also through a child', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      await changeBlocks(path, 4);
      const inc = await backupOf(volumeId, path, full.backup);
      const victim = `${prefixOf(full.backup)}obj-000007`;
      await store.corrupt(container, victim);
      const corrupt = (e: unknown): boolean => e instanceof BackendError && e.code === 'backup_corrupt'
        && e.message.includes(victim) && /checksum/.test(e.message);
      await assert.rejects(restoreTo(full.backup), corrupt);
      await assert.rejects(restoreTo(inc.backup), corrupt);
    });

    test('a changed manifest is detected before it is used', async () => {
      const path = await makeVolume('random', 2 * OBJECT);
      const { backup } = await backupOf(randomUUID(), path, null);
      await store.corrupt(container, `${prefixOf(backup)}manifest.json`);
      await assert.rejects(restoreTo(backup, 2 * OBJECT), (e: unknown) => e instanceof BackendError && /manifest .* checksum/.test(e.message));
    });

    test('service metadata alone restores: an exported record imported into a fresh driver', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      await changeBlocks(path, 10);
      const inc = await backupOf(volumeId, path, full.backup);
      // What an export_record carries, through JSON, into a driver that has never seen these backups.
      const record = JSON.parse(JSON.stringify({ full: full.backup.serviceMetadata, inc: inc.backup.serviceMetadata })) as Record<string, string>;
      const imported: DriverBackup = {
        id: inc.backup.id, volumeId, size: 1, container: null, serviceMetadata: record.inc!,
        parent: { id: full.backup.id, volumeId, size: 1, container: null, serviceMetadata: record.full!, parent: null },
      };
      const fresh = await makeDriver({ backup_container: `other-${randomUUID().slice(0, 8)}` });
      try {
        assert.ok((await restoreTo(imported, VOLUME, fresh)).equals(inc.image));
      } finally {
        await fresh.shutdown?.();
      }
    });

    test('service metadata naming another backup\'s objects is refused by restore and delete', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random', 2 * OBJECT);
      const victim = await backupOf(volumeId, path, null);
      const forged: DriverBackup = { ...victim.backup, id: randomUUID() };
      const refused = (e: unknown): boolean => e instanceof BackendError && /another backup/.test(e.message);
      await assert.rejects(restoreTo(forged, 2 * OBJECT), refused);
      await assert.rejects(driver.deleteBackup(forged), refused);
      assert.ok((await restoreTo(victim.backup, 2 * OBJECT)).equals(victim.image), 'the victim is untouched');
    });

    test('restore refuses a target smaller than the backup, and a chain that does not match', async () => {
      const volumeId = randomUUID();
      const path = await makeVolume('random');
      const full = await backupOf(volumeId, path, null);
      const inc = await backupOf(volumeId, path, full.backup);
      await assert.rejects(restoreTo(full.backup, VOLUME - 1), (e: unknown) => e instanceof BackendError && /smaller|bytes/.test(e.message));
      const other = await backupOf(volumeId, path, null);
      await assert.rejects(restoreTo({ ...inc.backup, parent: other.backup }), (e: unknown) => e instanceof BackendError && /chain/.test(e.message));
    });
  });
}
