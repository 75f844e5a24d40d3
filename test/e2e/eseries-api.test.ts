// Acceptance through Flint's HTTP API: a backend configured as netapp_eseries (the E-Series
// simulator on loopback behind its Web Services proxy, volumes served by a real tgtd with
// target CHAP) serves create (thick and thin), attach from two hosts (multi-attach through
// the host group), snapshot, volume from snapshot, clone, extend, manage existing, detach and
// delete, and bytes written through the returned connection info read back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExecutor } from '../../src/exec/executor.js';
import { copyData, readCapacity, readHead as readHeadOf } from '../../src/connector/volume-io.js';
import type { VolumeEndpoint } from '../../src/connector/volume-endpoint.js';
import type { ConnectionInfo, IscsiConnectionData } from '../../src/drivers/interface/objects.js';
import { uuidToLabel } from '../../src/drivers/netapp/eseries/eseries-utils.js';
import { EseriesSimulator } from '../sim/eseries/eseries-simulator.js';
import { esSimOptions } from '../sim/eseries/eseries-driver-fixture.js';
import { GiB } from '../sim/eseries/eseries-state.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';

const MiB = 1024 ** 2;
const PROJECT = 'eseries-e2e';
const exec = new ShellExecutor({ tries: 1, timeoutMs: 60_000 });
const readHead = (ep: VolumeEndpoint, length: number, dir: string): Promise<Buffer> => readHeadOf(exec, ep, length, dir);

