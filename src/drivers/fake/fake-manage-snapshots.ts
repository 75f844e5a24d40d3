// The fake driver's snapshot manage group: adopt an unmanaged snapshot of a managed volume,
// give a managed one back (its data stays on the array under its backend name).
import { BackendObjectNotFound, InvalidInput } from '../../errors/errors.js';
import { isUuid } from '../../util/ids.js';
import type { BackendSnapshotObject, DriverSnapshot, ModelUpdate } from '../interface/objects.js';
import type { FakeForeignSnapshotRecord } from './fake-backend-store.js';
import type { FakeArray } from './fake-array.js';

/** The unmanaged snapshot `ref` names; it must belong to the snapshot's volume. */
function lookup(a: FakeArray, snapshot: DriverSnapshot, ref: Record<string, string>): FakeForeignSnapshotRecord {
  const name = ref['source-name'];
  if (!name) throw new InvalidInput("A snapshot manage reference needs 'source-name'.");
  const f = a.store.foreignSnapshots().get(name);
  if (!f) throw new BackendObjectNotFound(`No unmanaged snapshot named ${name} on fake backend ${a.backendName}.`);
  if (f.volumeId !== snapshot.volume.id) throw new InvalidInput(`Snapshot ${name} is not a snapshot of volume ${snapshot.volume.id}.`);
  return f;
}

export function manageExistingSnapshotGetSize(a: FakeArray, snapshot: DriverSnapshot, ref: Record<string, string>): Promise<number> {
  return a.op('manageExistingSnapshotGetSize', () => {
    // A retried manage finds the snapshot already adopted.
    const mine = a.store.snapshots().get(snapshot.id);
    return mine ? mine.size : lookup(a, snapshot, ref).size;
  });
}

export function manageExistingSnapshot(a: FakeArray, snapshot: DriverSnapshot, ref: Record<string, string>): Promise<ModelUpdate | void> {
  return a.op('manageExistingSnapshot', () => {
    if (a.store.snapshots().has(snapshot.id)) return { providerLocation: `fake-snapshot:${snapshot.name}` };
    const f = lookup(a, snapshot, ref);
    a.store.foreignSnapshots().delete(f.name);
    // Renamed to Flint's name for the snapshot, as backends that name objects by id do.
    a.store.snapshots().set(snapshot.id, { id: snapshot.id, name: snapshot.name, volumeId: f.volumeId, size: f.size, data: f.data, groupSnapshotId: null });
    return { providerLocation: `fake-snapshot:${snapshot.name}` };
  });
}

export function unmanageSnapshot(a: FakeArray, snapshot: DriverSnapshot): Promise<void> {
  return a.op('unmanageSnapshot', () => {
    const s = a.store.snapshots().get(snapshot.id);
    if (!s) return;
    a.store.snapshots().delete(snapshot.id);
    a.store.foreignSnapshots().set(s.name, { name: s.name, volumeId: s.volumeId, size: s.size, data: s.data });
  });
}

export function listBackendSnapshots(a: FakeArray): Promise<BackendSnapshotObject[]> {
  return a.op('listBackendSnapshots', () => {
    const source = (volumeId: string) => ({ 'source-name': a.store.volumes().get(volumeId)?.name ?? `volume-${volumeId}` });
    return [
      ...[...a.store.snapshots().values()].map((s) => ({
        reference: { 'source-name': s.name }, sizeGiB: s.size, flintId: s.id, safeToManage: false, reasonNotSafe: 'already managed', sourceReference: source(s.volumeId),
      })),
      ...[...a.store.foreignSnapshots().values()].map((f) => {
        const id = f.name.startsWith('snapshot-') ? f.name.slice('snapshot-'.length) : '';
        return { reference: { 'source-name': f.name }, sizeGiB: f.size, flintId: isUuid(id) ? id : null, safeToManage: true, reasonNotSafe: null, sourceReference: source(f.volumeId) };
      }),
    ];
  });
}
