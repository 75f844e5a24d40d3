// Snapshots, clones and volumes from snapshots on E-Series. A Flint snapshot is an image in
// one of the volume's Flint snapshot groups (32 images each; 3 groups, a fourth kept free for
// clones). The array deletes a group's images oldest first, so deleting a younger image only
// records it as deleted (a persistent record) and it is purged once older ones are gone;
// when every group is full, recorded images are purged first. Data moves by volume copy jobs
// from a read-only view of an image.
import { BackendError, BackendObjectNotFound, Conflict } from '../../../errors/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../../interface/objects.js';
import type { EseriesClient } from './rest/eseries-client.js';
import type { EsSnapshotGroup, EsSnapshotImage, EsVolume } from './rest/eseries-types.js';
import { EsHttpError, EsTransportError, isEsApiError } from './eseries-errors.js';
import { GiB, TMP_PREFIX, type EseriesLibrary } from './eseries-library.js';
import { uuidToLabel } from './eseries-utils.js';
import { newId } from '../../../util/ids.js';

export const MAX_IMAGES_PER_GROUP = 32;
export const MAX_GROUPS_PER_VOLUME = 4;
/** One group per volume is left for the temporary group a clone needs. */
export const RESERVED_GROUPS = 1;
/** Labels of Flint's snapshot groups start so (E-Series labels hold 30 characters). */
export const SNAP_GROUP_PREFIX = 'fsg-';
export const CLONE_GROUP_PREFIX = 'fcg-';
export const DELETED_RECORD_PREFIX = 'flint-deleted-image-';
const REPOSITORY_PERCENT = 20;

export class SnapshotManager {
  constructor(
    private readonly client: EseriesClient,
    private readonly lib: EseriesLibrary,
    private readonly copyTimeoutMs: number,
    private readonly log: Logger,
    /** Where member snapshots of a group snapshot (which record no provider location) find their image. */
    private readonly groupImageOf: (snapshotId: string) => Promise<string | null> = async () => null,
  ) {}

  private async groupsOf(base: EsVolume): Promise<{ all: EsSnapshotGroup[]; ours: EsSnapshotGroup[] }> {
    const all = (await this.client.listSnapshotGroups()).filter((g) => g.baseVolume === base.id);
    return { all, ours: all.filter((g) => g.label.startsWith(SNAP_GROUP_PREFIX)) };
  }

  async createSnapshot(snap: DriverSnapshot): Promise<ModelUpdate> {
    const base = await this.lib.get(snap.volume.id, snap.volume.providerLocation);
    const group = await this.groupWithRoom(base);
    const image = await this.imageIn(group.id);
    return { providerLocation: image.id };
  }

  /**
   * A new image in the group. The create is sent once: if its reply is lost on the wire, the
   * group's images are read again and the one that appeared is taken (a second create would
   * leave an image no Flint snapshot owns, deletable only once it is the oldest).
   */
  private async imageIn(groupId: string): Promise<EsSnapshotImage> {
    const before = new Set((await this.client.listSnapshotImages()).filter((i) => i.pitGroupRef === groupId).map((i) => i.id));
    try {
      return await this.client.createSnapshotImage(groupId);
    } catch (e) {
      if (!(e instanceof EsTransportError || e instanceof EsHttpError)) throw e;
      const fresh = (await this.client.listSnapshotImages()).filter((i) => i.pitGroupRef === groupId && !before.has(i.id));
      if (fresh.length === 1) return fresh[0]!;
      if (fresh.length > 1) throw e;
      return this.client.createSnapshotImage(groupId);
    }
  }

  /** A copy job into `targetId`, sent once; after a lost reply the job found for the target is taken. */
  private async copyJob(sourceId: string, targetId: string): Promise<string> {
    try {
      return (await this.client.createVolumeCopyJob(sourceId, targetId)).id;
    } catch (e) {
      if (!(e instanceof EsTransportError || e instanceof EsHttpError)) throw e;
      const found = (await this.client.listVolumeCopyJobs()).find((j) => j.targetVolume === targetId && j.sourceVolume === sourceId);
      if (found) return found.id;
      return (await this.client.createVolumeCopyJob(sourceId, targetId)).id;
    }
  }

  /** A Flint group of `base` with fewer than 32 images, making or purging one when needed. */
  private async groupWithRoom(base: EsVolume): Promise<EsSnapshotGroup> {
    let { all, ours } = await this.groupsOf(base);
    const images = await this.client.listSnapshotImages();
    const count = (g: EsSnapshotGroup) => images.filter((i) => i.pitGroupRef === g.id).length;
    const roomy = ours.find((g) => count(g) < MAX_IMAGES_PER_GROUP);
    if (roomy) return roomy;
    if (all.length < MAX_GROUPS_PER_VOLUME - RESERVED_GROUPS) {
      return this.client.createSnapshotGroup(`${SNAP_GROUP_PREFIX}${uuidToLabel(newId()).slice(0, 24)}`, base.id, base.volumeGroupRef, REPOSITORY_PERCENT);
    }
    // Every group is full: purge images already deleted in Flint, oldest first.
    for (const g of ours) {
      await this.purge(g);
    }
    ({ all, ours } = await this.groupsOf(base));
    const after = await this.client.listSnapshotImages();
    const again = ours.find((g) => after.filter((i) => i.pitGroupRef === g.id).length < MAX_IMAGES_PER_GROUP);
    if (again) return again;
    if (all.length < MAX_GROUPS_PER_VOLUME - RESERVED_GROUPS) {
      return this.client.createSnapshotGroup(`${SNAP_GROUP_PREFIX}${uuidToLabel(newId()).slice(0, 24)}`, base.id, base.volumeGroupRef, REPOSITORY_PERCENT);
    }
    throw new BackendError(
      `Volume ${base.label} holds ${(MAX_GROUPS_PER_VOLUME - RESERVED_GROUPS) * MAX_IMAGES_PER_GROUP} snapshots, the most E-Series allows Flint; delete the oldest snapshots first.`,
      { publicDetail: 'The volume has the most snapshots E-Series allows; delete the oldest first.' },
    );
  }

