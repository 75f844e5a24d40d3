// The `local` share driver against its contract, on a real loop-mounted XFS pool and a real
// NFS-Ganesha (NFSv4 on a loopback port): what it creates on disk, mounts, and exports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Conflict, InvalidInput } from '../../src/errors/errors.js';
import {
  CreateShareFromSnapshot, ExtendShare, ManageShares, RevertShareToSnapshot, ShareSnapshots, ShrinkShare, supportedShareOperations,
} from '../../src/drivers/interface/share.js';
import { ShareShrinkUnsafe } from '../../src/drivers/local-share/local-share-driver.js';
import { applyShareUpdate, ipRule, makeLocalShareDriver, makeShare, makeShareSnapshot, type LocalShareBackend } from '../support/local-share-backend.js';

const GiB = 1024 ** 3;

async function sizeOf(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks * s.bsize;
}

async function xfsUuid(b: LocalShareBackend, image: string): Promise<string> {
  const r = await b.executor.run(['xfs_admin', '-u', image], { quiet: true });
  return r.stdout.trim();
}

describe('local share driver (real XFS images, real Ganesha)', () => {
  let b: LocalShareBackend;
  before(async () => {
    b = await makeLocalShareDriver();
    await b.driver.doSetup();
  });
  after(async () => { await b?.cleanup(); });

  test('set-up passes its own checks and stats advertise what the driver implements', async () => {
    await b.driver.checkForSetupError();
    const stats = await b.driver.getShareStats(true);
    assert.equal(stats.storageProtocol, 'NFS');
    assert.equal(stats.driverHandlesShareServers, false);
    const pool = stats.pools[0]!;
    assert.equal(pool.capacity.known, true);
    assert.ok(pool.capacity.known && pool.capacity.totalGiB > 30 && pool.capacity.totalGiB <= 40);
    assert.equal(pool.thinProvisioning, true);
    assert.equal(pool.snapshotSupport, true);
    assert.equal(pool.createShareFromSnapshotSupport, true);
    assert.equal(pool.revertToSnapshotSupport, true);
    assert.equal(pool.capabilities['pool_filesystem'], 'xfs');
    for (const g of [ShareSnapshots, CreateShareFromSnapshot, RevertShareToSnapshot, ExtendShare]) assert.ok(g.is(b.driver), g.operation);
    assert.deepEqual(stats.operations, supportedShareOperations(b.driver));
    assert.equal(ManageShares.is(b.driver), stats.operations.includes('manage'));
    assert.equal(ShrinkShare.is(b.driver), stats.operations.includes('shrink'));
  });

  test('createShare makes a mounted filesystem of the share\'s size, exported with no access yet; a repeat is the same share', async () => {
    let share = makeShare({ size: 2 });
    const u = await b.driver.createShare(share);
    share = applyShareUpdate(share, u);
    assert.deepEqual(u.exportLocations?.map((l) => [l.path, l.preferred, l.isAdminOnly]), [[`127.0.0.1:/${share.name}`, true, false]]);
    const dir = join(b.driver.mountDir, share.name);
    assert.ok(await b.driver.fs.isMounted(dir));
    const size = await sizeOf(dir);
    assert.ok(size > 1.9 * GiB && size <= 2 * GiB, `filesystem size ${size}`);
    const exp = b.driver.exportOf(share)!;
    assert.deepEqual(exp.rules, []);
    assert.ok((await b.driver.ganesha.dbus.exportIds()).includes(exp.exportId));
    // The file Ganesha reads at a restart says the same: no export-level access.
    const file = await readFile(join(b.dir, 'state', 'ganesha', 'exports', `export-${exp.exportId}.conf`), 'utf8');
    assert.match(file, /Access_Type = None;/);
    assert.doesNotMatch(file, /CLIENT/);

    await writeFile(join(dir, 'keep.txt'), 'kept');
    const again = await b.driver.createShare(share);
    assert.deepEqual(again.exportLocations, u.exportLocations);
    assert.equal(await readFile(join(dir, 'keep.txt'), 'utf8'), 'kept', 'a repeated create must not reformat');
    await assert.rejects(b.driver.createShare({ ...share, size: 3 }), Conflict);
    await assert.rejects(b.driver.createShare(makeShare({ shareProto: 'CIFS' })), InvalidInput);
    await b.driver.deleteShare(share);
  });

  test('updateAccess: one CLIENT block per ip rule, most specific first; user and bad rules get error results and stay out', async () => {
    const share = applyShareUpdate(makeShare(), {});
    await b.driver.createShare(share);
    const rw = ipRule('127.0.0.0/8', 'rw');
    const ro = ipRule('127.0.0.1', 'ro');
    const user = { ...ipRule('alice'), accessType: 'user' as const };
    const bad = ipRule('10.0.0.0/33');
    const results = await b.driver.updateAccess(share, [rw, ro, user, bad], [rw, ro, user, bad], []);
    assert.equal(results[rw.id]?.state ?? 'active', 'active');
    assert.equal(results[ro.id]?.state ?? 'active', 'active');
    assert.equal(results[user.id]?.state, 'error');
    assert.match(results[user.id]!.reason!, /user/);
    assert.equal(results[bad.id]?.state, 'error');
    assert.deepEqual(b.driver.exportOf(share)!.rules, [{ clients: '127.0.0.0/8', access: 'RW' }, { clients: '127.0.0.1', access: 'RO' }]);
    const live = await b.driver.ganesha.dbus.displayExport(b.driver.exportOf(share)!.exportId);
    assert.ok(live.indexOf('"127.0.0.1/32"') >= 0 && live.indexOf('"127.0.0.1/32"') < live.indexOf('"127.0.0.0/8"'), live);

    // A delta: deny the ro rule.
    await b.driver.updateAccess(share, [rw, user, bad], [], [ro]);
    assert.deepEqual(b.driver.exportOf(share)!.rules, [{ clients: '127.0.0.0/8', access: 'RW' }]);
    // Recovery mode: `all` is the whole truth.
    const only = ipRule('192.168.1.0/24', 'ro');
    await b.driver.updateAccess(share, [only], [], []);
    assert.deepEqual(b.driver.exportOf(share)!.rules, [{ clients: '192.168.1.0/24', access: 'RO' }]);
    await b.driver.updateAccess(share, [], [], []);
    assert.deepEqual(b.driver.exportOf(share)!.rules, []);
    await b.driver.deleteShare(share);
  });

  test('snapshot (freeze + reflink), share from snapshot with a new filesystem UUID, revert', async () => {
    const share = makeShare({ size: 1 });
    await b.driver.createShare(share);
    const dir = join(b.driver.mountDir, share.name);
    await writeFile(join(dir, 'a.txt'), 'version 1');
    const snap = makeShareSnapshot(share);
    assert.deepEqual(await b.driver.createSnapshot(snap), { size: 1 });
    await writeFile(join(dir, 'a.txt'), 'version 2');

    const clone = makeShare({ size: 2 });
    const u = await b.driver.createShareFromSnapshot(clone, snap);
    assert.equal(u.exportLocations?.[0]?.path, `127.0.0.1:/${clone.name}`);
    const cloneDir = join(b.driver.mountDir, clone.name);
    assert.equal(await readFile(join(cloneDir, 'a.txt'), 'utf8'), 'version 1');
    assert.ok((await sizeOf(cloneDir)) > 1.9 * GiB, 'grown to the requested size');
    assert.notEqual(await xfsUuid(b, b.driver.pool.path(`${clone.name}.img`)), await xfsUuid(b, b.driver.pool.path(`${share.name}.img`)));
    await assert.rejects(b.driver.createShareFromSnapshot(makeShare({ size: 1 }), makeShareSnapshot(share)), /does not exist/);

    const rule = ipRule('127.0.0.1', 'rw');
    await b.driver.updateAccess(share, [rule], [rule], []);
    await b.driver.revertToSnapshot(snap, [rule]);
    assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'version 1');
    assert.deepEqual(b.driver.exportOf(share)!.rules, [{ clients: '127.0.0.1', access: 'RW' }], 'rules re-applied after revert');
    assert.equal(await readFile(join(cloneDir, 'a.txt'), 'utf8'), 'version 1', 'the clone is independent');

    await b.driver.deleteSnapshot(snap);
    await b.driver.deleteSnapshot(snap);
    for (const s of [share, clone]) await b.driver.deleteShare(s);
  });

  test('extend grows the mounted filesystem online; shrink copies into a smaller one when the data fits, else refuses with the share untouched', async () => {
    const share = makeShare({ size: 1 });
    await b.driver.createShare(share);
    const rule = ipRule('127.0.0.1', 'rw');
    await b.driver.updateAccess(share, [rule], [rule], []);
    const dir = join(b.driver.mountDir, share.name);
    await writeFile(join(dir, 'x'), 'x');
    await b.driver.extendShare(share, 3);
    assert.ok((await sizeOf(dir)) > 2.9 * GiB);
    await assert.rejects(b.driver.extendShare(share, 2), InvalidInput);

    assert.ok(ShrinkShare.is(b.driver));
    await b.driver.shrinkShare({ ...share, size: 3 }, 2);
    const shrunk = await sizeOf(dir);
    assert.ok(shrunk > 1.9 * GiB && shrunk <= 2 * GiB, `shrunk to ${shrunk}`);
    assert.equal(await readFile(join(dir, 'x'), 'utf8'), 'x');
    assert.deepEqual(b.driver.exportOf(share)!.rules, [{ clients: '127.0.0.1', access: 'RW' }]);
    assert.ok((await b.driver.ganesha.dbus.exportIds()).includes(b.driver.exportOf(share)!.exportId));

    await b.executor.run(['fallocate', '-l', '1400M', join(dir, 'big')]);
    await assert.rejects(b.driver.shrinkShare({ ...share, size: 2 }, 1), ShareShrinkUnsafe);
    assert.equal(await sizeOf(dir), shrunk, 'untouched');
    assert.equal(await readFile(join(dir, 'x'), 'utf8'), 'x');
    assert.ok((await b.driver.ganesha.dbus.exportIds()).includes(b.driver.exportOf(share)!.exportId), 'still exported');
    assert.ok(!(await b.driver.pool.exists(`${share.name}.shrink`)));
    await b.driver.deleteShare(share);
  });

  test('Ganesha killed: restarted with every export and its rules back', async () => {
    const shares = [makeShare(), makeShare()];
    const rule = ipRule('127.0.0.1', 'ro');
    for (const s of shares) {
      await b.driver.createShare(s);
      await b.driver.updateAccess(s, [rule], [rule], []);
    }
    const ids = shares.map((s) => b.driver.exportOf(s)!.exportId).sort();
    const restarted = new Promise((r) => b.driver.ganesha.once('restarted', r));
    const oldPid = b.driver.ganesha.pid!;
    process.kill(oldPid, 'SIGKILL');
    await restarted;
    assert.notEqual(b.driver.ganesha.pid, oldPid);
    const live = await b.driver.ganesha.dbus.exportIds();
    for (const id of ids) assert.ok(live.includes(id), `export ${id} back`);
    assert.match(await b.driver.ganesha.dbus.displayExport(ids[0]!), /127\.0\.0\.1\/32/);
    for (const s of shares) await b.driver.deleteShare(s);
  });

  test('its D-Bus daemon killed: the health check restarts bus and Ganesha, every export back', async () => {
    const share = makeShare();
    await b.driver.createShare(share);
    const id = b.driver.exportOf(share)!.exportId;
    const restarted = new Promise((r) => b.driver.ganesha.once('restarted', r));
    const oldBus = b.driver.ganesha.bus.pid!;
    process.kill(oldBus, 'SIGKILL');
    await restarted;
    assert.notEqual(b.driver.ganesha.bus.pid, oldBus);
    assert.ok((await b.driver.ganesha.dbus.exportIds()).includes(id));
    await b.driver.deleteShare(share);
  });

  test('a reload (SIGHUP) keeps every export and its rules: they are in the %include\'d files, not only in D-Bus', async () => {
    const share = makeShare();
    await b.driver.createShare(share);
    const rule = ipRule('127.0.0.1', 'ro');
    await b.driver.updateAccess(share, [rule], [rule], []);
    const id = b.driver.exportOf(share)!.exportId;
    const log = join(b.dir, 'state', 'ganesha', 'ganesha.log');
    const reloadsBefore = (await readFile(log, 'utf8')).split('Reread exports complete').length;
    process.kill(b.driver.ganesha.pid!, 'SIGHUP');
    for (let i = 0; i < 100 && (await readFile(log, 'utf8')).split('Reread exports complete').length === reloadsBefore; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await readFile(log, 'utf8')).split('Reread exports complete').length > reloadsBefore, 'Ganesha reloaded');
    assert.ok((await b.driver.ganesha.dbus.exportIds()).includes(id));
    assert.match(await b.driver.ganesha.dbus.displayExport(id), /127\.0\.0\.1\/32/);
    await b.driver.deleteShare(share);
  });

  test('Flint restart: a new driver over the same state re-mounts and re-exports with rules (ensureShares)', async () => {
    const share = makeShare();
    await b.driver.createShare(share);
    await writeFile(join(b.driver.mountDir, share.name, 'f'), 'survives');
    const snap = makeShareSnapshot(share);
    await b.driver.createSnapshot(snap);
    await b.driver.shutdown();
    const d = b.recreate();
    await d.doSetup();
    assert.equal(d.exportOf(share), null, 'nothing exported before ensureShares');
    const rule = ipRule('127.0.0.1', 'rw');
    const updates = await d.ensureShares([{ share, rules: [rule] }, { share: makeShare(), rules: [] }]);
    assert.deepEqual(Object.keys(updates), [share.id], 'a share with no image is reported by omission, the others still ensured');
    assert.equal(updates[share.id]!.exportLocations?.[0]?.path, `127.0.0.1:/${share.name}`);
    assert.equal(await readFile(join(d.mountDir, share.name, 'f'), 'utf8'), 'survives');
    assert.deepEqual(d.exportOf(share)!.rules, [{ clients: '127.0.0.1', access: 'RW' }]);
    assert.ok((await d.ganesha.dbus.exportIds()).includes(d.exportOf(share)!.exportId));
    await d.deleteSnapshot(snap);
    await d.deleteShare(share);
  });

  test('unmanage leaves the image unexported; manage adopts it under the new share\'s name, exported with no access', async () => {
    const old = makeShare();
    await b.driver.createShare(old);
    await writeFile(join(b.driver.mountDir, old.name, 'kept'), 'kept');
    const rule = ipRule('127.0.0.1');
    await b.driver.updateAccess(old, [rule], [rule], []);
    const oldId = b.driver.exportOf(old)!.exportId;
    await b.driver.unmanage(old);
    assert.equal(b.driver.exportOf(old), null);
    assert.ok(!(await b.driver.ganesha.dbus.exportIds()).includes(oldId));
    assert.ok(await b.driver.pool.exists(`${old.name}.img`));

    const adopted = makeShare();
    await assert.rejects(b.driver.manageExisting(adopted, '127.0.0.1:/share-nope', {}), /does not exist/);
    await assert.rejects(b.driver.manageExisting(adopted, '127.0.0.1:/../etc', {}), InvalidInput);
    const u = await b.driver.manageExisting(adopted, `127.0.0.1:/${old.name}`, {});
    assert.equal(u.size, 1);
    assert.equal(u.exportLocations?.[0]?.path, `127.0.0.1:/${adopted.name}`);
    assert.equal(await readFile(join(b.driver.mountDir, adopted.name, 'kept'), 'utf8'), 'kept');
    assert.deepEqual(b.driver.exportOf(adopted)!.rules, []);
    assert.ok(!(await b.driver.pool.exists(`${old.name}.img`)));
    await b.driver.deleteShare(adopted);
  });

  test('deleteShare unexports, unmounts and removes the image; deleting again succeeds', async () => {
    const share = makeShare();
    await b.driver.createShare(share);
    const id = b.driver.exportOf(share)!.exportId;
    await b.driver.deleteShare(share);
    assert.equal(b.driver.exportOf(share), null);
    assert.ok(!(await b.driver.ganesha.dbus.exportIds()).includes(id));
    assert.ok(!(await b.driver.fs.isMounted(join(b.driver.mountDir, share.name))));
    assert.ok(!(await b.driver.pool.exists(`${share.name}.img`)));
    await b.driver.deleteShare(share);
  });
});

