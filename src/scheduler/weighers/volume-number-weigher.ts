// Cinder's VolumeNumberWeigher: with the default multiplier -1, the pool holding fewest volumes wins.
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

  // Own copy of the loop per weigher, so `this.weigh` is monomorphic (see PoolFilter.filterAll).
  weighAll(pools: readonly PoolEntry[], usage: readonly PoolUsage[], _ctx: RequestContext, cand: Int32Array, count: number, out: Float64Array): void {
    for (let k = 0; k < count; k++) {
      const i = cand[k];
      out[k] = this.weigh(pools[i], usage[i]);
    }
  }
}
