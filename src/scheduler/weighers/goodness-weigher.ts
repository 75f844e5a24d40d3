// Cinder's GoodnessWeigher: the backend's goodness_function rates each pool 0..100; no function, an error or
// a rating outside 0..100 counts as 0.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { OutcomeKind, expressionColumn, runPoolExpression } from '../pool-expression.js';
import { EvalFailure } from '../expression/index.js';
import type { PoolWeigher } from './pool-weigher.js';

/** The function's result: a number (true/false count as 1/0, as in Cinder), a string, or the failure. */
function rating(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): number | EvalFailure | string {
  const expr = pool.goodnessFunction;
  if (expr === null) return 0;
  const r = runPoolExpression(expr, u, ctx);
  return typeof r === 'boolean' ? (r ? 1 : 0) : r;
}

export class GoodnessWeigher implements PoolWeigher {
  readonly name = 'GoodnessWeigher';
  constructor(readonly multiplier = 1.0) {}

  weigh(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): number {
    const r = rating(pool, u, ctx);
    return typeof r === 'number' && r >= 0 && r <= 100 ? r : 0;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const slot = pool.goodnessFunction?.slot ?? null;
    if (slot === null) return 'no goodness_function: rated 0';
    const r = rating(pool, u, ctx);
    if (r instanceof EvalFailure) return `goodness_function '${slot.source}' failed: ${r.message}; rated 0`;
    if (typeof r !== 'number') return `goodness_function '${slot.source}' gave '${r}', not a number; rated 0`;
    if (r < 0 || r > 100) return `goodness_function '${slot.source}' gave ${r}, outside 0..100; rated 0`;
    return `goodness_function '${slot.source}' = ${r}`;
  }

  /**
   * Batch path (ExpressionColumn.outcomes): remembered ratings where nothing changed, the
   * column form for the rest, weigh() where the column form leaves a pool undecided.
   */
  weighAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    expressionColumn(pools, 'goodness').outcomes(ctx, cand, count, out, OutcomeKind.Rating, 0, (i) => this.weigh(pools[i], usage.get(i), ctx));
  }
}
