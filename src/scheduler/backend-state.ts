// Per-pool state built from a stats report: capabilities by Cinder's names, compiled expressions, usage.
import type { BackendStats, Capacity, PoolStats } from '../drivers/interface/stats.js';
import { capabilityCell, type CapabilityCell } from './extra-specs-ops.js';
import { toVariables, type CompiledExpression, type Slot, type Value, type Variables } from './expression/index.js';

/** A filter_function or goodness_function as configured: compiled, or the reason it would not compile. */
export type ExpressionSlot =
  | { source: string; compiled: CompiledExpression; error?: undefined; request?: RequestBinding; bindingIds?: Map<string, number> }
  | { source: string; compiled?: undefined; error: string; request?: undefined };

/** The request variables bound for the placement in progress, cached on the shared slot. */
export interface RequestBinding {
  owner: object;
  frame: readonly Slot[];
  /** The same for equal frames (of this slot), different for different ones: what memoised results are for. */
  id: number;
}

/** A pool expression with its pool variables resolved (once per stats report). */
export interface PoolExpression {
  slot: ExpressionSlot;
  /** capabilities.* / stats.* values in the compiled expression's order; empty if it did not compile. */
  poolFrame: Slot[];
}

/**
 * Capacity consumed on a pool. Immutable: a placement replaces the pool's usage object, so
 * an explanation can keep the usage it saw and be rebuilt exactly later.
 */
export interface PoolUsage {
  /** Free GiB; NaN when the backend reports capacity as infinite or unknown. */
  readonly freeGiB: number;
  readonly allocatedGiB: number;
  readonly provisionedGiB: number;
  readonly volumes: number;
  /** Unique per usage object (usage is never mutated), so results computed from it can be memoised. */
  readonly version: number;
  /** The same numbers by Cinder's names, in LIVE_CAPABILITIES order, for expressions and extra specs. */
  readonly live: readonly Slot[];
}

/** One pool, immutable until its backend's next stats report. */
export interface PoolEntry {
  readonly backendHost: string;
  readonly backendName: string;
  readonly poolName: string;
  readonly poolHost: string;
  readonly availabilityZone: string;
  readonly stats: PoolStats;
  readonly backend: Omit<BackendStats, 'pools'>;
  readonly updatedAt: Date;
  readonly updatedAtMs: number;
  readonly capacity: Capacity;
  /** Total GiB, NaN when infinite or unknown. */
  readonly totalGiB: number;
  // Hot PoolStats fields copied flat, so a filter over 10,000 pools touches one object per pool.
  readonly capacityKnown: boolean;
  readonly reservedPercentage: number;
  /** GiB kept free: floor(total × reserved%), as Cinder computes it; NaN when total is not known. */
  readonly reserveGiB: number;
  readonly maxOverSubscriptionRatio: number;
  readonly thin: boolean;
  readonly thick: boolean;
  readonly multiattach: boolean;
  readonly volumeBackendName: string;
  /** Capabilities for extra-spec matching: PoolStats fields by Cinder's names plus stats.capabilities. */
  readonly capabilities: ReadonlyMap<string, CapabilityCell>;
  readonly exprCapabilities: Variables;
  readonly exprStats: Variables;
  readonly filterFunction: PoolExpression | null;
  readonly goodnessFunction: PoolExpression | null;
  /** Why this pool's expressions cannot be used, for the backend's status. */
  readonly expressionErrors: readonly string[];
}

/** Capability names whose values change as volumes are placed; read from PoolUsage.live in this order. */
export const LIVE_CAPABILITIES: readonly string[] = ['free_capacity_gb', 'allocated_capacity_gb', 'provisioned_capacity_gb', 'total_volumes'];

function capacityValue(c: Capacity, pick: 'totalGiB' | 'freeGiB'): Value {
  return c.known ? c[pick] : c.reason;
}

