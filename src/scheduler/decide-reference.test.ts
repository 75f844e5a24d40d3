// Placement's fast paths (typed-array filters, column-form expressions, cached extra-spec
// matching, remembered outcomes) against the straightforward evaluation Cinder describes:
// every filter's passes() on every pool in turn, every weigher's weigh() on the survivors,
// min-max normalisation, the heaviest pool wins. Random pools, specs and expressions; the
// chosen pool, each pool's rejecting filter and each survivor's weight must be the same,
// placement after placement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterScheduler } from './filter-scheduler.js';
import { LIVE_CAPABILITIES, buildPoolEntries, capabilityColumn, consume, giveBack, grow, initialUsage, type PoolEntry, type PoolUsage } from './backend-state.js';
import { compileExpression } from './expression/index.js';
import { prepareRequest } from './request-context.js';
import { poolColumns, usageColumns } from './pool-columns.js';
import { UsageList } from './usage-list.js';
import { ManualClock, pool, report, request } from '../../test/support/scheduler-fixtures.js';
import type { BackendStats, PoolStats } from '../drivers/interface/stats.js';
import type { PlacementRequest } from './scheduler.js';
import { seededRandom as rng } from '../../test/support/seeded-random.js';

const WEIGHERS = ['CapacityWeigher', 'GoodnessWeigher', 'VolumeNumberWeigher', 'AllocatedCapacityWeigher'];


const FILTER_FUNCTIONS = [
  undefined,
  'capabilities.free_capacity_gb >= volume.size * 2 and capabilities.total_volumes < 1000',
  'capabilities.speed >= 2 or volume.size < 3',
  "capabilities.tier == 'gold'",
  'capabilities.speed / (capabilities.total_volumes - 3) > 0',
  'capabilities.nope > 1',
  'stats.allocated_capacity_gb < 500 ? capabilities.speed : 0',
  'not (capabilities.compression)',
  'capabilities.total_volumes - 4', // negative numbers are true too
  'capabilities.free_capacity_gb >', // does not parse: the pool is filtered out
];
const GOODNESS_FUNCTIONS = [
  undefined,
  'min(100, capabilities.free_capacity_gb / 100 + capabilities.speed * 5)',
  '100 - capabilities.total_volumes * 7',
  "capabilities.tier == 'gold' ? 90 : 10",
  'capabilities.speed * 40',
  'volume.size > 5',
  'abs(capabilities.free_capacity_gb - 500) / 10',
];
const SPEC_SETS: Record<string, string>[] = [
  {},
  { 'capabilities:speed': '>= 1', compression: '<is> True', 'qos:maxIOPS': '1000' },
  { tier: '<in> gold' },
  { 'capabilities:speed': '<or> 1 <or> 3', 'provisioning:type': 'thin' },
  { 'provisioning:type': 'thick', tier: 's!= gold' },
  { free_capacity_gb: '>= 300' }, // a live capability: matched per pool, not per distinct value
  { volume_backend_name: 'backend1' },
];

/** `shared`: the filter and goodness function every pool of the case has, else each pool picks its own. */
function randomPool(r: () => number, p: number, shared?: { filter: string | undefined; goodness: string | undefined }): PoolStats {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const total = pick([0, 500, 1000, 4000]);
  const known = r() < 0.9;
  const capabilities: Record<string, string | number | boolean> = {};
  if (r() < 0.9) capabilities.speed = r() < 0.15 ? 'fast' : Math.floor(r() * 5);
  if (r() < 0.9) capabilities.tier = pick(['gold', 'silver', 'Gold']);
  if (r() < 0.8) capabilities.compression = r() < 0.5;
  return {
    ...pool(`pool${p}`, { total, free: Math.floor(r() * total) }),
    capacity: known ? { known: true, totalGiB: total, freeGiB: Math.floor(r() * total) } : { known: false, reason: pick(['infinite', 'unknown'] as const) },
    thinProvisioningSupport: r() < 0.5,
    thickProvisioningSupport: r() < 0.8,
    maxOverSubscriptionRatio: pick([1, 2, 20, 0.5]),
    reservedPercentage: pick([0, 5, 10]),
    allocatedCapacityGiB: Math.floor(r() * 600),
    provisionedCapacityGiB: Math.floor(r() * 2000),
    totalVolumes: Math.floor(r() * 10),
    capabilities,
    filterFunction: shared ? shared.filter : pick(FILTER_FUNCTIONS),
    goodnessFunction: shared ? shared.goodness : pick(GOODNESS_FUNCTIONS),
  };
}