describe('netapp_eseries through the Block Storage API (proxy, multi-attach, CHAP)', () => {
  let sim: EseriesSimulator;
  let svc: TestService;
  let base = '';
  let dir = '';
  const connector = { initiator: `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`, host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };

  const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, PROJECT, method, path, body, '3.44');
  const ok = expectStatus;
  const volumeStatus = async (id: string, want: string[], timeoutMs = 30_000): Promise<any> =>
    waitUntil(async () => {
      const g = await call('GET', `/volumes/${id}`);
      if (g.status === 404) return want.includes('deleted') ? { status: 'deleted' } : undefined;
      return want.includes(g.json.volume.status) ? g.json.volume : undefined;
    }, timeoutMs, 50);
  const snapshotStatus = async (id: string, want: string[]): Promise<any> =>
    waitUntil(async () => {
      const g = await call('GET', `/snapshots/${id}`);
      if (g.status === 404) return want.includes('deleted') ? { status: 'deleted' } : undefined;
      return want.includes(g.json.snapshot.status) ? g.json.snapshot : undefined;
    }, 30_000, 50);
  const createVolume = async (body: Record<string, unknown>): Promise<any> => {
    const id = ok(await call('POST', '/volumes', { volume: body }), 202).volume.id as string;
    const v = await volumeStatus(id, ['available', 'error']);
    assert.equal(v.status, 'available', `volume ${id} ended in ${v.status}`);
    return v;
  };
  const attachFrom = async (volumeId: string, conn: typeof connector): Promise<{ id: string; info: ConnectionInfo }> => {
    const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector: conn } }), 200).attachment;
    ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
    await volumeStatus(volumeId, ['in-use']);
    return { id: a.id as string, info: a.connection_info as ConnectionInfo };
  };
  const detach = async (attachmentId: string, volumeId: string, after: string[] = ['available']): Promise<void> => {
    ok(await call('DELETE', `/attachments/${attachmentId}`), 200);
    await volumeStatus(volumeId, after);
  };
  const esVolume = (flintId: string) => sim.state.findVolume(uuidToLabel(flintId));
  const mappingOf = (flintId: string) => [...sim.state.mappings.values()].find((m) => m.volumeRef === esVolume(flintId)?.id);
  const deleteVolume = async (id: string) => {
    ok(await call('DELETE', `/volumes/${id}`), 202);
    assert.equal((await volumeStatus(id, ['deleted', 'error_deleting'])).status, 'deleted');
  };
  const file = (name: string, bytes: Buffer): VolumeEndpoint => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return { kind: 'file', path, format: 'raw' };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eseries-api-'));
    sim = await EseriesSimulator.start({ mode: 'proxy', tgtDir: join(dir, 'vols'), tgtChap: true });
    svc = await startTestService({
      backends: {
        eseries: {
          ...esSimOptions(sim), volume_backend_name: 'eseries-e2e', use_chap_auth: true, netapp_enable_multiattach: true,
          netapp_pool_name_search_pattern: 'vg1|ddp1',
        },
      },
    });
    base = svc.url!;
  });
  after(async () => {
    await svc?.cleanup();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('get_pools shows the storage pools with their SSC capabilities', async () => {
    const pools = await waitUntil(async () => {
      const r = ok(await call('GET', '/scheduler-stats/get_pools?detail=true'), 200);
      return r.pools.length > 0 ? (r.pools as any[]) : undefined;
    });
    const host = svc.config.host;
    assert.deepEqual(pools.map((p) => p.name).sort(), [`${host}@eseries#ddp1`, `${host}@eseries#vg1`]);
    const byName = new Map(pools.map((p) => [p.name.split('#')[1], p.capabilities]));
    assert.equal(byName.get('vg1').netapp_raid_type, 'raid6');
    assert.equal(byName.get('ddp1').netapp_raid_type, 'raidDiskPool');
    assert.equal(byName.get('ddp1').netapp_disk_type, 'SSD');
    assert.equal(byName.get('vg1').netapp_disk_type, 'SAS');
    assert.equal(byName.get('ddp1').netapp_thin_provisioned, true);
    assert.equal(byName.get('vg1').netapp_thin_provisioned, false);
    for (const p of pools) {
      assert.equal(p.capabilities.vendor_name, 'NetApp');
      assert.equal(p.capabilities.storage_protocol, 'iSCSI');
      assert.equal(p.capabilities.multiattach, true);
    }
  });

  test('two hosts: A writes, B joins through the multi-attach group and reads; A leaves, B keeps writing; the last detach unmaps', async () => {
    const hostA = { ...connector, initiator: `iqn.1993-08.org.debian:01:a-${randomUUID().slice(0, 8)}`, host: 'compute-a' };
    const hostB = { ...connector, initiator: `iqn.1993-08.org.debian:01:b-${randomUUID().slice(0, 8)}`, host: 'compute-b' };
    const vol = await createVolume({ size: 1, name: 'es-shared', multiattach: true });
    const first = randomBytes(MiB);
    const a = await attachFrom(vol.id, hostA);
    const dA = a.info.data as IscsiConnectionData;
    assert.equal(dA.target_iqn, sim.state.targetIqn);
    assert.equal(dA.auth_method, 'CHAP');
    assert.equal(dA.auth_password, sim.state.chap.secret, 'the target secret the array holds');
    const epA: VolumeEndpoint = { kind: 'iscsi', info: a.info, initiator: hostA.initiator };
    await copyData(exec, file('first.raw', first), epA);
    const hostARef = [...sim.state.hosts.values()].find((h) => h.ports.some((p) => p.address === hostA.initiator))!.ref;
    assert.equal(mappingOf(vol.id)?.mapRef, hostARef, 'one host: mapped to that host');

    const b = await attachFrom(vol.id, hostB);
    const group = [...sim.state.groups.values()].find((g) => g.label === 'cinder-multi-attach')!;
    assert.equal(mappingOf(vol.id)?.mapRef, group.ref, 'two hosts: the mapping moved to the multi-attach group');
    const epB: VolumeEndpoint = { kind: 'iscsi', info: b.info, initiator: hostB.initiator };
    assert.ok((await readHead(epB, first.length, dir)).equals(first), 'B reads what A wrote');

    await detach(a.id, vol.id, ['in-use']);
    assert.equal(mappingOf(vol.id)?.mapRef, group.ref, 'B still attached: the group keeps the mapping');
    const second = randomBytes(MiB);
    await copyData(exec, file('second.raw', second), epB);
    assert.ok((await readHead(epB, second.length, dir)).equals(second), 'B reads back what it wrote after A left');

    await detach(b.id, vol.id);
    assert.equal(mappingOf(vol.id), undefined, 'the last detach removes the mapping');
    await assert.rejects(readCapacity(exec, epB), /Target not found/);
    await deleteVolume(vol.id);
    assert.deepEqual(sim.backingErrors, []);
  });

  test('create, write, snapshot, volume from snapshot, clone, extend thick and thin, manage existing, read back, delete — nothing left', async () => {
    const data = randomBytes(4 * MiB);
    const vol = await createVolume({ size: 1, name: 'es-src' });
    assert.equal(esVolume(vol.id)?.sizeBytes, GiB);
    const a1 = await attachFrom(vol.id, connector);
    const ep1: VolumeEndpoint = { kind: 'iscsi', info: a1.info, initiator: connector.initiator };
    await copyData(exec, file('data.raw', data), ep1);
    assert.ok((await readHead(ep1, data.length, dir)).equals(data), 'the bytes read back through the attachment');
    const wrong = { ...a1.info, data: { ...(a1.info.data as IscsiConnectionData), auth_password: 'not-the-secret!' } } as ConnectionInfo;
    await assert.rejects(readCapacity(exec, { ...ep1, info: wrong }), /Authentication failure/);

    const snapId = ok(await call('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'es-snap', force: true } }), 202).snapshot.id as string;
    assert.equal((await snapshotStatus(snapId, ['available', 'error'])).status, 'available');
    assert.equal(sim.state.images.size, 1, 'one snapshot image on the array');
    // Bytes written after the snapshot must not reach the volume made from it.
    const later = randomBytes(MiB);
    await copyData(exec, file('later.raw', later), ep1);
    const now = Buffer.concat([later, data.subarray(MiB)]);
    await detach(a1.id, vol.id);

    const fromSnap = await createVolume({ size: 2, snapshot_id: snapId, name: 'es-from-snap' });
    const clone = await createVolume({ size: 1, source_volid: vol.id, name: 'es-clone' });
    assert.equal(esVolume(fromSnap.id)?.sizeBytes, 2 * GiB);
    assert.equal(sim.state.copyJobs.size, 0, 'copy jobs are deleted once done');
    assert.equal([...sim.state.volumes.values()].filter((v) => v.view).length, 0, 'snapshot views are deleted once copied');

    // Extend the clone (thick, on the volume group: the driver waits out the DVE).
    ok(await call('POST', `/volumes/${clone.id}/action`, { 'os-extend': { new_size: 3 } }), 202);
    assert.equal((await volumeStatus(clone.id, ['available', 'error_extending'])).size, 3);
    assert.equal(esVolume(clone.id)?.sizeBytes, 3 * GiB);

    // A thin volume (a type asking for it lands on the disk pool) grows through thin-volumes/expand.
    const type = ok(await call('POST', '/types', { volume_type: { name: 'es-thin' } }), 200).volume_type.id as string;
    ok(await call('POST', `/types/${type}/extra_specs`, { extra_specs: { netapp_thin_provisioned: '<is> True' } }), 200);
    const thin = await createVolume({ size: 1, name: 'es-thin', volume_type: type });
    assert.equal(esVolume(thin.id)?.thin, true);
    assert.equal((thin['os-vol-host-attr:host'] as string).split('#')[1], 'ddp1');
    ok(await call('POST', `/volumes/${thin.id}/action`, { 'os-extend': { new_size: 2 } }), 202);
    assert.equal((await volumeStatus(thin.id, ['available', 'error_extending'])).size, 2);
    assert.equal(esVolume(thin.id)?.sizeBytes, 2 * GiB);

    // The volume from the snapshot holds the bytes of the snapshot time; the clone, those of the clone time.
    for (const [v, sizeGiB, bytes] of [[clone, 3, now], [fromSnap, 2, data]] as const) {
      const a = await attachFrom(v.id, connector);
      const ep: VolumeEndpoint = { kind: 'iscsi', info: a.info, initiator: connector.initiator };
      assert.ok((await readHead(ep, bytes.length, dir)).equals(bytes), `volume ${v.name} holds the bytes of its source's point in time`);
      assert.equal(await readCapacity(exec, ep), sizeGiB * GiB);
      await detach(a.id, v.id);
    }

    // Manage a volume an operator made on the array: it is renamed to Flint's label.
    const legacy = sim.state.createVolume([...sim.state.pools.values()].find((p) => p.label === 'vg1')!.id, 'legacy-data', 2 * GiB, false);
    const listed = ok(await call('GET', '/manageable_volumes?host=' + encodeURIComponent(`${svc.config.host}@eseries#vg1`)), 200);
    assert.ok(JSON.stringify(listed).includes('legacy-data'), 'the operator volume is listed as manageable');
    const managed = ok(await call('POST', '/os-volume-manage', { volume: { host: `${svc.config.host}@eseries#vg1`, ref: { 'source-name': 'legacy-data' }, name: 'es-managed' } }), 202).volume;
    const m = await volumeStatus(managed.id, ['available', 'error']);
    assert.equal(m.status, 'available');
    assert.equal(m.size, 2);
    assert.equal(sim.state.volumes.get(legacy.id)?.label, uuidToLabel(managed.id));

    ok(await call('DELETE', `/snapshots/${snapId}`), 202);
    assert.equal((await snapshotStatus(snapId, ['deleted', 'error_deleting'])).status, 'deleted');
    for (const v of [fromSnap, clone, vol, thin, managed]) await deleteVolume(v.id);
    assert.deepEqual([...sim.state.volumes.keys()], [], 'no volumes left on the array');
    assert.deepEqual([...sim.state.mappings.keys()], [], 'no mappings left');
    assert.deepEqual([...sim.state.images.keys()], [], 'no snapshot images left');
    assert.deepEqual(sim.backingErrors, []);
    const open = await svc.db.kysely.selectFrom('tasks').select(['kind', 'status', 'lastError']).where('status', '!=', 'done').execute();
    assert.deepEqual(open, [], 'every task finished and none failed');
  });

  test('faults: a 5xx and a lost reply are retried unseen; an offline array (424) fails the create safely, and recovery works', async () => {
    sim.addFault({ match: 'POST ssc/volumes', kind: 'http503', times: 1 });
    sim.addFault({ match: 'POST ssc/volumes', kind: 'drop-after', times: 1, after: 1 });
    const before = sim.state.volumes.size;
    const v = await createVolume({ size: 1, name: 'es-faults' });
    assert.equal(sim.state.volumes.size, before + 1, 'one array volume despite the retried create');
    sim.clearFaults();

    sim.offline = true;
    const id = ok(await call('POST', '/volumes', { volume: { size: 1, name: 'es-offline' } }), 202).volume.id as string;
    const failed = await volumeStatus(id, ['available', 'error'], 60_000);
    assert.equal(failed.status, 'error');
    const attach = await call('POST', '/attachments', { attachment: { volume_uuid: v.id, instance_uuid: randomUUID(), connector } });
    // The volume layer reports a backend failure as a compute fault; its text is the safe summary.
    assert.equal(attach.status, 500, JSON.stringify(attach.json));
    assert.match(attach.json.computeFault.message, /eseries_offline: E-Series storage system is offline/);
    assert.ok(!JSON.stringify(attach.json).includes(sim.password), 'no secret in the error body');
    sim.offline = false;
    await deleteVolume(id);
    await deleteVolume(v.id);
  });
});
