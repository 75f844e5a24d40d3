import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBackendStore } from './fake-backend-store.js';
import { FakeBackendConflict, createFakeDriver } from './fake-driver.js';
import { driverRegistration } from '../registry.js';
import './register.js';
import { COMMON_BACKEND_OPTIONS } from '../../config/driver-options.js';
import { resolveOptions } from '../../config/options.js';
import { BackendCapacityError, BackendError, BackendObjectNotFound, ConfigError, InvalidInput } from '../../errors/errors.js';
import { ShellExecutor } from '../../exec/executor.js';
import { applyUpdate, makeIscsiConnector, makeSnapshot, makeVolume } from '../../../test/contract/fixtures.js';
import { fakeDriverContext } from '../../../test/support/fake-driver-context.js';

const backends: string[] = [];
function fake(raw: Record<string, string> = {}) {
  const name = `unit-${randomUUID().slice(0, 8)}`;
  backends.push(name);
  const driver = createFakeDriver(fakeDriverContext(name, raw));
  return { driver, store: FakeBackendStore.get(name), name };
}
afterEach(() => { for (const b of backends.splice(0)) FakeBackendStore.reset(b); });

describe('fake driver registration', () => {
  test('registers as `fake` with declared options that validate like a config section', async () => {
    const reg = driverRegistration('fake', 'fake-1');
    const specs = [...COMMON_BACKEND_OPTIONS, ...reg.options];
    const v = resolveOptions('fake-1', { volume_driver: 'fake', fake_pools: 'a,b', fake_delay_ms: '5' }, specs);
    assert.deepEqual(v.fake_pools, ['a', 'b']);
    assert.throws(() => resolveOptions('fake-1', { volume_driver: 'fake', fake_protocol: 'nvme' }, specs), ConfigError);
    assert.throws(() => resolveOptions('fake-1', { volume_driver: 'fake', fake_delay_ms: '-1' }, specs), ConfigError);
    const factory = await reg.load();
    assert.equal(factory(fakeDriverContext('reg-check')).backendName, 'reg-check');
    FakeBackendStore.reset('reg-check');
  });
});

describe('fake driver store', () => {
  test('the store mirrors what the driver did: volumes, exports, connections, snapshots', async () => {
    const { driver, store } = fake({ fake_protocol: 'iscsi' });
    let v = makeVolume({ size: 3, host: 'h@b#pool0' });
    await driver.createVolume(v);
    v = applyUpdate(v, await driver.createExport(v, null));
    const conn = makeIscsiConnector();
    await driver.initializeConnection(v, conn);
    const rec = store.volumes().get(v.id)!;
    assert.equal(rec.size, 3);
    assert.equal(rec.name, v.name);
    assert.equal(rec.exported, true);
    assert.deepEqual([...rec.connections], [conn.initiator]);
    assert.equal(rec.providerLocation, v.providerLocation);
    const s = makeSnapshot(v);
    await driver.createSnapshot(s);
    assert.equal(store.snapshots().get(s.id)!.volumeId, v.id);
    assert.deepEqual(store.calls.slice(0, 4), ['createvolume', 'createexport', 'initializeconnection', 'createsnapshot']);
  });

  test('a different size for an existing id is a 409 FakeBackendConflict', async () => {
    const { driver } = fake();
    const v = makeVolume({ size: 1 });
    await driver.createVolume(v);
    await assert.rejects(driver.createVolume({ ...v, size: 5 }), (e: unknown) => e instanceof FakeBackendConflict && e.httpStatus === 409);
  });

  test('like a strict array it refuses to delete a volume with snapshots or open connections', async () => {
    const { driver } = fake();
    let v = makeVolume();
    await driver.createVolume(v);
    const s = makeSnapshot(v);
    await driver.createSnapshot(s);
    await assert.rejects(driver.deleteVolume(v), FakeBackendConflict);
    await driver.deleteSnapshot(s);
    v = applyUpdate(v, await driver.createExport(v, null));
    await driver.initializeConnection(v, { initiator: 'iqn.2004-01.x:a' });
    await assert.rejects(driver.deleteVolume(v), FakeBackendConflict);
    await assert.rejects(driver.initializeConnection(v, { initiator: 'iqn.2004-01.x:b' }), /not multiattach/);
    await driver.initializeConnection({ ...v, multiattach: true }, { initiator: 'iqn.2004-01.x:b' });
    await driver.terminateConnection(v, null);
    await driver.deleteVolume(v);
  });

  test('capacity: thick pools refuse what does not fit, thin ones over-subscribe up to the ratio', async () => {
    const thick = fake({ fake_capacity_gib: '10', fake_thin_provisioning: 'false', reserved_percentage: '10' }).driver;
    await thick.createVolume(makeVolume({ size: 9 }));
    await assert.rejects(thick.createVolume(makeVolume({ size: 1 })), BackendCapacityError);
    const thin = fake({ fake_capacity_gib: '10', max_over_subscription_ratio: '2' });
    await thin.driver.createVolume(makeVolume({ size: 20 }));
    await assert.rejects(thin.driver.createVolume(makeVolume({ size: 1 })), BackendCapacityError);
    const pool = (await thin.driver.getVolumeStats(true)).pools[0]!;
    assert.equal(pool.provisionedCapacityGiB, 20);
    assert.equal(pool.allocatedCapacityGiB, 20);
    assert.deepEqual(pool.capacity, { known: true, totalGiB: 10, freeGiB: 10 }, 'nothing written yet on a thin pool');
  });

  test('pools come from fake_pools and volumes land in the pool their host names', async () => {
    const { driver, store } = fake({ fake_pools: 'gold,silver' });
    const v = makeVolume({ host: 'h@b#silver' });
    await driver.createVolume(v);
    assert.equal(store.volumes().get(v.id)!.pool, 'silver');
    await assert.rejects(driver.createVolume(makeVolume({ host: 'h@b#bronze' })), BackendError);
    const stats = await driver.getVolumeStats(true);
    assert.deepEqual(stats.pools.map((p) => [p.poolName, p.totalVolumes]), [['gold', 0], ['silver', 1]]);
  });
});

