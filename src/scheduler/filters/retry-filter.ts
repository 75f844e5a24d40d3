// Skips backends that already failed this request, so a retry goes somewhere new.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

export class RetryFilter implements PoolFilter {
  readonly name = 'RetryFilter';

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    return ctx.excluded.size === 0 || !(ctx.excluded.has(pool.backendHost) || ctx.excluded.has(pool.poolHost));
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    return this.passes(pool, u, ctx)
      ? 'not tried before for this request'
      : `already failed this request (attempt ${ctx.excluded.size} of this volume)`;
  }
}
