// End to end at driver + connector level: real tgtd, a loop-mounted XFS pool, qemu-img and
// libiscsi moving real bytes over iSCSI with CHAP and initiator ACLs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestLocalBackend, type TestLocalBackend } from '../support/local-test-backend.js';
import { LocalPool } from '../../src/drivers/local/local-pool.js';
import { applyUpdate, makeIscsiConnector, makeSnapshot, makeVolume } from '../contract/fixtures.js';
import type { Connector, DriverVolume, IscsiConnectionData } from '../../src/drivers/interface/objects.js';
import { copyData, copyToNewImage, compareData, readCapacity } from '../../src/connector/volume-io.js';
import { copyImageToVolume, copyVolumeToImage } from '../../src/connector/volume-transfer.js';
import type { VolumeEndpoint } from '../../src/connector/volume-endpoint.js';
import { sleep } from '../../src/util/clock.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('local backend over real tgtd', () => {
  let b: TestLocalBackend;
  const connector: Connector = makeIscsiConnector();
  const initiator = connector.initiator as string;

  before(async () => {
    b = await makeTestLocalBackend({ volume_clear: 'zero' });
    await b.driver.doSetup();
  });
  after(async () => { await b?.cleanup(); });

  async function newVolume(sizeGiB: number, make?: (v: DriverVolume) => Promise<unknown>): Promise<DriverVolume> {
    let v = makeVolume({ size: sizeGiB });
    await (make ? make(v) : b.driver.createVolume(v));
    v = applyUpdate(v, await b.driver.createExport(v, connector));
    return v;
  }
  type IscsiEndpoint = Extract<VolumeEndpoint, { kind: 'iscsi' }>;
  async function attach(v: DriverVolume, c: Connector = connector): Promise<IscsiEndpoint> {
    const info = await b.driver.initializeConnection(v, c);
    return { kind: 'iscsi', info, initiator: c.initiator as string };
  }
  /** The first `length` bytes of a volume, read over iSCSI. */
  async function readOver(ep: VolumeEndpoint, length: number): Promise<Buffer> {
    const out = join(b.dir, `read-${Math.random().toString(36).slice(2)}.raw`);
    await copyToNewImage(b.executor, ep, out, 'raw');
    const fh = await open(out, 'r');
    try {
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, 0);
      return buf;
    } finally { await fh.close(); }
  }
  const file = async (name: string, data: Buffer): Promise<VolumeEndpoint> => {
    const path = join(b.dir, name);
    await writeFile(path, data);
    return { kind: 'file', path, format: 'raw' };
  };

  test('write over iSCSI with CHAP, snapshot, clone, extend online, detach, ACL and CHAP refusals, tgtd restart', async () => {
    const original = randomBytes(64 * MiB);
    const vol = await newVolume(1);
    const ep = await attach(vol);
    const data = ep.info.data as IscsiConnectionData;
    assert.equal(ep.info.driver_volume_type, 'iscsi');
    assert.equal(data?.auth_method, 'CHAP');
    assert.equal(data?.target_iqn, `iqn.2010-10.org.openstack:${vol.name}`);

    await copyData(b.executor, await file('original.raw', original), ep);
    const snap = makeSnapshot(vol);
    await b.driver.createSnapshot(snap);
    const patch = Buffer.alloc(8 * MiB, 0x5a);
    await copyData(b.executor, await file('patch.raw', patch), ep);
    const now = await readOver(ep, 64 * MiB);
    assert.ok(now.subarray(0, 8 * MiB).equals(patch), 'the overwrite landed');
    assert.ok(now.subarray(8 * MiB).equals(original.subarray(8 * MiB)), 'the rest is unchanged');

    // A larger volume from the snapshot holds the original bytes.
    const fromSnap = await newVolume(2, (v) => b.driver.createVolumeFromSnapshot(v, snap));
    const fromSnapEp = await attach(fromSnap);
    assert.ok((await readOver(fromSnapEp, 64 * MiB)).equals(original), 'the snapshot keeps the original bytes');
    assert.equal(await readCapacity(b.executor, fromSnapEp), 2 * GiB);

    const clone = await newVolume(1, (v) => b.driver.createClonedVolume(v, vol));
    assert.equal(await compareData(b.executor, ep, await attach(clone)), true, 'the clone equals its source');
    assert.equal(await compareData(b.executor, ep, fromSnapEp), false, 'the patched volume differs from the snapshot copy');

    // Online extend: the attached LUN reports the new size.
    await b.driver.extendVolume(vol, 3);
    assert.equal(await readCapacity(b.executor, ep), 3 * GiB);

    // A wrong CHAP secret and another initiator are refused; the right ones work.
    const wrong: IscsiEndpoint = { ...ep, info: { driver_volume_type: 'iscsi', data: { ...data, auth_password: 'not-the-secret' } } };
    await assert.rejects(readCapacity(b.executor, wrong), /Authentication failure/);
    const stranger = makeIscsiConnector().initiator as string;
    await assert.rejects(readCapacity(b.executor, { ...ep, initiator: stranger }), /Target not found/);

    // Detach: this initiator is refused from then on.
    await b.driver.terminateConnection(vol, connector);
    await assert.rejects(readCapacity(b.executor, ep), /Target not found/);

    // tgtd killed: the supervisor restarts it and replays the exports of attached volumes.
    const again = await attach(vol);
    const pid = b.driver.target.daemonPid!;
    process.kill(pid, 'SIGKILL');
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      await sleep(100);
      back = b.driver.target.daemonPid !== pid && await readCapacity(b.executor, again).then(() => true, () => false);
    }
    assert.ok(back, 'the export is back within 10 s');
    const after = await readOver(again, 64 * MiB);
    assert.ok(after.subarray(8 * MiB).equals(original.subarray(8 * MiB)) && after.subarray(0, 8 * MiB).equals(patch), 'data intact');
    await assert.rejects(readCapacity(b.executor, { ...again, initiator: stranger }), /Target not found/, 'ACLs replayed, not opened');

    for (const v of [clone, fromSnap, vol]) await b.driver.deleteVolume(v);
    await b.driver.deleteSnapshot(snap);
  });

  test('a deleted volume (volume_clear = zero) leaves nothing readable in a new volume on the same file', async () => {
    const vol = await newVolume(1);
    const ep = await attach(vol);
    await copyData(b.executor, await file('secret.raw', randomBytes(32 * MiB)), ep);
    await b.driver.deleteVolume(vol);
    const reused = { ...vol, providerLocation: null, providerAuth: null };
    await b.driver.createVolume(reused);
    const path = await b.driver.localPath(reused);
    assert.equal(await LocalPool.isAllZero(path), true);
    const fresh = await newVolume(1);
    assert.equal(await LocalPool.isAllZero(await b.driver.localPath(fresh)), true);
    await b.driver.deleteVolume(reused);
    await b.driver.deleteVolume(fresh);
  });

  test('qcow2 image → volume equals its raw conversion; volume → qcow2 compares identical', async () => {
    const img = join(b.dir, 'img.qcow2');
    await b.executor.run(['qemu-img', 'create', '-f', 'qcow2', img, '64M']);
    await b.executor.run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0xab 0 4M', '-c', 'write -P 0xcd 40M 1M', img]);
    const raw = join(b.dir, 'img.raw');
    await b.executor.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', img, raw]);
    const expected = await readFile(raw);

    // Through the driver (local path) …
    const vol = await newVolume(1);
    await b.driver.copyImageToVolume(vol, img, 'qcow2');
    const fh = await open(await b.driver.localPath(vol), 'r');
    const got = Buffer.alloc(expected.length);
    await fh.read(got, 0, got.length, 0);
    await fh.close();
    assert.ok(got.equals(expected), 'volume bytes equal the raw conversion');

    // … and over iSCSI with the connector, with progress.
    const vol2 = await newVolume(1);
    const ep2 = await attach(vol2);
    await copyImageToVolume(b.executor, img, null, ep2);
    assert.ok((await readOver(ep2, expected.length)).equals(expected));
    const up = join(b.dir, 'up.qcow2');
    const progress: number[] = [];
    await copyVolumeToImage(b.executor, ep2, up, 'qcow2', { onProgress: (p) => progress.push(p) });
    assert.equal(await compareData(b.executor, ep2, { kind: 'file', path: up, format: 'qcow2' }), true);
    assert.equal(progress[progress.length - 1], 100);
    const driverUp = join(b.dir, 'driver-up.qcow2');
    await b.driver.copyVolumeToImage(vol, driverUp, 'qcow2');
    const driverUpEp: VolumeEndpoint = { kind: 'file', path: driverUp, format: 'qcow2' };
    assert.equal(await compareData(b.executor, driverUpEp, { kind: 'file', path: await b.driver.localPath(vol), format: 'raw' }), true);
    // compare is not vacuous: one changed sector is noticed.
    await b.executor.run(['qemu-io', '-f', 'raw', '-c', 'write -P 0x11 0 512', raw]);
    assert.equal(await compareData(b.executor, driverUpEp, { kind: 'file', path: raw, format: 'raw' }), false);
    await b.driver.deleteVolume(vol);
    await b.driver.deleteVolume(vol2);
  });
});
