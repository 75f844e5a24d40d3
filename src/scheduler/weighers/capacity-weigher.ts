// Cinder's CapacityWeigher: more (virtual) free space scores higher; a negative multiplier stacks instead.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { checksThin } from '../filters/capacity-filter.js';
import { gib } from '../filters/pool-filter.js';
import type { PoolWeigher } from './pool-weigher.js';

/** Cinder's calculate_virtual_free_capacity; infinite capacity weighs +Infinity, unknown weighs 0. */
export function virtualFree(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): number {
  if (!pool.capacity.known) return pool.capacity.reason === 'infinite' ? Infinity : 0;
  const total = pool.totalGiB;
  const reserve = Math.floor((total * pool.reservedPercentage) / 100);
  if (checksThin(pool, ctx)) return total * pool.maxOverSubscriptionRatio - u.provisionedGiB - reserve;
  return u.freeGiB - reserve;
}

export class CapacityWeigher implements PoolWeigher {
  readonly name = 'CapacityWeigher';
  constructor(readonly multiplier = 1.0) {}

  weigh(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): number {
    return virtualFree(pool, u, ctx);
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    if (!pool.capacity.known) return `capacity ${pool.capacity.reason}`;
    return `${gib(virtualFree(pool, u, ctx))} ${checksThin(pool, ctx) ? 'virtual ' : ''}free after reserve`;
  }

  // Own copy of the loop per weigher, so `this.weigh` is monomorphic (see PoolFilter.filterAll).
  weighAll(pools: readonly PoolEntry[], usage: readonly PoolUsage[], ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    for (let k = 0; k < count; k++) {
      const i = cand[k];
      out[k] = this.weigh(pools[i], usage[i], ctx);
    }
  }
}