/** The straightforward evaluation over the same reports, keeping its own usage. */
class Reference {
  pools: PoolEntry[] = [];
  usage: PoolUsage[] = [];

  constructor(reports: [string, BackendStats, Date][], private readonly s: FilterScheduler) {
    for (const [host, stats, at] of reports) {
      const compile = (source: string) => {
        try {
          return { source, compiled: compileExpression(source, { live: LIVE_CAPABILITIES }) };
        } catch (e) {
          return { source, error: (e as Error).message };
        }
      };
      this.pools.push(...buildPoolEntries(host, stats.volumeBackendName, 'nova', stats, at, compile));
    }
    this.usage = this.pools.map(initialUsage);
  }

  decide(req: PlacementRequest, nowMs: number): { chosen: string | null; rejectedBy: (string | null)[]; totals: (number | null)[] } {
    const ctx = prepareRequest(req, nowMs);
    ctx.specColumns = ctx.capabilitySpecs.map((spec) => capabilityColumn(this.pools, spec.capability));
    ctx.poolCols = poolColumns(this.pools);
    ctx.usageCols = usageColumns(UsageList.from(this.usage), this.pools);
    const rejectedBy = this.pools.map((p, i) => {
      for (const f of this.s.filters) {
        if (f.active !== undefined && !f.active(ctx)) continue;
        if (!f.passes(p, this.usage[i]!, ctx, i)) return f.name;
      }
      return null;
    });
    const survivors = this.pools.flatMap((_, i) => (rejectedBy[i] === null ? [i] : []));
    const totals: (number | null)[] = this.pools.map(() => null);
    for (const i of survivors) totals[i] = 0;
    for (const w of this.s.weighers) {
      const raw = survivors.map((i) => w.weigh(this.pools[i]!, this.usage[i]!, ctx));
      const finite = raw.filter((x) => x !== Infinity);
      let min = Math.min(...raw);
      let max = Math.max(...raw);
      if (max === Infinity) {
        // Cinder: infinite capacity weighs a little above the best finite pool.
        if (finite.length === 0) max = min;
        else {
          const maxFinite = Math.max(...finite);
          const offset = (maxFinite - min) * 0.5;
          max = maxFinite + (offset === 0 ? 1 : offset);
          for (let k = 0; k < raw.length; k++) if (raw[k] === Infinity) raw[k] = max;
        }
      }
      survivors.forEach((i, k) => {
        totals[i]! += w.multiplier * (max > min ? (raw[k]! - min) / (max - min) : 0);
      });
    }
    let best = -1;
    for (const i of survivors) if (best < 0 || totals[i]! > totals[best]!) best = i;
    return { chosen: best < 0 ? null : this.pools[best]!.poolHost, rejectedBy, totals };
  }

  consume(poolHost: string, size: number): void {
    const i = this.pools.findIndex((p) => p.poolHost === poolHost);
    this.usage[i] = consume(this.pools[i]!, this.usage[i]!, size);
  }

  grow(poolHost: string, size: number): void {
    const i = this.pools.findIndex((p) => p.poolHost === poolHost);
    this.usage[i] = grow(this.pools[i]!, this.usage[i]!, size);
  }

  release(poolHost: string, size: number): void {
    const i = this.pools.findIndex((p) => p.poolHost === poolHost);
    this.usage[i] = giveBack(this.pools[i]!, this.usage[i]!, size);
  }

