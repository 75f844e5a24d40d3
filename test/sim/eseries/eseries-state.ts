// The simulated E-Series array's snapshot side, on top of its base state: snapshot groups (4
// per volume) with images (32 per group, deleted oldest first) and read-only views; copy jobs
// that progress with time; consistency groups. FACTS.md gives the sources.
import { randomBytes } from 'node:crypto';
import {
  EsArrayState, illegal, notFound, ref, MAX_GROUPS_PER_VOLUME, MAX_IMAGES_PER_GROUP,
  type SimCg, type SimCopyJob, type SimImage, type SimSnapGroup, type SimVol,
} from './eseries-array-state.js';

export * from './eseries-array-state.js';

export class EseriesState extends EsArrayState {
  private imageSeq = 0;

  // --- snapshots

  createSnapGroup(baseId: string, label: string, poolId: string, repoPercent: number, cgId: string | null = null): SimSnapGroup {
    const base = this.volumes.get(baseId);
    if (!base || base.view) throw illegal(`volume ${baseId} does not exist`, 'invalidVolumeref');
    const pool = this.pool(poolId);
    const count = [...this.snapGroups.values()].filter((g) => g.baseVolume === baseId).length;
    if (count >= MAX_GROUPS_PER_VOLUME) throw illegal(`volume ${base.label} has ${count} snapshot groups already`, 'maxSnapshotGroupsPerBaseExceeded');
    if (!label || label.length > 30) throw illegal(`snapshot group label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    const repo = Math.ceil((base.sizeBytes * Math.max(0, repoPercent)) / 100);
    if (this.usedBytes(poolId) + repo > pool.totalBytes) throw illegal(`not enough free capacity in ${pool.label} for the repository`, 'noSpace');
    const g: SimSnapGroup = { id: ref('32'), label, baseVolume: baseId, poolId, repositoryBytes: repo, cgId };
    this.snapGroups.set(g.id, g);
    return g;
  }

  deleteSnapGroup(id: string, cascade = false): void {
    const g = this.snapGroups.get(id);
    if (!g) throw notFound(`snapshot group ${id}`);
    if (g.cgId && !cascade) throw illegal(`snapshot group ${g.label} belongs to a consistency group`, 'illegalParam');
    for (const i of [...this.images.values()]) {
      if (i.groupId !== id) continue;
      for (const view of [...this.volumes.values()]) if (view.view?.imageId === i.id) this.deleteView(view.id);
      this.images.delete(i.id);
      this.emit({ kind: 'destroy', id: i.id, sizeBytes: 0 });
    }
    this.snapGroups.delete(id);
  }

  imagesOf(groupId: string): SimImage[] {
    return [...this.images.values()].filter((i) => i.groupId === groupId).sort((a, b) => a.seq - b.seq);
  }

  createImage(groupId: string, cg: { id: string; seq: number } | null = null): SimImage {
    const g = this.snapGroups.get(groupId);
    if (!g) throw illegal(`snapshot group ${groupId} does not exist`, 'invalidPitGroupRef');
    if (this.imagesOf(groupId).length >= MAX_IMAGES_PER_GROUP) throw illegal(`snapshot group ${g.label} holds ${MAX_IMAGES_PER_GROUP} images`, 'maxSnapshotsPerGroupExceeded');
    const base = this.volumes.get(g.baseVolume)!;
    const img: SimImage = { id: ref('34'), groupId, baseVol: g.baseVolume, seq: ++this.imageSeq, timestamp: Math.floor(this.now() / 1000), cgId: cg?.id ?? null, cgSeq: cg?.seq ?? null };
    this.images.set(img.id, img);
    this.emit({ kind: 'clone', source: base.id, id: img.id, sizeBytes: base.sizeBytes });
    return img;
  }

  /** Only the oldest image of a group may go (the array deletes images oldest first). */
  deleteImage(id: string): void {
    const img = this.images.get(id);
    if (!img) throw notFound(`snapshot image ${id}`);
    const oldest = this.imagesOf(img.groupId)[0];
    if (oldest && oldest.id !== id) throw illegal('only the oldest snapshot image of a group can be deleted', 'notOldestPit');
    if ([...this.volumes.values()].some((v) => v.view?.imageId === id)) throw illegal('the snapshot image has a snapshot volume', 'pitHasView');
    this.images.delete(id);
    this.emit({ kind: 'destroy', id, sizeBytes: 0 });
  }

  createView(imageId: string, label: string, viewMode: string): SimVol {
    const img = this.images.get(imageId);
    if (!img) throw illegal(`snapshot image ${imageId} does not exist`, 'invalidPitRef');
    if (viewMode !== 'readOnly' && viewMode !== 'readWrite') throw illegal(`viewMode ${viewMode} is not readOnly or readWrite`);
    const base = this.volumes.get(img.baseVol)!;
    const v: SimVol = {
      id: ref('36'), label, wwn: randomBytes(16).toString('hex').toUpperCase(), poolId: base.poolId, sizeBytes: base.sizeBytes, thin: false,
      repositoryBytes: 0, controller: base.controller, flashCached: false, dataAssurance: false, view: { imageId },
    };
    this.volumes.set(v.id, v);
    return v;
  }

  deleteView(id: string): void {
    const v = this.volumes.get(id);
    if (!v?.view) throw notFound(`snapshot volume ${id}`);
    for (const j of this.copyJobs.values()) if (j.status === 'inProgress' && j.source === id) throw illegal('the snapshot volume is in a running copy job', 'volumeInUse');
    this.volumes.delete(id);
  }

  // --- copy jobs

  createCopyJob(sourceId: string, targetId: string): SimCopyJob {
    const src = this.volumes.get(sourceId);
    const dst = this.volumes.get(targetId);
    if (!src) throw illegal(`source ${sourceId} does not exist`, 'invalidSourceVolumeRef');
    if (!dst || dst.view) throw illegal(`target ${targetId} does not exist`, 'invalidTargetVolumeRef');
    if (dst.sizeBytes < src.sizeBytes) throw illegal('the target is smaller than the source', 'invalidTargetCapacity');
    for (const j of this.copyJobs.values()) if (j.target === targetId || j.source === targetId) throw illegal('the target is in another copy job', 'volumeInUse');
    if ([...this.mappings.values()].some((m) => m.volumeRef === targetId)) throw illegal('the target volume is mapped', 'volumeMapped');
    const job: SimCopyJob = { id: ref('18'), source: sourceId, target: targetId, startedAt: this.now(), bytes: src.sizeBytes, status: 'inProgress', fail: this.failCopies };
    this.copyJobs.set(job.id, job);
    return job;
  }

  /** Advances a job by the time passed; at the end the target holds the source's bytes. */
  tickCopyJob(job: SimCopyJob): number {
    if (job.status !== 'inProgress') return job.status === 'complete' ? 100 : 0;
    const pct = Math.min(100, Math.floor(((this.now() - job.startedAt) / 1000) * this.copyRate * 100 / Math.max(1, job.bytes)));
    if (pct >= 100) {
      if (job.fail) {
        job.status = 'failed';
        return 0;
      }
      const src = this.volumes.get(job.source);
      const dst = this.volumes.get(job.target);
      if (src && dst) {
        // A view's bytes are its image's.
        this.emit({ kind: 'clone', source: src.view ? src.view.imageId : src.id, id: dst.id, sizeBytes: dst.sizeBytes });
        this.emit({ kind: 'resize', id: dst.id, sizeBytes: dst.sizeBytes });
      }
      job.status = 'complete';
    }
    return pct;
  }

  // --- consistency groups

  createCg(label: string): SimCg {
    if (!label || label.length > 30) throw illegal(`consistency group label '${label}' must be 1 to 30 characters`, 'invalidLabel');
    for (const c of this.cgs.values()) if (c.label === label) throw illegal(`a consistency group labelled ${label} exists`, 'duplicateLabel');
    const cg: SimCg = { id: ref('2A'), label, members: [], seq: 0 };
    this.cgs.set(cg.id, cg);
    return cg;
  }
  cg(id: string): SimCg {
    const c = this.cgs.get(id);
    if (!c) throw notFound(`consistency group ${id}`);
    return c;
  }
  addCgMember(cgId: string, volumeId: string, repoPercent: number): SimSnapGroup {
    const cg = this.cg(cgId);
    const v = this.volumes.get(volumeId);
    if (!v || v.view) throw illegal(`volume ${volumeId} does not exist`, 'invalidVolumeref');
    if (cg.members.includes(volumeId)) throw illegal(`volume ${v.label} is a member already`, 'duplicateMember');
    const g = this.createSnapGroup(volumeId, `${cg.label.slice(0, 24)}-m${cg.members.length}`, v.poolId, repoPercent, cgId);
    cg.members.push(volumeId);
    return g;
  }
  removeCgMember(cgId: string, volumeId: string): void {
    const cg = this.cg(cgId);
    if (!cg.members.includes(volumeId)) throw notFound(`member ${volumeId}`);
    cg.members = cg.members.filter((m) => m !== volumeId);
    for (const g of [...this.snapGroups.values()]) if (g.cgId === cgId && g.baseVolume === volumeId) this.deleteSnapGroup(g.id, true);
  }
  createCgSnapshot(cgId: string): SimImage[] {
    const cg = this.cg(cgId);
    const groups = [...this.snapGroups.values()].filter((g) => g.cgId === cgId);
    for (const g of groups) {
      if (this.imagesOf(g.id).length >= MAX_IMAGES_PER_GROUP) throw illegal(`snapshot group ${g.label} holds ${MAX_IMAGES_PER_GROUP} images`, 'maxSnapshotsPerGroupExceeded');
    }
    const seq = ++cg.seq;
    return groups.map((g) => this.createImage(g.id, { id: cgId, seq }));
  }
  deleteCgSnapshot(cgId: string, seq: number): void {
    this.cg(cgId);
    const imgs = [...this.images.values()].filter((i) => i.cgId === cgId && i.cgSeq === seq);
    if (imgs.length === 0) throw notFound(`consistency group snapshot ${seq}`);
    const oldest = Math.min(...[...this.images.values()].filter((i) => i.cgId === cgId).map((i) => i.cgSeq ?? Infinity));
    if (seq !== oldest) throw illegal('only the oldest consistency group snapshot can be deleted', 'notOldestPit');
    for (const i of imgs) this.deleteImage(i.id);
  }
}
