// The conformance suite's working set: creates volumes and snapshots through the driver the
// way the manager would (recording model updates), and removes whatever a test left behind.
import { open, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VolumeDriverCore } from '../../src/drivers/interface/core.js';
import type { DriverSnapshot, DriverVolume } from '../../src/drivers/interface/objects.js';
import { ImageTransfer, ListBackendVolumes, LocalPath, Snapshots } from '../../src/drivers/interface/capabilities.js';
import { applyUpdate, makeSnapshot, makeVolume } from './fixtures.js';
import { assertModelUpdate } from './assertions.js';

export class Harness {
  private readonly volumes = new Map<string, DriverVolume>();
  private readonly snapshots = new Map<string, DriverSnapshot>();
  /** Every volume id the suite created, to check at the end that none is left on the backend. */
  private readonly everCreated = new Set<string>();
  private scratch: string | null = null;

  constructor(readonly driver: VolumeDriverCore) {}

  /** Creates a volume of `size` GiB, records it for cleanup, returns it with the update applied. */
  async volume(size = 1, overrides: Partial<DriverVolume> = {}): Promise<DriverVolume> {
    const v = makeVolume({ size, ...overrides });
    this.remember(v);
    const update = await this.driver.createVolume(v);
    assertModelUpdate(update);
    return this.remember(applyUpdate(v, update));
  }

  /** Records a volume created by other means (clone, from snapshot, manage) for cleanup. */
  remember(v: DriverVolume): DriverVolume {
    this.volumes.set(v.id, v);
    this.everCreated.add(v.id);
    return v;
  }

  forget(v: DriverVolume): void {
    this.volumes.delete(v.id);
  }

  async snapshot(volume: DriverVolume): Promise<DriverSnapshot> {
    if (!Snapshots.is(this.driver)) throw new Error('driver has no snapshots');
    const s = makeSnapshot(volume);
    this.snapshots.set(s.id, s);
    const update = await this.driver.createSnapshot(s);
    assertModelUpdate(update);
    const done = applyUpdate(s, update);
    this.snapshots.set(s.id, done);
    return done;
  }

  forgetSnapshot(s: DriverSnapshot): void {
    this.snapshots.delete(s.id);
  }

  /** Detach, unexport, delete: the manager's safe order. */
  async destroy(v: DriverVolume): Promise<void> {
    await this.driver.terminateConnection(v, null);
    await this.driver.removeExport(v);
    await this.driver.deleteVolume(v);
    this.volumes.delete(v.id);
  }

  /** Removes everything still recorded; throws listing what could not be removed (a leak). */
  async cleanup(): Promise<void> {
    const failures: string[] = [];
    if (Snapshots.is(this.driver)) {
      for (const s of this.snapshots.values()) {
        await this.driver.deleteSnapshot(s).catch((e: Error) => failures.push(`snapshot ${s.id}: ${e.message}`));
      }
    }
    this.snapshots.clear();
    for (const v of [...this.volumes.values()]) {
      await this.destroy(v).catch((e: Error) => failures.push(`volume ${v.id}: ${e.message}`));
    }
    this.volumes.clear();
    if (ListBackendVolumes.is(this.driver)) {
      for (const o of await this.driver.listBackendVolumes()) {
        if (o.flintId !== null && this.everCreated.has(o.flintId)) failures.push(`volume ${o.flintId} is still on the backend (${JSON.stringify(o.reference)})`);
      }
    }
    if (this.scratch) await rm(this.scratch, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`conformance cleanup left objects behind:\n${failures.join('\n')}`);
  }

  async scratchFile(name: string): Promise<string> {
    this.scratch ??= await mkdtemp(join(tmpdir(), 'flint-conformance-'));
    return join(this.scratch, name);
  }

  /** Whether the suite can read and write a volume's bytes through this driver. */
  get dataPath(): 'local_path' | 'image_transfer' | null {
    if (LocalPath.is(this.driver)) return 'local_path';
    if (ImageTransfer.is(this.driver)) return 'image_transfer';
    return null;
  }

  /** Writes `bytes` at offset 0 of the volume. */
  async write(v: DriverVolume, bytes: Buffer): Promise<void> {
    const d = this.driver;
    if (LocalPath.is(d)) {
      const fh = await open(await d.localPath(v), 'r+');
      try { await fh.write(bytes, 0, bytes.length, 0); await fh.sync(); } finally { await fh.close(); }
    } else if (ImageTransfer.is(d)) {
      const img = await this.scratchFile(`in-${v.id}.raw`);
      await writeFile(img, bytes);
      await d.copyImageToVolume(v, img, 'raw');
      await rm(img, { force: true });
    } else {
      throw new Error('driver has no data path');
    }
  }

  /** Reads `length` bytes at offset 0 of the volume. */
  async read(v: DriverVolume, length: number): Promise<Buffer> {
    const d = this.driver;
    let path: string;
    let temp = false;
    if (LocalPath.is(d)) {
      path = await d.localPath(v);
    } else if (ImageTransfer.is(d)) {
      path = await this.scratchFile(`out-${v.id}.raw`);
      await d.copyVolumeToImage(v, path, 'raw');
      temp = true;
    } else {
      throw new Error('driver has no data path');
    }
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
      if (temp) await rm(path, { force: true });
    }
  }

  /** The size the backend reports for `v`, when it can list its objects. */
  async backendSize(v: DriverVolume): Promise<number | null> {
    if (!ListBackendVolumes.is(this.driver)) return null;
    const found = (await this.driver.listBackendVolumes()).find((o) => o.flintId === v.id);
    if (!found) throw new Error(`volume ${v.id} is not in listBackendVolumes()`);
    return found.sizeGiB;
  }
}
