// The `fake` share driver: every share capability over an in-memory filer (FakeShareStore),
// strict like a real one (it refuses what a real one would: a shrink below the data, a
// revert to a snapshot of another share) and with fault injection around every operation.
import { join } from 'node:path';
import { BackendCapacityError, BackendError, BackendObjectNotFound, ConfigError, InvalidInput } from '../../errors/errors.js';
import { Options } from '../../config/options.js';
import { sleep } from '../../util/clock.js';
import * as Cap from '../interface/share.js';
import type {
  AccessRuleResults, DriverAccessRule, DriverShare, DriverShareServer, DriverShareSnapshot, ShareBackendStats, ShareDriverContext,
  ShareDriverCore, ShareModelUpdate,
} from '../interface/share.js';
import { FakeShareStore, normalizeShareOperation, type FakeShareRecord } from './fake-share-store.js';

type AllCapabilities = Cap.ShareSnapshots & Cap.CreateShareFromSnapshot & Cap.RevertShareToSnapshot & Cap.ExtendShare &
  Cap.ShrinkShare & Cap.ManageShares & Cap.ManageShareSnapshots & Cap.ShareServers;

export class FakeShareDriver implements ShareDriverCore, AllCapabilities {
  readonly backendName: string;
  readonly driverHandlesShareServers: boolean;
  readonly store: FakeShareStore;
  private readonly opt: Options;
  private readonly pools: string[];
  private readonly alwaysFail: Set<string>;
  private readonly errorAccessTo: Set<string>;

  constructor(private readonly ctx: ShareDriverContext) {
    this.backendName = ctx.backendName;
    this.opt = new Options(ctx.options, ctx.backendName);
    this.driverHandlesShareServers = this.opt.bool('driver_handles_share_servers');
    this.pools = this.opt.list('fake_share_pools');
    this.alwaysFail = new Set(this.opt.list('fake_share_fail_operations').map(normalizeShareOperation));
    this.errorAccessTo = new Set(this.opt.list('fake_share_error_access_to'));
    this.store = FakeShareStore.get(ctx.backendName);
    const file = this.opt.optStr('fake_share_state_file');
    if (file) this.store.persistTo(file.startsWith('/') ? file : join(ctx.stateDir, file));
    for (const op of this.opt.list('fake_share_disabled_capabilities')) {
      const cap = Cap.ALL_SHARE_CAPABILITIES.find((c) => c.operation === op);
      if (!cap) throw new ConfigError(`Option fake_share_disabled_capabilities in section [${this.backendName}]: unknown capability '${op}' (known: ${Cap.ALL_SHARE_CAPABILITIES.map((c) => c.operation).join(', ')}).`);
      for (const m of cap.methods) Object.defineProperty(this, m, { value: undefined, configurable: true });
    }
  }

