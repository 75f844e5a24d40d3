// The fake driver's group, replication and attach-callback capabilities.
import { BackendObjectNotFound, InvalidInput } from '../../errors/errors.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../interface/objects.js';
import { FakeBackendConflict, type FakeArray } from './fake-array.js';

export function createGroup(a: FakeArray, groupId: string): Promise<ModelUpdate | void> {
  return a.op('createGroup', () => {
    if (!a.store.groups().has(groupId)) a.store.groups().set(groupId, new Set());
  });
}

export function deleteGroup(a: FakeArray, groupId: string, volumes: DriverVolume[]): Promise<void> {
  return a.op('deleteGroup', () => {
    for (const vol of volumes) {
      if ([...a.store.snapshots().values()].some((s) => s.volumeId === vol.id)) {
        throw new FakeBackendConflict(`Volume ${vol.id} of group ${groupId} has snapshots.`);
      }
    }
    for (const vol of volumes) a.store.volumes().delete(vol.id);
    a.store.groups().delete(groupId);
  });
}

export function updateGroup(a: FakeArray, groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void> {
  return a.op('updateGroup', () => {
    const members = a.store.groups().get(groupId);
    if (!members) throw new BackendObjectNotFound(`Group ${groupId} does not exist on fake backend ${a.backendName}.`);
    for (const vol of add) {
      const v = a.vol(vol.id);
      if (v.groupId && v.groupId !== groupId) throw new FakeBackendConflict(`Volume ${vol.id} already belongs to group ${v.groupId}.`);
    }
    for (const vol of add) { a.vol(vol.id).groupId = groupId; members.add(vol.id); }
    for (const vol of remove) {
      const v = a.store.volumes().get(vol.id);
      if (v?.groupId === groupId) v.groupId = null;
      members.delete(vol.id);
    }
  });
}

export function createGroupSnapshot(a: FakeArray, groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
  return a.op('createGroupSnapshot', () => {
    for (const s of snapshots) a.vol(s.volume.id);
    for (const s of snapshots) a.takeSnapshot(s, groupSnapshotId);
  });
}

export function deleteGroupSnapshot(a: FakeArray, groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
  return a.op('deleteGroupSnapshot', () => {
    for (const s of snapshots) a.store.snapshots().delete(s.id);
    for (const [id, s] of a.store.snapshots()) if (s.groupSnapshotId === groupSnapshotId) a.store.snapshots().delete(id);
  });
}

export function failoverHost(a: FakeArray, secondaryId: string | null): Promise<{ activeBackendId: string }> {
  return a.op('failoverHost', () => {
    const targets = a.opt.list('fake_replication_targets');
    const target = secondaryId ?? targets[0];
    if (target === undefined) throw new InvalidInput(`Backend ${a.backendName} has no replication targets.`);
    if (target !== 'default' && !targets.includes(target)) {
      throw new InvalidInput(`Unknown replication target '${target}' (known: ${['default', ...targets].join(', ')}).`);
    }
    a.store.activeBackendId = target;
    return { activeBackendId: target };
  });
}

export function setReplication(a: FakeArray, volume: DriverVolume, state: 'enabled' | 'disabled'): Promise<ModelUpdate | void> {
  return a.op(state === 'enabled' ? 'enableReplication' : 'disableReplication', () => { a.vol(volume.id).replication = state; });
}

export function attachVolume(a: FakeArray, volume: DriverVolume, instanceUuid: string | null, hostName: string | null, mountpoint: string): Promise<void> {
  return a.op('attachVolume', () => { a.vol(volume.id).attachments.push({ instanceUuid, hostName, mountpoint }); });
}

export function detachVolume(a: FakeArray, volume: DriverVolume, attachmentId: string): Promise<void> {
  return a.op('detachVolume', () => {
    const v = a.store.volumes().get(volume.id);
    if (v && !v.detachedAttachmentIds.includes(attachmentId)) v.detachedAttachmentIds.push(attachmentId);
  });
}
