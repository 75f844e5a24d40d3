import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, BackendCapacityError } from '../../../errors/errors.js';
import { resolveOptions } from '../../../config/options.js';
import { COMMON_BACKEND_OPTIONS } from '../../../config/driver-options.js';
import { ONTAP_OPTIONS } from './ontap-options.js';
import { OntapIscsiDriver } from './ontap-iscsi-driver.js';
import { sameSize } from './ontap-block-library.js';
import { NaAuthError, NaHttpError } from './zapi/na-errors.js';
import type { DriverVolume, Connector, IscsiConnectionData } from '../../interface/objects.js';
import { OntapSimulator } from '../../../../test/sim/ontap/ontap-simulator.js';
import { driverContext, makeOntapDriver, simOptions, type OntapFlavour } from '../../../../test/sim/ontap/ontap-driver-fixture.js';

function volume(size = 1): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs: {}, metadata: {}, multiattach: false };
}
function connector(): Connector {
  return { initiator: `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 8)}`, host: 'h1', ip: '127.0.0.1' };
}
const withLoc = (v: DriverVolume, u: { providerLocation?: string | null } | void): DriverVolume => ({ ...v, providerLocation: u?.providerLocation ?? null });

/** The route names a fault must match for each flavour's LUN create and map. */
const CREATE_API: Record<OntapFlavour, string> = { 'cmode-zapi': 'lun-create-by-size', '7mode-zapi': 'lun-create-by-size', 'cmode-rest': 'POST /api/storage/luns' };
const MAP_API: Record<OntapFlavour, string> = { 'cmode-zapi': 'lun-map', '7mode-zapi': 'lun-map', 'cmode-rest': 'POST /api/protocols/san/lun-maps' };

describe('netapp_ontap set-up', () => {
  let sim: OntapSimulator;
  before(async () => {
    sim = await OntapSimulator.start();
  });
  after(() => sim.stop());

  for (const name of ['netapp_transport_type', 'netapp_login', 'netapp_password', 'netapp_server_hostname', 'netapp_server_port']) {
    test(`a missing ${name} fails set-up naming it`, async () => {
      const raw = simOptions(sim, 'cmode-zapi');
      delete raw[name];
      assert.throws(() => resolveOptions('ontap-a', raw, [...COMMON_BACKEND_OPTIONS, ...ONTAP_OPTIONS]), (e: unknown) => e instanceof ConfigError && e.message.includes(name) && e.message.includes('[ontap-a]'));
      // A driver handed unvalidated values checks too.
      const values = { ...resolveOptions('ontap-a', simOptions(sim, 'cmode-zapi'), [...COMMON_BACKEND_OPTIONS, ...ONTAP_OPTIONS]), [name]: null };
      const d = new OntapIscsiDriver(driverContext('ontap-a', values));
      await assert.rejects(d.doSetup(), (e: unknown) => e instanceof ConfigError && e.message.includes(`Missing required option ${name}`));
    });
  }

  test('cluster mode without netapp_vserver fails naming it; REST with 7-mode is refused', async () => {
    const d = makeOntapDriver(sim, 'cmode-zapi', { netapp_vserver: '' });
    await assert.rejects(d.doSetup(), /netapp_vserver/);
    const r = makeOntapDriver(sim, '7mode-zapi', { netapp_api: 'rest' });
    await assert.rejects(r.doSetup(), /netapp_api.*only available with netapp_family = ontap_cluster/);
  });

  test('a wrong password fails set-up with an authentication error that does not show it', async () => {
    const d = makeOntapDriver(sim, 'cmode-zapi', { netapp_password: 'wrong-Pa55' });
    await assert.rejects(d.doSetup(), (e: unknown) => e instanceof NaAuthError && /HTTP 401/.test(e.message) && !e.message.includes('wrong-Pa55'));
  });

  test('a pool pattern matching no FlexVol fails checkForSetupError naming the option', async () => {
    const d = makeOntapDriver(sim, 'cmode-zapi', { netapp_pool_name_search_pattern: 'nothing-.*' });
    await d.doSetup();
    await assert.rejects(d.checkForSetupError(), /netapp_pool_name_search_pattern/);
    await d.shutdown();
  });

  test('checkForSetupError fails while the iSCSI service has no target name, and passes once it has one', async () => {
    const name = sim.state.nodeName;
    sim.state.nodeName = '';
    const d = makeOntapDriver(sim, 'cmode-zapi');
    try {
      await d.doSetup();
      await assert.rejects(d.checkForSetupError(), /iSCSI service is not running/);
      sim.state.nodeName = name;
      await d.checkForSetupError();
    } finally {
      sim.state.nodeName = name;
      await d.shutdown();
    }
  });

  test('checkForSetupError discovers existing LUNs into the LUN table', async () => {
    sim.state.createLun('/vol/vol1/legacy-lun', 2 * 1024 ** 3, 'linux', true);
    const d = makeOntapDriver(sim, 'cmode-zapi');
    await d.doSetup();
    await d.checkForSetupError();
    const objs = await d.listBackendVolumes();
    const legacy = objs.find((o) => o.reference['source-name'] === '/vol/vol1/legacy-lun');
    assert.ok(legacy);
    assert.equal(legacy.sizeGiB, 2);
    assert.equal(legacy.safeToManage, true);
    await d.shutdown();
    sim.state.destroyLun('/vol/vol1/legacy-lun', true);
  });
});

