// The crash test's memory of what Flint promised: every request that got a 2xx, and
// what the database and the backend must show for it once everything has settled.
import assert from 'node:assert/strict';
import type { Db } from '../../src/db/database.js';

/** What one backend holds, read from the backend itself (not from Flint). */
export interface BackendInventory {
  /** Flint volume id → size in GiB. */
  volumes: Map<string, number>;
  snapshots: Set<string>;
  /** Flint volume id → initiators the backend lets in (ACLs, LUN maps, open connections). */
  access: Map<string, Set<string>>;
  /** Anything else the backend holds that no database row can explain (named for the message). */
  strays: string[];
}

interface VolumePromise { createdAccepted: boolean; deleteAccepted: boolean; minSize: number }

export class Ledger {
  readonly volumes = new Map<string, VolumePromise>();
  readonly snapshots = new Map<string, { volumeId: string; createdAccepted: boolean; deleteAccepted: boolean }>();
  /** Attachments whose create got 200 and whose os-complete got 204. */
  readonly attached = new Map<string, { volumeId: string; initiator: string; deleteAccepted: boolean }>();
  /** Ids whose delete got no answer (a kill cut it): either outcome keeps the promise. */
  readonly deleteUnknown = new Set<string>();
  /** Counts of 2xx replies by operation, for the report. */
  readonly accepted: Record<string, number> = {};
  /** Other answers by HTTP status ('no reply' when a kill cut the request). */
  readonly refused: Record<string, number> = {};
  readonly serverErrors: string[] = [];

  private count(op: string): void {
    this.accepted[op] = (this.accepted[op] ?? 0) + 1;
  }

  private vol(id: string): VolumePromise {
    let v = this.volumes.get(id);
    if (!v) this.volumes.set(id, (v = { createdAccepted: false, deleteAccepted: false, minSize: 0 }));
    return v;
  }

  volumeCreated(id: string, size: number): void {
    this.count('volume create');
    Object.assign(this.vol(id), { createdAccepted: true, minSize: size });
  }
  volumeDeleted(id: string): void {
    this.count('volume delete');
    this.vol(id).deleteAccepted = true;
  }
  volumeExtended(id: string, newSize: number): void {
    this.count('extend');
    const v = this.vol(id);
    v.minSize = Math.max(v.minSize, newSize);
  }
  snapshotCreated(id: string, volumeId: string): void {
    this.count('snapshot create');
    this.snapshots.set(id, { volumeId, createdAccepted: true, deleteAccepted: false });
  }
  snapshotDeleted(id: string, volumeId: string): void {
    this.count('snapshot delete');
    const s = this.snapshots.get(id) ?? { volumeId, createdAccepted: false, deleteAccepted: false };
    s.deleteAccepted = true;
    this.snapshots.set(id, s);
  }
  attachCreated(): void {
    this.count('attachment create');
  }
  attachCompleted(id: string, volumeId: string, initiator: string): void {
    this.count('attachment complete');
    this.attached.set(id, { volumeId, initiator, deleteAccepted: false });
  }
  detached(id: string, volumeId: string, initiator: string): void {
    this.count('attachment delete');
    const a = this.attached.get(id) ?? { volumeId, initiator, deleteAccepted: false };
    a.deleteAccepted = true;
    this.attached.set(id, a);
  }

