// Rejects pools whose backend has not reported stats within service_down_time (Cinder's is_up check).
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

export class StaleBackendFilter implements PoolFilter {
  readonly name = 'StaleBackendFilter';
  private readonly downMs: number;

  constructor(readonly serviceDownTimeS: number) {
    this.downMs = serviceDownTimeS * 1000;
  }

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    return ctx.nowMs - pool.updatedAtMs <= this.downMs;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const age = Math.round((ctx.nowMs - pool.updatedAtMs) / 1000);
    return this.passes(pool, u, ctx)
      ? `last stats report ${age} s ago`
      : `backend ${pool.backendHost} is down: last stats report ${age} s ago, service_down_time is ${this.serviceDownTimeS} s`;
  }

  // Each filter carries its own copy of this loop so the `this.passes` call is monomorphic and
  // inlined; one shared loop calling eight filter classes would be a megamorphic call per pool.
  filterAll(pools: readonly PoolEntry[], usage: readonly PoolUsage[], ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (this.passes(pools[i], usage[i], ctx)) to[kept++] = i;
    }
    return kept;
  }
}