describe('local share driver after a crash', () => {
  test('daemons left running by a Flint that did not stop them are ended at the next start, which then serves', async () => {
    const b = await makeLocalShareDriver({ overrides: { ganesha_stop_on_shutdown: 'false' } });
    try {
      await b.driver.doSetup();
      const share = makeShare();
      await b.driver.createShare(share);
      const old = { ganesha: b.driver.ganesha.pid!, bus: b.driver.ganesha.bus.pid! };
      await b.driver.shutdown();
      assert.doesNotThrow(() => process.kill(old.ganesha, 0), 'left serving');
      const d = b.recreate();
      await d.doSetup();
      for (const pid of Object.values(old)) assert.throws(() => process.kill(pid, 0), /ESRCH/);
      const rule = ipRule('127.0.0.1', 'ro');
      await d.ensureShares([{ share, rules: [rule] }]);
      assert.ok((await d.ganesha.dbus.exportIds()).includes(d.exportOf(share)!.exportId));
      await d.deleteShare(share);
    } finally {
      await b.cleanup();
    }
  });

  test('a shutdown while Ganesha is being restarted leaves no Ganesha behind', async () => {
    const b = await makeLocalShareDriver();
    try {
      await b.driver.doSetup();
      process.kill(b.driver.ganesha.pid!, 'SIGKILL');
      await new Promise((r) => b.driver.ganesha.once('down', r));
      await b.driver.shutdown();
      await new Promise((r) => setTimeout(r, 500));
      const ours = (await readdir('/proc')).filter((p) => /^\d+$/.test(p)).filter((p) => {
        try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(b.dir); } catch { return false; }
      });
      assert.deepEqual(ours, [], 'no daemon of this backend runs');
    } finally {
      await b.cleanup();
    }
  });
});
