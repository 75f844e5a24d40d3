// Placements the scheduler made that a backend's stats cannot show yet. A stats report
// replaces the scheduler's view of a backend; without re-applying these, a burst of
// creates would see the room they already took as free again and over-commit the pool.
import type { BackendStats } from '../drivers/interface/stats.js';

interface Pending {
  poolHost: string;
  backendHost: string;
  sizeGiB: number;
}

export class PendingPlacements {
  private readonly byVolume = new Map<string, Pending>();

  add(volumeId: string, backendHost: string, poolHost: string, sizeGiB: number): void {
    this.byVolume.set(volumeId, { poolHost, backendHost, sizeGiB });
  }

  /** The volume's create ended (landed and reported, failed, or deleted). */
  remove(volumeId: string): boolean {
    return this.byVolume.delete(volumeId);
  }

  has(volumeId: string): boolean {
    return this.byVolume.has(volumeId);
  }

  /** Volume ids still pending on one backend. */
  idsOn(backendHost: string): string[] {
    return [...this.byVolume].filter(([, p]) => p.backendHost === backendHost).map(([id]) => id);
  }

  get size(): number {
    return this.byVolume.size;
  }

  /**
   * A report from `backendHost` that already counts the volumes in `landed`: forget
   * those, and return the stats as they will be once the others land too (Cinder's
   * consume_from_volume: free shrinks, allocated and provisioned grow).
   */
  applyTo(backendHost: string, stats: BackendStats, landed: Iterable<string>): BackendStats {
    for (const id of landed) this.byVolume.delete(id);
    const byPool = new Map<string, { gib: number; count: number }>();
    for (const p of this.byVolume.values()) {
      if (p.backendHost !== backendHost) continue;
      const acc = byPool.get(p.poolHost) ?? { gib: 0, count: 0 };
      acc.gib += p.sizeGiB;
      acc.count += 1;
      byPool.set(p.poolHost, acc);
    }
    if (byPool.size === 0) return stats;
    return {
      ...stats,
      pools: stats.pools.map((pool) => {
        const extra = byPool.get(`${backendHost}#${pool.poolName}`);
        if (!extra) return pool;
        return {
          ...pool,
          capacity: pool.capacity.known ? { ...pool.capacity, freeGiB: pool.capacity.freeGiB - extra.gib } : pool.capacity,
          allocatedCapacityGiB: pool.allocatedCapacityGiB + extra.gib,
          provisionedCapacityGiB: pool.provisionedCapacityGiB + extra.gib,
          totalVolumes: (pool.totalVolumes ?? 0) + extra.count,
        };
      }),
    };
  }
}
