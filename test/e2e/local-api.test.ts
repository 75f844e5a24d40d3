// Acceptance through Flint's HTTP API for the `local` backend: a whole Flint with a [local]
// backend (loop-mounted XFS pool, a Flint-supervised tgtd on a free loopback port) serves
// create, attach (attachments API), snapshot, clone, extend online, detach, delete-and-reuse,
// a restart with a volume attached, and image create/upload — every byte moved over real
// iSCSI with CHAP through the connection info the API returned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/executor.js';
import { compareData, copyData, readCapacity, readHead as readHeadOf } from '../../src/connector/volume-io.js';
import type { VolumeEndpoint } from '../../src/connector/volume-endpoint.js';
import type { ConnectionInfo, IscsiConnectionData } from '../../src/drivers/interface/objects.js';
import { freePort } from '../support/local-test-backend.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const PROJECT = 'local-e2e';
const exec = new ShellExecutor({ tries: 1, timeoutMs: 60_000 });

type IscsiEndpoint = Extract<VolumeEndpoint, { kind: 'iscsi' }>;

const newInitiator = (): string => `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;

describe('local backend through the Block Storage API over real tgtd', () => {
  let svc: TestService | undefined;
  let dir = '';
  let port = 0;
  let base = '';
  const initiator = newInitiator();
  const connector = { initiator, host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };

  const backends = () => ({
    local: {
      volume_driver: 'local', volume_backend_name: 'local-e2e',
      local_pool_dir: join(dir, 'pool'), local_pool_image: join(dir, 'pool.img'), local_pool_image_size_gib: 20,
      target_port: port, tgtd_control_port: port % 32768, tgtd_health_interval_ms: 300, volume_clear: 'zero',
    },
  });
  const start = async (): Promise<void> => {
    svc = await startTestService({ dir, backends: backends() });
    base = svc.url!;
  };
  const imagesDir = () => join(dir, 'var', 'images');

  const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, PROJECT, method, path, body, '3.44');
  const ok = expectStatus;
  const volumeStatus = (id: string, want: string[], timeoutMs = 30_000): Promise<any> =>
    waitUntil(async () => {
      const g = await call('GET', `/volumes/${id}`);
      if (g.status === 404) return want.includes('deleted') ? { status: 'deleted' } : undefined;
      return want.includes(g.json.volume.status) ? g.json.volume : undefined;
    }, timeoutMs, 50);
  const createVolume = async (body: Record<string, unknown>): Promise<any> => {
    const id = ok(await call('POST', '/volumes', { volume: body }), 202).volume.id as string;
    const v = await volumeStatus(id, ['available', 'error']);
    assert.equal(v.status, 'available', `volume ${id} ended in ${v.status}`);
    return v;
  };
  const deleteVolume = async (id: string): Promise<void> => {
    ok(await call('DELETE', `/volumes/${id}`), 202);
    assert.equal((await volumeStatus(id, ['deleted', 'error_deleting'])).status, 'deleted');
  };
  /** Attach through the attachments API (create with connector, then os-complete). */
  const attach = async (volumeId: string, c = connector): Promise<{ id: string; ep: IscsiEndpoint }> => {
    const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector: c } }), 200).attachment;
    ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
    await volumeStatus(volumeId, ['in-use']);
    return { id: a.id as string, ep: { kind: 'iscsi', info: a.connection_info as ConnectionInfo, initiator: c.initiator } };
  };
  const detach = async (attachmentId: string, volumeId: string): Promise<void> => {
    ok(await call('DELETE', `/attachments/${attachmentId}`), 200);
    await volumeStatus(volumeId, ['available']);
  };
  const readHead = (ep: VolumeEndpoint, length: number): Promise<Buffer> => readHeadOf(exec, ep, length, dir);
  const rawFile = (name: string, data: Buffer): VolumeEndpoint => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return { kind: 'file', path, format: 'raw' };
  };
  /** A sparse all-zero raw file: compareData against it reads a whole volume over iSCSI. */
  const zeroes = (sizeBytes: number): VolumeEndpoint => {
    const path = join(dir, `zero-${randomUUID()}.raw`);
    writeFileSync(path, '');
    truncateSync(path, sizeBytes);
    return { kind: 'file', path, format: 'raw' };
  };
  const poolFiles = (): string[] => readdirSync(join(dir, 'pool')).filter((f) => !f.startsWith('.'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flint-local-api-'));
    port = await freePort();
    await start();
  });

  after(async () => {
    await svc?.cleanup().catch(() => undefined);
    // Whatever a failed test left: our tgtd (found by its control port), the pool mount, its loop.
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      const cmd = (() => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } })();
      if (cmd[0] === 'tgtd' && cmd.includes(`portal=127.0.0.1:${port}`)) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
    }
    const pool = join(dir, 'pool');
    if (readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === pool)) {
      await exec.run(['umount', '-l', pool]).catch(() => undefined);
    }
    const loops = await exec.run(['losetup', '-j', join(dir, 'pool.img')]).catch(() => null);
    for (const m of loops?.stdout.matchAll(/^(\/dev\/loop\d+):/gm) ?? []) await exec.run(['losetup', '-d', m[1]!]).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the pool is the configured loop-mounted XFS image with reflink (not a plain-directory fallback)', async (t) => {
    const pools = ok(await call('GET', '/scheduler-stats/get_pools?detail=true'), 200).pools as Array<{ name: string; capabilities: Record<string, unknown> }>;
    assert.equal(pools.length, 1);
    const caps = pools[0]!.capabilities;
    t.diagnostic(`local pool: filesystem ${caps.pool_filesystem}, reflink ${caps.reflink}, problems ${JSON.stringify(caps.backend_problems ?? [])}`);
    assert.equal(caps.backend_problems, undefined);
    assert.equal(caps.pool_filesystem, 'xfs');
    assert.equal(caps.reflink, true);
  });

  test('create, attach, write over iSCSI with CHAP, snapshot, volume from snapshot, clone, extend online, detach, refusals', async () => {
    const original = randomBytes(64 * MiB);
    const vol = await createVolume({ size: 1, name: 'local-src' });
    assert.ok(poolFiles().includes(`volume-${vol.id}`), 'a pool file backs the volume');
    const a1 = await attach(vol.id);
    const ep = a1.ep;
    const data = ep.info.data as IscsiConnectionData;
    assert.equal(ep.info.driver_volume_type, 'iscsi');
    assert.equal(data.target_portal, `127.0.0.1:${port}`);
    assert.equal(data.target_iqn, `iqn.2010-10.org.openstack:volume-${vol.id}`);
    assert.equal(data.auth_method, 'CHAP');
    assert.ok(data.auth_username && data.auth_password, 'CHAP credentials are given to the attacher');
    // The throughput settings are really applied: tgtd opens the LUN with O_DIRECT, the pool's loop runs direct I/O.
    const show = await exec.run(['tgtadm', '-C', String(port % 32768), '--lld', 'iscsi', '--mode', 'target', '--op', 'show'], { quiet: true });
    assert.match(show.stdout, new RegExp(`Backing store path: ${join(dir, 'pool', `volume-${vol.id}`)}\\s+Backing store flags: direct`));
    assert.equal((await exec.run(['losetup', '-n', '-O', 'DIO', '-j', join(dir, 'pool.img')])).stdout.trim(), '1');

    await copyData(exec, rawFile('original.raw', original), ep);
    assert.ok((await readHead(ep, original.length)).equals(original), 'the bytes read back over iSCSI');

    // Snapshot while in use (force), then overwrite the head of the volume.
    const snapId = ok(await call('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'local-snap', force: true } }), 202).snapshot.id as string;
    await waitUntil(async () => {
      const s = ok(await call('GET', `/snapshots/${snapId}`), 200).snapshot;
      return ['available', 'error'].includes(s.status) ? s.status : undefined;
    }).then((s) => assert.equal(s, 'available'));
    const patch = Buffer.alloc(8 * MiB, 0x5a);
    await copyData(exec, rawFile('patch.raw', patch), ep);
    const now = await readHead(ep, original.length);
    assert.ok(now.subarray(0, patch.length).equals(patch), 'the overwrite landed');
    assert.ok(now.subarray(patch.length).equals(original.subarray(patch.length)), 'the rest is unchanged');

    // A larger volume from the snapshot, attached by the same initiator, holds the original bytes.
    const fromSnap = await createVolume({ size: 2, snapshot_id: snapId, name: 'local-from-snap' });
    const a2 = await attach(fromSnap.id);
    assert.ok((await readHead(a2.ep, original.length)).equals(original), 'the snapshot keeps the original bytes');
    assert.equal(await readCapacity(exec, a2.ep), 2 * GiB);

    // A clone of the in-use volume equals it byte for byte (whole volumes compared over iSCSI).
    const clone = await createVolume({ size: 1, source_volid: vol.id, name: 'local-clone' });
    const a3 = await attach(clone.id);
    assert.equal(await compareData(exec, ep, a3.ep), true, 'the clone equals its source');
    assert.equal(await compareData(exec, ep, a2.ep), false, 'the patched volume differs from the snapshot copy');

    // Extend online (in-use, 3.42+): the attached LUN reports the new capacity.
    ok(await call('POST', `/volumes/${vol.id}/action`, { 'os-extend': { new_size: 3 } }), 202);
    const extended = await volumeStatus(vol.id, ['in-use', 'error_extending']);
    assert.equal(extended.status, 'in-use');
    assert.equal(extended.size, 3);
    assert.equal(await readCapacity(exec, ep), 3 * GiB);
    assert.ok((await readHead(ep, patch.length)).equals(patch), 'data survives the online extend');

    // Refusals while attached: a wrong CHAP secret, and an initiator that never attached.
    const wrong: IscsiEndpoint = { ...ep, info: { ...ep.info, data: { ...data, auth_password: 'not-the-secret' } } };
    await assert.rejects(readCapacity(exec, wrong), /Authentication failure/);
    await assert.rejects(readCapacity(exec, { ...ep, initiator: newInitiator() }), /Target not found/);

    // Detach: this initiator is refused from then on.
    await detach(a1.id, vol.id);
    await assert.rejects(readCapacity(exec, ep), /Target not found/);

    for (const [a, v] of [[a2, fromSnap], [a3, clone]] as const) await detach(a.id, v.id);
    ok(await call('DELETE', `/snapshots/${snapId}`), 202);
    await waitUntil(async () => ((await call('GET', `/snapshots/${snapId}`)).status === 404 ? true : undefined));
    for (const v of [fromSnap, clone, vol]) await deleteVolume(v.id);
    assert.deepEqual(poolFiles(), [], 'every volume and snapshot file is gone');
  });

  test('legacy actions (reserve, initialize_connection, attach, terminate_connection, detach) leave no tgtd target', async () => {
    const vol = await createVolume({ size: 1 });
    const iqn = `iqn.2010-10.org.openstack:volume-${vol.id}`;
    const targets = async () => (await exec.run(['tgtadm', '-C', String(port % 32768), '--lld', 'iscsi', '--mode', 'target', '--op', 'show'], { quiet: true })).stdout;
    const act = (body: unknown) => call('POST', `/volumes/${vol.id}/action`, body);
    ok(await act({ 'os-reserve': {} }), 202);
    const info = ok(await act({ 'os-initialize_connection': { connector } }), 200).connection_info as ConnectionInfo;
    assert.equal((info.data as IscsiConnectionData).target_iqn, iqn);
    assert.match(await targets(), new RegExp(iqn.replace(/\./g, '\\.')));
    assert.equal(await readCapacity(exec, { kind: 'iscsi', info, initiator: connector.initiator }), GiB);
    ok(await act({ 'os-attach': { instance_uuid: randomUUID(), mountpoint: '/dev/vdb' } }), 202);
    ok(await act({ 'os-terminate_connection': { connector } }), 202);
    ok(await act({ 'os-detach': {} }), 202);
    assert.equal((await volumeStatus(vol.id, ['available'])).status, 'available');
    // The last detach removes the export: tgtd no longer has the target.
    await waitUntil(async () => (!(await targets()).includes(iqn) ? true : undefined), 20_000, 100);
    await deleteVolume(vol.id);
  });

  test('a deleted volume leaves nothing readable: a new volume of the same size reads all zeroes', async () => {
    const vol = await createVolume({ size: 1 });
    const a = await attach(vol.id);
    const secret = randomBytes(32 * MiB);
    await copyData(exec, rawFile('secret.raw', secret), a.ep);
    assert.ok((await readHead(a.ep, secret.length)).equals(secret));
    await detach(a.id, vol.id);
    await deleteVolume(vol.id);
    assert.ok(!poolFiles().includes(`volume-${vol.id}`), 'the pool file is gone');

    const fresh = await createVolume({ size: 1 });
    const b = await attach(fresh.id);
    assert.equal(await readCapacity(exec, b.ep), GiB);
    assert.equal(await compareData(exec, b.ep, zeroes(GiB)), true, 'every byte of the new volume is zero');
    await detach(b.id, fresh.id);
    await deleteVolume(fresh.id);
  });

  test('a qcow2 image in the image dir becomes a volume equal to its raw conversion; upload to qcow2 compares identical', async () => {
    const img = join(imagesDir(), 'cirros-like.qcow2');
    await exec.run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '64M']);
    await exec.run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0xab 0 4M', '-c', 'write -P 0xcd 40M 1M', img], { quiet: true });
    const raw = join(dir, 'cirros-like.raw');
    await exec.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', img, raw]);
    const expected = await readFile(raw);

    // imageRef names a file the operator put in the image dir (admins may); the upload below takes a path inside that dir.
    const vol = await createVolume({ size: 1, imageRef: 'cirros-like.qcow2', name: 'from-image' });
    const a = await attach(vol.id);
    assert.ok((await readHead(a.ep, expected.length)).equals(expected), 'the volume holds the image bytes');
    assert.equal(await compareData(exec, a.ep, { kind: 'file', path: raw, format: 'raw' }), true, 'and zeroes after them');
    await detach(a.id, vol.id);

    const upName = 'uploaded.qcow2';
    const up = ok(await call('POST', `/volumes/${vol.id}/action`, { 'os-volume_upload_image': { image_name: join(imagesDir(), upName), disk_format: 'qcow2' } }), 202);
    assert.equal(up['os-volume_upload_image'].disk_format, 'qcow2');
    await volumeStatus(vol.id, ['available']);
    // The image is the project's, kept under its id; the listing names it.
    const listed = ok(await call('GET', '/flint/images'), 200).images as { id: string; name: string }[];
    const upPath = join(imagesDir(), '.store', listed.find((i) => i.name === upName)!.id);
    assert.ok(existsSync(upPath));
    assert.equal(JSON.parse((await exec.run(['qemu-img', 'info', '--output=json', upPath])).stdout).format, 'qcow2');
    // qemu-img compare: equal to the source image (the volume's zero tail does not count) …
    await exec.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'qcow2', upPath, img]);
    // … and not vacuously: one changed sector is noticed.
    await exec.run(['qemu-io', '-f', 'raw', '-c', 'write -P 0x11 0 512', raw], { quiet: true });
    const differs = await exec.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'raw', upPath, raw], { okExitCodes: [1] });
    assert.match(differs.stdout, /Content mismatch/);
    await deleteVolume(vol.id);
  });

  test('restart with a volume attached: the export comes back with its ACL and CHAP, data intact', async () => {
    const vol = await createVolume({ size: 1, name: 'survivor' });
    const a = await attach(vol.id);
    const payload = randomBytes(16 * MiB);
    await copyData(exec, rawFile('payload.raw', payload), a.ep);

    // tgtd_stop_on_shutdown (default true): close stops tgtd and unmounts the pool — nothing serves.
    await svc!.close();
    svc = undefined;
    await assert.rejects(readCapacity(exec, a.ep), /connect|refused|Failed/i);

    await start();
    assert.equal((await volumeStatus(vol.id, ['in-use'])).status, 'in-use');
    // The manager's ensure_export replayed the target, the initiator's ACL and the same CHAP account.
    assert.equal(await readCapacity(exec, a.ep), GiB);
    assert.ok((await readHead(a.ep, payload.length)).equals(payload), 'data intact after the restart');
    await assert.rejects(readCapacity(exec, { ...a.ep, initiator: newInitiator() }), /Target not found/, 'the ACL came back, not an open target');

    await detach(a.id, vol.id);
    await deleteVolume(vol.id);
  });
});
