// Cinder's filter scheduler: filter pools, weigh the survivors, place on the best and account for it at once.
import { schedulerPlacementDuration, schedulerPlacements, schedulerRefusals } from '../util/metrics.js';
import { ConfigError, InvalidInput, NoValidBackend } from '../errors/errors.js';
import type { BackendStats } from '../drivers/interface/stats.js';
import { systemClock, type Clock } from '../util/clock.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import type { Explanation, Placement, PlacementRequest, PoolState, Scheduler } from './scheduler.js';
import { LIVE_CAPABILITIES, buildPoolEntries, carryCapabilityColumns, consume, giveBack, grow, initialUsage, type ExpressionSlot, type PoolEntry, type PoolUsage } from './backend-state.js';
import { decide, type Snapshot } from './decide.js';
import { carryPoolColumns, moveUsageColumns } from './pool-columns.js';
import { carryExpressionColumns } from './pool-expression.js';
import { UsageList } from './usage-list.js';
import { explainPools, lazyExplanation, summarize } from './explanation.js';
import { compileExpression } from './expression/index.js';
import { prepareRequest, type RequestContext } from './request-context.js';
import type { PoolFilter } from './filters/pool-filter.js';
import { StaleBackendFilter } from './filters/stale-backend-filter.js';
import { RetryFilter } from './filters/retry-filter.js';
import { ValidExpressionsFilter } from './filters/valid-expressions-filter.js';
import { AvailabilityZoneFilter } from './filters/availability-zone-filter.js';
import { CapacityFilter } from './filters/capacity-filter.js';
import { CapabilitiesFilter } from './filters/capabilities-filter.js';
import { SameBackendFilter } from './filters/same-backend-filter.js';
import { DifferentBackendFilter } from './filters/different-backend-filter.js';
import { DriverFilter } from './filters/driver-filter.js';
import type { PoolWeigher } from './weighers/pool-weigher.js';
import { CapacityWeigher } from './weighers/capacity-weigher.js';
import { AllocatedCapacityWeigher } from './weighers/allocated-capacity-weigher.js';
import { GoodnessWeigher } from './weighers/goodness-weigher.js';
import { VolumeNumberWeigher } from './weighers/volume-number-weigher.js';

export interface FilterSchedulerConfig {
  /** Filters in the order they run (scheduler_default_filters). StaleBackendFilter, ValidExpressionsFilter and RetryFilter always run first. */
  filters?: string[];
  /** Weighers (scheduler_default_weighers); default CapacityWeigher and GoodnessWeigher. */
  weighers?: string[];
  /** Multiplier per weigher name (capacity_weight_multiplier, allocated_capacity_weight_multiplier, …). */
  multipliers?: Partial<Record<string, number>>;
  /** scheduler_max_attempts: a volume is tried on at most this many backends (default 3). */
  schedulerMaxAttempts?: number;
  /** service_down_time in seconds: a backend silent for longer is skipped (default 60). */
  serviceDownTime?: number;
  clock?: Clock;
  logger?: Logger;
}

const FILTERS: Record<string, (c: Required<Pick<FilterSchedulerConfig, 'serviceDownTime'>>) => PoolFilter> = {
  AvailabilityZoneFilter: () => new AvailabilityZoneFilter(),
  CapacityFilter: () => new CapacityFilter(),
  CapabilitiesFilter: () => new CapabilitiesFilter(),
  SameBackendFilter: () => new SameBackendFilter(),
  DifferentBackendFilter: () => new DifferentBackendFilter(),
  DriverFilter: () => new DriverFilter(),
};
const WEIGHERS: Record<string, (m: number | undefined) => PoolWeigher> = {
  CapacityWeigher: (m) => new CapacityWeigher(m),
  AllocatedCapacityWeigher: (m) => new AllocatedCapacityWeigher(m),
  GoodnessWeigher: (m) => new GoodnessWeigher(m),
  VolumeNumberWeigher: (m) => new VolumeNumberWeigher(m),
};
export const DEFAULT_FILTERS = ['AvailabilityZoneFilter', 'CapacityFilter', 'CapabilitiesFilter', 'SameBackendFilter', 'DifferentBackendFilter', 'DriverFilter'];
export const DEFAULT_WEIGHERS = ['CapacityWeigher', 'GoodnessWeigher'];

/** NoValidBackend carrying the explanation, so the API and user messages can show why. */
export class NoValidBackendError extends NoValidBackend {
  constructor(readonly explanation: Explanation) {
    super(explanation.summary);
  }
}

function known<T>(kind: string, table: Record<string, T>, name: string): T {
  if (!Object.hasOwn(table, name)) throw new ConfigError(`Unknown scheduler ${kind} '${name}'; known: ${Object.keys(table).join(', ')}.`);
  return table[name];
}