  /** Fault injection and delays around every operation; state saved after each. */
  private async op<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    this.store.calls.push(normalizeShareOperation(name));
    const delay = this.opt.int('fake_share_delay_ms');
    if (delay > 0) await sleep(delay);
    if (this.alwaysFail.has(normalizeShareOperation(name)) || this.store.takeFailure(name)) {
      throw new BackendError(`Injected failure of ${name} on fake share backend ${this.backendName}.`, { retryable: false });
    }
    const out = await work();
    this.store.save();
    return out;
  }

  private poolOf(share: DriverShare): string {
    const pool = share.host?.split('#')[1];
    if (!pool || !this.pools.includes(pool)) throw new InvalidInput(`Share ${share.id} names pool '${pool ?? ''}', which fake share backend ${this.backendName} does not have.`);
    return pool;
  }

  private record(id: string): FakeShareRecord {
    const r = this.store.state.shares[id];
    if (!r) throw new BackendObjectNotFound(`Share ${id} does not exist on fake share backend ${this.backendName}.`);
    return r;
  }

  private usedIn(pool: string): number {
    return Object.values(this.store.state.shares).filter((s) => s.pool === pool).reduce((n, s) => n + s.size, 0);
  }

  private exportsOf(r: FakeShareRecord): ShareModelUpdate {
    const ip = this.opt.str('fake_share_export_ip');
    return {
      exportLocations: [
        { path: `${ip}:${r.exportPath}`, isAdminOnly: false, preferred: true },
        { path: `10.254.0.1:${r.exportPath}`, isAdminOnly: true, preferred: false },
      ],
      providerLocation: r.exportPath,
    };
  }

  private makeShare(share: DriverShare, content: string, usedGiB: number): FakeShareRecord {
    const existing = this.store.state.shares[share.id];
    // Idempotent by Flint's id: the same create again returns what exists; another size conflicts.
    if (existing) {
      if (existing.size !== share.size) throw new BackendError(`Share ${share.id} exists on ${this.backendName} with size ${existing.size} GiB, not ${share.size}.`);
      return existing;
    }
    const pool = this.poolOf(share);
    const total = this.opt.int('fake_share_capacity_gib');
    if (this.usedIn(pool) + share.size > total) throw new BackendCapacityError(`Pool ${pool} of fake share backend ${this.backendName} has no room for ${share.size} GiB.`);
    if (this.driverHandlesShareServers && !share.shareServer) throw new InvalidInput(`Share ${share.id} has no share server; backend ${this.backendName} handles share servers.`);
    const r: FakeShareRecord = {
      id: share.id, name: share.name, size: share.size, pool, proto: share.shareProto, exportPath: `/fake/${this.backendName}/${share.name}`,
      usedGiB, content, rules: {}, serverId: share.shareServer?.id ?? null, managed: false,
    };
    this.store.state.shares[share.id] = r;
    return r;
  }

  // ---- core ----
  doSetup(): Promise<void> { return this.op('do_setup', () => undefined); }
  checkForSetupError(): Promise<void> {
    return this.op('check_for_setup_error', () => {
      if (this.pools.length === 0) throw new ConfigError(`Option fake_share_pools in section [${this.backendName}] names no pool.`);
    });
  }

  getShareStats(_refresh: boolean): Promise<ShareBackendStats> {
    return this.op('get_share_stats', () => {
      const total = this.opt.int('fake_share_capacity_gib');
      const has = (c: { is(d: ShareDriverCore): boolean }) => c.is(this);
      return {
        shareBackendName: this.backendName, vendorName: 'Flint', driverVersion: '1.0', storageProtocol: this.opt.str('fake_share_protocols'),
        driverHandlesShareServers: this.driverHandlesShareServers, operations: Cap.supportedShareOperations(this),
        pools: this.pools.map((poolName) => {
          const used = this.usedIn(poolName);
          return {
            poolName, capacity: { known: true, totalGiB: total, freeGiB: Math.max(0, total - used) } as const,
            provisionedCapacityGiB: used, allocatedCapacityGiB: used, thinProvisioning: false, maxOverSubscriptionRatio: 1,
            reservedPercentage: this.opt.int('reserved_percentage'), reservedSnapshotPercentage: 0,
            snapshotSupport: has(Cap.ShareSnapshots), createShareFromSnapshotSupport: has(Cap.CreateShareFromSnapshot),
            revertToSnapshotSupport: has(Cap.RevertShareToSnapshot), mountSnapshotSupport: false, dedupe: false, compression: false,
            capabilities: { fake_pool: poolName },
          };
        }),
      };
    });
  }

  createShare(share: DriverShare): Promise<ShareModelUpdate> {
    return this.op('create_share', () => this.exportsOf(this.makeShare(share, '', 0)));
  }

  deleteShare(share: DriverShare): Promise<void> {
    return this.op('delete_share', () => {
      const snaps = Object.values(this.store.state.snapshots).filter((s) => s.shareId === share.id);
      if (snaps.length > 0) throw new BackendError(`Share ${share.id} on ${this.backendName} still has ${snaps.length} snapshot(s).`);
      delete this.store.state.shares[share.id];
    });
  }

  ensureShares(shares: { share: DriverShare; rules: DriverAccessRule[] }[]): Promise<Record<string, ShareModelUpdate>> {
    return this.op('ensure_shares', () => {
      const out: Record<string, ShareModelUpdate> = {};
      for (const { share, rules } of shares) {
        const r = this.store.state.shares[share.id];
        if (!r) continue;
        r.rules = Object.fromEntries(rules.map((x) => [x.id, `${x.accessType}:${x.accessTo}:${x.accessLevel}`]));
        out[share.id] = this.exportsOf(r);
      }
      return out;
    });
  }

  updateAccess(share: DriverShare, all: DriverAccessRule[], add: DriverAccessRule[], remove: DriverAccessRule[]): Promise<AccessRuleResults> {
    return this.op('update_access', () => {
      const r = this.record(share.id);
      const results: AccessRuleResults = {};
      const apply = add.length === 0 && remove.length === 0 ? all : add;
      if (add.length === 0 && remove.length === 0) r.rules = {};
      for (const rule of remove) delete r.rules[rule.id];
      for (const rule of apply) {
        if (r.proto === 'NFS' && rule.accessType !== 'ip') {
          results[rule.id] = { state: 'error', reason: `Only ip access is supported for NFS on ${this.backendName}.` };
        } else if (this.errorAccessTo.has(rule.accessTo)) {
          results[rule.id] = { state: 'error', reason: `The backend refused access for ${rule.accessTo}.` };
        } else {
          r.rules[rule.id] = `${rule.accessType}:${rule.accessTo}:${rule.accessLevel}`;
          results[rule.id] = { state: 'active' };
        }
      }
      return results;
    });
  }

  async shutdown(): Promise<void> { this.store.save(); }

  // ---- snapshots, create from snapshot, revert ----
  createSnapshot(snapshot: DriverShareSnapshot): Promise<{ providerLocation: string; size: number }> {
    return this.op('create_snapshot', () => {
      const src = this.record(snapshot.share.id);
      const existing = this.store.state.snapshots[snapshot.id];
      if (!existing) this.store.state.snapshots[snapshot.id] = { id: snapshot.id, shareId: src.id, size: src.size, content: src.content, usedGiB: src.usedGiB };
      return { providerLocation: `${src.exportPath}@${snapshot.name}`, size: src.size };
    });
  }

  deleteSnapshot(snapshot: DriverShareSnapshot): Promise<void> {
    return this.op('delete_snapshot', () => { delete this.store.state.snapshots[snapshot.id]; });
  }

  createShareFromSnapshot(share: DriverShare, snapshot: DriverShareSnapshot): Promise<ShareModelUpdate> {
    return this.op('create_share_from_snapshot', () => {
      const snap = this.store.state.snapshots[snapshot.id];
      if (!snap) throw new BackendObjectNotFound(`Snapshot ${snapshot.id} does not exist on fake share backend ${this.backendName}.`);
      if (share.size < snap.size) throw new InvalidInput(`Share size ${share.size} is smaller than snapshot ${snapshot.id} (${snap.size} GiB).`);
      return this.exportsOf(this.makeShare(share, snap.content, snap.usedGiB));
    });
  }

  revertToSnapshot(snapshot: DriverShareSnapshot, _rules: DriverAccessRule[]): Promise<void> {
    return this.op('revert_to_snapshot', () => {
      const snap = this.store.state.snapshots[snapshot.id];
      if (!snap || snap.shareId !== snapshot.share.id) throw new BackendObjectNotFound(`Snapshot ${snapshot.id} of share ${snapshot.share.id} does not exist on ${this.backendName}.`);
      const r = this.record(snap.shareId);
      r.content = snap.content;
      r.usedGiB = snap.usedGiB;
    });
  }

  // ---- extend, shrink ----
  extendShare(share: DriverShare, newSizeGiB: number): Promise<void> {
    return this.op('extend_share', () => {
      const r = this.record(share.id);
      if (newSizeGiB < r.size) throw new InvalidInput(`Extend of share ${share.id} to ${newSizeGiB} GiB would shrink it (${r.size} GiB).`);
      const total = this.opt.int('fake_share_capacity_gib');
      if (this.usedIn(r.pool) + newSizeGiB - r.size > total) throw new BackendCapacityError(`Pool ${r.pool} has no room to extend share ${share.id} to ${newSizeGiB} GiB.`);
      r.size = newSizeGiB;
    });
  }

  shrinkShare(share: DriverShare, newSizeGiB: number): Promise<void> {
    return this.op('shrink_share', () => {
      const r = this.record(share.id);
      if (newSizeGiB < r.usedGiB) {
        throw new InvalidInput(`Shrinking share ${share.id} to ${newSizeGiB} GiB would lose data: ${r.usedGiB} GiB are in use.`);
      }
      r.size = newSizeGiB;
    });
  }

  // ---- manage / unmanage ----
  manageExisting(share: DriverShare, exportPath: string, _driverOptions: Record<string, string>): Promise<ShareModelUpdate & { size: number }> {
    return this.op('manage_existing', () => {
      const path = exportPath.includes(':') ? exportPath.slice(exportPath.indexOf(':') + 1) : exportPath;
      const mine = this.store.state.shares[share.id];
      if (mine) return { ...this.exportsOf(mine), size: mine.size };
      const foreign = this.store.state.foreign[path];
      if (!foreign) throw new InvalidInput(`No share exported at ${exportPath} on fake share backend ${this.backendName}.`);
      delete this.store.state.foreign[path];
      const r: FakeShareRecord = {
        id: share.id, name: share.name, size: foreign.size, pool: this.poolOf(share), proto: share.shareProto, exportPath: path,
        usedGiB: 0, content: foreign.content, rules: {}, serverId: null, managed: true,
      };
      this.store.state.shares[share.id] = r;
      return { ...this.exportsOf(r), size: r.size };
    });
  }

  unmanage(share: DriverShare): Promise<void> {
    return this.op('unmanage', () => {
      const r = this.store.state.shares[share.id];
      if (!r) return;
      this.store.state.foreign[r.exportPath] = { size: r.size, content: r.content };
      delete this.store.state.shares[share.id];
    });
  }

  manageExistingSnapshot(snapshot: DriverShareSnapshot, providerLocation: string): Promise<{ size: number }> {
    return this.op('manage_existing_snapshot', () => {
      const r = this.record(snapshot.share.id);
      if (!providerLocation.startsWith(`${r.exportPath}@`)) throw new InvalidInput(`provider_location ${providerLocation} names no snapshot of share ${r.id}.`);
      this.store.state.snapshots[snapshot.id] ??= { id: snapshot.id, shareId: r.id, size: r.size, content: r.content, usedGiB: r.usedGiB };
      return { size: this.store.state.snapshots[snapshot.id]!.size };
    });
  }

  unmanageSnapshot(snapshot: DriverShareSnapshot): Promise<void> {
    return this.op('unmanage_snapshot', () => { delete this.store.state.snapshots[snapshot.id]; });
  }

  // ---- share servers (DHSS=true) ----
  setupServer(server: DriverShareServer): Promise<Record<string, string>> {
    return this.op('setup_server', () => {
      const details = { ip: this.opt.str('fake_share_export_ip'), vserver: `fake-server-${server.id.slice(0, 8)}` };
      this.store.state.servers[server.id] = { id: server.id, shareNetworkId: server.shareNetworkId, details };
      return details;
    });
  }

  teardownServer(server: DriverShareServer): Promise<void> {
    return this.op('teardown_server', () => {
      const used = Object.values(this.store.state.shares).some((s) => s.serverId === server.id);
      if (used) throw new BackendError(`Share server ${server.id} still holds shares.`);
      delete this.store.state.servers[server.id];
    });
  }

  // ---- test hooks (not part of the contract) ----
  /** Pretends the share holds `usedGiB` of data and `content`, as a client write would. */
  writeData(shareId: string, content: string, usedGiB: number): void {
    const r = this.record(shareId);
    r.content = content;
    r.usedGiB = usedGiB;
    this.store.save();
  }

  /** Plants a share Flint does not own (to be managed). */
  plantForeign(exportPath: string, size: number, content = ''): void {
    this.store.state.foreign[exportPath] = { size, content };
    this.store.save();
  }
}

export const createFakeShareDriver = (ctx: ShareDriverContext): FakeShareDriver => new FakeShareDriver(ctx);
