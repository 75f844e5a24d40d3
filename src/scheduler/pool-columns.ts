// Struct-of-arrays views of pool state: hot filters and weighers scan typed arrays, not 10,000 objects.
import type { UsageList } from './usage-list.js';
import type { PoolEntry } from './backend-state.js';
import { overLimit } from './division-limit.js';

export const KNOWN = 1;
export const THIN = 2;
export const THICK = 4;
export const MULTIATTACH = 8;
/** The pool's filter or goodness function does not parse. */
export const BAD_EXPRESSION = 16;

/** Fields fixed until the next stats report, one column per field, indexed like the pool list. */
export interface PoolColumns {
  readonly updatedAtMs: Float64Array;
  readonly totalGiB: Float64Array;
  readonly reserveGiB: Float64Array;
  readonly ratio: Float64Array;
  /** For thin pools, overLimit(total, ratio): over-subscribed when provisioned + size exceeds it (NaN: divide). */
  readonly thinLimit: Float64Array;
  /** KNOWN | THIN | THICK | MULTIATTACH | BAD_EXPRESSION bits. */
  readonly flags: Uint8Array;
}

/** Usage numbers, one column per field. */
export interface UsageColumns {
  readonly free: Float64Array;
  readonly provisioned: Float64Array;
  readonly allocated: Float64Array;
  readonly volumes: Float64Array;
  /** PoolUsage.version of each pool. */
  readonly version: Float64Array;
}

const poolCache = new WeakMap<readonly PoolEntry[], PoolColumns>();
const summaryCache = new WeakMap<PoolColumns, PoolSummary>();

/** Facts about a whole pool list, so a filter can tell at once that it rejects nothing. */
export interface PoolSummary {
  /** The oldest stats report among the pools (Infinity for no pools). */
  readonly oldestUpdateMs: number;
  /** How many pools have a filter or goodness function that does not parse. */
  readonly badExpressions: number;
}

/** The summary of a pool list's columns, computed once per list. */
export function poolSummary(c: PoolColumns): PoolSummary {
  let s = summaryCache.get(c);
  if (s === undefined) {
    let oldest = Infinity;
    let bad = 0;
    for (let i = 0; i < c.flags.length; i++) {
      const t = c.updatedAtMs[i];
      if (t !== t) oldest = -Infinity; // an invalid date is never recent enough: the filter must run
      else if (t < oldest) oldest = t;
      if ((c.flags[i] & BAD_EXPRESSION) !== 0) bad++;
    }
    s = { oldestUpdateMs: oldest, badExpressions: bad };
    summaryCache.set(c, s);
  }
  return s;
}
const usageCache = new WeakMap<UsageList, UsageColumns>();

export function poolColumns(pools: readonly PoolEntry[]): PoolColumns {
  let c = poolCache.get(pools);
  if (c !== undefined) return c;
  const n = pools.length;
  c = { updatedAtMs: new Float64Array(n), totalGiB: new Float64Array(n), reserveGiB: new Float64Array(n), ratio: new Float64Array(n), thinLimit: new Float64Array(n), flags: new Uint8Array(n) };
  for (let i = 0; i < n; i++) setPoolRow(c, i, pools[i]);
  poolCache.set(pools, c);
  return c;
}

function setPoolRow(c: PoolColumns, i: number, p: PoolEntry): void {
  c.updatedAtMs[i] = p.updatedAtMs;
  c.totalGiB[i] = p.totalGiB;
  c.reserveGiB[i] = p.reserveGiB;
  c.ratio[i] = p.maxOverSubscriptionRatio;
  c.thinLimit[i] = p.thin ? overLimit(p.totalGiB, p.maxOverSubscriptionRatio) : NaN;
  c.flags[i] = (p.capacityKnown ? KNOWN : 0) | (p.thin ? THIN : 0) | (p.thick ? THICK : 0) | (p.multiattach ? MULTIATTACH : 0) | (p.expressionErrors.length > 0 ? BAD_EXPRESSION : 0);
}

/**
 * Columns for `next`, a pool list equal to `prev` but at the `changed` indices (one backend
 * re-reported): `prev`'s columns copied and those rows rewritten, instead of rebuilt from every pool.
 */
export function carryPoolColumns(prev: readonly PoolEntry[], next: readonly PoolEntry[], changed: readonly number[]): void {
  const c = poolCache.get(prev);
  if (c === undefined) return;
  const d: PoolColumns = {
    updatedAtMs: c.updatedAtMs.slice(), totalGiB: c.totalGiB.slice(), reserveGiB: c.reserveGiB.slice(), ratio: c.ratio.slice(), thinLimit: c.thinLimit.slice(), flags: c.flags.slice(),
  };
  for (const i of changed) setPoolRow(d, i, next[i]);
  poolCache.set(next, d);
}

/** Columns for a usage list: the live ones if the scheduler handed them over, else rebuilt (explaining an old placement). */
export function usageColumns(usage: UsageList): UsageColumns {
  let c = usageCache.get(usage);
  if (c !== undefined) return c;
  const n = usage.length;
  c = { free: new Float64Array(n), provisioned: new Float64Array(n), allocated: new Float64Array(n), volumes: new Float64Array(n), version: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const u = usage.get(i);
    c.free[i] = u.freeGiB;
    c.provisioned[i] = u.provisionedGiB;
    c.allocated[i] = u.allocatedGiB;
    c.volumes[i] = u.volumes;
    c.version[i] = u.version;
  }
  usageCache.set(usage, c);
  return c;
}

/**
 * Hand the columns of `from` to its successor `to`, which differs at the `changed` indices only:
 * updated in place instead of copied, so a placement costs O(1) here. `from` loses them and
 * would rebuild them if an old explanation is ever read.
 */
export function moveUsageColumns(from: UsageList, to: UsageList, changed: number | readonly number[]): void {
  const c = usageCache.get(from);
  if (c === undefined) return;
  usageCache.delete(from);
  for (const i of typeof changed === 'number' ? [changed] : changed) {
    const u = to.get(i);
    c.free[i] = u.freeGiB;
    c.provisioned[i] = u.provisionedGiB;
    c.allocated[i] = u.allocatedGiB;
    c.volumes[i] = u.volumes;
    c.version[i] = u.version;
  }
  usageCache.set(to, c);
}
