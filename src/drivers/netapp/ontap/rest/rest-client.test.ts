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
    for (let i = 0; i < 5; i++) await c.createLun({ path: `/vol/vol1/r${i}`, volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: false });
    sim.resetCalls();
    const luns = await c.listLuns('vol1');
    assert.deepEqual(luns.map((l) => l.name).sort(), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.equal(sim.callCount('GET /api/storage/luns'), 3, 'five records at two per page');
    assert.equal(luns[0]!.sizeBytes, 64 * 1024 * 1024);
    assert.equal(luns[0]!.spaceReserved, false);
  });

  test('REST error codes become the ZAPI errnos the library reacts to', async () => {
    const lun = { path: '/vol/vol1/dup', volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: true };
    await c.createLun(lun);
    await assert.rejects(c.createLun(lun), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_VDISK_EXISTS && /REST code 5374863/.test(e.message));
    await assert.rejects(c.createLun({ ...lun, path: '/vol/vol1/huge', sizeBytes: 1024 ** 4 }), (e: unknown) => e instanceof NaApiError && e.errno === Z.ENOSPACE);
    await assert.rejects(c.mapLun('/vol/vol1/dup', 'no-such-igroup'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_NO_SUCH_INITGROUP);
    await c.createIgroup('openstack-x', 'iscsi', 'linux', ['iqn.1993-08.org.debian:01:abc']);
    assert.equal(await c.mapLun('/vol/vol1/dup', 'openstack-x'), 0);
    await assert.rejects(c.mapLun('/vol/vol1/dup', 'openstack-x'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_INITGROUP_HAS_NODE);
    await c.unmapLun('/vol/vol1/dup', 'openstack-x');
    await assert.rejects(c.unmapLun('/vol/vol1/dup', 'openstack-x'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_NO_SUCH_LUNMAP);
    await assert.rejects(c.destroyLun('/vol/vol1/gone'), (e: unknown) => e instanceof NaApiError && e.errno === Z.EVDISK_ERROR_NO_SUCH_VDISK);
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
      const lun = { path: '/vol/vol1/j1', volume: 'vol1', sizeBytes: 64 * 1024 * 1024, osType: 'linux', spaceReserved: true };
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