/** Build the entries for every pool of one backend's report. */
export function buildPoolEntries(
  backendHost: string,
  backendName: string,
  availabilityZone: string,
  report: BackendStats,
  at: Date,
  compile: (source: string) => ExpressionSlot,
): PoolEntry[] {
  const { pools, ...backend } = report;
  return pools.map((p) => {
    // Cinder's names for the typed fields; driver capabilities come first so typed fields win.
    const named: Record<string, Value> = {
      ...p.capabilities,
      pool_name: p.poolName,
      volume_backend_name: report.volumeBackendName,
      vendor_name: report.vendorName,
      driver_version: report.driverVersion,
      storage_protocol: report.storageProtocol,
      total_capacity_gb: capacityValue(p.capacity, 'totalGiB'),
      free_capacity_gb: capacityValue(p.capacity, 'freeGiB'),
      allocated_capacity_gb: p.allocatedCapacityGiB,
      provisioned_capacity_gb: p.provisionedCapacityGiB,
      thin_provisioning_support: p.thinProvisioningSupport,
      thick_provisioning_support: p.thickProvisioningSupport,
      max_over_subscription_ratio: p.maxOverSubscriptionRatio,
      reserved_percentage: p.reservedPercentage,
      multiattach: p.multiattach,
      online_extend_support: p.onlineExtendSupport,
      QoS_support: p.qosSupport,
      total_volumes: p.totalVolumes ?? 0,
    };
    if (p.filterFunction !== undefined) named.filter_function = p.filterFunction;
    if (p.goodnessFunction !== undefined) named.goodness_function = p.goodnessFunction;
    const capabilities = new Map<string, CapabilityCell>();
    for (const k of Object.keys(named)) capabilities.set(k, capabilityCell(named[k]));
    const exprCapabilities = toVariables(named);
    const hostStats = toVariables({
      host: backendHost,
      volume_backend_name: report.volumeBackendName,
      vendor_name: report.vendorName,
      driver_version: report.driverVersion,
      storage_protocol: report.storageProtocol,
      QoS_support: p.qosSupport,
      total_capacity_gb: capacityValue(p.capacity, 'totalGiB'),
      free_capacity_gb: capacityValue(p.capacity, 'freeGiB'),
      allocated_capacity_gb: p.allocatedCapacityGiB,
      reserved_percentage: p.reservedPercentage,
    });
    const bind = (source: string | undefined): PoolExpression | null => {
      if (!source?.trim()) return null;
      const slot = compile(source);
      const poolFrame = slot.compiled ? slot.compiled.bindPool(exprCapabilities, hostStats) : [];
      return { slot, poolFrame };
    };
    const filterFunction = bind(p.filterFunction);
    const goodnessFunction = bind(p.goodnessFunction);
    const expressionErrors: string[] = [];
    if (filterFunction?.slot.error) expressionErrors.push(`filter_function '${filterFunction.slot.source}' is invalid: ${filterFunction.slot.error}`);
    if (goodnessFunction?.slot.error) expressionErrors.push(`goodness_function '${goodnessFunction.slot.source}' is invalid: ${goodnessFunction.slot.error}`);
    return {
      backendHost,
      backendName,
      poolName: p.poolName,
      poolHost: `${backendHost}#${p.poolName}`,
      availabilityZone,
      stats: p,
      backend,
      updatedAt: at,
      updatedAtMs: at.getTime(),
      capacity: p.capacity,
      totalGiB: p.capacity.known ? p.capacity.totalGiB : NaN,
      capacityKnown: p.capacity.known,
      reservedPercentage: p.reservedPercentage,
      reserveGiB: p.capacity.known ? Math.floor((p.capacity.totalGiB * p.reservedPercentage) / 100) : NaN,
      maxOverSubscriptionRatio: p.maxOverSubscriptionRatio,
      thin: p.thinProvisioningSupport,
      thick: p.thickProvisioningSupport,
      multiattach: p.multiattach,
      volumeBackendName: report.volumeBackendName,
      capabilities,
      exprCapabilities,
      exprStats: hostStats,
      filterFunction,
      goodnessFunction,
      expressionErrors,
    };
  });
}

let usageVersions = 0;

function usage(capacity: Capacity, freeGiB: number, allocatedGiB: number, provisionedGiB: number, volumes: number): PoolUsage {
  const live: Slot[] = [capacity.known ? freeGiB : capacity.reason, allocatedGiB, provisionedGiB, volumes];
  return { freeGiB, allocatedGiB, provisionedGiB, volumes, version: ++usageVersions, live };
}

export function initialUsage(e: PoolEntry): PoolUsage {
  const s = e.stats;
  return usage(e.capacity, e.capacity.known ? e.capacity.freeGiB : NaN, s.allocatedCapacityGiB, s.provisionedCapacityGiB, s.totalVolumes ?? 0);
}

