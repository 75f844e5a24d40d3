import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityWeigher } from './capacity-weigher.js';
import { AllocatedCapacityWeigher } from './allocated-capacity-weigher.js';
import { GoodnessWeigher } from './goodness-weigher.js';
import { VolumeNumberWeigher } from './volume-number-weigher.js';
import { FilterScheduler } from '../filter-scheduler.js';
import { ManualClock, pool, rawWeight, report, request } from '../../../test/support/scheduler-fixtures.js';

describe('CapacityWeigher', () => {
  const w = new CapacityWeigher();
  test('thick: free minus the floored reserve', () => {
    assert.equal(rawWeight(w, pool('p', { total: 15, free: 10, reservedPercentage: 10 }), request(1)).raw, 9);
  });
  test('thin: total × ratio − provisioned − reserve (virtual free)', () => {
    const p = pool('p', { total: 100, free: 10, thinProvisioningSupport: true, maxOverSubscriptionRatio: 2, provisionedCapacityGiB: 50, reservedPercentage: 10 });
    assert.equal(rawWeight(w, p, request(1)).raw, 140);
    assert.equal(rawWeight(w, p, request(1, { extraSpecs: { 'provisioning:type': 'thick' } })).raw, 0);
  });
  test('infinite weighs +Infinity, unknown 0', () => {
    assert.equal(rawWeight(w, pool('p', { capacity: { known: false, reason: 'infinite' } }), request(1)).raw, Infinity);
    assert.equal(rawWeight(w, pool('p', { capacity: { known: false, reason: 'unknown' } }), request(1)).raw, 0);
  });
  test('default multiplier spreads (1.0)', () => assert.equal(w.multiplier, 1));
});

describe('AllocatedCapacityWeigher', () => {
  test('raw is allocated GiB; default multiplier −1 prefers the emptiest', () => {
    const w = new AllocatedCapacityWeigher();
    assert.equal(w.multiplier, -1);
    assert.deepEqual(rawWeight(w, pool('p', { allocatedCapacityGiB: 42 }), request(1)), { raw: 42, reason: '42 GiB allocated' });
  });
});

describe('VolumeNumberWeigher', () => {
  test('raw is the volume count; default multiplier −1', () => {
    const w = new VolumeNumberWeigher();
    assert.equal(w.multiplier, -1);
    assert.equal(rawWeight(w, pool('p', { totalVolumes: 7 }), request(1)).raw, 7);
    assert.equal(rawWeight(w, pool('p'), request(1)).raw, 0);
  });
});

describe('GoodnessWeigher', () => {
  const w = new GoodnessWeigher();
  test('goodness_function rating 0..100, boundaries included', () => {
    assert.equal(rawWeight(w, pool('p', { goodnessFunction: '100' }), request(1)).raw, 100);
    assert.equal(rawWeight(w, pool('p', { goodnessFunction: '0' }), request(1)).raw, 0);
    assert.equal(rawWeight(w, pool('p', { goodnessFunction: 'volume.size * 10' }), request(5)).raw, 50);
    assert.equal(rawWeight(w, pool('p', { goodnessFunction: 'volume.size < 10' }), request(5)).raw, 1, 'true counts as 1, as in Cinder');
  });
  test('out of range, errors, strings and no function all rate 0, with the reason', () => {
    const out = rawWeight(w, pool('p', { goodnessFunction: '101' }), request(1));
    assert.deepEqual(out, { raw: 0, reason: "goodness_function '101' gave 101, outside 0..100; rated 0" });
    assert.equal(rawWeight(w, pool('p', { goodnessFunction: '-1' }), request(1)).raw, 0);
    const err = rawWeight(w, pool('p', { goodnessFunction: '1 / 0' }), request(1));
    assert.equal(err.raw, 0);
    assert.match(err.reason, /division by zero; rated 0/);
    assert.match(rawWeight(w, pool('p', { goodnessFunction: "'x'" }), request(1)).reason, /not a number/);
    assert.deepEqual(rawWeight(w, pool('p'), request(1)), { raw: 0, reason: 'no goodness_function: rated 0' });
  });
});

describe('normalisation and multipliers', () => {
  const clock = new ManualClock();
  const scheduler = (config: ConstructorParameters<typeof FilterScheduler>[0]) => {
    const s = new FilterScheduler({ clock, ...config });
    s.updateBackend('h@b', 'b', 'nova', report('b', [pool('small', { total: 100, free: 10 }), pool('mid', { total: 100, free: 55 }), pool('big', { total: 100, free: 100 })]), clock.now());
    return s;
  };
  const weights = (s: FilterScheduler) => Object.fromEntries(s.explain(request(1)).pools.map((p) => [p.poolHost.split('#')[1], p.totalWeight]));

  test('scores are min-max normalised to 0..1 then multiplied', () => {
    assert.deepEqual(weights(scheduler({ weighers: ['CapacityWeigher'] })), { small: 0, mid: 0.5, big: 1 });
    assert.deepEqual(weights(scheduler({ weighers: ['CapacityWeigher'], multipliers: { CapacityWeigher: -2 } })), { small: 0, mid: -1, big: -2 });
  });

  test('a positive capacity multiplier spreads, a negative one stacks', () => {
    assert.equal(scheduler({ weighers: ['CapacityWeigher'] }).place(request(1)).poolName, 'big');
    assert.equal(scheduler({ weighers: ['CapacityWeigher'], multipliers: { CapacityWeigher: -1 } }).place(request(1)).poolName, 'small');
  });

  test('equal scores normalise to 0; infinite capacity weighs just above the best finite pool', () => {
    const s = new FilterScheduler({ clock, weighers: ['CapacityWeigher'] });
    s.updateBackend('h@b', 'b', 'nova', report('b', [
      pool('a', { total: 100, free: 20 }),
      pool('inf', { capacity: { known: false, reason: 'infinite' } }),
      pool('b', { total: 100, free: 60 }),
      pool('unk', { capacity: { known: false, reason: 'unknown' } }),
    ]), clock.now());
    const e = s.explain(request(1));
    const byName = Object.fromEntries(e.pools.map((p) => [p.poolHost.split('#')[1], p.totalWeight]));
    assert.equal(e.chosen, 'h@b#inf');
    assert.equal(byName.inf, 1);
    assert.ok(byName.b! < 1 && byName.b! > byName.a!);
    assert.equal(byName.unk, 0);
  });
});
