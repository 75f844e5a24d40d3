// Keeps pools in the availability zone the volume asks for (any zone if it asks for none).
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
}
