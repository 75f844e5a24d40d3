// Cinder's AllocatedCapacityWeigher: with the default multiplier -1, the least-allocated pool wins.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { gib } from '../filters/pool-filter.js';
import type { PoolWeigher } from './pool-weigher.js';

export class AllocatedCapacityWeigher implements PoolWeigher {
  readonly name = 'AllocatedCapacityWeigher';
  constructor(readonly multiplier = -1.0) {}

  weigh(_p: PoolEntry, u: PoolUsage): number {
    return u.allocatedGiB;
  }

  describe(_p: PoolEntry, u: PoolUsage): string {
    return `${gib(u.allocatedGiB)} allocated`;
  }

  /** Column path over the usage columns. */
  weighAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    const col = ctx.usageCols.allocated;
    for (let k = 0; k < count; k++) out[k] = col[cand[k]];
  }
}
