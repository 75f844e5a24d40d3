// Cinder's DriverFilter: the backend's filter_function must be true for the volume.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import { EvalFailure, truthy, type Value } from '../expression/index.js';
import type { PoolFilter } from './pool-filter.js';

/** Run a compiled pool expression with the pool's variables in the shared request scope. */
export function runPoolExpression(
  slot: NonNullable<PoolEntry['filterFunction']>,
  pool: PoolEntry,
  u: PoolUsage,
  ctx: RequestContext,
): Value | EvalFailure {
  if (slot.compiled === undefined) return new EvalFailure(`it is invalid: ${slot.error}`);
  const scope = ctx.scope;
  scope.capabilities = pool.exprCapabilities;
  scope.stats = pool.exprStats;
  scope.live = u.vars;
  return slot.compiled.tryEvaluate(scope);
}

export class DriverFilter implements PoolFilter {
  readonly name = 'DriverFilter';

  passes(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): boolean {
    const slot = pool.filterFunction;
    if (slot === null) return true;
    const r = runPoolExpression(slot, pool, u, ctx);
    return !(r instanceof EvalFailure) && truthy(r);
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const slot = pool.filterFunction;
    if (slot === null) return 'no filter_function';
    const r = runPoolExpression(slot, pool, u, ctx);
    if (r instanceof EvalFailure) return `filter_function '${slot.source}' failed: ${r.message}`;
    return `filter_function '${slot.source}' is ${truthy(r) ? 'true' : 'false'} (${JSON.stringify(r)})`;
  }
}
