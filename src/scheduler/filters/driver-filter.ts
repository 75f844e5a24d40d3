// Cinder's DriverFilter: the backend's filter_function must be true for the volume.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { EvalFailure, truthy } from '../expression/index.js';
import { OutcomeKind, expressionColumn, runPoolExpression } from '../pool-expression.js';
import type { PoolFilter } from './pool-filter.js';

export class DriverFilter implements PoolFilter {
  readonly name = 'DriverFilter';

  passes(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): boolean {
    const expr = pool.filterFunction;
    if (expr === null) return true;
    const r = runPoolExpression(expr, u, ctx);
    return !(r instanceof EvalFailure) && truthy(r);
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const expr = pool.filterFunction;
    if (expr === null) return 'no filter_function';
    const r = runPoolExpression(expr, u, ctx);
    if (r instanceof EvalFailure) return `filter_function '${expr.slot.source}' failed: ${r.message}`;
    return `filter_function '${expr.slot.source}' is ${truthy(r) ? 'true' : 'false'} (${JSON.stringify(r)})`;
  }

  /** Verdict per candidate (1 pass, 0 fail), reused across placements. */
  private verdicts = new Float64Array(1024);

  /**
   * Batch path (ExpressionColumn.outcomes): remembered verdicts where nothing changed, the
   * column form for the rest, the evaluator where the column form leaves a pool undecided.
   */
  filterAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    const col = expressionColumn(pools, 'filter');
    if (this.verdicts.length < count) this.verdicts = new Float64Array(Math.max(count, this.verdicts.length * 2));
    const verdicts = this.verdicts;
    const { slots, slotIndex, poolFrames, requestFrames } = col;
    const frame = ctx.frame;
    col.outcomes(ctx, from, count, verdicts, OutcomeKind.Truthy, 1, (i) => {
      const compiled = slots[slotIndex[i]].compiled;
      if (compiled === undefined) return 0;
      // Same evaluation as passes(), with the frames taken from columns instead of the pool object.
      frame.pool = poolFrames[i];
      frame.live = usage.get(i).live;
      frame.request = requestFrames[slotIndex[i]];
      const r = compiled.tryRun(frame);
      return !(r instanceof EvalFailure) && truthy(r) ? 1 : 0;
    });
    let kept = 0;
    for (let k = 0; k < count; k++) {
      to[kept] = from[k]; // written either way, kept only if it passes: no branch to mispredict
      kept += verdicts[k] === 1 ? 1 : 0;
    }
    return kept;
  }
}
