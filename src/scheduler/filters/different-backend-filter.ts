// different_host hint: keep only backends holding none of the volumes named in the hint.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolFilter } from './pool-filter.js';

export class DifferentBackendFilter implements PoolFilter {
  readonly name = 'DifferentBackendFilter';

  passes(pool: PoolEntry, _u: PoolUsage, ctx: RequestContext): boolean {
    const hint = ctx.differentBackends;
    if (hint === null) return true;
    for (const backend of hint.values()) if (backend === pool.backendHost) return false;
    return true;
  }

  describe(pool: PoolEntry, u: PoolUsage, ctx: RequestContext): string {
    const hint = ctx.differentBackends;
    if (hint === null) return 'no different_host hint';
    if (this.passes(pool, u, ctx)) return `holds none of volume(s) ${[...hint.keys()].join(', ')}`;
    const [id] = [...hint].find(([, b]) => b === pool.backendHost)!;
    return `different_host volume ${id} is on this backend (${pool.backendHost})`;
  }
}
