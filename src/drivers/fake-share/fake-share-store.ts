// The fake share backend's objects, shared per backend name so tests can read what the
// "filer" holds, optionally persisted to a JSON file so a restarted process finds them again.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FakeShareRecord {
  id: string;
  name: string;
  size: number;
  pool: string;
  proto: string;
  exportPath: string;
  /** GiB written into the share: a shrink below it would lose data. */
  usedGiB: number;
  /** The share's "content": a revert restores the snapshot's. */
  content: string;
  /** Rule id → `type:to:level`, as exported. */
  rules: Record<string, string>;
  serverId: string | null;
  managed: boolean;
}

export interface FakeShareSnapshotRecord {
  id: string;
  shareId: string;
  size: number;
  content: string;
  usedGiB: number;
}

interface State {
  shares: Record<string, FakeShareRecord>;
  snapshots: Record<string, FakeShareSnapshotRecord>;
  servers: Record<string, { id: string; shareNetworkId: string | null; details: Record<string, string> }>;
  /** Backend objects Flint does not own (to manage): export path → size. */
  foreign: Record<string, { size: number; content: string }>;
}

const stores = new Map<string, FakeShareStore>();

export class FakeShareStore {
  state: State = { shares: {}, snapshots: {}, servers: {}, foreign: {} };
  /** Every operation run, normalised names, for tests. */
  readonly calls: string[] = [];
  private readonly pendingFailures = new Map<string, number>();
  private stateFile: string | null = null;

  private constructor(readonly backendName: string) {}

  static get(backendName: string): FakeShareStore {
    let s = stores.get(backendName);
    if (!s) {
      s = new FakeShareStore(backendName);
      stores.set(backendName, s);
    }
    return s;
  }

  static reset(backendName: string): void {
    stores.delete(backendName);
  }

  /** Loads the state file (when it exists) and saves to it from now on. */
  persistTo(file: string): void {
    this.stateFile = file;
    try {
      this.state = JSON.parse(readFileSync(file, 'utf8')) as State;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  save(): void {
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.stateFile);
  }

  /** The next `times` calls of `operation` fail (fault injection from tests). */
  failNext(operation: string, times = 1): void {
    this.pendingFailures.set(normalizeShareOperation(operation), times);
  }

  takeFailure(operation: string): boolean {
    const key = normalizeShareOperation(operation);
    const left = this.pendingFailures.get(key) ?? 0;
    if (left <= 0) return false;
    if (left === 1) this.pendingFailures.delete(key);
    else this.pendingFailures.set(key, left - 1);
    return true;
  }
}

export function normalizeShareOperation(op: string): string {
  return op.replace(/_/g, '').toLowerCase();
}
