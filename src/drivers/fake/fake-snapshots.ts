// The fake driver's snapshot group: snapshots, volumes from snapshots, clones, extend, revert.
import { InvalidInput } from '../../errors/errors.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../interface/objects.js';
import type { FakeArray } from './fake-array.js';

export function createSnapshot(a: FakeArray, snapshot: DriverSnapshot): Promise<ModelUpdate | void> {
  return a.op('createSnapshot', () => a.takeSnapshot(snapshot, null));
}

export function deleteSnapshot(a: FakeArray, snapshot: DriverSnapshot): Promise<void> {
  return a.op('deleteSnapshot', () => { a.store.snapshots().delete(snapshot.id); });
}

export function createVolumeFromSnapshot(a: FakeArray, volume: DriverVolume, snapshot: DriverSnapshot): Promise<ModelUpdate | void> {
  return a.op('createVolumeFromSnapshot', () => {
    const s = a.snap(snapshot);
    if (volume.size < s.size) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than snapshot ${snapshot.id} (${s.size} GiB).`);
    return a.insert(volume, s.data);
  });
}

export function createClonedVolume(a: FakeArray, volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate | void> {
  return a.op('createClonedVolume', () => {
    const src = a.vol(source.id);
    if (volume.size < src.size) throw new InvalidInput(`Volume size ${volume.size} GiB is smaller than source ${source.id} (${src.size} GiB).`);
    return a.insert(volume, src.data);
  });
}

export function extendVolume(a: FakeArray, volume: DriverVolume, newSizeGiB: number): Promise<ModelUpdate | void> {
  return a.op('extendVolume', () => {
    const v = a.vol(volume.id);
    if (!Number.isInteger(newSizeGiB) || newSizeGiB < v.size) {
      throw new InvalidInput(`New size ${newSizeGiB} GiB must be an integer no smaller than ${v.size} GiB.`);
    }
    a.checkRoom(v.pool, newSizeGiB - v.size);
    v.size = newSizeGiB;
  });
}

export function revertToSnapshot(a: FakeArray, volume: DriverVolume, snapshot: DriverSnapshot): Promise<void> {
  return a.op('revertToSnapshot', () => {
    const v = a.vol(volume.id);
    const s = a.snap(snapshot);
    if (s.volumeId !== v.id) throw new InvalidInput(`Snapshot ${snapshot.id} does not belong to volume ${volume.id}.`);
    v.data = Buffer.from(s.data);
  });
}
