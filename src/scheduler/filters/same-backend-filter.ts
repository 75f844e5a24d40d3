// same_host hint: keep only the backend that holds every volume named in the hint.
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
}
