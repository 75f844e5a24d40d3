// The filter contract: a fast yes/no per pool, and a reason with numbers for the same inputs.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';

export interface PoolFilter {
  /** Cinder's class name, shown to users (e.g. CapacityFilter). */
  readonly name: string;
  /** Hot path, run for every pool on every placement: no allocation, no strings. `i` is the pool's index in the snapshot. */
  passes(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext, i: number): boolean;
  /**
   * Batch form of passes() over the candidates from[0..count): writes those that pass to `to`
   * (in order) and returns how many. Cinder's filter_all.
   */
  filterAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number;
  /**
   * False when the request gives this filter nothing to check (no hint, no zone…) or the pool
   * list nothing to reject (ctx.poolCols and ctx.usageCols are set): every pool passes and the
   * loop is skipped.
   */
  active?(ctx: RequestContext): boolean;
  /** Why the pool passed or failed, for the same inputs; built only when an explanation is read. */
  describe(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext, i: number): string;
}

/** Numbers in reasons: at most two decimals, no trailing zeros. */
export function gib(n: number): string {
  return `${Number.isFinite(n) ? Math.round(n * 100) / 100 : n} GiB`;
}
export function fmt(n: number): string {
  return String(Number.isFinite(n) ? Math.round(n * 100) / 100 : n);
}
