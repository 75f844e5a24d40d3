// Rejects pools whose backend has not reported stats within service_down_time (Cinder's is_up check).
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';
import { poolSummary } from '../pool-columns.js';

export class StaleBackendFilter implements PoolFilter {
  readonly name = 'StaleBackendFilter';
  private readonly downMs: number;

  constructor(readonly serviceDownTimeS: number) {
    this.downMs = serviceDownTimeS * 1000;
  }

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    return pool.updatedAtMs >= ctx.nowMs - this.downMs;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const age = Math.round((ctx.nowMs - pool.updatedAtMs) / 1000);
    return this.passes(pool, u, ctx)
      ? `last stats report ${age} s ago`
      : `backend ${pool.backendHost} is down: last stats report ${age} s ago, service_down_time is ${this.serviceDownTimeS} s`;
  }

  /** Inactive while every pool of the list reported recently enough: nothing to reject. */
  active(ctx: RequestContext): boolean {
    return !(poolSummary(ctx.poolCols).oldestUpdateMs >= ctx.nowMs - this.downMs);
  }
  /** Column path: one comparison per pool over a typed array. */
  filterAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    const at = ctx.poolCols.updatedAtMs;
    const oldest = ctx.nowMs - this.downMs;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if (at[i] >= oldest) to[kept++] = i;
    }
    return kept;
  }
}
