// A backend's stats report replaces its pools in the cached view with only their rows redone
// (FilterScheduler.replacePools): every decision afterwards must be the one a scheduler that
// built its view from scratch makes, whatever the report changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterScheduler } from './filter-scheduler.js';
import { ManualClock, pool, report, request } from '../../test/support/scheduler-fixtures.js';
import type { BackendStats } from '../drivers/interface/stats.js';

const WEIGHERS = ['CapacityWeigher', 'GoodnessWeigher', 'VolumeNumberWeigher'];

function backend(b: number, round: number): BackendStats {
  return report(`backend${b}`, Array.from({ length: 6 }, (_, p) => pool(`pool${p}`, {
    total: 1_000 + round * 500,
    free: 100 + ((b * 7 + p * 31 + round * 97) % 900),
    reservedPercentage: round * 10,
    thinProvisioningSupport: (p + round) % 2 === 0,
    totalVolumes: (b + p + round) % 9,
    // The second report changes capabilities and expressions of backend 1, not only its numbers.
    capabilities: { speed: (b + p + round) % 4, tier: (p + round) % 2 === 0 ? 'gold' : 'silver' },
    filterFunction: round > 0 && b === 1 ? 'capabilities.speed >= 1' : 'capabilities.free_capacity_gb >= volume.size * 2',
    goodnessFunction: round > 0 && b === 1 ? '100 - capabilities.speed * 10' : 'min(100, capabilities.free_capacity_gb / 10)',
  })));
}

const REQUESTS = [
  request(1),
  request(50, { extraSpecs: { 'capabilities:speed': '>= 2' } }),
  request(5, { extraSpecs: { tier: 'gold' } }),
  request(400, { extraSpecs: { tier: '<in> silver' } }),
];

/** What a decision consists of: the chosen pool, and per pool the verdict and every weight. */
function decisions(s: FilterScheduler) {
  return REQUESTS.map((r) => {
    const e = s.explain(r);
    return { chosen: e.chosen, summary: e.summary, pools: e.pools };
  });
}

test('after a re-report, decisions over the carried pool view equal those over a view built afresh', () => {
  const clock = new ManualClock();
  const carried = new FilterScheduler({ clock, weighers: WEIGHERS });
  const fresh = new FilterScheduler({ clock, weighers: WEIGHERS });
  for (const s of [carried, fresh]) for (let b = 0; b < 3; b++) s.updateBackend(`h${b}@backend${b}`, `backend${b}`, 'nova', backend(b, 0), clock.now());
  // Only the first scheduler decides before the re-report: it builds and fills every cached
  // column of the first view, which the re-report then carries; the other builds them after.
  const before = decisions(carried);

  clock.advance(10);
  for (const s of [carried, fresh]) s.updateBackend('h1@backend1', 'backend1', 'nova', backend(1, 1), clock.now());
  const after = decisions(carried);
  assert.deepEqual(after.map((d) => d.chosen), decisions(fresh).map((d) => d.chosen));
  for (const [i, d] of after.entries()) {
    const f = decisions(fresh)[i]!;
    assert.deepEqual(d.pools.map((p) => ({ ...p, stats: undefined, updatedAt: undefined })), f.pools.map((p) => ({ ...p, stats: undefined, updatedAt: undefined })), `request ${i}`);
  }
  assert.notDeepEqual(after, before, 'the re-report changed what the scheduler decides');
  // Placing keeps agreeing: the carried usage columns follow each placement.
  const fits = REQUESTS.slice(0, 3);
  for (const r of [...fits, ...fits, ...fits]) assert.equal(carried.place(r).poolHost, fresh.place(r).poolHost);
});