export class FilterScheduler implements Scheduler {
  readonly filters: readonly PoolFilter[];
  readonly weighers: readonly PoolWeigher[];
  private readonly maxAttempts: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly backends = new Map<string, PoolEntry[]>();
  private snap: Snapshot = { pools: [], usage: UsageList.from([]) };
  private index = new Map<string, number>();
  /** Compiled expressions by source text, shared by every pool using the same text. */
  private readonly compiled = new Map<string, ExpressionSlot>();
  private compilations = 0;

  constructor(config: FilterSchedulerConfig = {}) {
    const serviceDownTime = config.serviceDownTime ?? 60;
    if (!(serviceDownTime > 0)) throw new ConfigError(`service_down_time must be a positive number of seconds, got ${serviceDownTime}.`);
    this.maxAttempts = config.schedulerMaxAttempts ?? 3;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new ConfigError(`scheduler_max_attempts must be an integer of at least 1, got ${config.schedulerMaxAttempts}.`);
    }
    const multipliers = config.multipliers ?? {};
    for (const name of Object.keys(multipliers)) {
      known('weigher', WEIGHERS, name);
      const m = multipliers[name];
      if (m !== undefined && !Number.isFinite(m)) throw new ConfigError(`Multiplier for ${name} must be a finite number.`);
    }
    this.filters = [
      new StaleBackendFilter(serviceDownTime),
      new ValidExpressionsFilter(),
      new RetryFilter(),
      // The two always-on filters may be named in the list too (Cinder configs often list RetryFilter).
      ...(config.filters ?? DEFAULT_FILTERS)
        .filter((n) => n !== 'StaleBackendFilter' && n !== 'ValidExpressionsFilter' && n !== 'RetryFilter')
        .map((n) => known('filter', FILTERS, n)({ serviceDownTime })),
    ];
    this.weighers = (config.weighers ?? DEFAULT_WEIGHERS).map((n) => known('weigher', WEIGHERS, n)(multipliers[n]));
    this.clock = config.clock ?? systemClock;
    this.log = config.logger ?? rootLogger;
  }

  /** How many times an expression has been parsed and compiled (tests check reports reuse them). */
  get expressionCompilations(): number {
    return this.compilations;
  }

  updateBackend(backendHost: string, backendName: string, availabilityZone: string, stats: BackendStats, at: Date): void {
    const entries = buildPoolEntries(backendHost, backendName, availabilityZone, stats, at, (src) => this.compile(src));
    for (const e of entries) {
      for (const problem of e.expressionErrors) {
        this.log.error({ pool: e.poolHost, problem }, `Pool ${e.poolHost} is filtered out: ${problem}`);
      }
    }
    const previous = this.backends.get(backendHost);
    this.backends.set(backendHost, entries);
    if (!this.replacePools(previous, entries)) this.rebuild(new Set([backendHost]));
    this.pruneCompiled();
  }

  place(req: PlacementRequest): Placement {
    const started = process.hrtime.bigint();
    const ctx = this.prepare(req);
    const snap = this.snap;
    const d = decide(snap, ctx, this.filters, this.weighers);
    schedulerPlacementDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    schedulerPlacements.inc({ outcome: d.chosen >= 0 ? 'placed' : 'refused' });
    for (let f = 0; f < d.rejected.length; f++) if (d.rejected[f]! > 0) schedulerRefusals.inc({ filter: this.filters[f]!.name }, d.rejected[f]);
    const chosen = d.chosen >= 0 ? snap.pools[d.chosen] : null;
    const summary = summarize(snap, ctx, this.filters, d);
    const explanation = lazyExplanation(chosen?.poolHost ?? null, summary, () => explainPools(snap, ctx, this.filters, this.weighers));
    if (chosen === null) throw new NoValidBackendError(explanation);
    // Consume at once, inside this synchronous call, so the next request sees the capacity gone.
    const usage = snap.usage.with(d.chosen, consume(chosen, snap.usage.get(d.chosen), ctx.sizeGiB));
    moveUsageColumns(snap.usage, usage, d.chosen, snap.pools);
    this.snap = { pools: snap.pools, usage };
    return { poolHost: chosen.poolHost, backendHost: chosen.backendHost, backendName: chosen.backendName, poolName: chosen.poolName, explanation };
  }

  explain(req: PlacementRequest): Explanation {
    let ctx: RequestContext;
    try {
      ctx = this.prepare(req);
    } catch (e) {
      if (e instanceof NoValidBackendError) return e.explanation;
      throw e;
    }
    const snap = this.snap;
    const d = decide(snap, ctx, this.filters, this.weighers);
    return {
      chosen: d.chosen >= 0 ? snap.pools[d.chosen].poolHost : null,
      pools: explainPools(snap, ctx, this.filters, this.weighers),
      summary: summarize(snap, ctx, this.filters, d),
    };
  }

  grow(poolHost: string, sizeGiB: number): void {
    const i = this.index.get(poolHost);
    if (i === undefined) return;
    const usage = this.snap.usage.with(i, grow(this.snap.pools[i], this.snap.usage.get(i), sizeGiB));
    moveUsageColumns(this.snap.usage, usage, i, this.snap.pools);
    this.snap = { pools: this.snap.pools, usage };
  }

  release(poolHost: string, sizeGiB: number): void {
    const i = this.index.get(poolHost);
    if (i === undefined) return; // the backend has gone or re-reported; its next report is the truth
    const usage = this.snap.usage.with(i, giveBack(this.snap.pools[i], this.snap.usage.get(i), sizeGiB));
    moveUsageColumns(this.snap.usage, usage, i, this.snap.pools);
    this.snap = { pools: this.snap.pools, usage };
  }

  pools(): PoolState[] {
    const { pools, usage } = this.snap;
    return pools.map((e, i) => {
      const u = usage.get(i);
      const capacity = e.capacity.known ? { ...e.capacity, freeGiB: u.freeGiB } : e.capacity;
      const stats = { ...e.stats, capacity, allocatedCapacityGiB: u.allocatedGiB, provisionedCapacityGiB: u.provisionedGiB, totalVolumes: u.volumes };
      const s: PoolState = {
        backendHost: e.backendHost,
        backendName: e.backendName,
        availabilityZone: e.availabilityZone,
        poolHost: e.poolHost,
        stats,
        backend: e.backend,
        updatedAt: e.updatedAt,
      };
      if (e.expressionErrors.length > 0) s.expressionErrors = [...e.expressionErrors];
      return s;
    });
  }

  private prepare(req: PlacementRequest): RequestContext {
    const size = req.volume.size;
    if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0) {
      throw new InvalidInput(`volume.size must be a positive number of GiB, got ${size}.`);
    }
    const ctx = prepareRequest(req, this.clock.now().getTime());
    const tried = req.excludeHosts ?? [];
    if (tried.length >= this.maxAttempts) {
      const summary = `No valid backend for ${size} GiB volume ${req.volume.id}: exceeded scheduler_max_attempts (${this.maxAttempts}); already tried ${tried.join(', ')}`;
      throw new NoValidBackendError({ chosen: null, pools: [], summary });
    }
    return ctx;
  }

  private compile(source: string): ExpressionSlot {
    let slot = this.compiled.get(source);
    if (slot === undefined) {
      this.compilations++;
      try {
        slot = { source, compiled: compileExpression(source, { live: LIVE_CAPABILITIES }) };
      } catch (e) {
        slot = { source, error: e instanceof Error ? e.message : String(e) };
      }
      this.compiled.set(source, slot);
    }
    return slot;
  }

  /**
   * A backend re-reported the pools it had: its entries replace the old ones where they were,
   * and the views placement reads (columns, interned capabilities, remembered expression
   * outcomes) are carried over with only those rows redone, so the first placement after a
   * report costs about what a warm one does. False when the backend's pool list changed.
   */
  private replacePools(previous: readonly PoolEntry[] | undefined, entries: readonly PoolEntry[]): boolean {
    if (previous === undefined || previous.length !== entries.length) return false;
    const at: number[] = [];
    for (let k = 0; k < entries.length; k++) {
      const i = this.index.get(entries[k].poolHost);
      if (i === undefined || this.snap.pools[i] !== previous[k]) return false;
      at.push(i);
    }
    const old = this.snap;
    const pools = old.pools.slice();
    for (let k = 0; k < at.length; k++) pools[at[k]] = entries[k];
    const usage = old.usage.withAll(at.map((i, k) => [i, initialUsage(entries[k])] as const));
    carryPoolColumns(old.pools, pools, at);
    carryCapabilityColumns(old.pools, pools, at);
    carryExpressionColumns(old.pools, pools, at);
    moveUsageColumns(old.usage, usage, at, pools);
    this.snap = { pools, usage };
    return true;
  }

  /** Rebuild the flat pool list; usage of backends that did not report is kept. */
  private rebuild(reported: Set<string>): void {
    const old = this.snap;
    const pools: PoolEntry[] = [];
    const usage: PoolUsage[] = [];
    const index = new Map<string, number>();
    for (const [host, entries] of this.backends) {
      for (const e of entries) {
        const prev = reported.has(host) ? undefined : this.index.get(e.poolHost);
        index.set(e.poolHost, pools.length);
        pools.push(e);
        usage.push(prev === undefined ? initialUsage(e) : old.usage.get(prev));
      }
    }
    this.snap = { pools, usage: UsageList.from(usage) };
    this.index = index;
  }

  private pruneCompiled(): void {
    if (this.compiled.size < 64) return;
    const used = new Set<string>();
    for (const entries of this.backends.values()) {
      for (const e of entries) {
        if (e.filterFunction) used.add(e.filterFunction.slot.source);
        if (e.goodnessFunction) used.add(e.goodnessFunction.slot.source);
      }
    }
    for (const k of this.compiled.keys()) if (!used.has(k)) this.compiled.delete(k);
  }
}
