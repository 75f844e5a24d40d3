import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriverAccessRule } from '../interface/share.js';
import { desiredRules, planAccess } from './access-rules.js';

const rule = (id: string, accessTo: string, accessLevel: 'rw' | 'ro' = 'rw', accessType: DriverAccessRule['accessType'] = 'ip'): DriverAccessRule =>
  ({ id, accessTo, accessLevel, accessType });

test('deltas: all plus add minus remove, by id', () => {
  const a = rule('a', '10.0.0.1');
  const b = rule('b', '10.0.0.2');
  const c = rule('c', '10.0.0.3');
  assert.deepEqual(desiredRules([a, b], [c], [b]).map((r) => r.id), ['a', 'c']);
  assert.deepEqual(desiredRules([a], [a], []).map((r) => r.id), ['a']);
});

test('ip rules become CLIENT blocks; user, cert and malformed rules are errors and stay out', () => {
  const plan = planAccess([
    rule('ip', '10.0.0.0/24', 'ro'), rule('user', 'alice', 'rw', 'user'), rule('cert', 'cn', 'rw', 'cert'), rule('bad', '10.0.0.0/33'),
  ]);
  assert.deepEqual(plan.clients, [{ clients: '10.0.0.0/24', access: 'RO' }]);
  assert.equal(plan.results['ip']!.state, 'active');
  for (const id of ['user', 'cert', 'bad']) assert.equal(plan.results[id]!.state, 'error', id);
  assert.match(plan.results['user']!.reason!, /'user' is not supported/);
  assert.match(plan.results['bad']!.reason!, /not an IPv4 address or CIDR/);
});

test('two rules for one client (x and x/32 are one) give the wider access', () => {
  const plan = planAccess([rule('1', '10.0.0.5', 'ro'), rule('2', '10.0.0.5/32', 'rw')]);
  assert.deepEqual(plan.clients, [{ clients: '10.0.0.5', access: 'RW' }]);
});
