// Builders for scheduler tests and benchmarks: stats reports, pools and placement requests.
import type { BackendStats, PoolStats } from '../../src/drivers/interface/stats.js';
import { POOL_DEFAULTS } from '../../src/drivers/interface/stats.js';
import type { Clock } from '../../src/util/clock.js';
import type { PlacementRequest } from '../../src/scheduler/scheduler.js';
import { LIVE_CAPABILITIES, buildPoolEntries, capabilityColumn, initialUsage, type PoolEntry, type PoolUsage } from '../../src/scheduler/backend-state.js';
import { compileExpression } from '../../src/scheduler/expression/index.js';
import { prepareRequest } from '../../src/scheduler/request-context.js';
import { poolColumns, usageColumns } from '../../src/scheduler/pool-columns.js';
import { UsageList } from '../../src/scheduler/usage-list.js';
import type { PoolFilter } from '../../src/scheduler/filters/pool-filter.js';
import type { PoolWeigher } from '../../src/scheduler/weighers/pool-weigher.js';

export function pool(poolName: string, over: Partial<PoolStats> & { total?: number; free?: number } = {}): PoolStats {
  const { total = 100, free = total, ...rest } = over;
  return {
    poolName,
    capacity: { known: true, totalGiB: total, freeGiB: free },
    provisionedCapacityGiB: 0,
    allocatedCapacityGiB: 0,
    ...POOL_DEFAULTS,
    capabilities: {},
    ...rest,
  };
}

export function report(volumeBackendName: string, pools: PoolStats[], over: Partial<BackendStats> = {}): BackendStats {
  return {
    volumeBackendName,
    vendorName: 'Open Source',
    driverVersion: '1.0',
    storageProtocol: 'iSCSI',
    operations: [],
    pools,
    ...over,
  };
}

let seq = 0;
export function request(size: number, over: Omit<Partial<PlacementRequest>, 'volume'> & { volume?: Partial<PlacementRequest['volume']> } = {}): PlacementRequest {
  const { volume, ...rest } = over;
  return {
    volume: { id: `vol-${++seq}`, size, volumeTypeId: null, availabilityZone: null, multiattach: false, metadata: {}, ...volume },
    extraSpecs: {},
    qosSpecs: {},
    hints: {},
    excludeHosts: [],
    ...rest,
  };
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** One pool as filters and weighers see it, built the way the scheduler builds it. */
export function entryOf(
  stats: PoolStats,
  opts: { backendHost?: string; az?: string; at?: Date; backend?: Partial<BackendStats>; usage?: Partial<Pick<PoolUsage, 'freeGiB' | 'provisionedGiB'>> } = {},
): { pool: PoolEntry; usage: PoolUsage } {
  const [pool] = buildPoolEntries(
    opts.backendHost ?? 'host1@be1',
    'be1',
    opts.az ?? 'nova',
    report('be1', [stats], opts.backend),
    opts.at ?? new Date(Date.UTC(2026, 0, 1)),
    (source) => {
      try {
        return { source, compiled: compileExpression(source, { live: LIVE_CAPABILITIES }) };
      } catch (e) {
        return { source, error: (e as Error).message };
      }
    },
  );
  let usage = initialUsage(pool);
  if (opts.usage) usage = { ...usage, ...opts.usage };
  return { pool, usage };
}

/** Run one filter against one pool: the verdict and the reason a user would read. */
export function judge(
  filter: PoolFilter,
  stats: PoolStats,
  req: PlacementRequest,
  opts: Parameters<typeof entryOf>[1] & { now?: Date } = {},
): { passed: boolean; reason: string } {
  const { pool, usage } = entryOf(stats, opts);
  const ctx = prepareRequest(req, (opts.now ?? new Date(Date.UTC(2026, 0, 1))).getTime());
  ctx.specColumns = ctx.capabilitySpecs.map((s) => capabilityColumn([pool], s.capability));
  ctx.poolCols = poolColumns([pool]);
  ctx.usageCols = usageColumns(UsageList.from([usage]), [pool]);
  const passed = filter.passes(pool, usage, ctx, 0);
  const from = Int32Array.of(0);
  const to = new Int32Array(1);
  if (filter.filterAll([pool], UsageList.from([usage]), ctx, from, 1, to) !== (passed ? 1 : 0)) throw new Error('filterAll disagrees with passes');
  return { passed, reason: filter.describe(pool, usage, ctx, 0) };
}

/** Raw weight of one pool under one weigher, and its description. */
export function rawWeight(weigher: PoolWeigher, stats: PoolStats, req: PlacementRequest, opts: Parameters<typeof entryOf>[1] = {}): { raw: number; reason: string } {
  const { pool, usage } = entryOf(stats, opts);
  const ctx = prepareRequest(req, Date.UTC(2026, 0, 1));
  ctx.poolCols = poolColumns([pool]);
  ctx.usageCols = usageColumns(UsageList.from([usage]), [pool]);
  const raw = weigher.weigh(pool, usage, ctx);
  const out = new Float64Array(1);
  weigher.weighAll([pool], UsageList.from([usage]), ctx, Int32Array.of(0), 1, out);
  if (!Object.is(out[0], raw)) throw new Error(`weighAll gave ${out[0]}, weigh gave ${raw}`);
  return { raw, reason: weigher.describe(pool, usage, ctx) };
}