/** Usage after placing a volume of `sizeGiB` (Cinder's consume_from_volume: free shrinks for thin pools too). */
export function consume(e: PoolEntry, u: PoolUsage, sizeGiB: number): PoolUsage {
  return usage(e.capacity, u.freeGiB - sizeGiB, u.allocatedGiB + sizeGiB, u.provisionedGiB + sizeGiB, u.volumes + 1);
}

/** Usage after a placed volume grew by `sizeGiB` (extend): the same pool, no new volume. */
export function grow(e: PoolEntry, u: PoolUsage, sizeGiB: number): PoolUsage {
  return usage(e.capacity, u.freeGiB - sizeGiB, u.allocatedGiB + sizeGiB, u.provisionedGiB + sizeGiB, u.volumes);
}

/** Usage after giving a volume's capacity back; never above the reported total or below zero. */
export function giveBack(e: PoolEntry, u: PoolUsage, sizeGiB: number): PoolUsage {
  const free = Math.min(u.freeGiB + sizeGiB, e.totalGiB);
  return usage(e.capacity, free, Math.max(0, u.allocatedGiB - sizeGiB), Math.max(0, u.provisionedGiB - sizeGiB), Math.max(0, u.volumes - 1));
}

/** A capability by Cinder's name, live values included; undefined if the pool does not report it. */
export function lookupCapability(e: PoolEntry, u: PoolUsage, key: string): CapabilityCell | undefined {
  const live = LIVE_CAPABILITIES.indexOf(key);
  if (live >= 0) return capabilityCell(u.live[live] as Value);
  return e.capabilities.get(key);
}

/** One capability across a pool list: each pool's cell, and the few distinct values as small codes. */
export interface CapabilityColumn {
  readonly cells: readonly (CapabilityCell | undefined)[];
  /** Index into `distinct` per pool, -1 where the pool does not report the capability. */
  readonly codes: Int32Array;
  readonly distinct: readonly CapabilityCell[];
}

const columns = new WeakMap<readonly PoolEntry[], Map<string, CapabilityColumn>>();

/**
 * One capability across every pool of a pool list, built once per list (pool lists never change
 * in place). Cells are interned, so 10,000 pools usually hold a handful of distinct values and a
 * requirement is matched once per value, not once per pool.
 */
export function capabilityColumn(pools: readonly PoolEntry[], key: string): CapabilityColumn {
  let byKey = columns.get(pools);
  if (byKey === undefined) columns.set(pools, (byKey = new Map()));
  let col = byKey.get(key);
  if (col === undefined) {
    const cells = pools.map((p) => p.capabilities.get(key));
    const codes = new Int32Array(cells.length);
    const distinct: CapabilityCell[] = [];
    const index = new Map<CapabilityCell, number>();
    cells.forEach((c, i) => {
      if (c === undefined) {
        codes[i] = -1;
        return;
      }
      let k = index.get(c);
      if (k === undefined) index.set(c, (k = distinct.push(c) - 1));
      codes[i] = k;
    });
    col = { cells, codes, distinct };
    byKey.set(key, col);
  }
  return col;
}

/** Past this many distinct values a carried column is rebuilt instead, dropping values no pool holds any more. */
const MAX_CARRIED_DISTINCT = 256;

/**
 * The capability columns of `next`, a pool list equal to `prev` but at the `changed` indices:
 * `prev`'s columns copied with those cells re-interned, so the first placement after one
 * backend's report does not rebuild every column from every pool.
 */
export function carryCapabilityColumns(prev: readonly PoolEntry[], next: readonly PoolEntry[], changed: readonly number[]): void {
  const byKey = columns.get(prev);
  if (byKey === undefined) return;
  const carried = new Map<string, CapabilityColumn>();
  for (const [key, col] of byKey) {
    const cells = col.cells.slice();
    const codes = col.codes.slice();
    const distinct = col.distinct.slice();
    const index = new Map<CapabilityCell, number>(distinct.map((c, k) => [c, k]));
    for (const i of changed) {
      const c = next[i].capabilities.get(key);
      cells[i] = c;
      if (c === undefined) {
        codes[i] = -1;
        continue;
      }
      let k = index.get(c);
      if (k === undefined) index.set(c, (k = distinct.push(c) - 1));
      codes[i] = k;
    }
    if (distinct.length <= MAX_CARRIED_DISTINCT) carried.set(key, { cells, codes, distinct });
  }
  columns.set(next, carried);
}
