import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OntapRestClient } from './rest-client.js';
import { NaApiError, NaAuthError } from '../zapi/na-errors.js';
import * as Z from '../zapi/na-errors.js';
import { OntapSimulator } from '../../../../../test/sim/ontap/ontap-simulator.js';

describe('OntapRestClient against the simulator', () => {
  let sim: OntapSimulator;
  let c: OntapRestClient;
  before(async () => {
    sim = await OntapSimulator.start({ mode: 'cmode', restPageSize: 2 });
    c = new OntapRestClient({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password, vserver: 'svm1', backoffMs: 1 });
  });
  after(async () => {
    c.close();
    await sim.stop();
  });

  test('reads the cluster version', async () => {
    assert.equal(await c.connect(), '9.8.0');
  });

  test('collections are followed through _links.next to the end', async () => {
    for (let i = 0; i < 5; i++) await c.createLun({ path: `/vol/vol1/r${i}`, volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: false, spaceAllocation: i === 0 });
    sim.resetCalls();
    const luns = await c.listLuns('vol1');
    assert.deepEqual(luns.map((l) => l.name).sort(), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.equal(sim.callCount('GET /api/storage/luns'), 3, 'five records at two per page');
    assert.equal(luns[0]!.sizeBytes, 64 * 1024 * 1024);
    assert.equal(luns[0]!.spaceReserved, false);
    assert.deepEqual(luns.filter((l) => l.spaceAllocation).map((l) => l.name), ['r0'], 'space.scsi_thin_provisioning_support_enabled is sent and read back');
  });

  test('REST error codes (ONTAP codes, per endpoint) become the ZAPI errnos the library reacts to', async () => {
    const lun = { path: '/vol/vol1/dup', volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: true, spaceAllocation: false };
    const rejects = (p: Promise<unknown>, errno: string, code: string) =>
      assert.rejects(p, (e: unknown) => e instanceof NaApiError && e.errno === errno && e.message.includes(`REST code ${code}`));
    await c.createLun(lun);
    await rejects(c.createLun(lun), Z.EVDISK_ERROR_VDISK_EXISTS, '5374242');
    await rejects(c.createLun({ ...lun, path: '/vol/vol1/tiny', sizeBytes: 1024 }), Z.EVDISK_ERROR_SIZE_TOO_SMALL, '5374124');
    await rejects(c.createLun({ ...lun, path: '/vol/vol1/vast', sizeBytes: 64 * 1024 ** 4 }), Z.EVDISK_ERROR_SIZE_TOO_LARGE, '5374125');
    // Extending to the size it has is ONTAP's 1254226 (size unchanged); shrinking is refused over REST.
    await rejects(c.resizeLun('/vol/vol1/dup', 64 * 1024 * 1024), Z.EVDISK_ERROR_SIZE_UNCHANGED, '1254226');
    await assert.rejects(c.resizeLun('/vol/vol1/dup', 32 * 1024 * 1024), (e: unknown) => e instanceof NaApiError && e.errno === '5374892');
    await c.createLun({ ...lun, path: '/vol/vol1/other' });
    await rejects(c.moveLun('/vol/vol1/other', '/vol/vol1/dup'), Z.EVDISK_ERROR_VDISK_EXISTS, '1254196');
    await rejects(c.cloneLun('vol1', '/vol/vol1/other', '/vol/vol1/dup', { spaceReserved: false }), Z.EVDISK_ERROR_VDISK_EXISTS, '1260136');
    await assert.rejects(c.cloneLun('vol1', '/vol/vol1/other', '/vol/vol2/x', { spaceReserved: false }), (e: unknown) => e instanceof NaApiError && e.errno === '1260121');
    await rejects(c.mapLun('/vol/vol1/dup', 'no-such-igroup'), Z.EVDISK_ERROR_NO_SUCH_INITGROUP, '5374852');
    await c.createIgroup('openstack-x', 'iscsi', 'linux', ['iqn.1993-08.org.debian:01:abc']);
    await rejects(c.createIgroup('openstack-x', 'iscsi', 'linux', []), Z.EVDISK_ERROR_INITGROUP_EXISTS, '5374023');
    await rejects(c.createIgroup('openstack-bad', 'iscsi', 'linux', ['not-an-iqn']), Z.EVDISK_ERROR_INVALID_ISCSI_NAME, '5374039');
    await rejects(c.mapLun('/vol/vol1/none', 'openstack-x'), Z.EVDISK_ERROR_NO_SUCH_VDISK, '1254201');
    assert.equal(await c.mapLun('/vol/vol1/dup', 'openstack-x'), 0);
    // Already mapped is ZAPI's 9023 (INITGROUP_HAS_VDISK), not 9008 (igroup already has the initiator).
    await rejects(c.mapLun('/vol/vol1/dup', 'openstack-x'), Z.EVDISK_ERROR_INITGROUP_HAS_VDISK, '1254207');
    const g = sim.state.igroups.get('openstack-x')!;
    await rejects(c.send('POST', `/api/protocols/san/igroups/${g.uuid}/initiators`, { name: 'iqn.1993-08.org.debian:01:abc' }), Z.EVDISK_ERROR_INITGROUP_HAS_NODE, '5374035');
    await rejects(c.send('DELETE', `/api/protocols/san/igroups/${g.uuid}`), Z.EVDISK_ERROR_INITGROUP_MAPS_EXIST, '1254213');
    await rejects(c.send('DELETE', `/api/storage/luns?name=${encodeURIComponent('/vol/vol1/dup')}`), Z.EVDISK_ERROR_VDISK_EXPORTED, '1254197');
    await rejects(c.send('DELETE', `/api/storage/luns/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`), Z.EVDISK_ERROR_NO_SUCH_VDISK, '5374875');
    await rejects(c.send('PATCH', `/api/storage/luns/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, { space: { size: 1 } }), Z.EVDISK_ERROR_NO_SUCH_VDISK, '5374876');
    const lunUuid = sim.state.luns.get('/vol/vol1/dup')!.uuid;
    await rejects(c.send('DELETE', `/api/protocols/san/lun-maps/${lunUuid}/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`), Z.EVDISK_ERROR_NO_SUCH_INITGROUP, '5374878');
    await c.unmapLun('/vol/vol1/dup', 'openstack-x');
    await assert.rejects(c.unmapLun('/vol/vol1/dup', 'openstack-x'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_NO_SUCH_LUNMAP);
    await assert.rejects(c.destroyLun('/vol/vol1/gone'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_NO_SUCH_VDISK);
    // No code of the LUN tables means "out of space": the simulator's answer maps to no errno the library keys on.
    await assert.rejects(c.createLun({ ...lun, path: '/vol/vol1/huge', sizeBytes: 1024 ** 4 }), (e: unknown) => e instanceof NaApiError && !['13062', '5374868'].includes(e.errno));
  });

  test('a duplicate CHAP credential (5374142) is read first and changed, not added twice', async () => {
    const ini = 'iqn.1993-08.org.debian:01:chap-rest';
    await c.setChap(ini, 'u1', 'secret-one-1234');
    sim.resetCalls();
    await c.setChap(ini, 'u1', 'secret-two-1234');
    assert.equal(sim.state.chap.get(ini)?.password, 'secret-two-1234');
    assert.equal(sim.callCount('GET /api/protocols/san/iscsi/credentials'), 1, 'read before deciding');
    assert.equal(sim.callCount('POST /api/protocols/san/iscsi/credentials'), 0);
    await assert.rejects(c.send('POST', '/api/protocols/san/iscsi/credentials', { initiator: ini, authentication_type: 'chap', chap: { inbound: { user: 'u', password: 'p' } } }),
      (e: unknown) => e instanceof NaApiError && e.errno === Z.EDUPLICATEENTRY && e.message.includes('5374142'));
  });

  test('SVM-scoped calls carry X-Dot-SVM-Name; only the cluster call goes without', async () => {
    sim.restCallsWithoutSvm.clear();
    await c.connect();
    await c.listFlexVols();
    await c.listLuns();
    await c.getIscsiPortals();
    assert.deepEqual([...sim.restCallsWithoutSvm.keys()], ['GET /api/cluster']);
  });

  test('pools: rw flex volumes only, not the SVM root, consistent, online; capacity is afs_total and available', async () => {
    sim.state.addVolume('vol7', 10, 'volume', 'aggr1', { snapshotReservePercent: 20 });
    sim.state.addVolume('vol8', 10, 'volume', 'aggr1', { type: 'dp' });
    sim.state.addVolume('vol9', 10, 'volume', 'aggr1', { inconsistent: true });
    sim.state.addVolume('vol10', 10, 'volume', 'aggr1', { state: 'offline' });
    sim.state.addVolume('fg1', 10, 'volume', 'aggr1', { style: 'flexgroup' });
    try {
      const vols = await c.listFlexVols();
      const names = vols.map((v) => v.name).sort();
      assert.deepEqual(names, ['fg1', 'scratch', 'vol1', 'vol2', 'vol7'], 'no svm1_root, dp, inconsistent or offline volume');
      const v7 = vols.find((v) => v.name === 'vol7')!;
      assert.equal(v7.totalBytes, 8 * 1024 ** 3, 'size less the 20% snapshot reserve');
      assert.equal(v7.availableBytes, 8 * 1024 ** 3);
    } finally {
      for (const n of ['vol7', 'vol8', 'vol9', 'vol10', 'fg1']) sim.state.volumes.delete(n);
    }
  });

  test('no portal group tag is invented: REST reports none', async () => {
    const portals = await c.getIscsiPortals();
    assert.ok(portals.length > 0);
    assert.ok(portals.every((p) => p.tpgt === null));
  });

  test('igroups are created with their initiators in one call and found by initiator', async () => {
    sim.resetCalls();
    await c.createIgroup('openstack-y', 'iscsi', 'linux', ['iqn.1993-08.org.debian:01:yyy']);
    assert.equal(sim.callCount(), 1);
    const found = await c.findIgroupsForInitiator('iqn.1993-08.org.debian:01:yyy');
    assert.deepEqual(found, [{ name: 'openstack-y', type: 'iscsi', osType: 'linux', initiators: ['iqn.1993-08.org.debian:01:yyy'] }]);
  });

  test('a wrong password is NaAuthError', async () => {
    const bad = new OntapRestClient({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: 'nope', vserver: 'svm1' });
    await assert.rejects(bad.connect(), NaAuthError);
    bad.close();
  });

  test('an SVM that does not exist is refused', async () => {
    const other = new OntapRestClient({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password, vserver: 'nosvm' });
    await assert.rejects(other.listLuns(), (e: unknown) => e instanceof NaApiError && e.errno === '2621462');
    other.close();
  });
});

describe('OntapRestClient with async LUN jobs', () => {
  test('a 202 job is polled to success; a failed job raises the translated error', async () => {
    const sim = await OntapSimulator.start({ mode: 'cmode', restAsyncJobs: true });
    const c = new OntapRestClient({ host: '127.0.0.1', port: sim.port, transportType: 'http', username: sim.username, password: sim.password, vserver: 'svm1' });
    try {
      const lun = { path: '/vol/vol1/j1', volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: true, spaceAllocation: false };
      await c.createLun(lun);
      assert.ok(sim.state.luns.has('/vol/vol1/j1'));
      assert.ok(sim.callCount('GET /api/cluster/jobs/{uuid}') >= 2, 'the job reported running first, so it was polled again');
      await assert.rejects(c.createLun(lun), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_VDISK_EXISTS && /job /.test(e.message));
    } finally {
      c.close();
      await sim.stop();
    }
  });
});
