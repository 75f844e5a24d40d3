// The fake array one fake backend drives: its options, its store (FakeBackendStore) and the
// rules every capability group shares: fault injection around each operation, pools and
// their room, idempotent creates and snapshots.
import { BackendCapacityError, BackendError, BackendObjectNotFound, InvalidInput } from '../../errors/errors.js';
import { Options, type OptionValue } from '../../config/options.js';
import { COMMON_BACKEND_OPTIONS } from '../../config/driver-options.js';
import { sleep } from '../../util/clock.js';
import type { DriverContext } from '../interface/core.js';
import type { DriverSnapshot, DriverVolume, ModelUpdate } from '../interface/objects.js';
import { FAKE_DRIVER_OPTIONS } from './fake-options.js';
import { FakeBackendStore, normalizeOperation, type FakeSnapshotRecord, type FakeVolumeRecord } from './fake-backend-store.js';
import type { FakeProtocol } from './fake-connection.js';

/** The backend refuses a request that conflicts with what it holds (HTTP 409). */
export class FakeBackendConflict extends BackendError {
  override readonly code = 'backend_conflict';
  override readonly httpStatus = 409;
}

export class FakeArray {
  readonly backendName: string;
  readonly store: FakeBackendStore;
  readonly opt: Options;
  readonly protocol: FakeProtocol;
  readonly pools: string[];
  private readonly alwaysFail: Set<string>;

  constructor(readonly ctx: DriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(withDefaults(ctx.options), ctx.backendName);
    this.protocol = this.opt.str('fake_protocol') as FakeProtocol;
    this.pools = this.opt.list('fake_pools');
    this.alwaysFail = new Set(this.opt.list('fake_fail_operations').map(normalizeOperation));
    this.store = FakeBackendStore.get(ctx.backendName);
  }

  /** Fault injection and delays, run around every operation. */
  async op<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    this.store.calls.push(normalizeOperation(name));
    const before = this.opt.int('fake_delay_ms');
    if (before > 0) await sleep(before);
    if (this.alwaysFail.has(normalizeOperation(name)) || this.store.takeFailure(name)) {
      throw new BackendError(`Injected failure of ${name} on fake backend ${this.backendName}.`, { retryable: true });
    }
    const result = await work();
    this.store.save();
    const after = this.opt.int('fake_delay_after_ms');
    if (after > 0) await sleep(after);
    return result;
  }

  vol(id: string): FakeVolumeRecord {
    const v = this.store.volumes().get(id);
    if (!v) throw new BackendObjectNotFound(`Volume ${id} does not exist on fake backend ${this.backendName}.`);
    return v;
  }

  snap(snapshot: DriverSnapshot): FakeSnapshotRecord {
    const s = this.store.snapshots().get(snapshot.id);
    if (!s) throw new BackendObjectNotFound(`Snapshot ${snapshot.id} does not exist on fake backend ${this.backendName}.`);
    return s;
  }

  poolOf(volume: DriverVolume): string {
    const pool = volume.host?.split('#')[1];
    if (pool === undefined) return this.pools[0]!;
    if (!this.pools.includes(pool)) throw new BackendError(`Pool ${pool} does not exist on fake backend ${this.backendName}.`);
    return pool;
  }

  provisioned(pool: string): number {
    let sum = 0;
    for (const v of this.store.volumes().values()) if (v.pool === pool) sum += v.size;
    for (const f of this.store.foreign().values()) if (f.pool === pool) sum += f.size;
    return sum;
  }

  /** Refuses growth a real pool could not hold (thin: up to the over-subscription ratio). */
  checkRoom(pool: string, extraGiB: number): void {
    if (this.opt.str('fake_capacity_mode') !== 'known' || extraGiB <= 0) return;
    const total = this.opt.int('fake_capacity_gib');
    const usable = total * (1 - this.opt.int('reserved_percentage') / 100);
    const limit = this.opt.bool('fake_thin_provisioning') ? usable * this.opt.num('max_over_subscription_ratio') : usable;
    if (this.provisioned(pool) + extraGiB > limit) {
      throw new BackendCapacityError(`Pool ${pool} of fake backend ${this.backendName} has no room for ${extraGiB} GiB more.`);
    }
  }

  /** Creates the record, or accepts a repeat of the same request (idempotent by Flint id). */
  insert(volume: DriverVolume, data: Buffer): ModelUpdate | void {
    if (!Number.isInteger(volume.size) || volume.size < 1) throw new InvalidInput(`Volume size ${volume.size} must be a positive integer (GiB).`);
    const existing = this.store.volumes().get(volume.id);
    if (existing) {
      if (existing.size !== volume.size) {
        throw new FakeBackendConflict(`Volume ${volume.id} already exists on ${this.backendName} with size ${existing.size} GiB, not ${volume.size} GiB.`);
      }
      return;
    }
    if (this.store.foreign().has(volume.name)) throw new FakeBackendConflict(`An object named ${volume.name} already exists on ${this.backendName}.`);
    const pool = this.poolOf(volume);
    this.checkRoom(pool, volume.size);
    this.store.volumes().set(volume.id, newVolumeRecord(volume, pool, Buffer.from(data)));
  }

  /** Takes (or finds again) a snapshot of the volume's current data. */
  takeSnapshot(snapshot: DriverSnapshot, groupSnapshotId: string | null): ModelUpdate {
    const existing = this.store.snapshots().get(snapshot.id);
    if (existing) {
      if (existing.volumeId !== snapshot.volume.id) throw new FakeBackendConflict(`Snapshot ${snapshot.id} exists for another volume.`);
      return { providerLocation: `fake-snapshot:${existing.name}` };
    }
    const v = this.vol(snapshot.volume.id);
    this.store.snapshots().set(snapshot.id, {
      id: snapshot.id, name: snapshot.name, volumeId: v.id, size: v.size, data: Buffer.from(v.data), groupSnapshotId,
    });
    return { providerLocation: `fake-snapshot:${snapshot.name}` };
  }
}

/** A fresh, unexported, ungrouped record for `volume` in `pool` holding `data`. */
export function newVolumeRecord(volume: DriverVolume, pool: string, data: Buffer, size = volume.size): FakeVolumeRecord {
  return {
    id: volume.id, name: volume.name, size, pool, exported: false, providerLocation: null, providerAuth: null,
    connections: new Set(), data, extraSpecs: { ...volume.extraSpecs }, groupId: null, replication: 'disabled',
    attachments: [], detachedAttachmentIds: [],
  };
}

/** Option values with every common and fake default filled in (tests may pass a partial set). */
function withDefaults(values: Readonly<Record<string, OptionValue>>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const s of [...COMMON_BACKEND_OPTIONS, ...FAKE_DRIVER_OPTIONS]) out[s.name] = s.default === undefined ? null : s.default;
  return { ...out, ...values };
}
