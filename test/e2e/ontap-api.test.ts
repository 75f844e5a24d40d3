// Acceptance through Flint's HTTP API: a backend configured as netapp_ontap (the ONTAP
// simulator on loopback, its LUNs served by a real tgtd) serves create, attach, snapshot,
// clone, extend, detach and delete, and bytes written through the returned connection info
// read back — over ZAPI (cluster mode) and over ONTAP REST.
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
import { OntapSimulator } from '../sim/ontap/ontap-simulator.js';
import { simOptions, type OntapFlavour } from '../sim/ontap/ontap-driver-fixture.js';
import { startTestService, waitUntil, type TestService } from '../support/test-service.js';
import { apiCall, expectStatus, type Reply } from '../support/http.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const PROJECT = 'ontap-e2e';
const exec = new ShellExecutor({ tries: 1, timeoutMs: 60_000 });


const readHead = (ep: VolumeEndpoint, length: number, dir: string): Promise<Buffer> => readHeadOf(exec, ep, length, dir);

const FLAVOURS: OntapFlavour[] = ['cmode-zapi', 'cmode-rest'];

for (const flavour of FLAVOURS) {
  describe(`netapp_ontap through the Block Storage API (${flavour})`, () => {
    let sim: OntapSimulator;
    let svc: TestService;
    let base = '';
    let dir = '';
    let portalAddress = '';
    const initiator = `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`;
    const connector = { initiator, host: 'compute-1', ip: '127.0.0.1', platform: 'x86_64', os_type: 'linux', multipath: false };

    const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, PROJECT, method, path, body, '3.44');
    const ok = expectStatus;
    const volumeStatus = async (id: string, want: string[], timeoutMs = 20_000): Promise<any> =>
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
      }, 20_000, 50);
    const createVolume = async (body: Record<string, unknown>): Promise<any> => {
      const id = ok(await call('POST', '/volumes', { volume: body }), 202).volume.id as string;
      const v = await volumeStatus(id, ['available', 'error']);
      assert.equal(v.status, 'available', `volume ${id} ended in ${v.status}`);
      return v;
    };
    const attach = async (volumeId: string): Promise<{ id: string; info: ConnectionInfo }> => {
      const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector } }), 200).attachment;
      // As in Cinder: a create with a connector is already 'attaching' (its connection is made).
      assert.equal(a.status, 'attaching');
      ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
      const v = await volumeStatus(volumeId, ['in-use']);
      assert.deepEqual(v.attachments.map((x: any) => [x.attachment_id, x.host_name]), [[a.id, connector.host]]);
      return { id: a.id as string, info: a.connection_info as ConnectionInfo };
    };
    const detach = async (attachmentId: string, volumeId: string, after: string[] = ['available']): Promise<void> => {
      ok(await call('DELETE', `/attachments/${attachmentId}`), 200);
      await volumeStatus(volumeId, after);
    };
    /** An attachment from any host (the volume may already be in use by another). */
    const attachFrom = async (volumeId: string, conn: typeof connector): Promise<{ id: string; info: ConnectionInfo }> => {
      const a = ok(await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: randomUUID(), connector: conn } }), 200).attachment;
      ok(await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null }), 204);
      await volumeStatus(volumeId, ['in-use']);
      return { id: a.id as string, info: a.connection_info as ConnectionInfo };
    };
    const providerLocation = async (id: string): Promise<string | null> =>
      (await svc.db.kysely.selectFrom('volumes').select('providerLocation').where('id', '=', id).executeTakeFirstOrThrow()).providerLocation;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ontap-api-'));
      // A loopback address of this run's own, port 3260: ONTAP REST reports no iSCSI port.
      portalAddress = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
      // tgtd asks for the CHAP credentials ONTAP holds for the initiator.
      sim = await OntapSimulator.start({ mode: 'cmode', tgtDir: join(dir, 'luns'), tgtPortalAddress: portalAddress, tgtChap: true });
      svc = await startTestService({
        backends: { ontap: { ...simOptions(sim, flavour), volume_backend_name: 'ontap-e2e', use_chap_auth: true, chap_username: 'flintchap' } },
      });
      base = svc.url!;
    });
    after(async () => {
      await svc?.cleanup();
      await sim?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('get_pools shows the ONTAP FlexVols as pools of vendor NetApp', async () => {
      const pools = await waitUntil(async () => {
        const r = ok(await call('GET', '/scheduler-stats/get_pools?detail=true'), 200);
        return r.pools.length > 0 ? (r.pools as any[]) : undefined;
      });
      const host = svc.config.host;
      // netapp_pool_name_search_pattern vol[0-9]+ keeps 'scratch' out.
      assert.deepEqual(pools.map((p) => p.name).sort(), [`${host}@ontap#vol1`, `${host}@ontap#vol2`]);
      for (const p of pools) {
        assert.equal(p.capabilities.vendor_name, 'NetApp');
        assert.equal(p.capabilities.storage_protocol, 'iSCSI');
        assert.equal(p.capabilities.volume_backend_name, 'ontap-e2e');
        assert.equal(p.capabilities.pool_name, p.name.split('#')[1]);
        assert.equal(typeof p.capabilities.total_capacity_gb, 'number');
      }
    });

    test('two hosts: attach A, attach B, detach A — B still reads and writes, A is refused by tgtd', async () => {
      const hostA = { ...connector, initiator: `iqn.1993-08.org.debian:01:a-${randomUUID().slice(0, 8)}`, host: 'compute-a' };
      const hostB = { ...connector, initiator: `iqn.1993-08.org.debian:01:b-${randomUUID().slice(0, 8)}`, host: 'compute-b' };
      const vol = await createVolume({ size: 1, name: 'ontap-shared', multiattach: true });
      const lunPath = (await providerLocation(vol.id))!;
      const first = randomBytes(MiB);
      const firstFile: VolumeEndpoint = { kind: 'file', path: join(dir, 'first.raw'), format: 'raw' };
      writeFileSync(firstFile.path, first);

      // An igroup of ours holding both hosts (left by an older release, or an operator): reusing it
      // would show each host the other's LUNs, and detaching A would cut B off.
      sim.state.createIgroup('openstack-legacy-ab', 'iscsi', 'linux');
      sim.state.addInitiator('openstack-legacy-ab', hostA.initiator);
      sim.state.addInitiator('openstack-legacy-ab', hostB.initiator);

      const a = await attachFrom(vol.id, hostA);
      const epA: VolumeEndpoint = { kind: 'iscsi', info: a.info, initiator: hostA.initiator };
      await copyData(exec, firstFile, epA);
      const b = await attachFrom(vol.id, hostB);
      // Each host maps through an igroup holding only its own initiator.
      const maps = sim.state.maps.filter((m) => m.path === lunPath);
      assert.deepEqual(maps.map((m) => sim.state.igroups.get(m.igroup)!.initiators).sort(), [[hostA.initiator], [hostB.initiator]]);
      const epB: VolumeEndpoint = { kind: 'iscsi', info: b.info, initiator: hostB.initiator };
      assert.ok((await readHead(epB, first.length, dir)).equals(first), 'B reads what A wrote');
      // While attached, A's initiator logs in (B's connection info carries the CHAP account tgtd holds now).
      const asA: VolumeEndpoint = { kind: 'iscsi', info: b.info, initiator: hostA.initiator };
      assert.equal(await readCapacity(exec, asA), GiB);

      await detach(a.id, vol.id, ['in-use']);
      assert.deepEqual(sim.state.maps.filter((m) => m.path === lunPath).map((m) => sim.state.igroups.get(m.igroup)!.initiators), [[hostB.initiator]]);
      // B keeps reading and writing the volume.
      const second = randomBytes(MiB);
      const secondFile: VolumeEndpoint = { kind: 'file', path: join(dir, 'second.raw'), format: 'raw' };
      writeFileSync(secondFile.path, second);
      await copyData(exec, secondFile, epB);
      assert.ok((await readHead(epB, second.length, dir)).equals(second), 'B reads back what it wrote after A left');
      // A's initiator is refused, even with credentials tgtd accepts.
      await assert.rejects(readCapacity(exec, asA), /Target not found/);

      await detach(b.id, vol.id);
      assert.equal(sim.state.maps.filter((m) => m.path === lunPath).length, 0);
      ok(await call('DELETE', `/volumes/${vol.id}`), 202);
      assert.equal((await volumeStatus(vol.id, ['deleted', 'error_deleting'])).status, 'deleted');
      assert.deepEqual(sim.backingErrors, []);
    });

    test('one host attached twice (multi-attach): the first detach keeps the map, the last removes it', async () => {
      const host = { ...connector, initiator: `iqn.1993-08.org.debian:01:m-${randomUUID().slice(0, 8)}`, host: 'compute-m' };
      const vol = await createVolume({ size: 1, name: 'ontap-twice', multiattach: true });
      const lunPath = (await providerLocation(vol.id))!;
      const first = await attachFrom(vol.id, host);
      const second = await attachFrom(vol.id, host);
      assert.equal(sim.state.maps.filter((m) => m.path === lunPath).length, 1, 'one map serves both attachments');
      await detach(first.id, vol.id, ['in-use']);
      assert.equal(sim.state.maps.filter((m) => m.path === lunPath).length, 1, 'the second attachment still uses the map');
      assert.equal(await readCapacity(exec, { kind: 'iscsi', info: second.info, initiator: host.initiator }), GiB);
      await detach(second.id, vol.id);
      assert.equal(sim.state.maps.filter((m) => m.path === lunPath).length, 0);
      ok(await call('DELETE', `/volumes/${vol.id}`), 202);
      assert.equal((await volumeStatus(vol.id, ['deleted', 'error_deleting'])).status, 'deleted');
    });

    test('create, attach, write, snapshot, clone, extend, detach, read back, delete — nothing left', async () => {
      const data = randomBytes(4 * MiB);
      const dataFile: VolumeEndpoint = { kind: 'file', path: join(dir, 'data.raw'), format: 'raw' };
      writeFileSync(dataFile.path, data);

      const vol = await createVolume({ size: 1, name: 'ontap-src' });
      const pool = (vol['os-vol-host-attr:host'] as string).split('#')[1]!;
      const lunPath = `/vol/${pool}/volume-${vol.id}`;
      assert.equal(await providerLocation(vol.id), lunPath, 'provider_location names the LUN path');
      assert.equal(sim.state.luns.get(lunPath)?.sizeBytes, GiB);

      // Attach: the connection info names the simulator's tgtd portal and target.
      const a1 = await attach(vol.id);
      assert.equal(a1.info.driver_volume_type, 'iscsi');
      const d1 = a1.info.data as IscsiConnectionData;
      assert.equal(d1.target_portal, `${portalAddress}:3260`);
      assert.equal(d1.target_iqn, sim.state.nodeName);
      assert.deepEqual(sim.state.maps.filter((m) => m.path === lunPath).map((m) => m.lunId), [d1.target_lun]);
      assert.equal(d1.auth_method, 'CHAP');
      assert.equal(d1.auth_username, 'flintchap');
      assert.equal(d1.auth_password, sim.state.chap.get(initiator)?.password, 'the secret ONTAP holds for this initiator');
      const ep1: VolumeEndpoint = { kind: 'iscsi', info: a1.info, initiator };
      await copyData(exec, dataFile, ep1);
      assert.ok((await readHead(ep1, data.length, dir)).equals(data), 'the bytes read back through the attachment');
      // A wrong CHAP secret is refused; so is another initiator (not in the igroup).
      const wrong = { ...a1.info, data: { ...d1, auth_password: 'not-the-secret' } };
      await assert.rejects(readCapacity(exec, { ...ep1, info: wrong }), /Authentication failure/);
      await assert.rejects(readCapacity(exec, { ...ep1, initiator: `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}` }), /Target not found/);

      // Snapshot while in use (force), then a larger volume from it and a clone of the volume.
      const snapId = ok(await call('POST', '/snapshots', { snapshot: { volume_id: vol.id, name: 'ontap-snap', force: true } }), 202).snapshot.id as string;
      assert.equal((await snapshotStatus(snapId, ['available', 'error'])).status, 'available');
      const fromSnap = await createVolume({ size: 2, snapshot_id: snapId, name: 'ontap-from-snap' });
      const clone = await createVolume({ size: 1, source_volid: vol.id, name: 'ontap-clone' });
      for (const v of [fromSnap, clone]) {
        const loc = await providerLocation(v.id);
        assert.match(loc ?? '', new RegExp(`^/vol/vol[0-9]+/volume-${v.id}$`));
        assert.ok(sim.state.luns.has(loc!), `LUN ${loc} exists on the simulator`);
      }
      assert.equal(sim.state.luns.get((await providerLocation(fromSnap.id))!)?.sizeBytes, 2 * GiB);

      // Extend the clone (available) to 3 GiB.
      ok(await call('POST', `/volumes/${clone.id}/action`, { 'os-extend': { new_size: 3 } }), 202);
      const extended = await volumeStatus(clone.id, ['available', 'error_extending']);
      assert.equal(extended.status, 'available');
      assert.equal(extended.size, 3);
      assert.equal(sim.state.luns.get((await providerLocation(clone.id))!)?.sizeBytes, 3 * GiB);

      // Detach: the map is gone and this initiator, with no map left, is refused by tgtd (the
      // simulator's stand-in for igroups).
      await detach(a1.id, vol.id);
      assert.equal(sim.state.maps.filter((m) => m.path === lunPath).length, 0);
      await assert.rejects(readCapacity(exec, ep1), /Target not found/);

      // The clone and the volume from the snapshot hold the bytes written through the first attachment.
      for (const [v, sizeGiB] of [[clone, 3], [fromSnap, 2]] as const) {
        const a = await attach(v.id);
        const ep: VolumeEndpoint = { kind: 'iscsi', info: a.info, initiator };
        assert.ok((await readHead(ep, data.length, dir)).equals(data), `volume ${v.name} holds the written bytes`);
        assert.equal(await readCapacity(exec, ep), sizeGiB * GiB);
        await detach(a.id, v.id);
      }

      // Delete everything: the snapshot first (it backs nothing Flint still needs), then the volumes.
      ok(await call('DELETE', `/snapshots/${snapId}`), 202);
      assert.equal((await snapshotStatus(snapId, ['deleted', 'error_deleting'])).status, 'deleted');
      for (const v of [fromSnap, clone, vol]) ok(await call('DELETE', `/volumes/${v.id}`), 202);
      for (const v of [fromSnap, clone, vol]) assert.equal((await volumeStatus(v.id, ['deleted', 'error_deleting'])).status, 'deleted');

      assert.deepEqual([...sim.state.luns.keys()], [], 'no LUNs left on the simulator');
      assert.deepEqual(sim.state.maps, [], 'no LUN maps left on the simulator');
      assert.deepEqual(sim.backingErrors, []);
      for (const t of ['volumes', 'snapshots', 'attachments', 'volumeMetadata', 'snapshotMetadata', 'reservations'] as const) {
        const rows = await svc.db.kysely.selectFrom(t).selectAll().execute();
        assert.deepEqual(rows, [], `no ${t} rows left`);
      }
      const open = await svc.db.kysely.selectFrom('tasks').select(['kind', 'status', 'lastError']).where('status', '!=', 'done').execute();
      assert.deepEqual(open, [], 'every task finished and none failed');
      const usage = await svc.db.kysely.selectFrom('quotaUsages').selectAll().where('projectId', '=', PROJECT).execute();
      assert.ok(usage.every((u) => u.inUse === 0 && u.reserved === 0), JSON.stringify(usage));
      assert.deepEqual(ok(await call('GET', '/messages'), 200).messages, [], 'no user messages (nothing failed)');
    });
  });
}
