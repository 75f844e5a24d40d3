import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StaleBackendFilter } from './stale-backend-filter.js';
import { RetryFilter } from './retry-filter.js';
import { AvailabilityZoneFilter } from './availability-zone-filter.js';
import { SameBackendFilter } from './same-backend-filter.js';
import { DifferentBackendFilter } from './different-backend-filter.js';
import { judge, pool, request } from '../../../test/support/scheduler-fixtures.js';

const t0 = new Date(Date.UTC(2026, 0, 1));
const later = (s: number) => new Date(t0.getTime() + s * 1000);

describe('StaleBackendFilter', () => {
  const f = new StaleBackendFilter(60);
  test('a report exactly service_down_time old is still fresh; one second more is stale', () => {
    assert.equal(judge(f, pool('p'), request(1), { at: t0, now: later(60) }).passed, true);
    const r = judge(f, pool('p'), request(1), { at: t0, now: later(61) });
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'backend host1@be1 is down: last stats report 61 s ago, service_down_time is 60 s');
  });
});

describe('RetryFilter', () => {
  const f = new RetryFilter();
  test('skips backends and pools that already failed this request', () => {
    assert.equal(judge(f, pool('p'), request(1)).passed, true);
    assert.equal(judge(f, pool('p'), request(1, { excludeHosts: ['other@be'] })).passed, true);
    assert.equal(judge(f, pool('p'), request(1, { excludeHosts: ['host1@be1'] })).passed, false);
    const r = judge(f, pool('p'), request(1, { excludeHosts: ['host1@be1#p'] }));
    assert.equal(r.passed, false);
    assert.match(r.reason, /already failed this request/);
  });
});

describe('AvailabilityZoneFilter', () => {
  const f = new AvailabilityZoneFilter();
  test('matches the requested zone; no zone means any', () => {
    assert.equal(judge(f, pool('p'), request(1), { az: 'az1' }).passed, true);
    assert.equal(judge(f, pool('p'), request(1, { volume: { availabilityZone: 'az1' } }), { az: 'az1' }).passed, true);
    const r = judge(f, pool('p'), request(1, { volume: { availabilityZone: 'az2' } }), { az: 'az1' });
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'in zone az1, volume wants zone az2');
  });
});

describe('SameBackendFilter / DifferentBackendFilter', () => {
  const same = new SameBackendFilter();
  const diff = new DifferentBackendFilter();
  const hints = (kind: 'sameHost' | 'differentHost', ids: string[]) =>
    request(1, { hints: { [kind]: ids }, hintHosts: { v1: 'host1@be1#other', v2: 'host2@be2#p' } });

  test('same_host keeps only the backend holding every named volume', () => {
    assert.equal(judge(same, pool('p'), hints('sameHost', ['v1'])).passed, true, 'same backend, other pool');
    const r = judge(same, pool('p'), hints('sameHost', ['v1', 'v2']));
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'same_host volume v2 is on host2@be2, not host1@be1');
    assert.match(judge(same, pool('p'), hints('sameHost', ['ghost'])).reason, /volume ghost has no known host/);
    assert.equal(judge(same, pool('p'), request(1)).passed, true);
  });

  test('different_host drops backends holding any named volume', () => {
    assert.equal(judge(diff, pool('p'), hints('differentHost', ['v2'])).passed, true);
    const r = judge(diff, pool('p'), hints('differentHost', ['v2', 'v1']));
    assert.equal(r.passed, false);
    assert.equal(r.reason, 'different_host volume v1 is on this backend (host1@be1)');
  });
});
