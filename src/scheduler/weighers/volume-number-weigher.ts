// Cinder's VolumeNumberWeigher: with the default multiplier -1, the pool holding fewest volumes wins.
import type { UsageList } from '../usage-list.js';
import type { PoolEntry, PoolUsage } from '../backend-state.js';
import type { RequestContext } from '../request-context.js';
import type { PoolWeigher } from './pool-weigher.js';

export class VolumeNumberWeigher implements PoolWeigher {
  readonly name = 'VolumeNumberWeigher';
  constructor(readonly multiplier = -1.0) {}

  weigh(_p: PoolEntry, u: PoolUsage): number {
    return u.volumes;
  }

  describe(_p: PoolEntry, u: PoolUsage): string {
    return `${u.volumes} volume(s)`;
  }

  /** Column path over the usage columns. */
  weighAll(_pools: readonly PoolEntry[], _usage: UsageList, ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    const col = ctx.usageCols.volumes;
    for (let k = 0; k < count; k++) out[k] = col[cand[k]];
  }
}