  /** A backend re-reported the pools it had: its entries and their usage replaced where they were. */
  report(host: string, stats: BackendStats, at: Date): void {
    const compile = (source: string) => {
      try {
        return { source, compiled: compileExpression(source, { live: LIVE_CAPABILITIES }) };
      } catch (e) {
        return { source, error: (e as Error).message };
      }
    };
    const entries = buildPoolEntries(host, stats.volumeBackendName, 'nova', stats, at, compile);
    const start = this.pools.findIndex((p) => p.backendHost === host);
    // A new list, not changed in place: views of a pool list (capability columns…) are kept per list.
    this.pools = this.pools.slice();
    entries.forEach((e, k) => {
      this.pools[start + k] = e;
      this.usage[start + k] = initialUsage(e);
    });
  }
}


/** Every pool's first refusing filter and total weight in `e` are the reference's. */
function assertPoolsMatch(e: ReturnType<FilterScheduler['explain']>, expected: ReturnType<Reference['decide']>, where: string): void {
  e.pools.forEach((p, i) => {
    assert.equal(p.verdicts.find((v) => !v.passed)?.filter ?? null, expected.rejectedBy[i], `${where}: ${p.poolHost}`);
    const t = expected.totals[i];
    if (t === null) assert.equal(p.totalWeight, undefined, `${where}: ${p.poolHost}`);
    else assert.ok(Math.abs(p.totalWeight! - t) < 1e-5, `${where}: ${p.poolHost} weighs ${p.totalWeight}, expected ${t}`);
  });
}

test('placement agrees with the straightforward evaluation of every filter and weigher', () => {
  let placed = 0;
  let refused = 0;
  const rejections = new Map<string, number>();
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed);
    const clock = new ManualClock();
    const scheduler = new FilterScheduler({ clock, weighers: WEIGHERS });
    const reports: [string, BackendStats, Date][] = [];
    const backends = 1 + Math.floor(r() * 4);
    // One case in three gives every pool the same functions (the path for a list with one expression).
    const shared = seed % 3 === 0 ? { filter: FILTER_FUNCTIONS[seed % FILTER_FUNCTIONS.length], goodness: GOODNESS_FUNCTIONS[seed % GOODNESS_FUNCTIONS.length] } : undefined;
    for (let b = 0; b < backends; b++) {
      const pools = Array.from({ length: 1 + Math.floor(r() * 40) }, (_, p) => randomPool(r, p, shared));
      // Now and then a backend reports long before the others, and is down by the time of placing.
      clock.advance(r() < 0.2 ? 90 : 1);
      reports.push([`host${b}@backend${b}`, report(`backend${b}`, pools), clock.now()]);
    }
    for (const [host, stats, at] of reports) scheduler.updateBackend(host, stats.volumeBackendName, 'nova', stats, at);
    const ref = new Reference(reports, scheduler);
    for (let k = 0; k < 25; k++) {
      const req = request(1 + Math.floor(r() * 300), { extraSpecs: SPEC_SETS[Math.floor(r() * SPEC_SETS.length)]! });
      const expected = ref.decide(req, clock.now().getTime());
      const e = scheduler.explain(req);
      const where = `seed ${seed}, request ${k} (${req.volume.size} GiB, ${JSON.stringify(req.extraSpecs)})`;
      assert.equal(e.chosen, expected.chosen, where);
      for (const f of expected.rejectedBy) if (f !== null) rejections.set(f, (rejections.get(f) ?? 0) + 1);
      assertPoolsMatch(e, expected, where);
      if (expected.chosen === null) {
        assert.throws(() => scheduler.place(req));
        refused++;
        continue;
      }
      assert.equal(scheduler.place(req).poolHost, expected.chosen, where);
      ref.consume(expected.chosen, req.volume.size);
      placed++;
    }
  }
  assert.ok(placed > 100 && refused > 20, `placed ${placed}, refused ${refused}: both outcomes must be exercised`);
  for (const f of ['StaleBackendFilter', 'ValidExpressionsFilter', 'CapacityFilter', 'CapabilitiesFilter', 'DriverFilter']) {
    assert.ok((rejections.get(f) ?? 0) > 0, `${f} rejected no pool in any case: ${JSON.stringify([...rejections])}`);
  }
});

/** Sizes a few volume types would ask for, so request bindings recur; now and then another. */
const SIZES = [1, 2, 5, 10, 0.5, 50, 120];

