// The driver speaks ONTAP as ONTAP answers (test/sim/ontap/FACTS.md): CHAP calls, LUN create
// options and actual sizes, pool filters and capacity, 7-mode clone errors and reservations,
// portals, and what clones carry over (QoS, space allocation, qtree paths).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DriverSnapshot, DriverVolume, IscsiConnectionData } from '../../interface/objects.js';
import { OntapSimulator, type OntapSimulatorOptions } from '../../../../test/sim/ontap/ontap-simulator.js';
import { CYLINDER_BYTES } from '../../../../test/sim/ontap/ontap-state.js';
import { makeOntapDriver, type OntapFlavour } from '../../../../test/sim/ontap/ontap-driver-fixture.js';
import type { OntapIscsiDriver } from './ontap-iscsi-driver.js';
import { NaApiError } from './zapi/na-errors.js';
import { logger } from '../../../util/logger.js';

const quiet = logger.child({}, { level: 'silent' });
const GiB = 1024 ** 3;

function volume(size = 1, extraSpecs: Record<string, string> = {}): DriverVolume {
  const id = randomUUID();
  return { id, name: `volume-${id}`, size, host: null, providerLocation: null, providerAuth: null, providerId: null, volumeTypeId: null, extraSpecs, metadata: {}, multiattach: false };
}
function snapshot(v: DriverVolume): DriverSnapshot {
  const id = randomUUID();
  return { id, name: `snapshot-${id}`, volumeSize: v.size, volume: v, providerLocation: null, providerId: null } as DriverSnapshot;
}
const connector = () => ({ initiator: `iqn.1993-08.org.debian:01:${randomUUID().slice(0, 12)}`, host: 'h1' });
const modeOf = (f: OntapFlavour) => (f === '7mode-zapi' ? '7mode' : 'cmode') as 'cmode' | '7mode';

async function withDriver(flavour: OntapFlavour, fn: (d: OntapIscsiDriver, sim: OntapSimulator) => Promise<void>, extra: Record<string, string> = {}, simOpts: OntapSimulatorOptions = {}): Promise<void> {
  const sim = await OntapSimulator.start({ mode: modeOf(flavour), ...simOpts });
  const d = makeOntapDriver(sim, flavour, extra, 'ontap', quiet);
  try {
    await d.doSetup();
    await d.checkForSetupError();
    await fn(d, sim);
  } finally {
    await d.shutdown();
    await sim.stop();
  }
}
const created = async (d: OntapIscsiDriver, v: DriverVolume): Promise<DriverVolume> => ({ ...v, providerLocation: (await d.createVolume(v)).providerLocation ?? null });

describe('netapp_ontap CHAP calls', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: CHAP state is read first; a second attach changes the entry with the family's call`, async () => {
      await withDriver(flavour, async (d, sim) => {
        const v = await created(d, volume());
        const c = connector();
        await d.initializeConnection(v, c);
        sim.resetCalls();
        const again = (await d.initializeConnection(v, c)).data as IscsiConnectionData;
        assert.equal(sim.state.chap.get(c.initiator)?.password, again.auth_password);
        const calls = Object.fromEntries(sim.calls);
        if (flavour === 'cmode-rest') {
          assert.equal(calls['GET /api/protocols/san/iscsi/credentials'], 1);
          assert.equal(calls['PATCH /api/protocols/san/iscsi/credentials'], 1);
          assert.equal(calls['POST /api/protocols/san/iscsi/credentials'], undefined);
        } else {
          assert.equal(calls['iscsi-initiator-get-auth'], 1);
          assert.equal(calls['iscsi-initiator-modify-auth'], undefined, 'no such ZAPI call');
          if (flavour === 'cmode-zapi') assert.equal(calls['iscsi-initiator-modify-chap-params'], 1);
          else assert.deepEqual([calls['iscsi-initiator-delete-auth'], calls['iscsi-initiator-add-auth']], [1, 1]);
        }
      }, { use_chap_auth: 'true', chap_username: 'flintchap' });
    });
  }
});

