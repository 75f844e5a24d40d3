import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CapabilitiesFilter } from './capabilities-filter.js';
import { judge, pool, request } from '../../../test/support/scheduler-fixtures.js';
import { prepareRequest } from '../request-context.js';

const f = new CapabilitiesFilter();
const specs = (extraSpecs: Record<string, string>, over: Parameters<typeof request>[1] = {}) => request(1, { extraSpecs, ...over });

describe('CapabilitiesFilter', () => {
  test('no extra specs: every pool passes and the filter is skipped', () => {
    assert.equal(judge(f, pool('p'), request(1)).passed, true);
    assert.equal(f.active(prepareRequest(request(1), 0)), false);
    assert.equal(f.active(prepareRequest(specs({ a: 'b' }), 0)), true);
  });

  test('driver capabilities with capabilities: scope or unscoped, with operators', () => {
    const p = pool('p', { capabilities: { speed: 3, media: 'ssd', dedup: true } });
    assert.equal(judge(f, p, specs({ 'capabilities:speed': '>= 3', media: 'SSD', 'capabilities:dedup': '<is> True' })).passed, true);
    const r = judge(f, p, specs({ 'capabilities:speed': '>= 4' }));
    assert.equal(r.passed, false);
    assert.equal(r.reason, "capability speed='3' does not satisfy capabilities:speed='>= 4'");
  });

  test('a capability the pool does not report rejects it, naming the spec', () => {
    const r = judge(f, pool('p'), specs({ 'capabilities:replication': '<is> True' }));
    assert.equal(r.passed, false);
    assert.equal(r.reason, "does not report capability 'replication' (extra spec capabilities:replication='<is> True')");
  });

  test('other scopes are ignored (qos:, hw:, vendor scopes)', () => {
    assert.equal(judge(f, pool('p'), specs({ 'qos:maxIOPS': '100', 'hw:cpu': '4', 'netapp:raid_type': 'raid_dp' })).passed, true);
  });

  test('PoolStats fields are reachable by their Cinder names', () => {
    const p = pool('p', { thinProvisioningSupport: true, multiattach: true, qosSupport: true, onlineExtendSupport: false });
    const ok = specs({
      thin_provisioning_support: '<is> True',
      multiattach: '<is> True',
      QoS_support: '<is> True',
      online_extend_support: '<is> False',
      storage_protocol: 'iSCSI',
      vendor_name: '<in> open',
      'capabilities:max_over_subscription_ratio': '>= 20',
    });
    assert.equal(judge(f, p, ok).passed, true);
    assert.equal(judge(f, p, specs({ storage_protocol: 'FC' })).passed, false);
  });

  test('live capacity capabilities are matched against current usage', () => {
    assert.equal(judge(f, pool('p', { total: 100, free: 50 }), specs({ free_capacity_gb: '>= 50' })).passed, true);
    assert.equal(judge(f, pool('p', { total: 100, free: 49 }), specs({ free_capacity_gb: '>= 50' })).passed, false);
  });

  test('volume_backend_name matches the backend stats name', () => {
    assert.equal(judge(f, pool('p'), specs({ volume_backend_name: 'be1' })).passed, true);
    const r = judge(f, pool('p'), specs({ volume_backend_name: 'gold' }));
    assert.equal(r.passed, false);
    assert.equal(r.reason, "volume_backend_name 'be1' does not match 'gold'");
  });

  test('provisioning:type checks thin/thick support', () => {
    const thickOnly = pool('p', { thinProvisioningSupport: false, thickProvisioningSupport: true });
    assert.equal(judge(f, thickOnly, specs({ 'provisioning:type': 'thick' })).passed, true);
    const r = judge(f, thickOnly, specs({ 'provisioning:type': 'thin' }));
    assert.equal(r.passed, false);
    assert.match(r.reason, /provisioning:type thin is not supported/);
    assert.match(judge(f, thickOnly, specs({ 'provisioning:type': 'sparse' })).reason, /must be thin or thick/);
  });

  test('multiattach volumes need multiattach pools', () => {
    const req = request(1, { volume: { multiattach: true } });
    assert.equal(judge(f, pool('p', { multiattach: true }), req).passed, true);
    const r = judge(f, pool('p', { multiattach: false }), req);
    assert.equal(r.passed, false);
    assert.match(r.reason, /multiattach/);
  });

  test('a numeric operator against a non-number says so', () => {
    const r = judge(f, pool('p', { capabilities: { speed: 'fast' } }), specs({ speed: '>= 1' }));
    assert.equal(r.passed, false);
    assert.match(r.reason, /\(not a number\)/);
  });
});
