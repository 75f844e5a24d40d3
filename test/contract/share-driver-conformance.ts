// The share driver conformance suite: the ShareDriverCore contract's semantics checked on any
// share driver, with a test per capability the driver has (read from its guards). Generic on
// purpose: the local (NFS-Ganesha) driver runs it too, so every test uses fresh ids and
// removes what it created.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ALL_SHARE_CAPABILITIES, CreateShareFromSnapshot, ExtendShare, ManageShares, ManageShareSnapshots, RevertShareToSnapshot,
  ShareServers, ShareSnapshots, ShrinkShare, supportedShareOperations,
  type DriverAccessRule, type DriverShare, type DriverShareServer, type DriverShareSnapshot, type ShareDriverCore, type ShareModelUpdate,
} from '../../src/drivers/interface/share.js';

export interface ShareConformanceOptions {
  /** The pool shares are placed in (`host@backend#pool`'s pool); the first reported one by default. */
  pool?: string;
  /** Client addresses the backend accepts in ip rules. */
  clientIp?: string;
}

/** Declares the suite for one share driver: `makeDriver` builds a fresh one; `cleanup` runs after. */
export function runShareDriverConformance(
  name: string,
  makeDriver: () => Promise<{ driver: ShareDriverCore; cleanup(): Promise<void> }>,
  opts: ShareConformanceOptions = {},
): void {
  describe(`share driver conformance: ${name}`, async () => {
    const made = await makeDriver();
    const driver = made.driver;
    const created: DriverShare[] = [];
    const snapshots: DriverShareSnapshot[] = [];
    let pool = opts.pool ?? '';
    let server: DriverShareServer | null = null;
    const client = opts.clientIp ?? '127.0.0.1';

    function makeShare(size = 1): DriverShare {
      const id = randomUUID();
      const s: DriverShare = {
        id, name: `share-${id}`, size, shareProto: 'NFS', host: `conformance@${driver.backendName}#${pool}`, providerLocation: null,
        shareTypeId: null, extraSpecs: {}, metadata: {}, shareServer: server,
      };
      created.push(s);
      return s;
    }
    const rule = (to: string, level: 'rw' | 'ro' = 'rw'): DriverAccessRule => ({ id: randomUUID(), accessType: 'ip', accessTo: to, accessLevel: level });
    function checkExports(u: ShareModelUpdate) {
      assert.ok(Array.isArray(u.exportLocations) && u.exportLocations.length > 0, 'a created share has export locations');
      for (const e of u.exportLocations!) {
        assert.equal(typeof e.path, 'string');
        assert.match(e.path, /^\S+:\/\S*$/, `export path ${e.path} is host:/path`);
        assert.equal(typeof e.isAdminOnly, 'boolean');
        assert.equal(typeof e.preferred, 'boolean');
      }
      assert.ok(u.exportLocations!.some((e) => e.preferred && !e.isAdminOnly), 'one preferred, user-visible export location');
    }

    before(async () => {
      await driver.doSetup();
      await driver.checkForSetupError();
      const stats = await driver.getShareStats(true);
      pool ||= stats.pools[0]!.poolName;
      if (driver.driverHandlesShareServers) {
        assert.ok(ShareServers.is(driver), 'a DHSS=true driver implements share servers');
        server = { id: randomUUID(), shareNetworkId: randomUUID(), backendDetails: {} };
        server.backendDetails = await driver.setupServer(server);
      }
    });
    after(async () => {
      try {
        for (const s of snapshots.reverse()) if (ShareSnapshots.is(driver)) await driver.deleteSnapshot(s).catch(() => undefined);
        for (const s of created.reverse()) await driver.deleteShare(s).catch(() => undefined);
        if (server && ShareServers.is(driver)) await driver.teardownServer(server);
      } finally {
        await driver.shutdown?.();
        await made.cleanup();
      }
    });

    test('stats: typed pools, and operations that are exactly the capabilities the driver has', async () => {
      const stats = await driver.getShareStats(true);
      assert.equal(typeof stats.shareBackendName, 'string');
      assert.match(stats.storageProtocol, /^(NFS|CIFS|NFS_CIFS)$/);
      assert.equal(stats.driverHandlesShareServers, driver.driverHandlesShareServers);
      assert.deepEqual([...stats.operations].sort(), supportedShareOperations(driver).sort());
      assert.ok(stats.pools.length > 0);
      for (const p of stats.pools) {
        if (p.capacity.known) assert.ok(p.capacity.freeGiB <= p.capacity.totalGiB && p.capacity.freeGiB >= 0);
        assert.equal(p.snapshotSupport, ShareSnapshots.is(driver));
        assert.equal(p.createShareFromSnapshotSupport, CreateShareFromSnapshot.is(driver));
        assert.equal(p.revertToSnapshotSupport, RevertShareToSnapshot.is(driver));
        assert.ok(p.reservedPercentage >= 0 && p.reservedPercentage <= 100);
      }
    });

    test('create is idempotent by id, delete twice succeeds', async () => {
      const s = makeShare();
      const first = await driver.createShare(s);
      checkExports(first);
      const again = await driver.createShare(s);
      assert.deepEqual(again.exportLocations?.map((e) => e.path), first.exportLocations?.map((e) => e.path));
      await driver.deleteShare(s);
      await driver.deleteShare(s);
    });

    test('update access: add, remove, and the whole truth when add and remove are empty', async () => {
      const s = makeShare();
      await driver.createShare(s);
      const rw = rule(client);
      const ro = rule('10.9.8.0/24', 'ro');
      const added = await driver.updateAccess(s, [rw, ro], [rw, ro], []);
      for (const r of [rw, ro]) assert.notEqual(added[r.id]?.state, 'error', `rule ${r.accessTo} applied`);
      const removed = await driver.updateAccess(s, [rw], [], [ro]);
      assert.equal(removed[ro.id]?.state ?? 'active', 'active');
      // Recovery: the full list is the truth, again and again.
      await driver.updateAccess(s, [rw], [], []);
      await driver.updateAccess(s, [rw], [], []);
      const ensured = await driver.ensureShares([{ share: s, rules: [rw] }]);
      if (ensured[s.id]?.exportLocations) checkExports(ensured[s.id]!);
    });

    if (ShareSnapshots.is(driver)) {
      test('snapshots: create twice, delete twice', async () => {
        const s = makeShare();
        await driver.createShare(s);
        const snap: DriverShareSnapshot = { id: randomUUID(), name: `snap-${s.id}`, shareSize: s.size, share: s, providerLocation: null };
        snapshots.push(snap);
        await driver.createSnapshot(snap);
        await driver.createSnapshot(snap);
        await driver.deleteSnapshot(snap);
        await driver.deleteSnapshot(snap);
      });
    }

    if (ShareSnapshots.is(driver) && CreateShareFromSnapshot.is(driver)) {
      test('create from snapshot, larger than the snapshot', async () => {
        const s = makeShare();
        await driver.createShare(s);
        const snap: DriverShareSnapshot = { id: randomUUID(), name: `snap-${s.id}`, shareSize: s.size, share: s, providerLocation: null };
        snapshots.push(snap);
        const u = await driver.createSnapshot(snap);
        if (u && u.providerLocation !== undefined) snap.providerLocation = u.providerLocation;
        const child = makeShare(2);
        checkExports(await driver.createShareFromSnapshot(child, snap));
        await driver.deleteShare(child);
      });
    }

    if (ShareSnapshots.is(driver) && RevertShareToSnapshot.is(driver)) {
      test('revert to the latest snapshot', async () => {
        const s = makeShare();
        await driver.createShare(s);
        const snap: DriverShareSnapshot = { id: randomUUID(), name: `snap-${s.id}`, shareSize: s.size, share: s, providerLocation: null };
        snapshots.push(snap);
        await driver.createSnapshot(snap);
        await driver.revertToSnapshot(snap, [rule(client)]);
      });
    }

    if (ExtendShare.is(driver)) {
      test('extend grows the share (twice to one size is fine)', async () => {
        const s = makeShare();
        await driver.createShare(s);
        await driver.extendShare(s, 2);
        await driver.extendShare({ ...s, size: 2 }, 2);
      });
    }

    if (ShrinkShare.is(driver)) {
      test('shrink of an empty share succeeds', async () => {
        const s = makeShare(2);
        await driver.createShare(s);
        await driver.shrinkShare(s, 1);
      });
    }

    if (ManageShares.is(driver)) {
      test('unmanage then manage the same export takes it back with its size', async () => {
        const s = makeShare();
        const u = await driver.createShare(s);
        const path = u.exportLocations!.find((e) => e.preferred)!.path;
        await driver.unmanage(s);
        const taken = { ...s, id: randomUUID() };
        created.push(taken);
        const m = await driver.manageExisting(taken, path, {});
        assert.equal(m.size, s.size);
        checkExports(m);
      });
    }

    if (ShareSnapshots.is(driver) && ManageShareSnapshots.is(driver)) {
      test('unmanage then manage a snapshot', async () => {
        const s = makeShare();
        await driver.createShare(s);
        const snap: DriverShareSnapshot = { id: randomUUID(), name: `snap-${s.id}`, shareSize: s.size, share: s, providerLocation: null };
        snapshots.push(snap);
        const u = await driver.createSnapshot(snap);
        const location = (u && u.providerLocation) || '';
        await driver.unmanageSnapshot(snap);
        const again = { ...snap, id: randomUUID(), providerLocation: location };
        snapshots.push(again);
        assert.equal((await driver.manageExistingSnapshot(again, location)).size, s.size);
      });
    }

    test('capability guards agree with the methods present', () => {
      for (const cap of ALL_SHARE_CAPABILITIES) {
        const has = cap.methods.every((m) => typeof (driver as unknown as Record<string, unknown>)[m] === 'function');
        assert.equal(cap.is(driver), has, cap.operation);
      }
    });
  });
}
