// Keeps pools in the availability zone the volume asks for (any zone if it asks for none).
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

export class AvailabilityZoneFilter implements PoolFilter {
  readonly name = 'AvailabilityZoneFilter';

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    const az = ctx.req.volume.availabilityZone;
    return az === null || az === undefined || az === '' || pool.availabilityZone === az;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const az = ctx.req.volume.availabilityZone;
    if (!az) return `no zone requested (pool is in ${pool.availabilityZone})`;
    return this.passes(pool, u, ctx) ? `in zone ${az}` : `in zone ${pool.availabilityZone}, volume wants zone ${az}`;
  }

  active(ctx: RequestContext): boolean {
    return !!ctx.req.volume.availabilityZone;
  }

  // Each filter carries its own copy of this loop so the `this.passes` call is monomorphic and
  // inlined; one shared loop calling eight filter classes would be a megamorphic call per pool.
  filterAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (this.passes(pools[i], usage.get(i), ctx)) to[kept++] = i;
    }
    return kept;
  }
}
