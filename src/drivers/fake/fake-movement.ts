// The fake driver's data-movement group: copies, images, backup devices, retype and migration.
import { tmpdir } from 'node:os';
import { InvalidInput } from '../../errors/errors.js';
import type { DriverVolume, ModelUpdate } from '../interface/objects.js';
import { FakeBackendStore } from './fake-backend-store.js';
import type { FakeArray } from './fake-array.js';
import { readImage, writeBackupDevice, writeImage } from './fake-data.js';

export function copyVolumeData(a: FakeArray, source: DriverVolume, dest: DriverVolume): Promise<void> {
  return a.op('copyVolumeData', () => {
    const s = a.vol(source.id);
    const d = a.vol(dest.id);
    if (d.size < s.size) throw new InvalidInput(`Destination ${dest.id} (${d.size} GiB) is smaller than source ${source.id} (${s.size} GiB).`);
    d.data = Buffer.from(s.data);
  });
}

export function copyImageToVolume(a: FakeArray, volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> {
  return a.op('copyImageToVolume', async () => {
    const v = a.vol(volume.id);
    v.data = await readImage(a.ctx.executor, imagePath, imageFormat, v.size);
  });
}

export function copyVolumeToImage(a: FakeArray, volume: DriverVolume, imagePath: string, imageFormat: string): Promise<void> {
  return a.op('copyVolumeToImage', async () => {
    const v = a.vol(volume.id);
    await writeImage(a.ctx.executor, v.data, v.size, imagePath, imageFormat);
  });
}

export function getBackupDevice(a: FakeArray, volume: DriverVolume): Promise<{ path: string; cleanup(): Promise<void> }> {
  return a.op('getBackupDevice', () => {
    const v = a.vol(volume.id);
    return writeBackupDevice(a.ctx.stateDir || tmpdir(), v.id, v.data, v.size);
  });
}

export function retype(a: FakeArray, volume: DriverVolume, newExtraSpecs: Record<string, string>): Promise<boolean> {
  return a.op('retype', () => {
    const v = a.vol(volume.id);
    // A pool change cannot happen in place; the manager must migrate instead.
    const wantPool = newExtraSpecs['fake:pool'];
    if ((wantPool && wantPool !== v.pool) || newExtraSpecs['fake:requires_migration'] === 'true') return false;
    v.extraSpecs = { ...newExtraSpecs };
    return true;
  });
}

export function migrateVolume(a: FakeArray, volume: DriverVolume, destHost: string): Promise<[boolean, ModelUpdate | null]> {
  return a.op('migrateVolume', (): [boolean, ModelUpdate | null] => {
    const v = a.vol(volume.id);
    const match = /^[^@#]+@([^#]+)(?:#(.+))?$/.exec(destHost);
    if (!match) throw new InvalidInput(`Destination host '${destHost}' is not host@backend#pool.`);
    const [, destBackend, destPool] = match as unknown as [string, string, string | undefined];
    const hasSnapshots = [...a.store.snapshots().values()].some((s) => s.volumeId === v.id);
    if (hasSnapshots || v.connections.size > 0) return [false, null];
    if (destBackend === a.backendName) {
      if (!destPool || !a.pools.includes(destPool)) return [false, null];
      a.checkRoom(destPool, v.size);
      v.pool = destPool;
      return [true, null];
    }
    // Assisted migration between two fake backends of this process: move the object over.
    if (!FakeBackendStore.has(destBackend)) return [false, null];
    const dest = FakeBackendStore.get(destBackend);
    if (dest.volumes().has(v.id)) return [false, null];
    a.store.volumes().delete(v.id);
    if (v.groupId) a.store.groups().get(v.groupId)?.delete(v.id);
    dest.volumes().set(v.id, { ...v, pool: destPool ?? 'pool0', exported: false, providerLocation: null, providerAuth: null, groupId: null });
    dest.save();
    return [true, { providerLocation: null, providerAuth: null }];
  });
}
