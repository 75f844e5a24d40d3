import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityFilter } from './capacity-filter.js';
import { judge, pool, request } from '../../../test/support/scheduler-fixtures.js';

const f = new CapacityFilter();
const thick = (over: Parameters<typeof pool>[1]) => pool('p', { thinProvisioningSupport: false, thickProvisioningSupport: true, ...over });
const thin = (over: Parameters<typeof pool>[1]) => pool('p', { thinProvisioningSupport: true, ...over });

describe('CapacityFilter', () => {
  test('thick: exactly full fits, one GiB more does not', () => {
    assert.equal(judge(f, thick({ total: 100, free: 10 }), request(10)).passed, true);
    const r = judge(f, thick({ total: 100, free: 10 }), request(11));
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'needs 11 GiB, 10 GiB free after 0% reserved');
  });

  test('thick: reserved percentage is taken off the free space (floored, as Cinder does)', () => {
    // 10% of 40 GiB = 4 GiB reserved; 14 free → 10 usable.
    assert.equal(judge(f, thick({ total: 40, free: 14, reservedPercentage: 10 }), request(10)).passed, true);
    const r = judge(f, thick({ total: 40, free: 14, reservedPercentage: 10 }), request(11));
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'needs 11 GiB, 10 GiB free after 10% reserved');
    // floor(15 × 0.1) = 1 GiB reserved, not 1.5.
    assert.equal(judge(f, thick({ total: 15, free: 6, reservedPercentage: 10 }), request(5)).passed, true);
  });

  test('thin: exactly at max_over_subscription_ratio passes, above it fails', () => {
    // total 10, ratio 2: provisioned 15 + 5 = 20 = 2.0 × total → allowed.
    const at = thin({ total: 10, free: 10, provisionedCapacityGiB: 15, maxOverSubscriptionRatio: 2 });
    assert.equal(judge(f, at, request(5)).passed, true);
    const r = judge(f, at, request(6));
    assert.equal(r.passed, false);
    assert.match(r.reason, /15 GiB provisioned \+ 6 GiB would be 2\.1× the 10 GiB total, above max_over_subscription_ratio 2/);
  });

  test('thin: the adjusted free virtual capacity must hold the volume', () => {
    // free 2 after reserve × ratio 3 = 6 GiB virtual free.
    const p = thin({ total: 100, free: 2, provisionedCapacityGiB: 0, maxOverSubscriptionRatio: 3 });
    assert.equal(judge(f, p, request(6)).passed, true);
    const r = judge(f, p, request(7));
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'needs 7 GiB thin, 2 GiB free after 0% reserved × ratio 3 = 6 GiB virtual free');
  });

  test('thin pool with provisioning:type thick is judged on real free space', () => {
    const p = thin({ total: 100, free: 5, maxOverSubscriptionRatio: 20 });
    assert.equal(judge(f, p, request(50)).passed, true);
    assert.equal(judge(f, p, request(50, { extraSpecs: { 'provisioning:type': 'thick' } })).passed, false);
  });

  test('thin with a ratio below 1 is refused as misconfigured', () => {
    const r = judge(f, thin({ maxOverSubscriptionRatio: 0.5 }), request(1));
    assert.equal(r.passed, false);
    assert.match(r.reason, /invalid max_over_subscription_ratio 0\.5/);
  });

  test('infinite and unknown capacity are assumed to fit', () => {
    for (const reason of ['infinite', 'unknown'] as const) {
      const r = judge(f, pool('p', { capacity: { known: false, reason }, reservedPercentage: 50 }), request(100000));
      assert.equal(r.passed, true);
      assert.match(r.reason, new RegExp(`capacity reported as ${reason}; assumed to fit`));
    }
  });

  test('a pool reporting zero total capacity is refused', () => {
    const r = judge(f, pool('p', { total: 0, free: 0 }), request(1));
    assert.equal(r.passed, false);
    assert.match(r.reason, /total capacity 0 GiB/);
  });
});
