// The fake driver's manage group: adopt a foreign object, give one back, list what the array holds.
import { BackendObjectNotFound, InvalidInput } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';
import type { BackendVolumeObject, DriverVolume, ModelUpdate } from '../interface/objects.js';
import { FakeBackendConflict, newVolumeRecord, type FakeArray } from './fake-array.js';

/** Finds what `ref` names: `source-name` (backend name) or `source-id` (Flint id of a managed volume). */
function lookup(a: FakeArray, ref: Record<string, string>): { size: number; foreignName: string | null; managedId: string | null } {
  const name = ref['source-name'];
  const id = ref['source-id'];
  if (!name && !id) throw new InvalidInput("A manage reference needs 'source-name' or 'source-id'.");
  if (name) {
    const f = a.store.foreign().get(name);
    if (f) return { size: f.size, foreignName: name, managedId: null };
    const v = [...a.store.volumes().values()].find((x) => x.name === name);
    if (v) return { size: v.size, foreignName: null, managedId: v.id };
  } else {
    const v = a.store.volumes().get(id!);
    if (v) return { size: v.size, foreignName: null, managedId: v.id };
  }
  throw new BackendObjectNotFound(`No object matching ${JSON.stringify(ref)} on fake backend ${a.backendName}.`);
}

export function manageExistingGetSize(a: FakeArray, ref: Record<string, string>): Promise<number> {
  return a.op('manageExistingGetSize', () => lookup(a, ref).size);
}

export function manageExisting(a: FakeArray, volume: DriverVolume, ref: Record<string, string>): Promise<ModelUpdate | void> {
  return a.op('manageExisting', () => {
    const found = lookup(a, ref);
    if (found.managedId === volume.id) return { size: found.size };
    if (found.managedId !== null) throw new FakeBackendConflict(`The object ${JSON.stringify(ref)} is already managed as volume ${found.managedId}.`);
    const f = a.store.foreign().get(found.foreignName!)!;
    a.store.foreign().delete(f.name);
    a.store.volumes().set(volume.id, newVolumeRecord(volume, f.pool, f.data, f.size));
    return { size: f.size };
  });
}

export function unmanage(a: FakeArray, volume: DriverVolume): Promise<void> {
  return a.op('unmanage', () => {
    const v = a.store.volumes().get(volume.id);
    if (!v) return;
    a.store.volumes().delete(volume.id);
    a.store.foreign().set(v.name, { name: v.name, size: v.size, pool: v.pool, data: v.data });
  });
}

export function listBackendVolumes(a: FakeArray): Promise<BackendVolumeObject[]> {
  return a.op('listBackendVolumes', () => [
    ...[...a.store.volumes().values()].map((v) => ({
      reference: { 'source-name': v.name }, sizeGiB: v.size, flintId: v.id, safeToManage: false, reasonNotSafe: 'already managed',
    })),
    ...[...a.store.foreign().values()].map((f) => {
      const id = f.name.startsWith('volume-') ? f.name.slice('volume-'.length) : '';
      return { reference: { 'source-name': f.name }, sizeGiB: f.size, flintId: isUuid(id) ? id : null, safeToManage: true, reasonNotSafe: null };
    }),
  ]);
}
