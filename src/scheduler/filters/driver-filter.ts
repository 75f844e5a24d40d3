// Cinder's DriverFilter: the backend's filter_function must be true for the volume.
import type { PoolEntry, PoolExpression, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { EvalFailure, truthy, type Slot, type Value } from '../expression/index.js';
import type { PoolFilter } from './pool-filter.js';

function sameSlots(a: readonly Slot[], b: readonly Slot[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Run a pool's compiled expression: pool variables bound per report, request variables once per placement. */
export function runPoolExpression(expr: PoolExpression, u: PoolUsage, ctx: RequestContext): Value | EvalFailure {
  const slot = expr.slot;
  if (slot.compiled === undefined) return new EvalFailure(`it is invalid: ${slot.error}`);
  let bound = slot.request;
  if (bound === undefined || bound.owner !== ctx) {
    const frame = slot.compiled.bindRequest(ctx.volumeVars, ctx.qosVars, ctx.extraVars);
    // Keep the previous binding's identity when the values are the same, so memoised results stay valid.
    bound = { owner: ctx, frame: bound !== undefined && sameSlots(bound.frame, frame) ? bound.frame : frame };
    slot.request = bound;
  }
  if (expr.memoUsage === u && expr.memoRequest === bound.frame) return expr.memoValue!;
  const f = ctx.frame;
  f.pool = expr.poolFrame;
  f.live = u.live;
  f.request = bound.frame;
  const r = slot.compiled.tryRun(f);
  expr.memoUsage = u;
  expr.memoRequest = bound.frame;
  expr.memoValue = r;
  return r;
}

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
