// A persistent list of pool usage: changing one pool copies one small chunk, not 10,000 references.
import type { PoolUsage } from './backend-state.js';

const BITS = 8;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;

/**
 * Immutable, so a snapshot taken for an explanation stays exact after later placements; `with`
 * shares every chunk but the one it changes (a placement costs O(pools / 256 + 256), not O(pools)).
 */
export class UsageList {
  private constructor(
    private readonly chunks: readonly (readonly PoolUsage[])[],
    readonly length: number,
  ) {}

  static from(items: readonly PoolUsage[]): UsageList {
    const chunks: PoolUsage[][] = [];
    for (let i = 0; i < items.length; i += SIZE) chunks.push(items.slice(i, i + SIZE));
    return new UsageList(chunks, items.length);
  }

  get(i: number): PoolUsage {
    return this.chunks[i >> BITS][i & MASK];
  }

  with(i: number, u: PoolUsage): UsageList {
    const chunks = this.chunks.slice();
    const chunk = chunks[i >> BITS].slice();
    chunk[i & MASK] = u;
    chunks[i >> BITS] = chunk;
    return new UsageList(chunks, this.length);
  }

  /** `with` for several pools at once: each touched chunk is copied once. */
  withAll(changes: readonly (readonly [number, PoolUsage])[]): UsageList {
    const chunks = this.chunks.slice();
    const copied = new Set<number>();
    for (const [i, u] of changes) {
      const c = i >> BITS;
      if (!copied.has(c)) {
        chunks[c] = chunks[c].slice();
        copied.add(c);
      }
      (chunks[c] as PoolUsage[])[i & MASK] = u;
    }
    return new UsageList(chunks, this.length);
  }
}
