// Skips backends that already failed this request, so a retry goes somewhere new.
import type { UsageList } from '../usage-list.js';
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

  active(ctx: RequestContext): boolean {
    return ctx.excluded.size > 0;
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
