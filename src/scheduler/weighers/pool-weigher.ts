// The weigher contract: a raw score per pool; the scheduler normalises scores to 0..1 and applies the multiplier.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';

export interface PoolWeigher {
  /** Cinder's class name (e.g. CapacityWeigher). */
  readonly name: string;
  /** Applied after min-max normalisation; negative prefers low raw scores. */
  readonly multiplier: number;
  /** Hot path: the raw score (may be +Infinity for infinite capacity). */
  weigh(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext): number;
  /** Batch form of weigh() over cand[0..count), raw scores into out[0..count). Cinder's weigh_objects. */
  weighAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void;
  /** What the raw score means, built only when an explanation is read. */
  describe(pool: PoolEntry, usage: PoolUsage, ctx: RequestContext): string;
}
