import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingPlacements } from './pending-placements.js';
import { StatsGate } from '../volume/stats-gate.js';
import type { BackendStats } from '../drivers/interface/stats.js';

const stats = (freeGiB: number): BackendStats => ({
  volumeBackendName: 'b', vendorName: 'v', driverVersion: '1', storageProtocol: 'iSCSI', operations: [],
  pools: [{
    poolName: 'p', capacity: { known: true, totalGiB: 100, freeGiB }, provisionedCapacityGiB: 100 - freeGiB, allocatedCapacityGiB: 100 - freeGiB,
    thinProvisioningSupport: false, thickProvisioningSupport: true, maxOverSubscriptionRatio: 1, reservedPercentage: 0,
    multiattach: false, onlineExtendSupport: false, qosSupport: false, totalVolumes: 0, capabilities: {},
  }],
});

test('a report counts landed volumes once and the pending ones on top', () => {
  const p = new PendingPlacements();
  p.add('v1', 'h@b', 'h@b#p', 10);
  p.add('v2', 'h@b', 'h@b#p', 20);
  p.add('v3', 'h@other', 'h@other#p', 5);
  // The backend already holds v1 (its free shows it); v2 is still being created.
  const view = p.applyTo('h@b', stats(90), ['v1']);
  const pool = view.pools[0]!;
  assert.deepEqual(pool.capacity, { known: true, totalGiB: 100, freeGiB: 70 });
  assert.equal(pool.allocatedCapacityGiB, 30);
  assert.equal(pool.totalVolumes, 1);
  assert.equal(p.has('v1'), false);
  assert.deepEqual(p.idsOn('h@b'), ['v2']);
  assert.equal(p.remove('v2'), true);
  assert.deepEqual(p.applyTo('h@b', stats(90), []).pools[0]!.capacity, { known: true, totalGiB: 100, freeGiB: 90 });
});

test('a stats sample waits for creates in flight and names what landed', async () => {
  const gate = new StatsGate();
  let release!: () => void;
  const slow = gate.create('a', () => new Promise<void>((r) => { release = r; }));
  await gate.create('b', async () => undefined);
  let sampled = false;
  const sample = gate.sample(async () => { sampled = true; return 1; });
  await new Promise((r) => setImmediate(r));
  assert.equal(sampled, false, 'sampled while a create was in flight');
  // A create that starts during the sample waits for it.
  const late = gate.create('c', async () => { assert.equal(sampled, true); });
  release();
  await slow;
  const { landed } = await sample;
  assert.deepEqual(landed.sort(), ['a', 'b']);
  await late;
  assert.deepEqual((await gate.sample(async () => 2)).landed, ['c']);
});
