// Rejects pools whose filter_function or goodness_function does not parse: a backend
// that asked for a rule Flint cannot apply gets no volumes until its operator fixes it.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { PoolFilter } from './pool-filter.js';
import type { RequestContext } from '../request-context.js';
import { BAD_EXPRESSION, poolSummary } from '../pool-columns.js';

export class ValidExpressionsFilter implements PoolFilter {
  readonly name = 'ValidExpressionsFilter';

  passes(pool: PoolEntry, _u: PoolUsage): boolean {
    return pool.expressionErrors.length === 0;
  }

  describe(pool: PoolEntry): string {
    return pool.expressionErrors.length === 0 ? 'filter and goodness functions are valid' : pool.expressionErrors.join('; ');
  }

  /** Inactive while no pool of the list has a bad expression: nothing to reject. */
  active(ctx: RequestContext): boolean {
    return poolSummary(ctx.poolCols).badExpressions > 0;
  }
  /** Column path: one bit test per pool. */
  filterAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    const flags = ctx.poolCols.flags;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      if ((flags[i] & BAD_EXPRESSION) === 0) to[kept++] = i;
    }
    return kept;
  }
}
