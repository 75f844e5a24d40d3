// Flint's generic groups as E-Series consistency groups: a group is a CG labelled by its id;
// members join with a snapshot group of their own; a group snapshot is one CG snapshot (an
// image per member, taken together). The driver interface records nothing for group
// snapshots, so the CG and sequence number of each are kept in the array's persistent
// records, keyed by the group snapshot's id, with each member snapshot's image.
import { BackendObjectNotFound } from '../../../errors/errors.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import type { EseriesClient } from './rest/eseries-client.js';
import type { EsConsistencyGroup } from './rest/eseries-types.js';
import { isEsApiError } from './eseries-errors.js';
import type { EseriesLibrary } from './eseries-library.js';
import { uuidToLabel } from './eseries-utils.js';

export const CG_SNAPSHOT_RECORD_PREFIX = 'flint-cgsnap-';

export interface CgSnapshotRecord { cg: string; seq: string; images: Record<string, string>; deleted?: boolean }

export class ConsistencyGroups {
  constructor(private readonly client: EseriesClient, private readonly lib: EseriesLibrary) {}

  private async find(groupId: string): Promise<EsConsistencyGroup | undefined> {
    const label = uuidToLabel(groupId);
    return (await this.client.listConsistencyGroups()).find((c) => c.label === label);
  }
  private async get(groupId: string): Promise<EsConsistencyGroup> {
    const cg = await this.find(groupId);
    if (!cg) throw new BackendObjectNotFound(`Group ${groupId} has no E-Series consistency group.`);
    return cg;
  }

  async createGroup(groupId: string): Promise<ModelUpdate> {
    const cg = (await this.find(groupId)) ?? (await this.client.createConsistencyGroup(uuidToLabel(groupId)));
    return { providerLocation: cg.id };
  }

  /** Deletes the CG (its snapshot groups go with it) and then the member volumes. */
  async deleteGroup(groupId: string, volumes: DriverVolume[]): Promise<void> {
    const cg = await this.find(groupId);
    if (cg) {
      await this.client.deleteConsistencyGroup(cg.id).catch((e) => { if (!isEsApiError(e, 404)) throw e; });
      for (const r of await this.client.listPersistentRecords()) {
        if (r.key.startsWith(CG_SNAPSHOT_RECORD_PREFIX) && (JSON.parse(r.value) as CgSnapshotRecord).cg === cg.id) await this.client.deletePersistentRecord(r.key);
      }
    }
    for (const v of volumes) await this.lib.deleteVolume(v.id, v.providerLocation);
  }

  async updateGroup(groupId: string, add: DriverVolume[], remove: DriverVolume[]): Promise<void> {
    const cg = await this.get(groupId);
    const members = new Set((await this.client.listCgMembers(cg.id)).map((m) => m.volumeId));
    for (const v of add) {
      const es = await this.lib.get(v.id, v.providerLocation);
      if (!members.has(es.id)) await this.client.addCgMember(cg.id, es.id);
    }
    for (const v of remove) {
      const es = await this.lib.find(v.id, v.providerLocation);
      if (es && members.has(es.id)) await this.client.removeCgMember(cg.id, es.id);
    }
  }

  async createGroupSnapshot(groupSnapshotId: string, snapshots: DriverSnapshot[]): Promise<void> {
    const groupId = snapshots[0]?.volume.metadata?.group_id ?? null;
    const cg = groupId ? await this.get(groupId) : await this.cgOfMembers(snapshots);
    const images = await this.client.createCgSnapshot(cg.id);
    const byBase = new Map(images.map((i) => [i.baseVol, i.id]));
    const record: CgSnapshotRecord = { cg: cg.id, seq: images[0] ? String((images[0] as unknown as { cgSequenceNumber?: string }).cgSequenceNumber ?? '') : '', images: {} };
    for (const s of snapshots) {
      const es = await this.lib.get(s.volume.id, s.volume.providerLocation);
      const img = byBase.get(es.id);
      if (img) record.images[s.id] = img;
    }
    await this.client.savePersistentRecord(CG_SNAPSHOT_RECORD_PREFIX + groupSnapshotId, JSON.stringify(record));
  }

  /** The CG every snapshot's volume belongs to (when the volumes carry no group id). */
  private async cgOfMembers(snapshots: DriverSnapshot[]): Promise<EsConsistencyGroup> {
    const first = snapshots[0];
    if (!first) throw new BackendObjectNotFound('A group snapshot needs at least one member snapshot.');
    const es = await this.lib.get(first.volume.id, first.volume.providerLocation);
    for (const cg of await this.client.listConsistencyGroups()) {
      if ((await this.client.listCgMembers(cg.id)).some((m) => m.volumeId === es.id)) return cg;
    }
    throw new BackendObjectNotFound(`Volume ${first.volume.id} is in no E-Series consistency group.`);
  }

  /**
   * The array releases CG snapshots oldest first (like images in a group): the record is marked
   * deleted, then the CG's snapshots are deleted from the oldest while their records say so.
   */
  async deleteGroupSnapshot(groupSnapshotId: string, _snapshots: DriverSnapshot[]): Promise<void> {
    const key = CG_SNAPSHOT_RECORD_PREFIX + groupSnapshotId;
    const records = await this.client.listPersistentRecords();
    const rec = records.find((r) => r.key === key);
    if (!rec) return;
    const mine = JSON.parse(rec.value) as CgSnapshotRecord;
    await this.client.savePersistentRecord(key, JSON.stringify({ ...mine, deleted: true }));
    const ofCg = records
      .filter((r) => r.key.startsWith(CG_SNAPSHOT_RECORD_PREFIX))
      .map((r) => ({ key: r.key, rec: r.key === key ? { ...mine, deleted: true } : (JSON.parse(r.value) as CgSnapshotRecord) }))
      .filter((x) => x.rec.cg === mine.cg)
      .sort((a, b) => Number(a.rec.seq) - Number(b.rec.seq));
    for (const { key: k, rec: r } of ofCg) {
      if (!r.deleted) break;
      try {
        await this.client.deleteCgSnapshot(r.cg, r.seq);
      } catch (e) {
        if (!isEsApiError(e, 404)) throw e;
      }
      await this.client.deletePersistentRecord(k);
    }
  }

  /** The image a member snapshot of a group snapshot took, or null. */
  async imageOf(snapshotId: string): Promise<string | null> {
    for (const r of await this.client.listPersistentRecords()) {
      if (!r.key.startsWith(CG_SNAPSHOT_RECORD_PREFIX)) continue;
      const img = (JSON.parse(r.value) as CgSnapshotRecord).images[snapshotId];
      if (img) return img;
    }
    return null;
  }
}
