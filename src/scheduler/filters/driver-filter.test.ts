import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DriverFilter } from './driver-filter.js';
import { judge, pool, request } from '../../../test/support/scheduler-fixtures.js';

const f = new DriverFilter();

describe('DriverFilter', () => {
  test('no filter_function passes', () => {
    assert.deepEqual(judge(f, pool('p'), request(5)), { passed: true, reason: 'no filter_function' });
  });

  test('filter_function sees volume, capabilities, stats, extra and qos', () => {
    const p = pool('p', {
      total: 100,
      free: 60,
      capabilities: { tier: 'gold' },
      filterFunction: "volume.size <= 10 and capabilities.free_capacity_gb > 50 and capabilities.tier == 'gold' and stats.storage_protocol == 'iSCSI' and extra.replicas >= 2 and qos.maxIOPS < 1000",
    });
    const req = (size: number) => request(size, { extraSpecs: { replicas: '2' }, qosSpecs: { maxIOPS: '500' } });
    assert.equal(judge(f, p, req(10)).passed, true);
    const r = judge(f, p, req(11));
    assert.equal(r.passed, false);
    assert.match(r.reason, /is false/);
  });

  test('an evaluation error rejects the pool with the reason', () => {
    const r = judge(f, pool('p', { filterFunction: 'capabilities.nope > 1' }), request(1));
    assert.equal(r.passed, false);
    assert.match(r.reason, /failed: unknown variable 'capabilities\.nope'/);
    const z = judge(f, pool('p', { filterFunction: '10 / (volume.size - 1) > 1' }), request(1));
    assert.equal(z.passed, false);
    assert.match(z.reason, /division by zero/);
  });

  test('a filter_function that does not parse rejects the pool, naming the error', () => {
    const r = judge(f, pool('p', { filterFunction: 'volume.size >' }), request(1));
    assert.equal(r.passed, false);
    assert.match(r.reason, /it is invalid: expression ends too early/);
  });
});
