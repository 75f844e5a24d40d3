// Cinder's VolumeNumberWeigher: with the default multiplier -1, the pool holding fewest volumes wins.
import type { PoolEntry, PoolUsage } from '../backend-state.js';
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
}