test('placement agrees with the straightforward evaluation as usage changes between placements', () => {
  let placed = 0;
  let grown = 0;
  let released = 0;
  let reported = 0;
  for (let seed = 101; seed <= 150; seed++) {
    const r = rng(seed);
    const clock = new ManualClock();
    const scheduler = new FilterScheduler({ clock, weighers: WEIGHERS });
    const reports: [string, BackendStats, Date][] = [];
    // Most cases give every pool the same functions: the path that keeps outcomes for every row.
    const shared = seed % 4 !== 0 ? { filter: FILTER_FUNCTIONS[seed % FILTER_FUNCTIONS.length], goodness: GOODNESS_FUNCTIONS[seed % GOODNESS_FUNCTIONS.length] } : undefined;
    const sizes: number[] = [];
    const backends = 1 + Math.floor(r() * 3);
    for (let b = 0; b < backends; b++) {
      const n = 1 + Math.floor(r() * 40);
      sizes.push(n);
      clock.advance(1);
      reports.push([`host${b}@backend${b}`, report(`backend${b}`, Array.from({ length: n }, (_, p) => randomPool(r, p, shared))), clock.now()]);
    }
    for (const [host, stats, at] of reports) scheduler.updateBackend(host, stats.volumeBackendName, 'nova', stats, at);
    const ref = new Reference(reports, scheduler);
    const volumes: { poolHost: string; size: number }[] = [];
    const oldExplanations: ReturnType<FilterScheduler['place']>['explanation'][] = [];
    for (let k = 0; k < 60; k++) {
      const action = r();
      if (action < 0.1 && volumes.length > 0) {
        const v = volumes[Math.floor(r() * volumes.length)]!;
        const by = SIZES[Math.floor(r() * SIZES.length)]!;
        scheduler.grow(v.poolHost, by);
        ref.grow(v.poolHost, by);
        v.size += by;
        grown++;
        continue;
      }
      if (action < 0.2 && volumes.length > 0) {
        const [v] = volumes.splice(Math.floor(r() * volumes.length), 1);
        scheduler.release(v!.poolHost, v!.size);
        ref.release(v!.poolHost, v!.size);
        released++;
        continue;
      }
      if (action < 0.27) {
        // A backend reports the same pools with new numbers: the carried-over columns path.
        const b = Math.floor(r() * backends);
        clock.advance(1);
        const stats = report(`backend${b}`, Array.from({ length: sizes[b]! }, (_, p) => randomPool(r, p, shared)));
        scheduler.updateBackend(`host${b}@backend${b}`, stats.volumeBackendName, 'nova', stats, clock.now());
        ref.report(`host${b}@backend${b}`, stats, clock.now());
        reported++;
        continue;
      }
      if (action < 0.3 && oldExplanations.length > 0) {
        // An explanation of an earlier placement read late: its snapshot is decided again.
        const old = oldExplanations[Math.floor(r() * oldExplanations.length)]!;
        assert.ok(old.pools.length > 0);
        continue;
      }
      const size = r() < 0.85 ? SIZES[Math.floor(r() * SIZES.length)]! : 1 + Math.floor(r() * 300);
      const req = request(size, { extraSpecs: SPEC_SETS[Math.floor(r() * SPEC_SETS.length)]! });
      const expected = ref.decide(req, clock.now().getTime());
      const e = scheduler.explain(req);
      const where = `seed ${seed}, step ${k} (${size} GiB, ${JSON.stringify(req.extraSpecs)})`;
      assert.equal(e.chosen, expected.chosen, where);
      assertPoolsMatch(e, expected, where);
      if (expected.chosen === null) {
        assert.throws(() => scheduler.place(req));
        continue;
      }
      const placement = scheduler.place(req);
      assert.equal(placement.poolHost, expected.chosen, where);
      ref.consume(expected.chosen, size);
      volumes.push({ poolHost: expected.chosen, size });
      if (r() < 0.2) oldExplanations.push(placement.explanation);
      placed++;
    }
  }
  assert.ok(placed > 500 && grown > 50 && released > 50 && reported > 50, `placed ${placed}, grown ${grown}, released ${released}, re-reported ${reported}`);
});