describe('netapp_ontap LUN create options and actual size', () => {
  test('cluster ZAPI (ONTAPI 1.180) sends use-exact-size and space allocation; discard follows it; adaptive QoS', async () => {
    await withDriver('cmode-zapi', async (d, sim) => {
      const v = await created(d, volume(1, { 'netapp:space_allocation': 'true', 'netapp:qos_adaptive_policy_group': 'adaptive-extreme' }));
      const lun = sim.state.luns.get(v.providerLocation!)!;
      assert.equal(lun.sizeBytes, GiB, 'exact size');
      assert.equal(lun.spaceAllocation, true);
      assert.deepEqual([lun.qosPolicy, lun.qosAdaptive], ['adaptive-extreme', true]);
      assert.equal(((await d.initializeConnection(v, connector())).data as IscsiConnectionData).discard, true);
      const plain = await created(d, volume());
      assert.equal(((await d.initializeConnection(plain, connector())).data as IscsiConnectionData).discard, undefined);
    });
  });

  test('before ONTAPI 1.110 no use-exact-size is sent; the rounded actual size is kept and extending to the same GiB is a no-op', async () => {
    const sim = await OntapSimulator.start({ mode: 'cmode' });
    sim.state.version.minor = 100;
    const d = makeOntapDriver(sim, 'cmode-zapi', {}, 'ontap', quiet);
    try {
      await d.doSetup();
      await d.checkForSetupError();
      const v = await created(d, volume(1));
      const lun = sim.state.luns.get(v.providerLocation!)!;
      assert.equal(lun.sizeBytes, Math.ceil(GiB / CYLINDER_BYTES) * CYLINDER_BYTES, 'ONTAP rounded the size up to whole cylinders');
      // The create is retried after a lost reply: the LUN of the actual size is adopted.
      assert.deepEqual(await d.createVolume(v), { providerLocation: v.providerLocation });
      sim.resetCalls();
      await d.extendVolume(v, 1);
      assert.equal(sim.callCount('lun-resize'), 0, 'already that size');
      const listed = (await d.listBackendVolumes()).find((b) => JSON.stringify(b.reference).includes(v.name));
      assert.equal(listed?.sizeGiB, 1, 'listed as the 1 GiB it was created as');
    } finally {
      await d.shutdown();
      await sim.stop();
    }
  });

  test('REST: extending a volume to the size it has does not fail (1254226 is size unchanged)', async () => {
    await withDriver('cmode-rest', async (d, sim) => {
      const v = await created(d, volume(2));
      // Another Flint process already grew the LUN: this one's table still says 2 GiB.
      sim.state.resizeLun(v.providerLocation!, 3 * GiB);
      await d.extendVolume(v, 3);
      assert.equal(sim.state.luns.get(v.providerLocation!)!.sizeBytes, 3 * GiB);
    });
  });
});

describe('netapp_ontap pools', () => {
  for (const flavour of ['cmode-zapi', '7mode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: the root volume, inconsistent, invalid, non-rw and offline FlexVols are no pools; capacity is the size less the snapshot reserve`, async () => {
      const sim = await OntapSimulator.start({ mode: modeOf(flavour), volumes: [{ name: 'vol1', sizeGiB: 100 }] });
      sim.state.volumes.get('vol1')!.snapshotReservePercent = 5;
      sim.state.addVolume('vol2', 10, 'volume', 'aggr1', { inconsistent: true });
      // REST has no "invalid" filter (Cinder sends none); ZAPI does.
      if (flavour !== 'cmode-rest') sim.state.addVolume('vol3', 10, 'volume', 'aggr1', { invalid: true });
      sim.state.addVolume('vol4', 10, 'volume', 'aggr1', { state: 'offline' });
      if (flavour !== '7mode-zapi') sim.state.addVolume('vol5', 10, 'volume', 'aggr1', { type: 'dp' });
      // Pattern '(.+)' would take the root volume (vol0 / svm1_root) too.
      const d = makeOntapDriver(sim, flavour, { netapp_pool_name_search_pattern: '(.+)' }, 'ontap', quiet);
      try {
        await d.doSetup();
        await d.checkForSetupError();
        const stats = await d.getVolumeStats(true);
        assert.deepEqual(stats.pools.map((p) => p.poolName), ['vol1']);
        assert.deepEqual(stats.pools[0]!.capacity, { known: true, totalGiB: 95, freeGiB: 95 });
      } finally {
        await d.shutdown();
        await sim.stop();
      }
    });
  }
});

