// same_host hint: keep only the backend that holds every volume named in the hint.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

export class SameBackendFilter implements PoolFilter {
  readonly name = 'SameBackendFilter';

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    const hint = ctx.sameBackends;
    if (hint === null) return true;
    for (const backend of hint.values()) if (backend !== pool.backendHost) return false;
    return true;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const hint = ctx.sameBackends;
    if (hint === null) return 'no same_host hint';
    if (this.passes(pool, u, ctx)) return `holds volume(s) ${[...hint.keys()].join(', ')}`;
    const [id, backend] = [...hint].find(([, b]) => b !== pool.backendHost)!;
    return backend === '' ? `same_host volume ${id} has no known host` : `same_host volume ${id} is on ${backend}, not ${pool.backendHost}`;
  }

  active(ctx: RequestContext): boolean {
    return ctx.sameBackends !== null;
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
