// The fake backend's objects, shared per backend name so tests can read what the "array" holds
// and compare it with Flint's database; optionally persisted to a JSON file so a restarted
// process (crash tests) finds the same backend state.
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FakeVolumeRecord {
  /** The Flint id the object belongs to. */
  id: string;
  /** Backend-visible name (`volume-<id>` unless managed under another name). */
  name: string;
  /** GiB. */
  size: number;
  pool: string;
  exported: boolean;
  providerLocation: string | null;
  providerAuth: string | null;
  /** Initiator names (iSCSI/fake) or joined WWPNs (FC) with an open connection. */
  connections: Set<string>;
  /** The bytes written to the volume from offset 0; everything after is zeros. */
  data: Buffer;
  extraSpecs: Record<string, string>;
  groupId: string | null;
  replication: 'enabled' | 'disabled';
  attachments: Array<{ instanceUuid: string | null; hostName: string | null; mountpoint: string }>;
  detachedAttachmentIds: string[];
}

export interface FakeSnapshotRecord {
  id: string;
  name: string;
  volumeId: string;
  /** GiB: the volume's size when the snapshot was taken. */
  size: number;
  data: Buffer;
  groupSnapshotId: string | null;
}

/** A backend object Flint does not own (unmanaged, or created behind Flint's back). */
export interface FakeForeignRecord {
  name: string;
  size: number;
  pool: string;
  data: Buffer;
}

/** A snapshot on the array that Flint does not own (unmanaged), keyed by its backend name. */
export type FakeForeignSnapshotRecord = Omit<FakeSnapshotRecord, 'id' | 'groupSnapshotId'>;

type Serialized = {
  volumes: Array<Omit<FakeVolumeRecord, 'connections' | 'data'> & { connections: string[]; data: string }>;
  snapshots: Array<Omit<FakeSnapshotRecord, 'data'> & { data: string }>;
  foreign: Array<Omit<FakeForeignRecord, 'data'> & { data: string }>;
  /** Absent in state files written before snapshot manage existed. */
  foreignSnapshots?: Array<Omit<FakeForeignSnapshotRecord, 'data'> & { data: string }>;
  groups: Array<[string, string[]]>;
  activeBackendId: string;
};

const stores = new Map<string, FakeBackendStore>();

export class FakeBackendStore {
  private readonly volumeMap = new Map<string, FakeVolumeRecord>();
  private readonly snapshotMap = new Map<string, FakeSnapshotRecord>();
  private readonly foreignMap = new Map<string, FakeForeignRecord>();
  private readonly foreignSnapshotMap = new Map<string, FakeForeignSnapshotRecord>();
  private readonly groupMap = new Map<string, Set<string>>();
  /** Replication: the backend currently serving I/O ('default' = the primary). */
  activeBackendId = 'default';
  /** Operation name (normalised, see `normalizeOperation`) → how many more calls fail. */
  private readonly pendingFailures = new Map<string, number>();
  /** Every operation the driver ran, in order (normalised names), for tests to inspect. */
  readonly calls: string[] = [];
  private stateFile: string | null = null;

  private constructor(readonly backendName: string) {}

  /** The store of one backend, created on first use. */
  static get(backendName: string): FakeBackendStore {
    let s = stores.get(backendName);
    if (!s) {
      s = new FakeBackendStore(backendName);
      stores.set(backendName, s);
    }
    return s;
  }

  static has(backendName: string): boolean {
    return stores.has(backendName);
  }

  /** Forget one backend (or all): tests call this between cases. */
  static reset(backendName?: string): void {
    if (backendName === undefined) stores.clear();
    else stores.delete(backendName);
  }

  volumes(): Map<string, FakeVolumeRecord> {
    return this.volumeMap;
  }
  snapshots(): Map<string, FakeSnapshotRecord> {
    return this.snapshotMap;
  }
  /** Objects on the backend that no Flint volume owns, by backend name. */
  foreign(): Map<string, FakeForeignRecord> {
    return this.foreignMap;
  }

  foreignSnapshots(): Map<string, FakeForeignSnapshotRecord> {
    return this.foreignSnapshotMap;
  }
  /** Group id → ids of its member volumes. */
  groups(): Map<string, Set<string>> {
    return this.groupMap;
  }

  /** Put an object on the backend behind Flint's back (to test manage-existing and reconciliation). */
  addForeignVolume(name: string, sizeGiB: number, pool = 'pool0', data: Buffer = Buffer.alloc(0)): void {
    this.foreignMap.set(name, { name, size: sizeGiB, pool, data });
    this.save();
  }

  /** Make the next `times` calls of `operation` (e.g. 'deleteVolume' or 'delete_volume') fail. */
  failNext(operation: string, times = 1): void {
    this.pendingFailures.set(normalizeOperation(operation), times);
  }

  /** Consumes one pending failure for `operation`; true when the call must fail. */
  takeFailure(operation: string): boolean {
    const key = normalizeOperation(operation);
    const left = this.pendingFailures.get(key) ?? 0;
    if (left <= 0) return false;
    if (left === 1) this.pendingFailures.delete(key);
    else this.pendingFailures.set(key, left - 1);
    return true;
  }

  /** Persist to (and first load from) `path`; null keeps the store in memory only. */
  attachFile(path: string | null): void {
    if (path === this.stateFile) return;
    this.stateFile = path;
    if (path) this.load(path);
  }

  /** Writes the state file atomically (temp file + rename) when one is attached. */
  save(): void {
    if (!this.stateFile) return;
    const out: Serialized = {
      volumes: [...this.volumeMap.values()].map((v) => ({ ...v, connections: [...v.connections], data: v.data.toString('base64') })),
      snapshots: [...this.snapshotMap.values()].map((s) => ({ ...s, data: s.data.toString('base64') })),
      foreign: [...this.foreignMap.values()].map((f) => ({ ...f, data: f.data.toString('base64') })),
      foreignSnapshots: [...this.foreignSnapshotMap.values()].map((f) => ({ ...f, data: f.data.toString('base64') })),
      groups: [...this.groupMap.entries()].map(([g, m]) => [g, [...m]]),
      activeBackendId: this.activeBackendId,
    };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(out));
    renameSync(tmp, this.stateFile);
  }

  private load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const s = JSON.parse(text) as Serialized;
    this.volumeMap.clear();
    this.snapshotMap.clear();
    this.foreignMap.clear();
    this.foreignSnapshotMap.clear();
    this.groupMap.clear();
    for (const v of s.volumes) {
      this.volumeMap.set(v.id, { ...v, connections: new Set(v.connections), data: Buffer.from(v.data, 'base64') });
    }
    for (const x of s.snapshots) this.snapshotMap.set(x.id, { ...x, data: Buffer.from(x.data, 'base64') });
    for (const f of s.foreign) this.foreignMap.set(f.name, { ...f, data: Buffer.from(f.data, 'base64') });
    for (const f of s.foreignSnapshots ?? []) this.foreignSnapshotMap.set(f.name, { ...f, data: Buffer.from(f.data, 'base64') });
    for (const [g, m] of s.groups) this.groupMap.set(g, new Set(m));
    this.activeBackendId = s.activeBackendId;
  }
}

/** `create_volume`, `createVolume` and `CreateVolume` name the same operation. */
export function normalizeOperation(op: string): string {
  return op.replace(/_/g, '').toLowerCase();
}