  /**
   * Checks the settled state: nothing transitional or in error (no fault was injected, so
   * every operation a crash interrupted must have been finished or undone), every promise
   * kept, quota equal to what exists, and the backend equal to the database.
   */
  async verify(db: Db, project: string, backend: BackendInventory): Promise<void> {
    const k = db.kysely;
    const vols = await k.selectFrom('volumes').leftJoin('volumeTypes', 'volumeTypes.id', 'volumes.volumeTypeId')
      .select(['volumes.id', 'volumes.status', 'volumes.size', 'volumes.projectId', 'volumeTypes.name as typeName']).execute();
    const snaps = await k.selectFrom('snapshots').select(['id', 'status', 'volumeId', 'projectId', 'volumeSize']).execute();
    const atts = await k.selectFrom('attachments').select(['id', 'volumeId', 'attachStatus', 'connector']).execute();
    const why = async (id: string): Promise<string> => {
      const t = await k.selectFrom('tasks').select(['kind', 'status', 'attempts', 'lastError', 'createdAt', 'updatedAt', 'payload']).where('resourceId', '=', id).orderBy('createdAt').execute();
      return JSON.stringify(t);
    };

    // Nothing transitional, nothing in error.
    for (const v of vols) {
      assert.ok(['available', 'in-use'].includes(v.status), `volume ${v.id} ended ${v.status}; its tasks: ${await why(v.id)}`);
    }
    for (const s of snaps) assert.equal(s.status, 'available', `snapshot ${s.id} ended ${s.status}; its tasks: ${await why(s.id)}`);
    for (const a of atts) assert.equal(a.attachStatus, 'attached', `attachment ${a.id} ended ${a.attachStatus}`);
    const byId = new Map(vols.map((v) => [v.id, v]));
    for (const s of snaps) assert.ok(byId.has(s.volumeId), `snapshot ${s.id} outlived its volume ${s.volumeId}; its tasks: ${await why(s.id)}; the volume's: ${await why(s.volumeId)}`);
    const attachedTo = new Map<string, Set<string>>();
    for (const a of atts) {
      const initiator = (JSON.parse(a.connector ?? '{}') as { initiator?: string }).initiator ?? '';
      if (!attachedTo.has(a.volumeId)) attachedTo.set(a.volumeId, new Set());
      attachedTo.get(a.volumeId)!.add(initiator);
    }
    for (const v of vols) {
      assert.equal(v.status, attachedTo.has(v.id) ? 'in-use' : 'available', `volume ${v.id} is ${v.status} with ${attachedTo.get(v.id)?.size ?? 0} attachments`);
    }

    // Every accepted create present, every accepted delete gone.
    for (const [id, p] of this.volumes) {
      if (p.deleteAccepted) assert.ok(!byId.has(id), `volume ${id}: its delete was accepted but it still exists (${byId.get(id)?.status})`);
      else if (p.createdAccepted && !this.deleteUnknown.has(id)) {
        assert.ok(byId.has(id), `volume ${id}: its create was accepted but it is gone`);
        assert.ok(byId.get(id)!.size >= p.minSize, `volume ${id} is ${byId.get(id)!.size} GiB; an extend to ${p.minSize} was accepted`);
      }
    }
    const snapIds = new Set(snaps.map((s) => s.id));
    for (const [id, p] of this.snapshots) {
      const volumeGone = this.volumes.get(p.volumeId)?.deleteAccepted ?? false;
      if (p.deleteAccepted || volumeGone) assert.ok(!snapIds.has(id), `snapshot ${id}: its delete (or its volume's) was accepted but it still exists`);
      else if (p.createdAccepted && !this.deleteUnknown.has(id) && !this.deleteUnknown.has(p.volumeId)) assert.ok(snapIds.has(id), `snapshot ${id}: its create was accepted but it is gone`);
    }
    const attIds = new Set(atts.map((a) => a.id));
    for (const [id, p] of this.attached) {
      const volumeGone = this.volumes.get(p.volumeId)?.deleteAccepted ?? false;
      if (p.deleteAccepted || volumeGone) assert.ok(!attIds.has(id), `attachment ${id}: its delete was accepted but it still exists`);
      else if (!this.deleteUnknown.has(id)) assert.ok(attIds.has(id), `attachment ${id} was completed and never deleted, but it is gone`);
    }

    // Quota equals the sum of what exists, and nothing stays reserved.
    const usage = await k.selectFrom('quotaUsages').selectAll().where('projectId', '=', project).execute();
    const mine = vols.filter((v) => v.projectId === project);
    const expected = (resource: string): number => {
      const typed = /^(volumes|gigabytes|snapshots)_(.+)$/.exec(resource);
      const base = typed ? typed[1] : resource;
      const ofType = typed ? mine.filter((v) => v.typeName === typed[2]) : mine;
      if (base === 'volumes') return ofType.length;
      const snapsOfType = snaps.filter((s) => s.projectId === project && (!typed || ofType.some((v) => v.id === s.volumeId)));
      // As Cinder counts: a snapshot holds its volume's size of gigabytes too.
      if (base === 'gigabytes') return ofType.reduce((n, v) => n + v.size, 0) + snapsOfType.reduce((n, s) => n + s.volumeSize, 0);
      if (base === 'snapshots') return snapsOfType.length;
      return 0;
    };
    for (const u of usage) {
      assert.equal(u.reserved, 0, `quota ${u.resource}: ${u.reserved} still reserved`);
      if (u.inUse !== expected(u.resource)) {
        // Say what exists and how each of it came and went, to find the lost delta.
        const ids = u.resource.startsWith('snapshots') ? snaps.map((x) => x.id) : mine.map((x) => x.id);
        const history = await Promise.all(ids.map(async (id) => `${id}: ${await why(id)}`));
        const volumeTasks = await k.selectFrom('tasks').select(['kind', 'resourceId', 'status', 'attempts', 'createdAt', 'updatedAt', 'payload'])
          .where('kind', '=', 'delete_volume').orderBy('createdAt').execute();
        assert.fail(`quota ${u.resource}: ${u.inUse} in use, but what exists adds up to ${expected(u.resource)}:\n${history.join('\n')}\nvolume deletes: ${JSON.stringify(volumeTasks)}`);
      }
    }
    for (const r of ['volumes', 'gigabytes', 'snapshots']) {
      if (expected(r) > 0) assert.ok(usage.some((u) => u.resource === r), `no quota usage row for ${r}`);
    }

    // The backend holds exactly the database's objects, sizes and accesses.
    assert.deepEqual(backend.strays, [], 'backend objects no row explains');
    assert.deepEqual([...backend.volumes.keys()].sort(), vols.map((v) => v.id).sort(), 'backend volumes = database volumes');
    for (const v of vols) assert.equal(backend.volumes.get(v.id), v.size, `backend size of volume ${v.id}`);
    assert.deepEqual([...backend.snapshots].sort(), snaps.map((s) => s.id).sort(), 'backend snapshots = database snapshots');
    const accessOf = (m: Map<string, Set<string>>) => [...m].filter(([, s]) => s.size > 0).map(([id, s]) => `${id}:${[...s].sort().join(',')}`).sort();
    const have = accessOf(backend.access);
    const want = accessOf(attachedTo);
    const differ = [...new Set([...have, ...want])].filter((x) => have.includes(x) !== want.includes(x)).map((x) => x.split(':')[0]!);
    const history = await Promise.all(differ.map(async (id) => `${id}: ${await why(id)}`));
    assert.deepEqual(have, want, `backend access (ACLs, maps) = attached initiators; tasks of those that differ:\n${history.join('\n')}`);
  }
}