  /** Deletes the group's oldest images while they are recorded as deleted; an emptied group goes too. */
  private async purge(group: EsSnapshotGroup): Promise<void> {
    const records = new Set((await this.client.listPersistentRecords()).map((r) => r.key));
    const images = (await this.client.listSnapshotImages())
      .filter((i) => i.pitGroupRef === group.id)
      .sort((a, b) => Number(a.pitSequenceNumber) - Number(b.pitSequenceNumber));
    let left = images.length;
    for (const i of images) {
      if (!records.has(DELETED_RECORD_PREFIX + i.id)) break;
      await this.client.deleteSnapshotImage(i.id);
      await this.client.deletePersistentRecord(DELETED_RECORD_PREFIX + i.id);
      left--;
    }
    // A consistency group's member group stays with the CG (the CG deletes it).
    if (left === 0 && !group.consistencyGroup) await this.client.deleteSnapshotGroup(group.id).catch((e) => { if (!isEsApiError(e, 404)) throw e; });
  }

  private async image(snap: DriverSnapshot): Promise<EsSnapshotImage | null> {
    const id = snap.providerLocation ?? (await this.groupImageOf(snap.id));
    if (!id) return null;
    return (await this.client.listSnapshotImages()).find((i) => i.id === id) ?? null;
  }

  async deleteSnapshot(snap: DriverSnapshot): Promise<void> {
    const img = await this.image(snap);
    if (!img) return;
    // Recorded first: if the purge below stops half-way, the image is still known as deleted.
    await this.client.savePersistentRecord(DELETED_RECORD_PREFIX + img.id, snap.id);
    const group = (await this.client.listSnapshotGroups()).find((g) => g.id === img.pitGroupRef);
    if (group) await this.purge(group);
  }

  /** Copies the image's bytes into a new volume through a read-only view and a copy job. */
  async createVolumeFromSnapshot(volume: DriverVolume, snap: DriverSnapshot): Promise<ModelUpdate> {
    const img = await this.image(snap);
    if (!img) throw new BackendObjectNotFound(`Snapshot ${snap.id} has no E-Series snapshot image.`);
    return this.copyImageInto(volume, img, Math.max(volume.size, snap.volumeSize));
  }

  /**
   * The copy target is labelled `tmp-<label>` until its copy completes, then renamed: a volume
   * with Flint's label always holds whole data. A target left by an interrupted attempt is
   * deleted and made again; a finished one (its reply lost) is taken as done.
   */
  private async copyImageInto(volume: DriverVolume, img: EsSnapshotImage, sizeGiB: number): Promise<ModelUpdate> {
    const label = uuidToLabel(volume.id);
    const done = await this.client.getVolume(label);
    if (done) {
      if (Number(done.capacity) !== sizeGiB * GiB) throw new Conflict(`Volume ${volume.id} exists on the array with another size.`);
      return { providerLocation: done.id };
    }
    const tmpLabel = TMP_PREFIX + label;
    const stale = await this.client.getVolume(tmpLabel);
    if (stale) await this.lib.deleteById(stale.id);
    const { es } = await this.lib.createVolume(volume, sizeGiB, tmpLabel);
    let viewId: string | null = null;
    try {
      const view = await this.client.createSnapshotVolume(img.id, `fv-${uuidToLabel(newId()).slice(0, 24)}`, img.baseVol);
      viewId = view.id;
      await this.lib.waitForCopy(await this.copyJob(view.id, es.id), this.copyTimeoutMs);
      await this.client.renameVolume(es.id, label);
    } catch (e) {
      // The half-made volume would hold partial bytes: remove it.
      await this.dropView(viewId);
      viewId = null;
      await this.lib.deleteById(es.id).catch((d) => this.log.warn({ volume: es.label, err: (d as Error).message }, 'could not delete the failed copy target'));
      throw e;
    } finally {
      await this.dropView(viewId);
    }
    return { providerLocation: es.id };
  }

  private async dropView(id: string | null): Promise<void> {
    if (!id) return;
    await this.client.deleteSnapshotVolume(id).catch((e) => {
      if (!isEsApiError(e, 404)) this.log.warn({ view: id, err: (e as Error).message }, 'could not delete the snapshot volume');
    });
  }

  /** A clone: a temporary group and image of the source, copied, then the group removed. */
  async createClonedVolume(volume: DriverVolume, source: DriverVolume): Promise<ModelUpdate> {
    const base = await this.lib.get(source.id, source.providerLocation);
    const group = await this.client.createSnapshotGroup(`${CLONE_GROUP_PREFIX}${uuidToLabel(newId()).slice(0, 24)}`, base.id, base.volumeGroupRef, REPOSITORY_PERCENT);
    try {
      const img = await this.imageIn(group.id);
      return await this.copyImageInto(volume, img, Math.max(volume.size, source.size));
    } finally {
      await this.client.deleteSnapshotGroup(group.id).catch((e) => this.log.warn({ group: group.label, err: (e as Error).message }, 'could not delete the clone snapshot group'));
    }
  }
}