describe('fake driver fault injection', () => {
  test('fake_fail_operations makes the named operations throw a retryable BackendError', async () => {
    const { driver, store } = fake({ fake_fail_operations: 'create_volume,extendVolume' });
    const v = makeVolume();
    await assert.rejects(driver.createVolume(v), (e: unknown) => e instanceof BackendError && e.retryable && /Injected failure of createVolume/.test(e.message));
    assert.equal(store.volumes().size, 0, 'a failed operation changes nothing');
  });

  test('failNext fails the next n calls only', async () => {
    const { driver, store } = fake();
    const v = makeVolume();
    store.failNext('delete_volume', 2);
    await driver.createVolume(v);
    await assert.rejects(driver.deleteVolume(v), BackendError);
    await assert.rejects(driver.deleteVolume(v), BackendError);
    await driver.deleteVolume(v);
    assert.equal(store.volumes().has(v.id), false);
  });

  test('fake_delay_ms holds the operation before it acts (so a test can kill a process mid-call)', async () => {
    const { driver, store } = fake({ fake_delay_ms: '200' });
    const v = makeVolume();
    const pending = driver.createVolume(v);
    assert.equal(store.volumes().has(v.id), false, 'nothing happened yet while the call is held');
    await pending;
    assert.equal(store.volumes().has(v.id), true);
  });

  test('fake_state_file keeps backend state across a restart of the process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flint-fake-state-'));
    try {
      const file = join(dir, 'state.json');
      const first = fake({ fake_state_file: file, fake_protocol: 'iscsi' });
      await first.driver.doSetup();
      const v = makeVolume({ size: 2 });
      await first.driver.createVolume(v);
      const loc = await first.driver.createExport(v, null);
      await first.driver.initializeConnection(applyUpdate(v, loc), { initiator: 'iqn.2004-01.x:a' });
      // A new process: a fresh store reads the file.
      FakeBackendStore.reset(first.name);
      const again = createFakeDriver(fakeDriverContext(first.name, { fake_state_file: file, fake_protocol: 'iscsi' }));
      await again.doSetup();
      const rec = again.store.volumes().get(v.id)!;
      assert.equal(rec.size, 2);
      assert.deepEqual([...rec.connections], ['iqn.2004-01.x:a']);
      assert.deepEqual(await again.ensureExport(v), loc, 'ensureExport after restart re-reports the same export');
      assert.ok(JSON.parse(await readFile(file, 'utf8')).volumes.length === 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fake driver capabilities beyond the conformance suite', () => {
  test('manage-existing takes over a foreign object, renaming it; unmanage leaves it on the backend', async () => {
    const { driver, store } = fake();
    store.addForeignVolume('legacy-lun-7', 4);
    const listed = (await driver.listBackendVolumes()).find((o) => o.reference['source-name'] === 'legacy-lun-7')!;
    assert.deepEqual(listed, { reference: { 'source-name': 'legacy-lun-7' }, sizeGiB: 4, flintId: null, safeToManage: true, reasonNotSafe: null });
    const v = makeVolume({ size: 1 });
    assert.equal(await driver.manageExistingGetSize(v, listed.reference), 4);
    assert.deepEqual(await driver.manageExisting(v, listed.reference), { size: 4 });
    assert.equal(store.volumes().get(v.id)!.name, v.name);
    assert.equal(store.foreign().size, 0);
    await driver.unmanage({ ...v, size: 4 });
    assert.equal(store.foreign().get(v.name)!.size, 4);
    await assert.rejects(driver.manageExistingGetSize(v, {}), InvalidInput);
    await assert.rejects(driver.manageExistingGetSize(v, { 'source-name': 'nope' }), BackendObjectNotFound);
  });

  test('migrate moves a volume between pools, and between two fake backends of this process', async () => {
    const a = fake({ fake_pools: 'p1,p2' });
    const b = fake();
    const v = makeVolume();
    await a.driver.createVolume(v);
    assert.deepEqual(await a.driver.migrateVolume(v, `fakehost@${a.name}#p2`), [true, null]);
    assert.equal(a.store.volumes().get(v.id)!.pool, 'p2');
    const [moved] = await a.driver.migrateVolume(v, `otherhost@${b.name}#pool0`);
    assert.equal(moved, true);
    assert.equal(a.store.volumes().has(v.id), false);
    assert.equal(b.store.volumes().get(v.id)!.pool, 'pool0');
  });

  test('retype in place unless the new type needs another pool', async () => {
    const { driver, store } = fake();
    const v = makeVolume();
    await driver.createVolume(v);
    assert.equal(await driver.retype(v, { 'fake:pool': 'pool0', tier: 'gold' }), true);
    assert.deepEqual(store.volumes().get(v.id)!.extraSpecs, { 'fake:pool': 'pool0', tier: 'gold' });
    assert.equal(await driver.retype(v, { 'fake:pool': 'other' }), false);
  });

  test('groups and group snapshots are recorded; replication failover checks the target', async () => {
    const { driver, store } = fake({ fake_replication_targets: 'dr1,dr2' });
    const v = makeVolume();
    await driver.createVolume(v);
    await driver.createGroup('g1');
    await driver.updateGroup('g1', [v], []);
    assert.deepEqual([...store.groups().get('g1')!], [v.id]);
    await driver.createGroupSnapshot('gs1', [makeSnapshot(v)]);
    assert.equal([...store.snapshots().values()].filter((s) => s.groupSnapshotId === 'gs1').length, 1);
    await driver.deleteGroupSnapshot('gs1', []);
    assert.equal(store.snapshots().size, 0, 'deleting a group snapshot removes its members even when not listed');
    assert.deepEqual(await driver.failoverHost([v], 'dr2'), { activeBackendId: 'dr2' });
    await assert.rejects(driver.failoverHost([v], 'dr9'), InvalidInput);
    await driver.enableReplication(v);
    assert.equal(store.volumes().get(v.id)!.replication, 'enabled');
  });

  test('qcow2 images go through real qemu-img both ways', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flint-fake-img-'));
    try {
      const { driver } = fake();
      const ex = new ShellExecutor();
      const raw = join(dir, 'in.raw');
      const bytes = Buffer.from('flint-qcow2-payload'.repeat(100));
      await writeFile(raw, bytes);
      const qcow = join(dir, 'in.qcow2');
      await ex.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
      const v = makeVolume();
      await driver.createVolume(v);
      await driver.copyImageToVolume(v, qcow, 'qcow2');
      const out = join(dir, 'out.qcow2');
      await driver.copyVolumeToImage(v, out, 'qcow2');
      const info = JSON.parse((await ex.run(['qemu-img', 'info', '--output=json', out])).stdout) as { format: string; 'virtual-size': number };
      assert.equal(info.format, 'qcow2');
      assert.equal(info['virtual-size'], 2 ** 30);
      const back = join(dir, 'back.raw');
      await ex.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', out, back]);
      const fh = await readFile(back);
      assert.deepEqual(fh.subarray(0, bytes.length), bytes);
      const big = makeVolume({ size: 1 });
      await driver.createVolume(big);
      await ex.run(['qemu-img', 'create', '-f', 'qcow2', join(dir, 'big.qcow2'), '2G']);
      await assert.rejects(driver.copyImageToVolume(big, join(dir, 'big.qcow2'), 'qcow2'), InvalidInput);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('backup device is a point-in-time sparse file that cleanup removes', async () => {
    const { driver } = fake();
    const v = makeVolume();
    await driver.createVolume(v);
    const dev = await driver.getBackupDevice(v);
    assert.equal((await stat(dev.path)).size, 2 ** 30);
    await dev.cleanup();
    await dev.cleanup();
    await assert.rejects(stat(dev.path), { code: 'ENOENT' });
  });
});