for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
  describe(`netapp_ontap ${flavour}: faults and races`, () => {
    let sim: OntapSimulator;
    let d: OntapIscsiDriver;
    before(async () => {
      sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      d = makeOntapDriver(sim, flavour);
      await d.doSetup();
      await d.checkForSetupError();
    });
    after(async () => {
      sim.clearFaults();
      await d.shutdown();
      await sim.stop();
    });

    test('createVolume survives a dropped connection and EAPIERROR by retrying', async () => {
      sim.inject({ match: CREATE_API[flavour], kind: 'drop', times: 1 });
      sim.inject({ match: CREATE_API[flavour], kind: 'eapierror', times: 1 });
      const v = volume();
      const u = await d.createVolume(v);
      sim.clearFaults();
      assert.ok(sim.state.luns.has(u.providerLocation!));
      await d.deleteVolume(withLoc(v, u));
    });

    test('createVolume whose reply was lost finds its LUN on retry instead of failing as a duplicate', async () => {
      sim.inject({ match: CREATE_API[flavour], kind: 'drop-after', times: 1 });
      const v = volume(2);
      const u = await d.createVolume(v);
      sim.clearFaults();
      const lun = sim.state.luns.get(u.providerLocation!);
      // 7-mode has no use-exact-size: the LUN is ONTAP's actual size, a little over 2 GiB, and is adopted.
      assert.ok(lun && sameSize(lun.sizeBytes, 2 * 1024 ** 3), `size ${lun?.sizeBytes}`);
      assert.equal([...sim.state.luns.values()].filter((l) => l.name === v.name).length, 1);
      await d.deleteVolume(withLoc(v, u));
    });

    test('a slow reply past netapp_api_timeout is retried', async () => {
      sim.inject({ match: CREATE_API[flavour], kind: 'delay', delayMs: 1300, times: 1 });
      const v = volume();
      const u = await d.createVolume(v);
      sim.clearFaults();
      assert.ok(sim.state.luns.has(u.providerLocation!));
      await d.deleteVolume(withLoc(v, u));
    });

    test('a persistent 503 fails with a message naming the call and the attempts', async () => {
      sim.inject({ match: CREATE_API[flavour], kind: 'http503' });
      await assert.rejects(d.createVolume(volume()), (e: unknown) => e instanceof NaHttpError && e.status === 503 && /3 attempts/.test(e.message) && e.retryable);
      sim.clearFaults();
    });

    test('a volume no FlexVol can hold is a capacity error; a stale pool cache falls over to the next FlexVol', async () => {
      await assert.rejects(d.createVolume(volume(500)), BackendCapacityError);
      // Fill vol1 behind the driver's back: its cached free space is now wrong.
      const filler = sim.state.createLun('/vol/vol1/filler', sim.state.availableBytes('vol1') - 1024 ** 3, 'linux', true);
      const v = volume(5);
      const u = await d.createVolume(v);
      assert.match(u.providerLocation!, /^\/vol\/vol2\//);
      await d.deleteVolume(withLoc(v, u));
      sim.state.destroyLun(filler.path, true);
    });

    test('a revert that fails mid-swap leaves the volume with its own data and no temporary LUNs', async () => {
      const v = withLoc(volume(), await d.createVolume(volume()));
      const snap = { id: randomUUID(), name: `snapshot-${randomUUID()}`, volumeSize: 1, volume: v, providerLocation: null, providerId: null };
      const s = { ...snap, providerLocation: (await d.createSnapshot(snap)).providerLocation ?? null };
      const before = sim.state.luns.get(v.providerLocation!)!.uuid;
      const move = flavour === 'cmode-rest' ? 'PATCH /api/storage/luns' : 'lun-move';
      // The second rename (clone into the volume's name) fails on all three tries; the undo runs.
      sim.inject({ match: move, kind: 'http503', after: 1, times: 3 });
      await assert.rejects(d.revertToSnapshot(v, s), /HTTP 503/);
      sim.clearFaults();
      assert.equal(sim.state.luns.get(v.providerLocation!)?.uuid, before, 'the original LUN is back under its name');
      assert.deepEqual([...sim.state.luns.keys()].filter((p) => p.includes('-revert-')), []);
      // The system fails for good mid-swap (the undo fails too): the next revert repairs it first.
      sim.inject({ match: move, kind: 'http503', after: 1 });
      await assert.rejects(d.revertToSnapshot(v, s), /HTTP 503/);
      sim.clearFaults();
      assert.equal(sim.state.luns.get(v.providerLocation!), undefined, 'the volume was left renamed aside');
      // And a clean revert swaps in the snapshot's clone.
      await d.revertToSnapshot(v, s);
      assert.notEqual(sim.state.luns.get(v.providerLocation!)?.uuid, before);
      assert.deepEqual([...sim.state.luns.keys()].filter((p) => p.includes('-revert-')), []);
      await d.deleteSnapshot(s);
      await d.deleteVolume(v);
    });

    test('deleteVolume of a LUN already gone succeeds', async () => {
      const v = volume();
      const u = await d.createVolume(v);
      sim.state.destroyLun(u.providerLocation!, true);
      await d.deleteVolume(withLoc(v, u));
      await d.deleteVolume(withLoc(v, u));
    });

    test('a lun-map racing a second map of the same LUN returns the existing LUN id', async () => {
      const v = withLoc(volume(), await d.createVolume(volume()));
      const vol = { ...v, name: v.providerLocation!.split('/').pop()! };
      const c = connector();
      const [a, b] = await Promise.all([d.initializeConnection(vol, c), d.initializeConnection(vol, c)]);
      assert.equal((a.data as IscsiConnectionData).target_lun, (b.data as IscsiConnectionData).target_lun);
      const maps = sim.state.maps.filter((m) => m.path === vol.providerLocation);
      assert.equal(maps.length, 1, 'one map, one igroup');
      assert.equal([...sim.state.igroups.values()].filter((g) => g.initiators.includes(c.initiator as string)).length, 1);
      // A map made by someone else first (another Flint process) is found, not an error.
      const w = withLoc(volume(), await d.createVolume(volume()));
      sim.state.mapLun(w.providerLocation!, maps[0]!.igroup, 7);
      const info = await d.initializeConnection({ ...w, name: w.providerLocation!.split('/').pop()! }, c);
      assert.equal((info.data as IscsiConnectionData).target_lun, 7);
      await d.terminateConnection(vol, c);
      await d.terminateConnection(w, c);
      await d.deleteVolume(vol);
      await d.deleteVolume(w);
    });

    test('unmap of a LUN already unmapped succeeds; terminate with no connector unmaps everything', async () => {
      const v = withLoc(volume(), await d.createVolume(volume()));
      const c = connector();
      await d.initializeConnection(v, c);
      await d.terminateConnection(v, c);
      await d.terminateConnection(v, c);
      await d.initializeConnection(v, c);
      await d.initializeConnection(v, connector());
      assert.equal(sim.state.maps.filter((m) => m.path === v.providerLocation).length, 2);
      await d.terminateConnection(v, null);
      assert.equal(sim.state.maps.filter((m) => m.path === v.providerLocation).length, 0);
      await d.deleteVolume(v);
    });

    test('attach returns the target IQN and the first enabled portal; a deleted igroup is recreated', async () => {
      const v = withLoc(volume(), await d.createVolume(volume()));
      const c = connector();
      const info = await d.initializeConnection(v, c);
      assert.equal(info.driver_volume_type, 'iscsi');
      const data = info.data as IscsiConnectionData;
      assert.equal(data.target_iqn, sim.state.nodeName);
      assert.equal(data.target_portal, '127.0.0.1:3260', 'the disabled portal listed first is skipped');
      assert.equal(data.target_portals, undefined);
      // Cached portals are refreshed at stats time; then a multipath host sees both enabled ones.
      sim.state.portals.push({ address: '127.0.0.3', port: 3260, tpgt: 1002, enabled: true, interfaceName: 'lif3' });
      await d.getVolumeStats(true);
      const mp = (await d.initializeConnection(v, { ...c, multipath: true })).data as IscsiConnectionData;
      assert.deepEqual(mp.target_portals, ['127.0.0.1:3260', '127.0.0.3:3260']);
      assert.deepEqual(mp.target_luns, [mp.target_lun, mp.target_lun]);
      sim.state.portals.pop();
      await d.getVolumeStats(true);
      const igroup = sim.state.maps.find((m) => m.path === v.providerLocation)!.igroup;
      assert.match(igroup, /^openstack-/);
      // Someone deletes the igroup: the cached name is stale and must be replaced.
      sim.state.maps = sim.state.maps.filter((m) => m.igroup !== igroup);
      sim.state.destroyIgroup(igroup);
      await d.initializeConnection(v, c);
      const now = sim.state.maps.find((m) => m.path === v.providerLocation)!.igroup;
      assert.notEqual(now, igroup);
      assert.ok(sim.state.igroups.get(now)!.initiators.includes(c.initiator as string));
      await d.terminateConnection(v, c);
      await d.deleteVolume(v);
    });

    test('a warm attach costs one round trip (the map); target details come from the cache', async () => {
      const v = withLoc(volume(), await d.createVolume(volume()));
      const w = withLoc(volume(), await d.createVolume(volume()));
      const c = connector();
      await d.initializeConnection(v, c);
      sim.resetCalls();
      await d.initializeConnection(w, c);
      assert.equal(sim.callCount(), 1);
      assert.equal(sim.callCount(MAP_API[flavour]), 1);
      sim.resetCalls();
      await d.createVolume(volume());
      assert.equal(sim.callCount(), 1, 'create is one call: the pool choice uses cached capacity');
      for (const x of [v, w]) {
        await d.terminateConnection(x, c);
        await d.deleteVolume(x);
      }
    });
  });
}

