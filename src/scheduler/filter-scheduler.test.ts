import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidInput, NoValidBackend } from '../errors/errors.js';
import type { Logger } from '../util/logger.js';
import { FilterScheduler, NoValidBackendError } from './filter-scheduler.js';
import { formatExplanation } from './explanation.js';
import { ManualClock, pool, report, request } from '../../test/support/scheduler-fixtures.js';
import type { Placement } from './scheduler.js';

function noValid(fn: () => unknown): NoValidBackendError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NoValidBackendError && e instanceof NoValidBackend);
    return e;
  }
  assert.fail('expected NoValidBackend');
}

describe('FilterScheduler', () => {
  test('500 concurrent placements against room for exactly 300: 300 placed, none over-committed, 200 told why', async () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock });
    s.updateBackend('h1@thick', 'thick', 'nova', report('thick', [
      pool('a', { total: 100, free: 100 }),
      pool('b', { total: 200, free: 160, reservedPercentage: 5 }), // 160 − 10 reserved = 150
    ]), clock.now());
    s.updateBackend('h2@thin', 'thin', 'nova', report('thin', [
      pool('c', { total: 50, free: 50, thinProvisioningSupport: true, maxOverSubscriptionRatio: 1 }), // 50 at ratio 1
    ]), clock.now());

    const results = await Promise.allSettled(
      Array.from({ length: 500 }, (_, i) => (async () => {
        await null;
        return s.place(request(1, { volume: { id: `v${i}` } }));
      })()),
    );
    const placed = results.filter((r): r is PromiseFulfilledResult<Placement> => r.status === 'fulfilled').map((r) => r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    assert.equal(placed.length, 300);
    assert.equal(failed.length, 200);
    for (const e of failed) {
      assert.ok(e instanceof NoValidBackend);
      assert.match(e.message, /^No valid backend for 1 GiB volume v\d+: CapacityFilter rejected 3 pools \(h1@thick#a: needs 1 GiB, 0 GiB free after 0% reserved; h1@thick#b: needs 1 GiB, 0 GiB free after 5% reserved; and 1 more\)$/);
    }
    const perPool = new Map<string, number>();
    for (const p of placed) perPool.set(p.poolHost, (perPool.get(p.poolHost) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(perPool), { 'h1@thick#a': 100, 'h1@thick#b': 150, 'h2@thin#c': 50 });
    const state = Object.fromEntries(s.pools().map((p) => [p.poolHost, p.stats]));
    assert.equal(state['h1@thick#a'].capacity.known && state['h1@thick#a'].capacity.freeGiB, 0);
    assert.equal(state['h1@thick#b'].capacity.known && state['h1@thick#b'].capacity.freeGiB, 10, 'the reserve is untouched');
    assert.equal(state['h2@thin#c'].provisionedCapacityGiB, 50, 'thin pool provisioned exactly to its ratio');
    assert.equal(state['h1@thick#a'].allocatedCapacityGiB, 100);
  });

  test('two backends, two volume types and goodness functions: each volume lands where it should', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock, weighers: ['CapacityWeigher', 'GoodnessWeigher'], multipliers: { GoodnessWeigher: 2 } });
    s.updateBackend('ssd-host@fast', 'fast', 'nova', report('fast', [
      pool('f0', { total: 1000, free: 900, capabilities: { media: 'ssd', iops: 20000 }, goodnessFunction: 'min(100, capabilities.iops / 1000)' }),
      pool('f1', { total: 1000, free: 100, capabilities: { media: 'ssd', iops: 90000 }, goodnessFunction: 'min(100, capabilities.iops / 1000)' }),
    ]), clock.now());
    s.updateBackend('hdd-host@slow', 'slow', 'nova', report('slow', [
      pool('s0', { total: 5000, free: 5000, capabilities: { media: 'hdd' }, goodnessFunction: 'volume.size >= 100 ? 80 : 20', filterFunction: 'volume.size <= 500' }),
      pool('s1', { total: 5000, free: 4000, capabilities: { media: 'hdd' }, goodnessFunction: 'volume.size < 100 ? 80 : 20', filterFunction: 'volume.size <= 500' }),
    ]), clock.now());
    const gold = { volume_backend_name: 'fast' };
    const silver = { 'capabilities:media': '<in> hdd' };

    // gold: only the fast backend; f1's goodness (90 vs 20) outweighs f0's extra free space.
    const g = s.place(request(10, { extraSpecs: gold }));
    assert.equal(g.poolHost, 'ssd-host@fast#f1');
    assert.equal(g.backendName, 'fast');
    const gPools = s.explain(request(10, { extraSpecs: gold })).pools;
    assert.match(gPools.find((p) => p.poolHost === 'hdd-host@slow#s0')!.verdicts.at(-1)!.reason, /volume_backend_name 'slow' does not match 'fast'/);
    // silver: the slow backend; small volumes to s1, large to s0, too large for either filter_function.
    assert.equal(s.place(request(10, { extraSpecs: silver })).poolHost, 'hdd-host@slow#s1');
    assert.equal(s.place(request(200, { extraSpecs: silver })).poolHost, 'hdd-host@slow#s0');
    const e = noValid(() => s.place(request(600, { extraSpecs: silver })));
    assert.match(e.message, /CapacityFilter rejected 1 pool \(ssd-host@fast#f1: needs 600 GiB, 90 GiB free after 0% reserved\); CapabilitiesFilter rejected 1 pool \(ssd-host@fast#f0: capability media='ssd' does not satisfy capabilities:media='<in> hdd'\); DriverFilter rejected 2 pools \(hdd-host@slow#s0: filter_function 'volume.size <= 500' is false/);
    // Explanations name each weigher's score.
    const detail = g.explanation.pools.find((p) => p.poolHost === g.poolHost)!;
    assert.deepEqual(detail.weights, { CapacityWeigher: 0, GoodnessWeigher: 2 });
    assert.match(detail.weightDetails![1].reason, /goodness_function 'min\(100, capabilities.iops \/ 1000\)' = 90/);
  });

  test('placement explanation is complete, JSON-serialisable, and describes the state it decided on', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock });
    s.updateBackend('fake1@a', 'a', 'nova', report('a', [pool('pool0', { total: 40, free: 14, reservedPercentage: 10 }), pool('pool1', { total: 100, free: 30 })]), clock.now());
    const req = request(10);
    const before = s.explain(req);
    const p = s.place(req);
    assert.equal(p.explanation.chosen, 'fake1@a#pool1');
    // Later placements change the pools; the first explanation still shows what it saw.
    s.place(request(10));
    s.place(request(10));
    assert.deepEqual(JSON.parse(JSON.stringify(p.explanation)), JSON.parse(JSON.stringify(before)));
    assert.equal(p.explanation.pools.length, 2);
    const text = formatExplanation(p.explanation);
    assert.match(text, /^Chosen pool: fake1@a#pool1\n/);
    assert.match(text, /fake1@a#pool1 \(chosen\): passed, weight 1/);
    assert.match(text, /pass CapacityFilter: fits 10 GiB, 30 GiB free after 0% reserved/);
    assert.match(text, /weigh CapacityWeigher: 1 \(= 1 × 1; 30 GiB free after reserve\)/);

    const e = noValid(() => s.place(request(11)));
    assert.equal(e.explanation.summary.split('\n').length, 1);
    // pool1 took the first two volumes (most free), pool0 the third (a tie goes to the first pool).
    assert.match(
      e.message,
      /^No valid backend for 11 GiB volume vol-\d+: CapacityFilter rejected 2 pools \(fake1@a#pool0: needs 11 GiB, 0 GiB free after 10% reserved; fake1@a#pool1: needs 11 GiB, 10 GiB free after 0% reserved\)$/,
    );
    assert.match(formatExplanation(e.explanation), /FAIL CapacityFilter: needs 11 GiB, 10 GiB free after 0% reserved/);
  });

  test('stale backends are filtered with a reason until they report again', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock, serviceDownTime: 30 });
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('p')]), clock.now());
    clock.advance(31);
    const e = noValid(() => s.place(request(1)));
    assert.match(e.message, /StaleBackendFilter rejected 1 pool \(h@b#p: backend h@b is down: last stats report 31 s ago, service_down_time is 30 s\)/);
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('p')]), clock.now());
    assert.equal(s.place(request(1)).poolHost, 'h@b#p');
  });

  test('retry: failed backends are skipped, and scheduler_max_attempts ends the retries', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock, schedulerMaxAttempts: 2 });
    s.updateBackend('h1@b', 'b', 'nova', report('b', [pool('p', { total: 1000 })]), clock.now());
    s.updateBackend('h2@b', 'b', 'nova', report('b', [pool('p', { total: 10 })]), clock.now());
    assert.equal(s.place(request(1)).backendHost, 'h1@b');
    assert.equal(s.place(request(1, { excludeHosts: ['h1@b'] })).backendHost, 'h2@b');
    const e = noValid(() => s.place(request(1, { excludeHosts: ['h1@b', 'h2@b'] })));
    assert.match(e.message, /exceeded scheduler_max_attempts \(2\); already tried h1@b, h2@b/);
  });

  test('release gives capacity back; a new stats report replaces local accounting', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock });
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('p', { total: 10, free: 10 })]), clock.now());
    const p = s.place(request(10));
    noValid(() => s.place(request(1)));
    s.release(p.poolHost, 4);
    assert.equal(s.place(request(4)).poolHost, 'h@b#p');
    noValid(() => s.place(request(1)));
    s.release('gone@x#y', 5); // unknown pools are ignored
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('p', { total: 10, free: 3 })]), clock.now());
    const [state] = s.pools();
    assert.equal(state.stats.capacity.known && state.stats.capacity.freeGiB, 3);
    assert.equal(s.place(request(3)).poolHost, 'h@b#p');
  });

  test('expressions compile once per text; a bad one is reported at update and in status, and its pool filtered out', () => {
    const clock = new ManualClock();
    const errors: string[] = [];
    const logger = { error: (_o: unknown, msg: string) => errors.push(msg) } as unknown as Logger;
    const s = new FilterScheduler({ clock, logger });
    const good = 'volume.size < 100';
    const stats = (ff: string) => report('b', [pool('p0', { filterFunction: ff, goodnessFunction: '50' }), pool('p1', { filterFunction: ff })]);
    s.updateBackend('h@b', 'b', 'nova', stats(good), clock.now());
    assert.equal(s.expressionCompilations, 2);
    s.updateBackend('h@b', 'b', 'nova', stats(good), clock.now());
    assert.equal(s.expressionCompilations, 2, 'an unchanged report recompiles nothing');

    s.updateBackend('h@b', 'b', 'nova', stats('volume.size < < 100'), clock.now());
    assert.equal(s.expressionCompilations, 3);
    s.updateBackend('ok@b', 'b', 'nova', report('b', [pool('p', { total: 10 })]), clock.now());
    assert.match(errors[0], /^Pool h@b#p0 is filtered out: filter_function 'volume.size < < 100' is invalid: unexpected '<' \(at character 15\)/);
    const status = s.pools().find((p) => p.poolHost === 'h@b#p0')!;
    assert.deepEqual(status.expressionErrors, ["filter_function 'volume.size < < 100' is invalid: unexpected '<' (at character 15)"]);
    assert.equal(s.place(request(1)).poolHost, 'ok@b#p');
    const e = noValid(() => s.place(request(50)));
    assert.match(e.message, /ValidExpressionsFilter rejected 2 pools \(h@b#p0: filter_function 'volume.size < < 100' is invalid: unexpected '<'/);
  });

  test('multi-backend addressing: host@backend#pool, volume_backend_name and availability zones', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock });
    s.updateBackend('node1@lvm', 'lvm', 'az1', report('LVM_iSCSI', [pool('vg0')]), clock.now());
    s.updateBackend('node2@nfs', 'nfs', 'az2', report('NFS', [pool('share0'), pool('share1')]), clock.now());
    const p = s.place(request(1, { extraSpecs: { volume_backend_name: 'lvm_iscsi' } }));
    assert.deepEqual([p.poolHost, p.backendHost, p.backendName, p.poolName], ['node1@lvm#vg0', 'node1@lvm', 'lvm', 'vg0']);
    assert.equal(s.place(request(1, { volume: { availabilityZone: 'az2' } })).backendHost, 'node2@nfs');
    const e = noValid(() => s.place(request(1, { volume: { availabilityZone: 'az3' } })));
    assert.match(e.message, /AvailabilityZoneFilter rejected 3 pools \(node1@lvm#vg0: in zone az1, volume wants zone az3; node2@nfs#share0: in zone az2, volume wants zone az3; and 1 more\)/);
    assert.equal(s.pools().length, 3);
  });

  test('remembered expression results follow usage and request changes', () => {
    const clock = new ManualClock();
    const s = new FilterScheduler({ clock, weighers: ['GoodnessWeigher'] });
    const ff = 'capabilities.free_capacity_gb - volume.size >= 10';
    const gf = 'min(100, capabilities.free_capacity_gb)';
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('a', { total: 30, free: 30, filterFunction: ff, goodnessFunction: gf }), pool('b', { total: 28, free: 28, filterFunction: ff, goodnessFunction: gf })]), clock.now());
    // Goodness follows free space as it shrinks: a (30) → b (28 vs 25) → a (25 vs 23)…
    assert.deepEqual([5, 5, 5, 5].map(() => s.place(request(5)).poolName), ['a', 'b', 'a', 'b']);
    // Now a and b have 20 and 18 free: size 9 fits a only, size 8 both, size 9 again a only.
    assert.equal(s.place(request(9)).poolName, 'a'); // a: 11 free
    const e = noValid(() => s.place(request(9)));
    assert.match(e.message, /DriverFilter rejected 2 pools/);
    assert.equal(s.place(request(8)).poolName, 'b'); // b: 10 free
    noValid(() => s.place(request(2)));
    s.release('h@b#a', 9);
    assert.equal(s.place(request(2)).poolName, 'a', 'released capacity is seen by the filter function');
  });

  test('no backends at all, bad sizes and bad configuration are clear errors', () => {
    const s = new FilterScheduler({ clock: new ManualClock() });
    assert.match(noValid(() => s.place(request(1))).message, /no backend has reported any pools/);
    assert.throws(() => s.place(request(0)), InvalidInput);
    assert.throws(() => s.place(request(Number.NaN)), InvalidInput);
    assert.throws(() => new FilterScheduler({ weighers: ['FancyWeigher'] }), (e: unknown) => e instanceof ConfigError && /known: CapacityWeigher/.test(e.message));
    assert.throws(() => new FilterScheduler({ filters: ['JsonFilter'] }), ConfigError);
    assert.throws(() => new FilterScheduler({ schedulerMaxAttempts: 0 }), ConfigError);
    assert.throws(() => new FilterScheduler({ multipliers: { CapacityWeigher: Number.NaN } }), ConfigError);
    // Always-on filters may be listed; an unset multiplier keeps the default.
    const s2 = new FilterScheduler({ filters: ['RetryFilter', 'CapacityFilter'], weighers: ['VolumeNumberWeigher'], multipliers: { VolumeNumberWeigher: undefined } });
    assert.deepEqual(s2.filters.map((f) => f.name), ['StaleBackendFilter', 'ValidExpressionsFilter', 'RetryFilter', 'CapacityFilter']);
    assert.equal(s2.weighers[0].multiplier, -1);
  });
});