describe('netapp_ontap 7-mode clones', () => {
  test('a failed clone raises the clone job\'s own errno and reason', async () => {
    await withDriver('7mode-zapi', async (d, sim) => {
      const v = await created(d, volume());
      sim.failNextClone('14956', 'Clone operation failed: FlexClone not licensed');
      await assert.rejects(d.createSnapshot(snapshot(v)), (e: unknown) => e instanceof NaApiError && e.errno === '14956' && /not licensed/.test(e.message));
    });
  });

  test('the clone gets the space reservation asked for, whatever its source has', async () => {
    await withDriver('7mode-zapi', async (d, sim) => {
      const v = await created(d, volume());
      assert.equal(sim.state.luns.get(v.providerLocation!)!.spaceReserved, true, 'thick by default');
      const s = snapshot(v);
      const sloc = (await d.createSnapshot(s)).providerLocation!;
      assert.equal(sim.state.luns.get(sloc)!.spaceReserved, false, 'snapshot LUNs are thin');
      const fromSnap = volume();
      const loc = (await d.createVolumeFromSnapshot(fromSnap, { ...s, providerLocation: sloc })).providerLocation!;
      assert.equal(sim.state.luns.get(loc)!.spaceReserved, true, 'a volume made from a thin snapshot LUN is thick again');
    });
  });
});

describe('netapp_ontap portals', () => {
  for (const flavour of ['cmode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: several portals are all returned without multipath; with none enabled every portal is used`, async () => {
      await withDriver(flavour, async (d, sim) => {
        sim.state.portals = [
          { address: '127.0.0.1', port: 3260, tpgt: 1000, enabled: true, interfaceName: 'lif1' },
          { address: '127.0.0.3', port: 3260, tpgt: 1001, enabled: true, interfaceName: 'lif2' },
        ];
        await d.getVolumeStats(true);
        const v = await created(d, volume());
        const data = (await d.initializeConnection(v, connector())).data as IscsiConnectionData;
        assert.deepEqual(data.target_portals, ['127.0.0.1:3260', '127.0.0.3:3260']);
        assert.deepEqual(data.target_luns, [data.target_lun, data.target_lun]);
        assert.deepEqual(data.target_iqns, [sim.state.nodeName, sim.state.nodeName]);
        for (const p of sim.state.portals) p.enabled = false;
        await d.getVolumeStats(true);
        const down = (await d.initializeConnection(v, connector())).data as IscsiConnectionData;
        assert.equal(down.target_portal, '127.0.0.1:3260');
        assert.equal(down.target_portals?.length, 2);
      });
    });
  }
});

describe('netapp_ontap clones carry their source over', () => {
  for (const flavour of ['cmode-zapi', 'cmode-rest'] as OntapFlavour[]) {
    test(`${flavour}: a clone keeps the source's QoS policy group and space allocation; a snapshot LUN joins no group`, async () => {
      await withDriver(flavour, async (d, sim) => {
        const v = await created(d, volume(1, { 'netapp:qos_policy_group': 'gold', 'netapp:space_allocation': 'true' }));
        const clone = volume();
        const cloc = (await d.createClonedVolume(clone, v)).providerLocation!;
        assert.equal(sim.state.luns.get(cloc)!.qosPolicy, 'gold');
        assert.equal(((await d.initializeConnection({ ...clone, providerLocation: cloc }, connector())).data as IscsiConnectionData).discard, true);
        const s = snapshot(v);
        const sloc = (await d.createSnapshot(s)).providerLocation!;
        assert.equal(sim.state.luns.get(sloc)!.qosPolicy, undefined);
        const fromSnap = volume();
        const floc = (await d.createVolumeFromSnapshot(fromSnap, { ...s, providerLocation: sloc })).providerLocation!;
        assert.equal(sim.state.luns.get(floc)!.qosPolicy, 'gold', 'the volume from a snapshot joins its origin\'s group');
      });
    });

    test(`${flavour}: a LUN inside a qtree is snapshotted and cloned inside that qtree`, async () => {
      await withDriver(flavour, async (d, sim) => {
        const v = volume();
        const path = `/vol/vol1/q1/${v.name}`;
        sim.state.createLun(path, GiB, 'linux', true);
        const vol = { ...v, providerLocation: path };
        const sloc = (await d.createSnapshot(snapshot(vol))).providerLocation!;
        assert.match(sloc, /^\/vol\/vol1\/q1\/snapshot-/);
        assert.ok(sim.state.luns.has(sloc), 'the snapshot LUN is where the driver recorded it');
        const cloc = (await d.createClonedVolume(volume(), vol)).providerLocation!;
        assert.match(cloc, /^\/vol\/vol1\/q1\/volume-/);
        assert.ok(sim.state.luns.has(cloc));
      });
    });
  }
});
