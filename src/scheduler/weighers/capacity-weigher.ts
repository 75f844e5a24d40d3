// Cinder's CapacityWeigher: more (virtual) free space scores higher; a negative multiplier stacks instead.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { checksThin, requestKind } from '../filters/capacity-filter.js';
import { gib } from '../filters/pool-filter.js';
import type { PoolWeigher } from './pool-weigher.js';

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

  /** Column path: virtualFreeNumbers() as worked out when each pool's usage last changed (UsageColumns.virtualFree). */
  weighAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    const col = ctx.usageCols.virtualFree[requestKind(ctx)];
    for (let k = 0; k < count; k++) out[k] = col[cand[k]];
  }
}
