// Cinder's CapacityWeigher: more (virtual) free space scores higher; a negative multiplier stacks instead.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { checksThin } from '../filters/capacity-filter.js';
import { gib } from '../filters/pool-filter.js';
import type { PoolWeigher } from './pool-weigher.js';
import { KNOWN, THIN } from '../pool-columns.js';

/** Cinder's calculate_virtual_free_capacity on plain numbers (thin: total × ratio − provisioned − reserve). */
function virtualFreeNumbers(total: number, reserve: number, ratio: number, thin: boolean, free: number, provisioned: number): number {
  return thin ? total * ratio - provisioned - reserve : free - reserve;
}

/** Virtual free GiB; infinite capacity weighs +Infinity, unknown weighs 0. */
export function virtualFree(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): number {
  if (!pool.capacity.known) return pool.capacity.reason === 'infinite' ? Infinity : 0;
  return virtualFreeNumbers(pool.totalGiB, pool.reserveGiB, pool.maxOverSubscriptionRatio, checksThin(pool, ctx), u.freeGiB, u.provisionedGiB);
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

  /** Column path: virtualFreeNumbers() over typed arrays; pools of unknown capacity fall back to the object path. */
  weighAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    const { totalGiB, reserveGiB, ratio, flags } = ctx.poolCols;
    const { free, provisioned } = ctx.usageCols;
    const thickRequest = ctx.provisioningType === 'thick';
    for (let k = 0; k < count; k++) {
      const i = cand[k];
      const f = flags[i];
      out[k] = (f & KNOWN) === 0
        ? this.weigh(pools[i], usage.get(i), ctx)
        : virtualFreeNumbers(totalGiB[i], reserveGiB[i], ratio[i], (f & THIN) !== 0 && !thickRequest, free[i], provisioned[i]);
    }
  }
}