describe('netapp_ontap under random faults', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: a volume life cycle completes with EAPIERROR on 20%, dropped requests and lost replies on 5% of calls`, async () => {
      const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      const d = makeOntapDriver(sim, flavour, { netapp_api_tries: '6', netapp_api_retry_backoff_ms: '1' });
      try {
        await d.doSetup();
        await d.checkForSetupError();
        sim.inject({ kind: 'eapierror', probability: 0.2 });
        sim.inject({ kind: 'drop', probability: 0.05 });
        sim.inject({ kind: 'drop-after', probability: 0.05 });
        const c = connector();
        for (let i = 0; i < 8; i++) {
          const v = withLoc(volume(), await d.createVolume(volume()));
          await d.initializeConnection(v, c);
          const snap = { id: randomUUID(), name: `snapshot-${randomUUID()}`, volumeSize: 1, volume: v, providerLocation: null, providerId: null };
          const s = { ...snap, providerLocation: (await d.createSnapshot(snap)).providerLocation ?? null };
          await d.extendVolume(v, 2);
          await d.terminateConnection(v, c);
          await d.deleteSnapshot(s);
          await d.deleteVolume(v);
        }
        const hits = sim.faultHits();
        sim.clearFaults();
        for (const kind of ['eapierror', 'drop', 'drop-after']) assert.ok((hits[kind] ?? 0) > 0, `${kind} faults were injected`);
        assert.equal(sim.state.luns.size, 0, 'nothing leaked');
        assert.equal(sim.state.maps.length, 0);
        assert.equal([...sim.state.igroups.values()].filter((g) => g.initiators.includes(c.initiator as string)).length, 1);
      } finally {
        await d.shutdown();
        await sim.stop();
      }
    });
  }
});

describe('netapp_ontap restart', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: after a restart a known host attaches with one call (igroups warmed at set-up)`, async () => {
      const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      const first = makeOntapDriver(sim, flavour);
      const second = makeOntapDriver(sim, flavour);
      try {
        await first.doSetup();
        await first.checkForSetupError();
        const c = connector();
        const v = withLoc(volume(), await first.createVolume(volume()));
        await first.initializeConnection(v, c);
        await first.shutdown();
        await second.doSetup();
        await second.checkForSetupError();
        const w = withLoc(volume(), await second.createVolume(volume()));
        sim.resetCalls();
        const info = await second.initializeConnection(w, c);
        assert.equal(sim.callCount(), 1, 'only the map');
        assert.equal((info.data as IscsiConnectionData).target_lun, 1, 'same igroup as before the restart: the next LUN id');
      } finally {
        await second.shutdown();
        await sim.stop();
      }
    });
  }
});

