// Cinder's DriverFilter: the backend's filter_function must be true for the volume.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { EvalFailure, truthy } from '../expression/index.js';
import { expressionColumn, runPoolExpression } from '../pool-expression.js';
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

  /** Column values per candidate, reused across placements. */
  private values = new Float64Array(1024);

  /**
   * Batch path: the column form of each expression decides most pools in a few typed-array
   * passes; the rest (strings, missing variables, failures) take the evaluator, where pools
   * whose usage and request binding are unchanged reuse their last verdict.
   */
  filterAll(pools: readonly PoolEntry[], usage: UsageList, ctx: RequestContext, from: Int32Array, count: number, to: Int32Array): number {
    const col = expressionColumn(pools, 'filter');
    const ids = col.bindingIds(ctx);
    if (this.values.length < count) this.values = new Float64Array(Math.max(count, this.values.length * 2));
    const values = this.values;
    col.evaluateColumns(ctx, from, count, values);
    const { slotIndex, memoVersion, memoBinding, memoValue, slots, poolFrames, requestFrames } = col;
    const version = ctx.usageCols.version;
    const frame = ctx.frame;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = from[k];
      const v = values[k];
      let pass: boolean;
      if (v === v) pass = v !== 0; // decided by the column form: truthy() of a number
      else {
        const s = slotIndex[i];
        if (s < 0) pass = true;
        else if (memoVersion[i] === version[i] && memoBinding[i] === ids[s]) pass = memoValue[i] === 1;
        else {
          const compiled = slots[s].compiled;
          if (compiled === undefined) pass = false;
          else {
            // Same evaluation as passes(), with the frames taken from columns instead of the pool object.
            frame.pool = poolFrames[i];
            frame.live = usage.get(i).live;
            frame.request = requestFrames[s];
            const r = compiled.tryRun(frame);
            pass = !(r instanceof EvalFailure) && truthy(r);
          }
          memoVersion[i] = version[i];
          memoBinding[i] = ids[s];
          memoValue[i] = pass ? 1 : 0;
        }
      }
      if (pass) to[kept++] = i;
    }
    return kept;
  }
}
