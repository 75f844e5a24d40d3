// Placement through the real service over HTTP: two fake backends with different capacity,
// capabilities, filter_function and goodness_function; volume types made through the API;
// each volume lands where its type's extra specs and the goodness function send it, an
// unsatisfiable type ends in error with a message naming each filter and pool, and
// schedule-explain gives per-pool verdicts. On SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeBackendStore } from '../../src/drivers/fake/fake-backend-store.js';
import { apiCall, type Reply } from '../support/http.js';
import { DB_KINDS, startTestService, waitUntil, type TestService } from '../support/test-service.js';

const PROJECT = 'placement';


for (const kind of DB_KINDS) {
  describe(`scheduler placement (${kind})`, () => {
    let svc: TestService;
    // FakeBackendStore is per process and keyed by backend name: one set of names per run.
    const gold = `gold${kind[0]}`;
    const bulk = `bulk${kind[0]}`;
    let base = '';
    let host = '';

    // 3.5: message filters (resource_uuid) need it.
    const call = (method: string, path: string, body?: unknown): Promise<Reply> => apiCall(base, PROJECT, method, path, body, '3.5');

    const createType = async (name: string, specs: Record<string, string>): Promise<string> => {
      const t = await call('POST', '/types', { volume_type: { name } });
      assert.equal(t.status, 200, JSON.stringify(t.json));
      const s = await call('POST', `/types/${t.json.volume_type.id}/extra_specs`, { extra_specs: specs });
      assert.equal(s.status, 200, JSON.stringify(s.json));
      assert.deepEqual(s.json.extra_specs, specs);
      return t.json.volume_type.id as string;
    };

    /** Create a volume over HTTP and wait for its end; returns the detail view. */
    const createVolume = async (body: Record<string, unknown>): Promise<any> => {
      const r = await call('POST', '/volumes', { volume: body });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      return waitUntil(async () => {
        const g = await call('GET', `/volumes/${r.json.volume.id}`);
        return ['available', 'error'].includes(g.json.volume.status) ? g.json.volume : undefined;
      }, 15_000, 50);
    };

    const messageFor = async (volumeId: string): Promise<string> => {
      const m = await call('GET', `/messages?resource_uuid=${volumeId}`);
      assert.equal(m.status, 200);
      assert.equal(m.json.messages.length, 1, JSON.stringify(m.json));
      return m.json.messages[0].user_message as string;
    };

    before(async () => {
      for (const n of [gold, bulk]) FakeBackendStore.reset(n);
      svc = await startTestService({
        db: kind,
        // The goodness rating decides between gold's two equal pools; with the default
        // multiplier the capacity weigher's preference for the emptier pool would cancel it.
        defaults: { goodness_weight_multiplier: 5 },
        backends: {
          // Small, thick, iSCSI, two pools; takes only volumes of up to 10 GiB; prefers fast2.
          [gold]: {
            volume_driver: 'fake', volume_backend_name: 'gold-tier', fake_pools: 'fast1,fast2', fake_capacity_gib: 100,
            fake_thin_provisioning: false, fake_protocol: 'iscsi',
            filter_function: 'volume.size <= 10',
            goodness_function: "capabilities.fake_pool == 'fast2' ? 90 : 10",
          },
          // Large, thin, fake protocol, one pool.
          [bulk]: {
            volume_driver: 'fake', volume_backend_name: 'bulk-tier', fake_pools: 'slow0', fake_capacity_gib: 1000,
            fake_thin_provisioning: true, goodness_function: '50',
          },
        },
      });
      base = svc.url!;
      host = svc.config.host;
    });
    after(async () => svc?.cleanup());

    test('volumes land where extra specs and goodness send them', async () => {
      await createType('fast', { volume_backend_name: 'gold-tier', storage_protocol: '<in> iSCSI FC' });
      await createType('cheap', { thin_provisioning_support: '<is> True', 'capabilities:fake_pool': 's== slow0' });

      for (let i = 0; i < 3; i++) {
        const v = await createVolume({ size: 5, volume_type: 'fast', name: `fast-${i}` });
        assert.equal(v.status, 'available');
        assert.equal(v.volume_type, 'fast');
        // Both gold pools pass every filter; fast2's goodness (90 vs 10) wins each time,
        // even as it fills up and fast1 becomes the emptier pool.
        assert.equal(v['os-vol-host-attr:host'], `${host}@${gold}#fast2`);
        assert.equal(FakeBackendStore.get(gold).volumes().get(v.id)?.pool, 'fast2');
      }
      for (let i = 0; i < 2; i++) {
        const v = await createVolume({ size: 50, volume_type: 'cheap', name: `cheap-${i}` });
        assert.equal(v.status, 'available');
        assert.equal(v['os-vol-host-attr:host'], `${host}@${bulk}#slow0`);
        assert.equal(FakeBackendStore.get(bulk).volumes().get(v.id)?.size, 50);
      }
      assert.equal(FakeBackendStore.get(gold).volumes().size, 3);
      assert.equal(FakeBackendStore.get(bulk).volumes().size, 2);
    });

    test('a type no backend satisfies ends in error naming each filter and pool', async () => {
      await createType('fibre', { storage_protocol: 'FC' });
      const v = await createVolume({ size: 1, volume_type: 'fibre' });
      assert.equal(v.status, 'error');
      assert.equal(v['os-vol-host-attr:host'], null);
      const text = await messageFor(v.id);
      assert.match(text, /^Schedule allocate volume failed: No valid backend for 1 GiB volume/);
      // The one-line summary counts every rejected pool and shows the first two (SUMMARY_EXAMPLES);
      // schedule-explain has all of them.
      assert.ok(text.includes(`CapabilitiesFilter rejected 3 pools (${host}@${gold}#fast1: capability storage_protocol='iSCSI' does not satisfy storage_protocol='FC'; `
        + `${host}@${gold}#fast2: capability storage_protocol='iSCSI' does not satisfy storage_protocol='FC'; and 1 more)`), text);
      assert.doesNotMatch(text, /CapacityFilter|DriverFilter/);
      const e = await call('POST', '/flint/schedule-explain', { size: 1, volume_type: 'fibre' });
      assert.equal(e.json.explanation.chosen, null);
      const slow = e.json.explanation.pools.find((p: any) => p.poolHost === `${host}@${bulk}#slow0`);
      assert.deepEqual(slow.verdicts.at(-1), {
        filter: 'CapabilitiesFilter', passed: false, reason: "capability storage_protocol='fake' does not satisfy storage_protocol='FC'",
      });
    });

    test('filter_function and capabilities reject different pools for one request', async () => {
      // 20 GiB of type fast: bulk is the wrong backend, gold's filter_function takes only 10 GiB.
      const v = await createVolume({ size: 20, volume_type: 'fast' });
      assert.equal(v.status, 'error');
      const text = await messageFor(v.id);
      assert.ok(text.includes(`CapabilitiesFilter rejected 1 pool (${host}@${bulk}#slow0: volume_backend_name 'bulk-tier' does not match 'gold-tier')`), text);
      assert.match(text, /DriverFilter rejected 2 pools/);
      for (const pool of ['fast1', 'fast2']) {
        assert.ok(text.includes(`${host}@${gold}#${pool}: filter_function 'volume.size <= 10' is false (false)`), text);
      }
      assert.equal([...FakeBackendStore.get(gold).volumes().keys()].includes(v.id), false);
      assert.equal([...FakeBackendStore.get(bulk).volumes().keys()].includes(v.id), false);
    });

    test('schedule-explain returns every pool\'s verdicts and weights', async () => {
      const r = await call('POST', '/flint/schedule-explain', { size: 5, volume_type: 'fast' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const e = r.json.explanation;
      assert.equal(e.chosen, `${host}@${gold}#fast2`);
      assert.match(e.summary, new RegExp(`^Placed 5 GiB volume explain on ${host}@${gold}#fast2 .*best of 2 pools`));
      const byPool = new Map<string, any>(e.pools.map((p: any) => [p.poolHost, p]));
      assert.deepEqual([...byPool.keys()].sort(), [`${host}@${bulk}#slow0`, `${host}@${gold}#fast1`, `${host}@${gold}#fast2`]);

      const slow = byPool.get(`${host}@${bulk}#slow0`);
      const failed = slow.verdicts.filter((v: any) => !v.passed);
      assert.equal(failed.length, 1);
      assert.equal(failed[0].filter, 'CapabilitiesFilter');
      assert.match(failed[0].reason, /volume_backend_name 'bulk-tier' does not match 'gold-tier'/);
      assert.equal(slow.totalWeight, undefined);
      // Verdicts stop at the rejecting filter, and every filter before it passed.
      assert.equal(slow.verdicts.at(-1).filter, 'CapabilitiesFilter');

      const fast1 = byPool.get(`${host}@${gold}#fast1`);
      const fast2 = byPool.get(`${host}@${gold}#fast2`);
      for (const p of [fast1, fast2]) {
        assert.ok(p.verdicts.every((v: any) => v.passed), JSON.stringify(p.verdicts));
        // A pool that passed was judged by every filter, the configured ones in their order.
        assert.deepEqual(p.verdicts.map((v: any) => v.filter).slice(-6), [
          'AvailabilityZoneFilter', 'CapacityFilter', 'CapabilitiesFilter', 'SameBackendFilter', 'DifferentBackendFilter', 'DriverFilter',
        ]);
        assert.match(p.verdicts.find((v: any) => v.filter === 'DriverFilter').reason, /volume.size <= 10' is true/);
      }
      // fast2 has 15 GiB placed (first test), fast1 none: capacity favours fast1, goodness fast2.
      assert.ok(fast1.weights.CapacityWeigher > fast2.weights.CapacityWeigher, JSON.stringify(fast1.weights));
      assert.ok(fast2.weights.GoodnessWeigher > fast1.weights.GoodnessWeigher, JSON.stringify(fast2.weights));
      assert.ok(fast2.totalWeight > fast1.totalWeight);
      const goodness = fast2.weightDetails.find((w: any) => w.weigher === 'GoodnessWeigher');
      assert.equal(goodness.raw, 90);
      assert.equal(goodness.multiplier, 5);

      // Explaining consumes nothing: the same request explained twice gives the same weights.
      const again = await call('POST', '/flint/schedule-explain', { size: 5, volume_type: 'fast' });
      assert.deepEqual(again.json.explanation.pools, e.pools);

      // An unknown type is a 404 naming it, not a 5xx.
      const bad = await call('POST', '/flint/schedule-explain', { size: 5, volume_type: 'no-such-type' });
      assert.equal(bad.status, 404, JSON.stringify(bad.json));
    });
  });
}