describe('netapp_ontap CHAP', () => {
  test('with use_chap_auth the initiator gets CHAP on the system and in the connection info', async () => {
    const sim = await OntapSimulator.start();
    const d = makeOntapDriver(sim, 'cmode-zapi', { use_chap_auth: 'true', chap_username: 'flintchap' });
    try {
      await d.doSetup();
      await d.checkForSetupError();
      const v = withLoc(volume(), await d.createVolume(volume()));
      const c = connector();
      const data = (await d.initializeConnection(v, c)).data as IscsiConnectionData;
      assert.equal(data.auth_method, 'CHAP');
      assert.equal(data.auth_username, 'flintchap');
      assert.equal(sim.state.chap.get(c.initiator as string)?.password, data.auth_password);
      // A second attach modifies the existing CHAP entry instead of failing on the duplicate.
      const again = (await d.initializeConnection(v, c)).data as IscsiConnectionData;
      assert.equal(sim.state.chap.get(c.initiator as string)?.password, again.auth_password);
    } finally {
      await d.shutdown();
      await sim.stop();
    }
  });
});

describe('netapp_ontap stats, QoS, pools and tunnelling', () => {
  test('stats report one pool per matching FlexVol with real capacity, thin/thick, QoS and the filter/goodness functions', async () => {
    const sim = await OntapSimulator.start();
    const d = makeOntapDriver(sim, 'cmode-zapi');
    try {
      await d.doSetup();
      await d.checkForSetupError();
      const v = volume(10);
      await d.createVolume({ ...v, host: 'test@ontap#vol1' });
      const stats = await d.getVolumeStats(true);
      assert.deepEqual(stats.pools.map((p) => p.poolName).sort(), ['vol1', 'vol2'], 'scratch does not match vol[0-9]+');
      const vol1 = stats.pools.find((p) => p.poolName === 'vol1')!;
      assert.deepEqual(vol1.capacity, { known: true, totalGiB: 100, freeGiB: 90 });
      assert.equal(vol1.provisionedCapacityGiB, 10);
      assert.equal(vol1.thickProvisioningSupport, true);
      assert.equal(vol1.qosSupport, true);
      assert.equal(vol1.capabilities.utilization, 10);
      assert.equal(vol1.filterFunction, 'capabilities.utilization < 70');
      assert.equal(vol1.goodnessFunction, '100 - capabilities.utilization');
      const vol2 = stats.pools.find((p) => p.poolName === 'vol2')!;
      assert.equal(vol2.thinProvisioningSupport, true, 'vol2 has no space guarantee');
      // Portals are re-read at stats time: a portal change reaches the next attach.
      sim.state.portals = [{ address: '127.0.0.9', port: 3261, tpgt: 7, enabled: true, interfaceName: 'lif9' }];
      await d.getVolumeStats(true);
      const info = await d.initializeConnection({ ...v, providerLocation: `/vol/vol1/${v.name}` }, connector());
      assert.equal((info.data as IscsiConnectionData).target_portal, '127.0.0.9:3261');
    } finally {
      await d.shutdown();
      await sim.stop();
    }
  });

  test('netapp_size_multiplier decides which FlexVol has room', async () => {
    const sim = await OntapSimulator.start();
    const strict = makeOntapDriver(sim, 'cmode-zapi');
    const loose = makeOntapDriver(sim, 'cmode-zapi', { netapp_size_multiplier: '1.0' });
    try {
      await strict.doSetup();
      await loose.doSetup();
      // 90 GiB × 1.2 = 108 GiB: more than vol1's 100 GiB, so no pool qualifies.
      await assert.rejects(strict.createVolume(volume(90)), (e: unknown) => e instanceof BackendCapacityError && /90 GiB × 1.2/.test(e.message));
      const u = await loose.createVolume(volume(90));
      assert.match(u.providerLocation!, /^\/vol\/vol1\//);
    } finally {
      await strict.shutdown();
      await loose.shutdown();
      await sim.stop();
    }
  });

  test('the netapp:qos_policy_group extra spec reaches the LUN in cluster mode and is refused in 7-mode', async () => {
    for (const flavour of ['cmode-zapi', 'cmode-rest'] as OntapFlavour[]) {
      const sim = await OntapSimulator.start();
      const d = makeOntapDriver(sim, flavour);
      try {
        await d.doSetup();
        const u = await d.createVolume({ ...volume(), extraSpecs: { 'netapp:qos_policy_group': 'gold' } });
        assert.equal(sim.state.luns.get(u.providerLocation!)?.qosPolicy, 'gold', flavour);
      } finally {
        await d.shutdown();
        await sim.stop();
      }
    }
    const sim = await OntapSimulator.start({ mode: '7mode' });
    const d = makeOntapDriver(sim, '7mode-zapi');
    try {
      await d.doSetup();
      await assert.rejects(d.createVolume({ ...volume(), extraSpecs: { 'netapp:qos_policy_group': 'gold' } }), /needs ONTAP cluster mode/);
    } finally {
      await d.shutdown();
      await sim.stop();
    }
  });

  test('7-mode tunnels into netapp_vfiler and honours netapp_volume_list; a wrong vFiler fails set-up', async () => {
    const sim = await OntapSimulator.start({ mode: '7mode', vfiler: 'vf1' });
    const d = makeOntapDriver(sim, '7mode-zapi', { netapp_vfiler: 'vf1', netapp_volume_list: 'vol2', netapp_pool_name_search_pattern: '.+' });
    const bad = makeOntapDriver(sim, '7mode-zapi', { netapp_vfiler: 'nope' });
    try {
      await d.doSetup();
      await d.checkForSetupError();
      const stats = await d.getVolumeStats(true);
      assert.deepEqual(stats.pools.map((p) => p.poolName), ['vol2']);
      assert.equal(stats.pools[0]!.qosSupport, false);
      const u = await d.createVolume(volume());
      assert.match(u.providerLocation!, /^\/vol\/vol2\//);
      await bad.doSetup();
      await assert.rejects(bad.checkForSetupError(), /vFiler nope does not exist/);
    } finally {
      await d.shutdown();
      await bad.shutdown();
      await sim.stop();
    }
  });
});

describe('netapp_ontap manage and HTTPS', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: manage by source-id (LUN UUID) and by bare LUN name renames the LUN to the volume's name`, async () => {
      const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      const d = makeOntapDriver(sim, flavour);
      try {
        await d.doSetup();
        await d.checkForSetupError();
        const a = sim.state.createLun('/vol/vol1/app-data', 3 * 1024 ** 3 + 1, 'linux', true);
        sim.state.createLun('/vol/vol2/other', 1024 ** 3, 'linux', false);
        const v = volume();
        assert.equal(await d.manageExistingGetSize(v, { 'source-id': a.uuid }), 4, 'sizes round up to whole GiB');
        const u = await d.manageExisting(v, { 'source-id': a.uuid });
        assert.equal(u.providerLocation, `/vol/vol1/${v.name}`);
        assert.equal(u.size, 4);
        assert.ok(sim.state.luns.has(`/vol/vol1/${v.name}`) && !sim.state.luns.has('/vol/vol1/app-data'));
        const w = volume();
        const u2 = await d.manageExisting(w, { 'source-name': 'other' });
        assert.equal(u2.providerLocation, `/vol/vol2/${w.name}`);
        await assert.rejects(d.manageExisting(volume(), {}), /source-name .* or source-id/);
        await assert.rejects(d.manageExistingGetSize(volume(), { 'source-id': randomUUID() }), /No LUN matches/);
        await d.unmanage(withLoc(v, u));
        assert.ok(sim.state.luns.has(`/vol/vol1/${v.name}`), 'unmanage leaves the LUN');
      } finally {
        await d.shutdown();
        await sim.stop();
      }
    });
  }

  test('HTTPS: an untrusted filer certificate fails set-up; netapp_ca_cert makes it work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ontap-drv-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const sim = await OntapSimulator.start({ tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') } });
    const untrusted = makeOntapDriver(sim, 'cmode-rest', { netapp_transport_type: 'https' });
    const trusted = makeOntapDriver(sim, 'cmode-zapi', { netapp_transport_type: 'https', netapp_ca_cert: join(dir, 'cert.pem') });
    const missing = makeOntapDriver(sim, 'cmode-zapi', { netapp_transport_type: 'https', netapp_ca_cert: join(dir, 'absent.pem') });
    try {
      await assert.rejects(untrusted.doSetup(), /TLS verification failed/);
      await trusted.doSetup();
      await trusted.checkForSetupError();
      await assert.rejects(missing.doSetup(), (e: unknown) => e instanceof ConfigError && /netapp_ca_cert/.test(e.message));
    } finally {
      await untrusted.shutdown();
      await trusted.shutdown();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('netapp_ontap igroup reuse', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: an existing openstack- igroup of the right OS type (iscsi or mixed) is reused; others are not`, async () => {
      const sim = await OntapSimulator.start({ mode: flavour === '7mode-zapi' ? '7mode' : 'cmode' });
      const d = makeOntapDriver(sim, flavour);
      try {
        await d.doSetup();
        const v = withLoc(volume(), await d.createVolume(volume()));
        const c1 = connector();
        sim.state.createIgroup('openstack-legacy', 'mixed', 'linux');
        sim.state.addInitiator('openstack-legacy', c1.initiator as string);
        await d.initializeConnection(v, c1);
        assert.deepEqual(sim.state.maps.map((m) => m.igroup), ['openstack-legacy']);
        const c2 = connector();
        sim.state.createIgroup('openstack-windows', 'iscsi', 'windows');
        sim.state.addInitiator('openstack-windows', c2.initiator as string);
        sim.state.createIgroup('hand-made', 'iscsi', 'linux');
        sim.state.addInitiator('hand-made', c2.initiator as string);
        await d.initializeConnection(v, c2);
        const made = sim.state.maps.map((m) => m.igroup).find((g) => g !== 'openstack-legacy')!;
        assert.match(made, /^openstack-[0-9a-f-]{36}$/);
        assert.equal(sim.state.igroups.get(made)!.ostype, 'linux');
        assert.equal(sim.state.igroups.get(made)!.type, 'iscsi');
      } finally {
        await d.shutdown();
        await sim.stop();
      }
    });
  }
});
